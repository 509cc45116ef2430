# Stale-process view, remote side (see script.ts for the output format). Run as root.
# Preceded by guard.sh. No arguments. A fixed number of forks whatever the process count.
export LC_ALL=C
nw_guard 20 20
cd /proc || { echo '@@error cannot enter /proc'; exit 0; }
echo '@@nw-processes 1'
read -r up _ < uptime && echo "@@uptime $up"
echo "@@clk $(getconf CLK_TCK 2>/dev/null)"
echo "@@self $$"
selfns=$(ls -ln -- "$$/ns/net" 2>/dev/null)
selfns=${selfns##*' -> '}
echo "@@selfns $selfns"

# Every readable netns link; pids outside the node's own netns are the ones looked at closely,
# and the first pid seen in each such netns reads that netns's socket tables. Zombies have no
# readable link: their stat is read too, and they are counted in their parent's netns.
echo '@@netns'
pids= reps= seen= nolink=
nsl=$(ls -ln -- [0-9]*/ns/net 2>/dev/null)
while IFS= read -r l; do
  case $l in
    *' -> net:['*) ;;
    *'/ns/net') p=${l##* }; nolink="$nolink ${p%%/*}"; continue ;;
    *) continue ;;
  esac
  ns=${l##*' -> '}
  p=${l% -> *}; p=${p##* }; p=${p%%/*}
  echo "$p $ns"
  [ "$ns" = "$selfns" ] && continue
  pids="$pids $p"
  case "$seen " in *" $ns "*) ;; *) seen="$seen $ns"; reps="$reps $p" ;; esac
done <<NW_EOF
$nsl
NW_EOF

# stat, cmdline and cgroup of those processes, each line prefixed by its file name (grep -H),
# so a comm or an argument with a newline cannot be taken for another record.
files= fds=
for p in $pids; do files="$files $p/stat $p/cmdline $p/cgroup"; fds="$fds $p/fd"; done
for p in $nolink; do files="$files $p/stat"; done
echo '@@files'
# -a: cmdline has NUL bytes (GNU grep would say "binary file matches"); BusyBox grep has no -a
# and no binary detection
ga=-a
grep -a -q x /dev/null 2>/dev/null
[ $? = 1 ] || ga=
[ -n "$files" ] && grep $ga -H '' $files 2>/dev/null
echo '@@fds'
# /dev/null makes ls print a "PID/fd:" header even when there is one directory
[ -n "$fds" ] && ls -ln $fds /dev/null 2>/dev/null | grep -e ':$' -e 'socket:\['

# Socket tables. Reading PID/net/tcp walks the kernel's whole (global) established hash, a few
# ms per read on a big machine, so a table is read only when the netns's sockstat counts sockets
# of that kind in use, and the reads are spread over 4 parallel greps when grep can write whole
# lines atomically (--line-buffered; lines are far below PIPE_BUF).
echo "@@reps$reps"
echo '@@listen'
g0= g1= g2= g3= n=0
for p in $reps; do
  t=1 u=1 t6=1 u6=1
  while read -r k _ v _; do
    case $k in TCP:) t=$v ;; UDP:) u=$v ;; esac
  done 2>/dev/null < "$p/net/sockstat"
  while read -r k _ v _; do
    case $k in TCP6:) t6=$v ;; UDP6:) u6=$v ;; esac
  done 2>/dev/null < "$p/net/sockstat6"
  f=
  [ "$t" = 0 ] || f="$f $p/net/tcp"
  [ "$u" = 0 ] || f="$f $p/net/udp"
  [ -r "$p/net/tcp6" ] && { [ "$t6" = 0 ] || f="$f $p/net/tcp6"; [ "$u6" = 0 ] || f="$f $p/net/udp6"; }
  case $((n % 4)) in 0) g0="$g0$f" ;; 1) g1="$g1$f" ;; 2) g2="$g2$f" ;; 3) g3="$g3$f" ;; esac
  n=$((n + 1))
done
# TCP LISTEN (0A) and unconnected UDP (07); TCP 07 rows (bound, not listening) are dropped later
re='^ *[0-9]+: [0-9A-F]+:[0-9A-F]{4} [0-9A-F]+:[0-9A-F]{4} (0A|07) '
grep --line-buffered -q x /dev/null 2>/dev/null
if [ $? = 1 ]; then
  w=
  for g in "$g0" "$g1" "$g2" "$g3"; do
    [ -n "$g" ] && { grep --line-buffered -H -E "$re" $g 2>/dev/null & w="$w $!"; }
  done
  [ -n "$w" ] && wait $w
else
  g="$g0$g1$g2$g3"
  [ -n "$g" ] && grep -H -E "$re" $g 2>/dev/null
fi

# The runtime's view. A missing CLI is normal; a failing one is reported with its output.
to=
command -v timeout >/dev/null 2>&1 && to='timeout 5'
if command -v crictl >/dev/null 2>&1; then
  echo '@@runtime crictl-ps'; $to crictl ps -a -o json 2>&1; echo "@@rc $?"
  echo '@@runtime crictl-pods'; $to crictl pods -o json 2>&1; echo "@@rc $?"
else
  echo '@@absent crictl'
fi
if command -v docker >/dev/null 2>&1; then
  echo '@@runtime docker'
  $to docker ps -a --no-trunc --format '{{.ID}}|{{.Label "io.kubernetes.pod.uid"}}|{{.Label "io.kubernetes.pod.namespace"}}|{{.Label "io.kubernetes.pod.name"}}|{{.Label "io.kubernetes.container.name"}}|{{.Label "io.kubernetes.docker.type"}}|{{.State}}' 2>&1
  echo "@@rc $?"
else
  echo '@@absent docker'
fi
echo '@@times'
times
echo '@@end'
