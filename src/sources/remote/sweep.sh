# Ends what an earlier connection of THIS netwatch instance left on the node (a sampler or a
# capture whose channel died with the network). Args: $1 = the instance's process-tag suffix
# (e.g. "-3f9c2a"); every script netwatch starts runs as `sh -c SCRIPT nw-KIND-SUFFIX ...`.
# Other instances (a pairing partner's netwatch) have other suffixes and are never touched.
suffix=$1
case $suffix in -[a-z0-9]*) ;; *) echo "bad suffix" >&2; exit 2;; esac
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
  kill -TERM -- "-$pgid" 2>/dev/null && echo "swept $pid"
done
exit 0
