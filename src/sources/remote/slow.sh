# The slow collectors (issue 10): run by the sampler's awk as one section group on a request
# with the "x" flag, at most once per --slow-every and on demand (key R). Same framing as
# sampler.sh's snippets: every section is "@@ LEN NAME[ !REASON]" and then exactly LEN bytes and
# a newline. Every command is time-bounded with timeout(1) when the node has it (else run
# plain); a missing tool gives "@@ 0 NAME !notool TOOL".
#
# Set by awk before this text, each validated there (digits / lowercase hex only, or empty):
#   nw_hl, nw_hn  the hash netwatch already has of the legacy / nft rule set ("" = none)
#   nw_hr         the hash netwatch has of kube-proxy's nft tables ("" = none; section nftrs, at the end)
#   nw_mn         the nft watcher's mark netwatch got last ("PID.START.INODE.NVCSW", "" = none)
#   nw_to         seconds each command may take
# and from sampler.sh's environment: nw_root (a directory standing in for /, tests only).
#
# Sections:
#   iptv        `iptables -V`
#   ipt_legacy  iptables-legacy-save, ipt_nft  iptables-nft-save (no such tool: iptables-save,
#               filed under the backend `iptables -V` names). The save text is stripped of its
#               comment and blank lines and [packets:bytes] counters and hashed ON THE NODE
#               (md5sum, else cksum); the answer is "hash H", then the stripped text, then
#               "@@counts" and "count TABLE N" lines; when H equals the hash netwatch sent: "same H"
#               alone. The change signal that runs first (the full text is read only when it
#               fires): legacy, the save streamed straight into the hash (no copy in the shell);
#               nft, the watcher below (nftmark), else the same streamed hash.
#   nftmark     the nft watcher's mark (before ipt_nft), or "!notool xtables-monitor" / "!nowatch …"
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
# the stripped save text: no "#" lines, no blank lines, no [packets:bytes] counters
# (counters end a ":CHAIN" line, or start a rule line with -c; a test of the first byte is cheap)
nw_strip='{ nw_c1 = substr($0, 1, 1) }
nw_c1 == "#" || $0 == "" { next }
nw_c1 == ":" { sub(/ \[[0-9]+:[0-9]+\]$/, "") }
nw_c1 == "[" { sub(/^\[[0-9]+:[0-9]+\] /, "") }'
# nw_sig TOOL: the hash of TOOL's stripped text, streamed (no copy held in the shell); a failed
# run adds an "@@rc N" line, so its hash matches no hash of a good read
nw_sig() { { nw_tm "$1" 2>&1; echo "@@rc $?"; } | awk "\$1 == \"@@rc\" { if (\$2 != 0) print; next } $nw_strip { print }" | nw_hash; }
# iptsave SECTION TOOL KNOWN_HASH SKIP: SKIP=1 when the nft watcher saw no change since the copy
# netwatch holds (nothing runs: "same KNOWN_HASH"); else with KNOWN_HASH set, the streamed hash
# first (legacy: the exact change signal), and the text only when it differs
iptsave() {
  n=$1 k=$3
  if ! command -v "$2" >/dev/null 2>&1; then printf "@@ 0 %s !notool %s\n\n" "$n" "$2"; return 0; fi
  if [ -n "$k" ] && [ "$4" = 1 ]; then o="same $k"; printf "@@ %s %s\n%s\n" "${#o}" "$n" "$o"; return 0; fi
  if [ -n "$k" ] && [ "$4" != full ]; then
    h=$(nw_sig "$2")
    if [ "$h" = "$k" ] && [ "$h" != 0 ]; then o="same $h"; printf "@@ %s %s\n%s\n" "${#o}" "$n" "$o"; return 0; fi
  fi
  # awk holds the text and prints "rc N", the counts, "@@text", then the text: the shell cuts
  # only near the start of its copy (a pattern scan from the far end of 700 KB costs ~70 ms in dash)
  o=$( { nw_tm "$2" 2>&1; echo "@@rc $?"; } | awk '
    $1 == "@@rc" { rc = $2; next }
    '"$nw_strip"'
    /^\*/ { t = substr($0, 2); if (!(t in c)) c[t] = 0 }
    /^-A / { c[t]++ }
    { l[++nl] = $0 }
    END { print "rc", rc + 0; for (t in c) print "count", t, c[t]; print "@@text"; for (i = 1; i <= nl; i++) print l[i] }')
  hd=${o%%
@@text*}
  case $o in *"
@@text
"*) x=${o#*
@@text
};; *) x=;; esac
  r=${hd%%
*}; r=${r#rc }
  if [ "$r" != 0 ]; then
    e="exit $r"; [ "$r" = 124 ] && e="timeout ${nw_to}s"
    printf "@@ %s %s !%s\n%s\n" "${#x}" "$n" "$e" "$x"; return 0
  fi
  case $hd in *"
"*) cn=${hd#*
};; *) cn=;; esac
  if [ -n "$x" ]; then h=$(printf "%s\n" "$x" | nw_hash); else h=$(printf "" | nw_hash); fi
  if [ -n "$k" ] && [ "$h" = "$k" ] && [ "$h" != 0 ]; then o="same $h"
  else o="hash $h
$x

@@counts
$cn"; fi
  printf "@@ %s %s\n%s\n" "${#o}" "$n" "$o"
}
# The nft backend's change signal: xtables-monitor -e, started here on the first read and left
# running in the sampler's process group (the guard and awk's END end it with the rest). It
# sleeps in recv on its nfnetlink event socket and wakes for every ruleset change (any table, any
# family, every commit); each wakeup ends in a voluntary context switch. Its mark is
# "PID.STARTTICKS.INODE.NVCSW": netwatch sends it back; unchanged = the same process, still
# asleep (state S), nothing queued or dropped on that socket (/proc/net/netlink Rmem, Drops) and
# the same voluntary_ctxt_switches. NVCSW is read before anything else, so a change landing
# during this read shows at the next one. NVCSW 0 (never the count of a sleeping process) asks
# for a read without the watcher's word (netwatch's bound): the streamed hash decides, as for legacy.
# nw_wcheck PID START INODE: 0 when that watcher is alive (nw_v = its NVCSW; nw_idle=1 when it is
# asleep with nothing queued or dropped), else 1
nw_wcheck() {
  nw_idle=0 nw_v=
  [ -r "/proc/$1/status" ] || return 1
  while read -r a b; do if [ "$a" = voluntary_ctxt_switches: ]; then nw_v=$b; break; fi; done < "/proc/$1/status"
  read -r st < "/proc/$1/stat" || return 1
  case $st in "$1 (xtables-monitor) "*) ;; *) return 1;; esac
  set -f; set -- "$@" ${st##*) }; set +f
  [ -n "$nw_v" ] && [ $# -ge 23 ] && [ "${23}" = "$2" ] || return 1
  nw_s=$4 nw_i=$3
  while read -r sk eth pid grp rm wm dump lk dr ino _; do
    if [ "$ino" = "$nw_i" ]; then
      if [ "$nw_s" = S ] && [ "$rm" = 0 ] && [ "$dr" = 0 ]; then nw_idle=1; fi
      return 0
    fi
  done < /proc/net/netlink
  return 1
}
# nw_wstart: start a watcher and wait (polls 0.05 s, at most nw_to s) until its event socket is
# bound (a NETLINK_NETFILTER (12) socket of its own with group NFNLGRP_NFTABLES, bit 0x40) and it
# sleeps.
# Prints "PID START INODE", else ends it and prints nothing
nw_wstart() {
  xtables-monitor -e </dev/null >/dev/null 2>&1 &
  wp=$! j=0
  while [ "$j" -lt $((nw_to * 20)) ]; do
    j=$((j + 1))
    sleep 0.05 2>/dev/null || sleep 1
    [ -r "/proc/$wp/stat" ] || return 1
    fds=$(ls -l "/proc/$wp/fd/" 2>/dev/null)
    while read -r sk eth pid grp rm wm dump lk dr ino _; do
      [ "$eth" = 12 ] || continue
      case $grp in *[4567cdef]?) ;; *) continue;; esac
      case $fds in
      *"-> socket:[$ino]"*)
        # and asleep (in recv): its count of switches is settled
        read -r st < "/proc/$wp/stat" || return 1
        set -f; set -- ${st##*) }; set +f
        if [ "$1" = S ]; then printf "%s %s %s" "$wp" "${20}" "$ino"; return 0; fi;;
      esac
    done < /proc/net/netlink
  done
  kill "$wp" 2>/dev/null
  return 1
}
# nw_watch: sets nw_skip (1 = the watcher saw nothing since netwatch's copy, full = it saw a
# change: read the text at once, "" = the streamed hash decides) and nw_wm (the mark to send
# back; "" = no watcher, "!nowatch REASON" from nw_wr)
nw_watch() {
  nw_skip= nw_wm= nw_wr=
  if ! command -v xtables-monitor >/dev/null 2>&1; then nw_wr="notool xtables-monitor"; return 0; fi
  if [ ! -r /proc/net/netlink ]; then nw_wr="nofile /proc/net/netlink"; return 0; fi
  for nw_t in ls sed sleep; do command -v "$nw_t" >/dev/null 2>&1 || { nw_wr="notool $nw_t"; return 0; }; done
  if [ -n "$nw_mn" ]; then
    set -f; nw_ifs=$IFS; IFS=.; set -- $nw_mn; IFS=$nw_ifs; set +f
    if [ $# = 4 ] && nw_wcheck "$1" "$2" "$3"; then
      nw_wm="$1.$2.$3.$nw_v"
      # asleep with the same count: unchanged; NVCSW 0 (netwatch's bound): the streamed hash
      # decides; else (the watcher woke: a change) straight to the full read
      if [ "$4" = 0 ]; then :; elif [ "$nw_idle" = 1 ] && [ "$nw_v" = "$4" ]; then nw_skip=1; else nw_skip=full; fi
      return 0
    fi
  fi
  w=$(nw_wstart)
  set -f; set -- $w; set +f
  if [ $# = 3 ] && nw_wcheck "$1" "$2" "$3"; then nw_wm="$1.$2.$3.$nw_v"; else nw_wr="nowatch xtables-monitor did not start"; fi
  return 0
}
wmark() { if [ -n "$nw_wm" ]; then printf "@@ %s nftmark\n%s\n" "${#nw_wm}" "$nw_wm"; else printf "@@ 0 nftmark !%s\n\n" "$nw_wr"; fi; }
o= nw_skip=
tx iptv iptables -V
nw_ver=$o
if command -v iptables-legacy-save >/dev/null 2>&1 || command -v iptables-nft-save >/dev/null 2>&1 || ! command -v iptables-save >/dev/null 2>&1; then
  iptsave ipt_legacy iptables-legacy-save "$nw_hl"
  if command -v iptables-nft-save >/dev/null 2>&1; then nw_watch; wmark; fi
  iptsave ipt_nft iptables-nft-save "$nw_hn" "$nw_skip"
else
  case $nw_ver in
  *nf_tables*) printf "@@ 0 ipt_legacy !notool iptables-legacy-save\n\n"; nw_watch; wmark; iptsave ipt_nft iptables-save "$nw_hn" "$nw_skip";;
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
# the nft watcher (above) sees every nft table's changes too: when it saw none since netwatch's
# copy, nft does not run either
if ! command -v nft >/dev/null 2>&1; then printf "@@ 0 nftrs !notool nft\n\n"
elif [ -n "$nw_hr" ] && [ "$nw_skip" = 1 ]; then o="same $nw_hr"; printf "@@ %s nftrs\n%s\n" "${#o}" "$o"
else nftsave nftrs "$nw_hr"; fi
