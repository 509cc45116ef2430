# Ends a sampler an earlier connection of THIS netwatch instance left on the node (its channel
# died with the network and its guard has not fired yet). Args: $1 = the sampler's process tag
# (nw-s-<instance>): every script netwatch starts runs as `sh -c SCRIPT TAG ...`. Other
# instances (a pairing partner's netwatch) have other tags and are never touched. Captures have
# their own sweep (capture/sweep.ts), which spares captures of the current connection.
suffix=$1
case $suffix in nw-s-[a-z0-9]*) ;; *) echo "bad tag" >&2; exit 2;; esac
me=$$
# The pattern goes in on stdin so that grep's own command line does not contain it.
printf '%s\n' "$suffix" | grep -l -a -F -f - /proc/[0-9]*/cmdline 2>/dev/null | while IFS=/ read -r _ _ pid _; do
  [ "$pid" = "$me" ] && continue
  [ -r "/proc/$pid/stat" ] || continue
  read -r line < "/proc/$pid/stat" || continue
  rest=${line##*) }
  set -- $rest
  pgid=$3
  case $pgid in ''|0|1|*[!0-9]*) continue;; esac
  # only process groups led by one of our scripts
  [ "$pgid" = "$pid" ] || continue
  kill -TERM "-$pgid" 2>/dev/null && echo "swept $pid"
done
exit 0
