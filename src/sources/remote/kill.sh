# Ends one process of the stale-process view (see kill.ts). Run as root.
# $1 = pid, $2 = its start time (field 22 of /proc/PID/stat, clock ticks since boot) as seen when
# the view was collected, $3 = grace period in tenths of a second before SIGKILL.
# Prints one line: refused mismatch ACTUAL | gone [zombie] | terminated | killed | alive STATE |
# error TEXT. Bounded: at most grace + 3 seconds (the caller caps grace at 60 s).
export LC_ALL=C
pid=$1 want=$2 grace=$3
case $pid in '' | 0* | *[!0-9]*) echo 'error bad pid'; exit 0 ;; esac
case $want in '' | *[!0-9]*) echo 'error bad start time'; exit 0 ;; esac
case $grace in '' | *[!0-9]*) echo 'error bad grace'; exit 0 ;; esac

# state and start time of $pid, or failure when it is gone (sets st and start)
look() {
  s=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  [ -n "$s" ] || return 1
  r=${s##*') '}
  set -f; set -- $r; set +f
  st=$1 start=${20}
}
# true while the same process is still running (not gone, not reused, not a zombie)
running() { look && [ "$start" = "$want" ] && [ "$st" != Z ] && [ "$st" != X ]; }

look || { echo gone; exit 0; }
[ "$start" = "$want" ] || { echo "refused mismatch $start"; exit 0; }
[ "$st" = Z ] && { echo 'gone zombie'; exit 0; }

step=1
sleep 0.1 2>/dev/null || step=10
nap() { if [ "$step" = 1 ]; then sleep 0.1; else sleep 1; fi; }

err=$(kill -TERM "$pid" 2>&1) || {
  running || { echo gone; exit 0; }
  echo "error $err"; exit 0
}
waited=0
while [ "$waited" -lt "$grace" ]; do
  running || { echo terminated; exit 0; }
  nap; waited=$((waited + step))
done
running || { echo terminated; exit 0; }
kill -KILL "$pid" 2>/dev/null
waited=0
while [ "$waited" -lt 30 ]; do
  running || { echo killed; exit 0; }
  nap; waited=$((waited + step))
done
running || { echo killed; exit 0; }
echo "alive $st"
