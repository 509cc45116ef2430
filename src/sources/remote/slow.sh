# The slow collectors (issue 10): run by the sampler's awk as one section group on a request
# with the "x" flag, at most once per --slow-every and on demand (key R). Same framing as
# sampler.sh's snippets: every section is "@@ LEN NAME[ !REASON]" and then exactly LEN bytes and
# a newline. Every command is time-bounded with timeout(1) when the node has it (else run
# plain); a missing tool gives "@@ 0 NAME !notool TOOL".
#
# Set by awk before this text, each validated there (digits / lowercase hex only, or empty):
#   nw_hl, nw_hn  the hash netwatch already has of the legacy / nft rule set ("" = none)
#   nw_hr         the hash netwatch has of kube-proxy's nft tables ("" = none; section nftrs, at the end)
#   nw_to         seconds each command may take
# and from sampler.sh's environment: nw_root (a directory standing in for /, tests only).
#
# Sections:
#   iptv        `iptables -V`
#   ipt_legacy  iptables-legacy-save, ipt_nft  iptables-nft-save (no such tool: iptables-save,
#               filed under the backend `iptables -V` names). The save text is stripped of its
#               comment lines and [packets:bytes] counters and hashed ON THE NODE (md5sum, else
#               cksum); the answer is "hash H", then the stripped text, then "@@counts" and
#               "count TABLE N" lines; when H equals the hash netwatch sent: "same H" and the
#               counts only.
#   ipvs        /proc/net/ip_vs as is (small); ipvsconn /proc/net/ip_vs_conn counted here per
#               "PROTO VADDR VPORT STATE N"
#   agents      "uptime S", "hz N", then "NAME PID STARTTICKS" per process whose comm is a node agent
#   hairpin     conntrack TCP entries whose reply source is the original source (a pod reaching
#               itself through a Service VIP) and that are unanswered: at most 50, as printed
nw_to=${nw_to:-5}
if command -v timeout >/dev/null 2>&1; then nw_tm() { timeout "$nw_to" "$@"; }; else nw_tm() { "$@"; }; fi
# sf: a shell function, not time-bounded itself (its commands are); sx: one command, bounded
sf() { n=$1; shift; o=$("$@" 2>&1); r=$?; e=; [ "$r" = 0 ] || e=" !exit $r"; [ "$r" = 124 ] && e=" !timeout ${nw_to}s"; printf "@@ %s %s%s\n%s\n" "${#o}" "$n" "$e" "$o"; }
sx() { n=$1; shift; sf "$n" nw_tm "$@"; }
tx() { if command -v "$2" >/dev/null 2>&1; then sx "$@"; else printf "@@ 0 %s !notool %s\n\n" "$1" "$2"; fi; }
if command -v md5sum >/dev/null 2>&1; then nw_hash() { md5sum | { read -r h _; printf "%s" "$h"; }; }
elif command -v cksum >/dev/null 2>&1; then nw_hash() { cksum | { read -r c l; printf "%010d%d" "$c" "$l"; }; }
else nw_hash() { cat >/dev/null; printf 0; }; fi
# iptsave SECTION TOOL KNOWN_HASH
iptsave() {
  n=$1 k=$3
  if ! command -v "$2" >/dev/null 2>&1; then printf "@@ 0 %s !notool %s\n\n" "$n" "$2"; return 0; fi
  o=$( { nw_tm "$2" 2>&1; echo "@@rc $?"; } | awk '
    $1 == "@@rc" { rc = $2; next }
    /^#/ { next }
    { sub(/ \[[0-9]+:[0-9]+\]$/, ""); sub(/^\[[0-9]+:[0-9]+\] /, ""); print }
    /^\*/ { t = substr($0, 2); if (!(t in c)) c[t] = 0 }
    /^-A / { c[t]++ }
    END { print ""; print "@@counts"; for (t in c) print "count", t, c[t]; print "rc", rc + 0 }')
  r=${o##*rc }
  if [ "$r" != 0 ]; then
    o=${o%%
@@counts*}
    e="exit $r"; [ "$r" = 124 ] && e="timeout ${nw_to}s"
    printf "@@ %s %s !%s\n%s\n" "${#o}" "$n" "$e" "$o"; return 0
  fi
  o=${o%
rc *}
  h=$(printf "%s" "${o%%
@@counts*}" | nw_hash)
  if [ -n "$k" ] && [ "$h" = "$k" ]; then o="same $h
${o##*
@@counts
}"
  else o="hash $h
$o"; fi
  printf "@@ %s %s\n%s\n" "${#o}" "$n" "$o"
}
o=
tx iptv iptables -V
nw_v=$o
if command -v iptables-legacy-save >/dev/null 2>&1 || command -v iptables-nft-save >/dev/null 2>&1 || ! command -v iptables-save >/dev/null 2>&1; then
  iptsave ipt_legacy iptables-legacy-save "$nw_hl"
  iptsave ipt_nft iptables-nft-save "$nw_hn"
else
  case $nw_v in
  *nf_tables*) printf "@@ 0 ipt_legacy !notool iptables-legacy-save\n\n"; iptsave ipt_nft iptables-save "$nw_hn";;
  *) iptsave ipt_legacy iptables-save "$nw_hl"; printf "@@ 0 ipt_nft !notool iptables-nft-save\n\n";;
  esac
fi
if [ -r "$nw_root/proc/net/ip_vs" ]; then sx ipvs cat "$nw_root/proc/net/ip_vs"; else printf "@@ 0 ipvs !nofile /proc/net/ip_vs\n\n"; fi
if [ -r "$nw_root/proc/net/ip_vs_conn" ]; then
  sx ipvsconn awk 'FNR > 1 && NF >= 8 { c[$1 " " $4 " " $5 " " $8]++ } END { for (k in c) print k, c[k] }' "$nw_root/proc/net/ip_vs_conn"
else printf "@@ 0 ipvsconn !nofile /proc/net/ip_vs_conn\n\n"; fi
agents() {
  read -r up _ < "$nw_root/proc/uptime"; printf "uptime %s\n" "$up"
  hz=$(getconf CLK_TCK 2>/dev/null) || hz=100; printf "hz %s\n" "${hz:-100}"
  for f in "$nw_root"/proc/[0-9]*/comm; do
    read -r c 2>/dev/null < "$f" || continue
    case $c in
    kube-proxy|calico-node|calico-felix|bird|bird6|cilium-agent|flanneld|aws-k8s-agent|aws-node|netd|anetd|kube-router|antrea-agent|weaver|ovs-vswitchd|kubelet|containerd|dockerd|crio)
      p=${f%/comm}; read -r st 2>/dev/null < "$p/stat" || continue
      set -f; set -- ${st##*) }; set +f
      [ $# -ge 20 ] || continue; shift 19
      printf "%s %s %s\n" "$c" "${p##*/}" "$1";;
    esac
  done
  return 0
}
sf agents agents
hpawk='{ s = ""; r = ""; n = 0; st = "" }
{ for (i = 1; i <= NF; i++) { if ($i ~ /^src=/) { n++; if (n == 1) s = $i; else if (n == 2) r = $i } else if ($i ~ /^(SYN_SENT|\[UNREPLIED\])$/) st = $i } }
n >= 2 && s == r && st != "" { print; if (++k >= 50) exit }'
if [ -r "$nw_root/proc/net/nf_conntrack" ]; then sx hairpin awk "$hpawk" "$nw_root/proc/net/nf_conntrack"
elif command -v conntrack >/dev/null 2>&1; then
  hp() { { nw_tm conntrack -L -p tcp 2>/dev/null; echo "@@rc $?"; } | awk '$1 == "@@rc" { rc = $2; next } '"$hpawk"' END { exit rc }'; }
  sf hairpin hp
else printf "@@ 0 hairpin !notool conntrack\n\n"; fi
# ---- nftrs: kube-proxy's nftables-mode tables (Kubernetes >= 1.29), only where nft exists:
# `nft list table ip kube-proxy` and `ip6 kube-proxy` by name; a table that is not there ("No such
# file or directory") is skipped. Not `nft list tables` / `nft list ruleset`: nft fetches the whole
# rule set for those, ~90 ms of CPU on a node with 5,000 iptables-nft rules (which ipt_nft reads
# anyway), where a table by name costs ~5 ms. Answered like ipt_*: comment lines, "# handle N" and
# counter and set-timeout values stripped, hashed on the node, "same H" + counts when nw_hr (the
# hash netwatch has) equals it; "count FAMILY NAME N" = rules per table. Each nft run bounded by nw_tm.
nftlist() {
  for ft in "ip kube-proxy" "ip6 kube-proxy"; do
    # $ft: two constant words, split on purpose
    nl=$(nw_tm nft list table $ft 2>&1); r=$?
    case $r:$nl in
    0:*) printf "%s\n" "$nl";;
    1:*"No such file or directory"*) ;;
    *) printf "%s\n" "$nl"; return "$r";;
    esac
  done
}
nftsave() {
  n=$1 k=$2
  o=$( { nftlist; echo "@@rc $?"; } | awk '
    $1 == "@@rc" { rc = $2; next }
    /^[ \t]*#/ { next }
    {
      sub(/ # handle [0-9]+$/, "")
      gsub(/counter packets [0-9]+ bytes [0-9]+/, "counter")
      gsub(/ expires [0-9hmsd.]+/, "")
      print
      if ($1 == "table" && d == 0) { t = $2 " " $3; if (!(t in c)) c[t] = 0 }
      else if (d == 1 && $1 == "chain") ch = 1
      else if (d == 2 && ch && $1 != "}" && $1 != "type" && $1 != "comment") c[t]++
      d += gsub(/\{/, "{") - gsub(/\}/, "}")
      if (d < 2) ch = 0
    }
    END { print ""; print "@@counts"; for (t in c) print "count", t, c[t]; print "rc", rc + 0 }')
  r=${o##*rc }
  if [ "$r" != 0 ]; then
    o=${o%%
@@counts*}
    e="exit $r"; [ "$r" = 124 ] && e="timeout ${nw_to}s"
    printf "@@ %s %s !%s\n%s\n" "${#o}" "$n" "$e" "$o"; return 0
  fi
  o=${o%
rc *}
  h=$(printf "%s" "${o%%
@@counts*}" | nw_hash)
  if [ -n "$k" ] && [ "$h" = "$k" ]; then o="same $h
${o##*
@@counts
}"
  else o="hash $h
$o"; fi
  printf "@@ %s %s\n%s\n" "${#o}" "$n" "$o"
}
if command -v nft >/dev/null 2>&1; then nftsave nftrs "$nw_hr"; else printf "@@ 0 nftrs !notool nft\n\n"; fi
