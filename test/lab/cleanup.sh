#!/bin/sh
# Removes leftovers of netwatch labs (test/lab): processes, the underlay netns, cgroups, temp dirs.
#
#   sh test/lab/cleanup.sh         labs whose owner process is gone, and anything named nwlab-*
#                                  that no live lab has registered (safe while other labs run)
#   sh test/lab/cleanup.sh --all   every lab, live or not (CI, before and after the tests)
#
# Every lab registers itself in /run/nwlab/<id>/{owner,dir,netns,cgroups} before creating
# anything, and removes that entry last. All of a lab's processes live in its cgroups.
set -u
all=0
[ "${1:-}" = --all ] && all=1
[ "$(id -u)" = 0 ] || { echo "cleanup.sh: needs root" >&2; exit 1; }
REG=/run/nwlab
failed=0

kill_cgroup() { # kill every process in the cgroup tree $1, until it is empty
  i=0
  while [ -d "$1" ] && [ $i -lt 50 ]; do
    pids=$(find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null)
    [ -z "$pids" ] && return 0
    kill -9 $pids 2>/dev/null
    sleep 0.1
    i=$((i + 1))
  done
}

rm_cgroup() { # rmdir the tree $1, children first
  [ -d "$1" ] || return 0
  kill_cgroup "$1"
  find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
  if [ -d "$1" ]; then echo "cleanup.sh: could not remove cgroup $1" >&2; failed=1; fi
}

rm_netns() {
  [ -e "/run/netns/$1" ] || return 0
  ip netns del "$1" || failed=1
}

rm_dir() {
  case "$1" in */nwlab-*) rm -rf "$1" ;; esac
}

# 1. Registered labs.
for entry in "$REG"/*; do
  [ -d "$entry" ] || continue
  id=${entry##*/}
  owner=$(cat "$entry/owner" 2>/dev/null || echo 0)
  if [ $all = 0 ] && [ "$owner" -gt 0 ] 2>/dev/null && kill -0 "$owner" 2>/dev/null; then
    continue
  fi
  echo "cleanup.sh: removing lab $id (owner $owner)"
  while read -r cg; do [ -n "$cg" ] && kill_cgroup "$cg"; done < "$entry/cgroups"
  while read -r cg; do [ -n "$cg" ] && rm_cgroup "$cg"; done < "$entry/cgroups"
  rm_netns "$(cat "$entry/netns")"
  rm_dir "$(cat "$entry/dir")"
  [ $failed = 0 ] && rm -rf "$entry"
done

# 2. Anything named nwlab-<id> whose <id> is not registered (or everything with --all).
unregistered() { [ $all = 1 ] || [ ! -d "$REG/$1" ]; }

for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^nwlab-.*-net$'); do
  id=${ns#nwlab-}; id=${id%-net}
  if unregistered "$id"; then echo "cleanup.sh: removing netns $ns"; rm_netns "$ns"; fi
done
for cg in $(find /sys/fs/cgroup -mindepth 2 -maxdepth 5 -type d -name 'nwlab-*' 2>/dev/null); do
  id=${cg##*/nwlab-}
  if unregistered "$id"; then echo "cleanup.sh: removing cgroup $cg"; rm_cgroup "$cg"; fi
done
for d in /tmp/nwlab-*; do
  [ -d "$d" ] || continue
  id=${d#/tmp/nwlab-}
  if unregistered "$id"; then echo "cleanup.sh: removing $d"; rm_dir "$d"; fi
done
exit $failed
