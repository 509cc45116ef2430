nw_guard "$1" "$2"
export LC_ALL=C
# without awk there is no sampler: say so on stderr ("E " lines reach the node's row) and end (the guard
# sees this shell gone and ends itself within a second)
if ! command -v awk >/dev/null 2>&1; then printf 'E awk not found\n' >&2; trap - EXIT; exit 127; fi
# NW_SAMPLER_ROOT: a directory standing in for / (tests run the real script on a fake tree); unset on nodes
nw_root=${NW_SAMPLER_ROOT:-}
if [ -r "$nw_root/dev/kmsg" ]; then
  if grep --line-buffered -F x /dev/null >/dev/null 2>&1; then
    ( grep --line-buffered -F 'nf_conntrack: table full' "$nw_root/dev/kmsg" | while IFS= read -r l; do printf 'K %s\n' "$l" >&2; done ) </dev/null &
  else
    ( cat "$nw_root/dev/kmsg" | while IFS= read -r l; do case $l in *'nf_conntrack: table full'*) printf 'K %s\n' "$l" >&2;; esac; done ) </dev/null &
  fi
else
  printf 'N kmsg unreadable\n' >&2
fi
# The tick loop is one long-lived awk: it reads every per-tick file itself (getline, no fork per
# tick) and prints each line as ".PATH:LINE". Slower sections run shell snippets from the
# environment (one sh per section group). awk replaces this shell (exec), so the guard watches
# awk's own reads of the tick requests.
#
# Framing (any byte an interface name, a cgroup path or a command's output may hold is safe):
# every content line awk prints starts with "."; a marker line starts with "@@". A snippet prints
# each section as "@@ LEN NAME[ !REASON]" and then exactly LEN bytes of output plus a newline
# (the output is held in a variable: ${#o} is its length in bytes under LC_ALL=C); awk counts
# those bytes, so nothing inside the output is ever read as a header.
#
# FLAGS: m = mtu/flags/hairpin (no fork); r = neighbours, routes, bridge fdb, pod cgroups, TCP
#        sockets per state (counted on the node); k = interface identity (index, peer, MAC, kind);
#        s = facts, sysctls, IPv6 routes; x = the slow collectors (slow.sh, in NW_X: iptables both
#        backends, IPVS, node agents, hairpin conntrack, nft ruleset), with four more request fields
#        "HASH_LEGACY HASH_NFT SECONDS HASH_NFTRS" that awk checks (lowercase hex / digits, else dropped)
#        before they go in front of the snippet. Every tick: uptime, conntrack, /proc/net/{dev,snmp,sockstat}, operstate.
NW_SECT='s() { n=$1; shift; o=$("$@" 2>&1); r=$?; e=; [ "$r" = 0 ] || e=" !exit $r"; printf "@@ %s %s%s\n%s\n" "${#o}" "$n" "$e" "$o"; }
t() { if command -v "$2" >/dev/null 2>&1; then s "$@"; else printf "@@ 0 %s !notool %s\n\n" "$1" "$2"; fi; }
'
NW_R="${NW_SECT}"'t neigh ip neigh show
if [ ! -r /proc/net/stat/nf_conntrack ] && [ -r /proc/sys/net/netfilter/nf_conntrack_count ]; then t ctstat conntrack -S; fi
t route4 ip -4 route show table main
for b in "$nw_root"/sys/class/net/*/bridge; do if [ -d "$b" ]; then t fdb bridge fdb show; break; fi; done
podcg() { grep -s -H -m 1 kubepods /proc/[0-9]*/cgroup; return 0; }
s podcg podcg
tcpss() { { ss -tan 2>/dev/null; echo "@@rc $?"; } | awk "\$1 == \"@@rc\" { rc = \$2; next } \$2 ~ /^[0-9]+\$/ && \$3 ~ /^[0-9]+\$/ { c[\$1]++ } END { for (s in c) print s, c[s]; exit rc }"; }
tcpawk() { awk "FNR > 1 { c[\$4]++ } END { for (s in c) print s, c[s] }" /proc/net/tcp /proc/net/tcp6 2>/dev/null; return 0; }
if command -v ss >/dev/null 2>&1; then s tcpss tcpss; else s tcpawk tcpawk; fi'
NW_K="${NW_SECT}"'linkk() {
# names may start with a dot, which "*" does not match
for d in "$nw_root"/sys/class/net/* "$nw_root"/sys/class/net/.[!.]* "$nw_root"/sys/class/net/..?*; do
  [ -r "$d/ifindex" ] || continue
  read -r ix < "$d/ifindex"; read -r il < "$d/iflink"; read -r ad < "$d/address"
  k=-; if [ -d "$d/bridge" ]; then k=bridge; elif [ -d "$d/device" ]; then k=device; fi
  printf "%s %s %s %s %s\n" "${d##*/}" "$ix" "$il" "${ad:--}" "$k"
done; return 0; }
s linkk linkk
t iplink ip -o -d link show'
NW_S="${NW_SECT}"'t route6 ip -6 route show table main
facts() {
(cd /proc/sys && grep -s -H "" kernel/hostname kernel/osrelease net/ipv4/ip_forward net/bridge/bridge-nf-call-iptables net/ipv4/tcp_tw_recycle net/ipv4/tcp_timestamps net/netfilter/nf_conntrack_max net/netfilter/nf_conntrack_buckets net/netfilter/nf_conntrack_tcp_timeout_established net/ipv4/ip_local_port_range) | while IFS= read -r v; do printf "sysctl %s\n" "$v"; done
grep -s "^PRETTY_NAME=" /etc/os-release | sed "s/^PRETTY_NAME=/os /"
grep -s "^MemTotal:" /proc/meminfo | while read -r k v u; do printf "memtotal %s\n" "$v"; done
if [ -r /sys/fs/selinux/enforce ]; then read -r v < /sys/fs/selinux/enforce; printf "selinux %s\n" "$v"; fi
return 0; }
s facts facts'
export NW_R NW_K NW_S NW_X nw_root
# mawk reads a pipe in blocks and would sit on a tick line waiting for more: -W interactive makes
# it take each line as it comes (gawk and busybox awk already do)
nw_awk=awk
if awk -W version 2>/dev/null | grep -q mawk; then nw_awk='awk -W interactive'; fi
# -v nwtag: awk keeps netwatch's process tag in its command line, for ps and the reconnect sweep
exec $nw_awk -v nwtag="$0" '
function emit(path,   line, n) {
  n = 0
  while ((getline line < (root path)) > 0) { print "." path ":" line; n++ }
  close(root path)
  return n
}
function first(path,   line, v) {
  v = ""
  if ((getline line < (root path)) > 0) v = line
  close(root path)
  return v
}
# one section group: headers "@@ LEN NAME[ !REASON]", each followed by LEN bytes and a newline
# (pre: shell assignments of checked values put in front; each: flush after every section, for
# groups whose sections take a while, so the bytes keep coming)
function section(var, pre, each,   cmd, line, rest, sp, len, hd, nm, got) {
  fflush()
  cmd = pre ENVIRON[var]
  while ((cmd | getline line) > 0) {
    if (substr(line, 1, 3) != "@@ ") continue
    rest = substr(line, 4); sp = index(rest, " ")
    if (sp < 2) continue
    len = substr(rest, 1, sp - 1) + 0; hd = substr(rest, sp + 1)
    nm = hd; sub(/ .*/, "", nm)
    print "@@ " nm
    got = 0
    while (got < len + 1 && (cmd | getline line) > 0) {
      got += length(line) + 1
      if (len > 0) print "." line
    }
    if (hd != nm) print "@@ " hd
    if (each) fflush()
  }
  close(cmd)
}
BEGIN { ct = "/proc/sys/net/netfilter/"; root = ENVIRON["nw_root"] }
{
  seq = $1; flags = $2
  print "@@NW B " seq
  print "@@ grep"
  emit("/proc/uptime")
  if (emit(ct "nf_conntrack_count") > 0) emit(ct "nf_conntrack_max")
  emit("/proc/net/stat/nf_conntrack")
  # interface names come from /proc/net/dev, read once per tick: after the two header lines,
  # "  NAME: counters" (a name holds neither ":" nor blanks; any other byte is its own)
  nif = 0; k = 0
  while ((getline line < (root "/proc/net/dev")) > 0) {
    print "./proc/net/dev:" line
    if (++k > 2 && (c = index(line, ":")) > 0) { name = substr(line, 1, c - 1); gsub(/ /, "", name); if (name != "") ifs[++nif] = name }
  }
  close(root "/proc/net/dev")
  emit("/proc/net/snmp")
  emit("/proc/net/sockstat")
  for (i = 1; i <= nif; i++) {
    d = "/sys/class/net/" ifs[i] "/"
    emit(d "operstate")
    if (flags ~ /m/) {
      emit(d "mtu"); emit(d "flags")
      h = first(d "brport/hairpin_mode")
      if (h != "") {
        br = ""
        while ((getline line < (root d "brport/bridge/uevent")) > 0) if (line ~ /^INTERFACE=/) br = substr(line, 11)
        close(root d "brport/bridge/uevent")
        if (br != "") print "./sys/class/net/" br "/brif/" ifs[i] "/hairpin_mode:" h
      }
    }
  }
  if (flags ~ /k/) section("NW_K")
  if (flags ~ /r/) section("NW_R")
  if (flags ~ /s/) section("NW_S")
  if (flags ~ /x/) {
    hl = $3; hn = $4; to = $5; hr = $6
    if (hl !~ /^[0-9a-f]+$/ || length(hl) > 64) hl = ""
    if (hn !~ /^[0-9a-f]+$/ || length(hn) > 64) hn = ""
    if (hr !~ /^[0-9a-f]+$/ || length(hr) > 64) hr = ""
    if (to !~ /^[0-9]+$/ || length(to) > 4 || to + 0 < 1) to = 5
    section("NW_X", "nw_hl=" hl " nw_hn=" hn " nw_hr=" hr " nw_to=" to "\n", 1)
  }
  print "@@NW E " seq
  fflush()
}
# stdin closed (netwatch gone): end the rest of the group now, not at the next guard check
END { fflush(); system("kill -TERM 0 2>/dev/null") }'
