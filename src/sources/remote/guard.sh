nw_guard() {
  trap 'trap - EXIT HUP INT PIPE; trap "" TERM; kill -TERM 0 2>/dev/null; exit 0' EXIT HUP TERM INT PIPE
  nw_main=$$
  (
    trap - EXIT
    trap 'exit 0' TERM
    idle=$1 cap=$2 waited=0 still=0 last=
    while sleep 1; do
      waited=$((waited + 1))
      # the main process is gone (it may have exec'd and exited): end what it left behind
      if ! kill -0 "$nw_main" 2>/dev/null; then trap '' TERM; kill -TERM 0 2>/dev/null; exit 0; fi
      cur=
      if [ -r /proc/$nw_main/io ]; then
        while read -r k v; do
          if [ "$k" = rchar: ]; then cur=$v; break; fi
        done < /proc/$nw_main/io
      else
        read -r cur < /proc/$nw_main/schedstat
      fi
      if [ "$cur" = "$last" ]; then still=$((still + 1)); else still=0; last=$cur; fi
      if [ "$still" -ge "$idle" ] || [ "$waited" -ge "$cap" ]; then
        trap '' TERM
        kill -TERM 0 2>/dev/null
        sleep 2
        kill -KILL 0 2>/dev/null
        exit 0
      fi
    done
  ) </dev/null >/dev/null 2>&1 &
}
