# The reconnect sweep: ends what earlier connections of THIS netwatch instance left on the node
# (samplers, captures, collectors… whose channel died with the network and whose guard has not
# fired yet). Args: $1 = instance id, $2 = the current connection's epoch (spared).
# A candidate is a `sh -c SCRIPT TAG ...` process (argv[1] = -c; or the sampler's awk, which
# carries `-v nwtag=TAG`) whose TAG is
# nw-<code>-<instance> (the sampler: always from an earlier connection, as netwatch starts it
# only after this sweep) or nw-<code>-<instance>-<epoch> with another epoch (see tags.ts).
# Other instances (a pairing partner's netwatch) are never touched. NUL and newline are swapped
# before sed, as the script in argv[2] has newlines. When a candidate leads its process group
# (sshd, LocalTransport) the group gets TERM, then KILL a second later; when it does not (under
# sudo) the script gets TERM and its guard's trap ends its group. Prints "swept PID TAG".
inst=$1 keep=$2
case $inst in ''|*[!a-z0-9]*) echo "nw-sweep: bad instance" >&2; exit 2;; esac
case $keep in ''|*[!0-9]*) echo "nw-sweep: bad epoch" >&2; exit 2;; esac
me=$$ groups= pids=
# nw_sweep PID TAG: TERM its group (when it leads one) or itself, unless it is spared
nw_sweep() {
  case $2 in
    nw-*-"$inst"-"$keep") return;;
    nw-*-"$inst"|nw-*-"$inst"-*) ;;
    *) return;;
  esac
  read -r stat 2>/dev/null < "/proc/$1/stat" || return
  rest=${stat##*) }
  set -- "$1" "$2" $rest
  pgid=$5
  case $pgid in ''|*[!0-9]*) return;; esac
  if [ "$pgid" = "$1" ]; then kill -TERM "-$1" 2>/dev/null && groups="$groups $1"
  else kill -TERM "$1" 2>/dev/null && pids="$pids $1"; fi
  echo "swept $1 $2"
}
scripts=$(grep -lzx -e "nw-[a-z]*-$inst" -e "nw-[a-z]*-$inst-[0-9]*" /proc/[0-9]*/cmdline 2>/dev/null)
awks=$(grep -lzx -e "nwtag=nw-[a-z]*-$inst" /proc/[0-9]*/cmdline 2>/dev/null)
set -f
for f in $scripts; do
  IFS=/; set -- $f; IFS=' 	
'
  pid=$3
  [ "$pid" = "$me" ] && continue
  set -- $(tr '\0\n' '\n\0' 2>/dev/null < "$f" | sed -n '2p;4p')
  [ $# -eq 2 ] && [ "$1" = -c ] || continue
  nw_sweep "$pid" "$2"
done
# the sampler's shell execs awk, which keeps the tag as `-v nwtag=TAG` (sampler.sh)
for f in $awks; do
  IFS=/; set -- $f; IFS=' 	
'
  pid=$3
  set -- $(tr '\0\n' '\n\0' 2>/dev/null < "$f" | grep -a -x -B1 -e "nwtag=nw-[a-z]*-$inst")
  [ $# -eq 2 ] && [ "$1" = -v ] || continue
  nw_sweep "$pid" "${2#nwtag=}"
done
if [ -n "$groups$pids" ]; then
  sleep 1
  for g in $groups; do kill -KILL "-$g" 2>/dev/null; done
  for p in $pids; do kill -KILL "$p" 2>/dev/null; done
fi
exit 0
