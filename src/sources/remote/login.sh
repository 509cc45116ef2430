# The login probe, once per connection (transport/ssh.ts): who netwatch is on the node and which
# of the node's addresses the connection reached. Prints "uid N" and, when the login has
# SSH_CONNECTION, "ssh ADDRESS": its third field, the node's own end of this connection as the
# node sees it (NAT, a relay or ProxyJump in between do not change it). The topology selectors
# use it for the node's primary interface when there is no default route.
printf 'uid %s\n' "$(id -u)"
set -f
# shellcheck disable=SC2086
set -- ${SSH_CONNECTION:-}
if [ $# -eq 4 ]; then printf 'ssh %s\n' "$3"; fi
