# Filter check alone (the prompt, the CLI): tcpdump compiles the filter a capture would apply
# (the user's, with netwatch's own SSH connection excluded) for the interface, capturing nothing.
#   sh -c 'GUARD OWNSSH CHECK' TAG TCPDUMP IFACE FILTER OWNSSH_MODE
tcpd=$1 iface=$2 filter=$3 mode=$4
command -v "$tcpd" >/dev/null 2>&1 || { echo "nw-cap: missing $tcpd" >&2; exit 127; }
nw_guard 15 30
nw_own_filter "$mode" "$filter" || exit 0
if [ -n "$nw_filter" ]; then set -- -- "$nw_filter"; else set --; fi
if "$tcpd" -d -i "$iface" "$@" >/dev/null; then echo 'nw-cap: valid' >&2; else echo 'nw-cap: rejected' >&2; fi
exit 0
