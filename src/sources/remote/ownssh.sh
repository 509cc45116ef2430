# netwatch's own SSH connection, found on the node (as Wireshark's sshdump excludes its own):
# a capture must never record the connection that carries it (a feedback loop that floods the
# link). It is decided here, not from netwatch's local socket addresses, which ProxyJump and NAT
# make differ. Functions only; sourced into capture.sh and check.sh.
#
# nw_ssh_connection: the SSH_CONNECTION ("CLIENT CPORT SERVER SPORT") of the nearest process,
# this shell first, then its ancestors. Under sudo (which resets the environment) the login
# shell that ran sudo still has it. NUL and newline are swapped so that a newline inside another
# variable cannot fake an entry; whatever comes out is validated by nw_ssh_exclusion.
nw_ssh_connection() {
  nw_p=$$ nw_n=0
  while [ "$nw_p" -gt 1 ] && [ "$nw_n" -lt 64 ]; do
    nw_v=$(tr '\0\n' '\n\0' 2>/dev/null < "/proc/$nw_p/environ" | sed -n 's/^SSH_CONNECTION=//p' | sed -n 1p)
    if [ -n "$nw_v" ]; then printf '%s\n' "$nw_v"; return 0; fi
    read -r nw_stat 2>/dev/null < "/proc/$nw_p/stat" || return 1
    nw_rest=${nw_stat##*) }
    set -f
    # shellcheck disable=SC2086
    set -- $nw_rest
    set +f
    nw_p=$2 nw_n=$((nw_n + 1))
    case $nw_p in ''|*[!0-9]*) return 1;; esac
  done
  return 1
}

# a decimal 0..255 without leading zeros
nw_octet() {
  case $1 in ''|*[!0-9]*|0?*) return 1;; esac
  [ ${#1} -le 3 ] && [ "$1" -le 255 ]
}

nw_ipv4() {
  case $1 in *[!0-9.]*|.*|*.|*..*) return 1;; esac
  nw_old=$IFS; IFS=.; set -f
  # shellcheck disable=SC2086
  set -- $1
  IFS=$nw_old; set +f
  [ $# -eq 4 ] && nw_octet "$1" && nw_octet "$2" && nw_octet "$3" && nw_octet "$4"
}

# IPv6 literal: hex groups of 1-4 digits, at most one "::", 8 groups (or fewer with "::"), an
# optional dotted IPv4 tail counting as two groups. No zone (%eth0), no brackets.
nw_ipv6() {
  case $1 in *[!0-9a-fA-F:.]*|*:::*|'') return 1;; *:*) ;; *) return 1;; esac
  [ ${#1} -le 45 ] || return 1
  nw_rest=${1#*::}
  case $nw_rest in *::*) return 1;; esac
  nw_dbl=0
  case $1 in *::*) nw_dbl=1;; esac
  case $1 in :[!:]*|*[!:]:) return 1;; esac
  nw_a=$1 nw_tail4=0
  case $nw_a in
    *.*)
      nw_v4=${nw_a##*:}
      nw_ipv4 "$nw_v4" || return 1
      nw_a=${nw_a%"$nw_v4"}
      case $nw_a in *::) ;; *:) nw_a=${nw_a%:};; esac
      nw_tail4=2
      ;;
  esac
  nw_groups=$nw_tail4
  nw_old=$IFS; IFS=:; set -f
  # shellcheck disable=SC2086
  set -- $nw_a
  IFS=$nw_old; set +f
  for nw_g in "$@"; do
    [ -z "$nw_g" ] && continue
    case $nw_g in *.*) return 1;; esac
    [ ${#nw_g} -le 4 ] || return 1
    nw_groups=$((nw_groups + 1))
  done
  if [ "$nw_dbl" = 1 ]; then [ "$nw_groups" -le 7 ]; else [ "$nw_groups" -eq 8 ]; fi
}

nw_ip() { nw_ipv4 "$1" || nw_ipv6 "$1"; }

# a TCP port 1..65535, decimal without leading zeros (tcpdump would read 022 as octal)
nw_port() {
  case $1 in ''|*[!0-9]*|0*) return 1;; esac
  [ ${#1} -le 5 ] && [ "$1" -le 65535 ]
}

# nw_ssh_exclusion "CLIENT CPORT SERVER SPORT": prints the filter that drops that connection;
# fails (status 1) on anything that is not exactly two validated address/port pairs.
nw_ssh_exclusion() {
  case $1 in *'	'*) return 1;; esac
  set -f
  # shellcheck disable=SC2086
  set -- $1
  set +f
  [ $# -eq 4 ] || return 1
  nw_c=$(nw_unzoned "$1") && nw_s=$(nw_unzoned "$3") || return 1
  nw_ip "$nw_c" && nw_port "$2" && nw_ip "$nw_s" && nw_port "$4" || return 1
  printf 'not (tcp and host %s and port %s and host %s and port %s)\n' "$nw_c" "$2" "$nw_s" "$4"
}

# a link-local IPv6 address comes with its zone (fe80::1%eth0): tcpdump's host takes the address
# alone; the zone must still look like an interface name
nw_unzoned() {
  case $1 in
    *%*%*) return 1;;
    *%*)
      case ${1#*%} in ''|*[!A-Za-z0-9_.-]*) return 1;; esac
      [ ${#1} -le 62 ] || return 1
      printf '%s\n' "${1%%%*}";;
    *) printf '%s\n' "$1";;
  esac
}

# nw_own_filter MODE USER_FILTER: sets nw_filter to the filter to apply and reports it on stderr
# ("nw-cap: own-ssh C CP S SP" when excluded, then "nw-cap: filter EXPR"). MODE: "require"
# (netwatch reached the node over SSH: no SSH_CONNECTION is an error) or "ifset" (netwatch runs
# on the node: exclude the SSH session of its terminal when there is one). On a refusal prints
# "nw-cap: unprotected REASON" and fails.
nw_own_filter() {
  nw_filter=$2
  nw_conn=$(nw_ssh_connection) || nw_conn=
  if [ -z "$nw_conn" ]; then
    if [ "$1" = require ]; then
      echo 'nw-cap: unprotected no SSH_CONNECTION in the environment of the capture or its ancestors' >&2
      return 1
    fi
  else
    if ! nw_excl=$(nw_ssh_exclusion "$nw_conn"); then
      echo 'nw-cap: unprotected SSH_CONNECTION is not two address/port pairs' >&2
      return 1
    fi
    # shellcheck disable=SC2086
    set -f; set -- $nw_conn; set +f
    echo "nw-cap: own-ssh ${1%%%*} $2 ${3%%%*} $4" >&2
    if [ -n "$nw_filter" ]; then nw_filter="($nw_filter) and $nw_excl"; else nw_filter=$nw_excl; fi
  fi
  echo "nw-cap: filter $nw_filter" >&2
  return 0
}
