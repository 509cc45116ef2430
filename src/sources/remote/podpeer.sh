# For each pid argument (one process per pod), print what its network namespace's eth0 says
# about its peer: "PID eth0@if12 3 0" = peer index 12, eth0's own index 3, link-netnsid 0 ("-"
# when ip shows none); or "PID host" when it shares the node's namespace. Args: PID...
nsn=
[ -r /proc/1/ns/net ] && nsn=$(readlink /proc/1/ns/net)
for p in "$@"; do
  case $p in *[!0-9]*|'') continue;; esac
  [ -e "/proc/$p/ns/net" ] || continue
  if [ -n "$nsn" ] && [ "$(readlink "/proc/$p/ns/net")" = "$nsn" ]; then echo "$p host"; continue; fi
  nsenter -t "$p" -n ip -o link show 2>/dev/null | while read -r idx name rest; do
    case $name in
      eth0@*)
        nid=-
        case $rest in *'link-netnsid '*) nid=${rest##*link-netnsid }; nid=${nid%% *};; esac
        echo "$p ${name%:} ${idx%:} $nid";;
    esac
  done
done
