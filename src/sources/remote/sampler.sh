nw_guard "$1" "$2"
export LC_ALL=C
cat_file() {
  # a file's lines with builtins only; the last line may lack a newline
  while IFS= read -r l || [ -n "$l" ]; do printf '%s\n' "$l"; done < "$1"
}
sect_file() {
  if [ -r "$2" ]; then printf '@@ %s\n' "$1"; cat_file "$2"; else printf '@@ %s !nofile %s\n' "$1" "$2"; fi
}
have() { command -v "$1" >/dev/null 2>&1; }
cmd_sect() {
  # cmd_sect NAME TOOL ARGS...: a command's output as a section
  n=$1; shift
  if have "$1"; then
    printf '@@ %s\n' "$n"
    "$@" 2>&1 || printf '@@ %s !exit %s\n' "$n" "$?"
  else
    printf '@@ %s !notool %s\n' "$n" "$1"
  fi
}
if [ -r /dev/kmsg ]; then
  if grep --line-buffered -F x /dev/null >/dev/null 2>&1; then
    ( grep --line-buffered -F 'nf_conntrack: table full' /dev/kmsg | while IFS= read -r l; do printf 'K %s\n' "$l" >&2; done ) </dev/null &
  else
    ( cat /dev/kmsg | while IFS= read -r l; do case $l in *'nf_conntrack: table full'*) printf 'K %s\n' "$l" >&2;; esac; done ) </dev/null &
  fi
else
  printf 'N kmsg unreadable\n' >&2
fi
ct=/proc/sys/net/netfilter
# FLAGS: m = mtu/flags/hairpin, neighbours; r = routes, bridge fdb, pod cgroups, TCP handshake states;
#        k = interface identity (index, peer, MAC, kind); s = node facts, sysctls, IPv6 routes.
while IFS=' ' read -r seq flags; do
  printf '@@NW B %s\n' "$seq"
  # One fork for the small fast-changing proc files; the frame parser splits them by shape.
  files=/proc/uptime
  if [ -r $ct/nf_conntrack_count ]; then files="$files $ct/nf_conntrack_count $ct/nf_conntrack_max"; fi
  if [ -r /proc/net/stat/nf_conntrack ]; then files="$files /proc/net/stat/nf_conntrack"; fi
  files="$files /proc/net/dev /proc/net/snmp"
  if [ -r /proc/net/sockstat ]; then files="$files /proc/net/sockstat"; fi
  printf '@@ cat %s\n' "$files"
  cat $files
  case $flags in
    *m*)
      printf '@@ linkm\n'
      for d in /sys/class/net/*; do
        [ -r "$d/operstate" ] || continue
        read -r op < "$d/operstate"; read -r mtu < "$d/mtu"; read -r fl < "$d/flags"
        printf '%s %s %s %s\n' "${d##*/}" "$op" "$mtu" "$fl"
        if [ -d "$d/brif" ]; then
          for p in "$d"/brif/*; do
            [ -r "$p/hairpin_mode" ] || continue
            read -r h < "$p/hairpin_mode"
            printf 'P %s %s %s\n' "${d##*/}" "${p##*/}" "$h"
          done
        fi
      done
      cmd_sect neigh ip neigh show
      if [ ! -r /proc/net/stat/nf_conntrack ] && [ -r $ct/nf_conntrack_count ]; then cmd_sect ctstat conntrack -S; fi
      ;;
    *)
      printf '@@ link\n'
      for d in /sys/class/net/*; do
        [ -r "$d/operstate" ] && read -r op < "$d/operstate" && printf '%s %s\n' "${d##*/}" "$op"
      done;;
  esac
  case $flags in
    *k*)
      printf '@@ linkk\n'
      for d in /sys/class/net/*; do
        [ -r "$d/ifindex" ] || continue
        read -r ix < "$d/ifindex"; read -r il < "$d/iflink"; read -r ad < "$d/address"
        k=-
        if [ -d "$d/bridge" ]; then k=bridge; elif [ -d "$d/device" ]; then k=device; fi
        printf '%s %s %s %s %s\n' "${d##*/}" "$ix" "$il" "${ad:--}" "$k"
      done
      cmd_sect iplink ip -o -d link show;;
  esac
  case $flags in
    *r*)
      cmd_sect route4 ip -4 route show table main
      for b in /sys/class/net/*/bridge; do
        if [ -d "$b" ]; then cmd_sect fdb bridge fdb show; break; fi
      done
      # Pod processes by cgroup (the path holds the pod UID): one grep over all processes.
      printf '@@ podcg\n'
      grep -s -H -m 1 kubepods /proc/[0-9]*/cgroup
      # Sockets in handshake states. /proc/net/tcp walks the whole hash table (9 ms on a 24 GB
      # machine); ss asks sock_diag for just these states.
      if have ss; then
        cmd_sect tcpss ss -tanH state syn-sent state syn-recv
      elif have awk; then
        printf '@@ tcpawk\n'
        awk 'FNR > 1 { c[$4]++ } END { for (s in c) print s, c[s] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
      else
        printf '@@ tcpss !notool ss\n'
      fi;;
  esac
  case $flags in
    *s*)
      cmd_sect route6 ip -6 route show table main
      printf '@@ facts\n'
      if [ -r /proc/sys/kernel/hostname ]; then read -r v < /proc/sys/kernel/hostname; printf 'hostname %s\n' "$v"; fi
      if [ -r /proc/sys/kernel/osrelease ]; then read -r v < /proc/sys/kernel/osrelease; printf 'kernel %s\n' "$v"; fi
      if [ -r /etc/os-release ]; then
        while IFS= read -r v; do case $v in PRETTY_NAME=*) printf 'os %s\n' "${v#PRETTY_NAME=}";; esac; done < /etc/os-release
      fi
      while read -r k v u; do case $k in MemTotal:) printf 'memtotal %s\n' "$v"; break;; esac; done < /proc/meminfo
      # /proc/sys integer files answer only a read at offset 0, and the shell's read builtin
      # reads one byte at a time: one grep reads them all whole.
      cd /proc/sys && grep -s -H '' net/ipv4/ip_forward net/bridge/bridge-nf-call-iptables \
        net/ipv4/tcp_tw_recycle net/ipv4/tcp_timestamps net/netfilter/nf_conntrack_max \
        net/netfilter/nf_conntrack_buckets net/netfilter/nf_conntrack_tcp_timeout_established \
        net/ipv4/ip_local_port_range | while IFS= read -r v; do printf 'sysctl %s\n' "$v"; done
      cd /
      if [ -r /sys/fs/selinux/enforce ]; then read -r v < /sys/fs/selinux/enforce; printf 'selinux %s\n' "$v"; fi;;
  esac
  printf '@@NW E %s\n' "$seq"
done
