/**
 * `[user@]host[:port]`, `[user@][v6addr]:port` and `ssh://[user@]host[:port]`: the forms ssh
 * accepts for ProxyJump hops (and netwatch for --hosts). A bare IPv6 address (several colons,
 * no brackets) is a host with no port.
 */
import { SshConfigError } from './errors.js';

export interface Destination {
  host: string;
  user?: string;
  port?: number;
}

export function parseDestination(spec: string): Destination {
  const bad = (why: string) => new SshConfigError(`bad host ${JSON.stringify(spec)}: ${why}`);
  let rest = spec.trim();
  if (rest.startsWith('ssh://')) rest = rest.slice(6).replace(/\/$/, '');
  const d: Destination = { host: '' };
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    d.user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (!d.user) throw bad('empty user name');
  }
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw bad('unclosed "["');
    d.host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after) {
      if (!after.startsWith(':')) throw bad('unexpected text after "]"');
      portText = after.slice(1);
    }
  } else if (rest.indexOf(':') >= 0 && rest.indexOf(':') === rest.lastIndexOf(':')) {
    d.host = rest.slice(0, rest.indexOf(':'));
    portText = rest.slice(rest.indexOf(':') + 1);
  } else {
    d.host = rest;
  }
  if (!d.host) throw bad('empty host name');
  if (/[\s/\\'"`$;&|<>]/.test(d.host) || d.host.startsWith('-')) throw bad('not a host name');
  if (d.user !== undefined && (/[\s/\\'"`$;&|<>]/.test(d.user) || d.user.startsWith('-'))) throw bad('not a user name');
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || +portText < 1 || +portText > 65535) throw bad('not a port number');
    d.port = +portText;
  }
  return d;
}
