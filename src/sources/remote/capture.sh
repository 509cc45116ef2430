# One capture (see capture/script.ts). Run as
#   sh -c 'GUARD OWNSSH CAPTURE' TAG TCPDUMP IFACE SNAPLEN COUNT IDLE MAXLIFE FILTER OWNSSH_MODE
# after guard.sh and ownssh.sh. Markers on stderr: nw-cap: missing|own-ssh|filter|unprotected|
# rejected|started|exit.
tcpd=$1 iface=$2 snap=$3 count=$4 idle=$5 maxlife=$6 filter=$7 mode=$8
command -v "$tcpd" >/dev/null 2>&1 || { echo "nw-cap: missing $tcpd" >&2; exit 127; }
nw_guard "$idle" "$maxlife"
# never netwatch's own SSH connection, whatever the interface and the user's filter
nw_own_filter "$mode" "$filter" || exit 0
if [ -n "$nw_filter" ]; then set -- -- "$nw_filter"; else set --; fi
if ! "$tcpd" -d -i "$iface" "$@" </dev/null >/dev/null; then echo 'nw-cap: rejected' >&2; exit 0; fi
echo "nw-cap: started $$" >&2
{ "$tcpd" -i "$iface" -s "$snap" -c "$count" -U --immediate-mode -w - "$@"; echo "nw-cap: exit $?" >&2; kill -TERM $$; } &
job=$!
while read -r line; do
  [ "$line" = stop ] && break
done
trap '' TERM
kill -TERM 0 2>/dev/null
( sleep 1; kill -TERM 0; sleep 1; kill -KILL 0 ) </dev/null >/dev/null 2>&1 &
wait "$job"
exit 0
