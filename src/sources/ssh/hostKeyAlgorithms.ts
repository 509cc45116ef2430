/**
 * HostKeyAlgorithms as OpenSSH 9.2 assembles it (kex_assemble_names) and orders it for a known
 * host (order_hostkeyalgs), checked against `ssh -G` and `ssh -vvv`. Pure. netwatch's SSH library
 * speaks only some of these (SUPPORTED); the rest are dropped after assembly.
 */
import { matchPattern } from './pattern.js';

/** `ssh -Q HostKeyAlgorithms` of OpenSSH 9.2: the order wildcards expand in */
const ALL = `ssh-ed25519 ssh-ed25519-cert-v01@openssh.com sk-ssh-ed25519@openssh.com sk-ssh-ed25519-cert-v01@openssh.com
  ecdsa-sha2-nistp256 ecdsa-sha2-nistp256-cert-v01@openssh.com ecdsa-sha2-nistp384 ecdsa-sha2-nistp384-cert-v01@openssh.com
  ecdsa-sha2-nistp521 ecdsa-sha2-nistp521-cert-v01@openssh.com sk-ecdsa-sha2-nistp256@openssh.com
  sk-ecdsa-sha2-nistp256-cert-v01@openssh.com webauthn-sk-ecdsa-sha2-nistp256@openssh.com ssh-dss ssh-dss-cert-v01@openssh.com
  ssh-rsa ssh-rsa-cert-v01@openssh.com rsa-sha2-256 rsa-sha2-256-cert-v01@openssh.com rsa-sha2-512
  rsa-sha2-512-cert-v01@openssh.com`.split(/\s+/);

/** OpenSSH 9.2's default HostKeyAlgorithms (`ssh -G`) */
export const DEFAULT_HOST_KEY_ALGORITHMS = `ssh-ed25519-cert-v01@openssh.com ecdsa-sha2-nistp256-cert-v01@openssh.com
  ecdsa-sha2-nistp384-cert-v01@openssh.com ecdsa-sha2-nistp521-cert-v01@openssh.com sk-ssh-ed25519-cert-v01@openssh.com
  sk-ecdsa-sha2-nistp256-cert-v01@openssh.com rsa-sha2-512-cert-v01@openssh.com rsa-sha2-256-cert-v01@openssh.com
  ssh-ed25519 ecdsa-sha2-nistp256 ecdsa-sha2-nistp384 ecdsa-sha2-nistp521 sk-ssh-ed25519@openssh.com
  sk-ecdsa-sha2-nistp256@openssh.com rsa-sha2-512 rsa-sha2-256`.split(/\s+/);

/** what ssh2 can verify */
export const SUPPORTED_HOST_KEY_ALGORITHMS: ReadonlySet<string> = new Set([
  'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa',
]);

export interface HostKeyAlgorithms {
  /** the assembled list, as `ssh -G` prints it */
  list: string[];
  /** reordered by known_hosts: HostKeyAlgorithms unset, or only +added / -removed (as ssh does) */
  knownHostsOrder: boolean;
}

const expand = (patterns: string[]) => ALL.filter((a) => patterns.some((p) => matchPattern(p, a)));

/** The list for a HostKeyAlgorithms value (undefined: the default); null when ssh refuses it. */
export function assembleHostKeyAlgorithms(value: string | undefined): HostKeyAlgorithms | null {
  if (value === undefined) return { list: [...DEFAULT_HOST_KEY_ALGORITHMS], knownHostsOrder: true };
  const op = /^[-+^]/.test(value) ? value[0]! : '';
  const items = value.slice(op ? 1 : 0).split(',');
  if (items.some((i) => i === '' || /[-+^]/.test(i[0]!))) return null;
  if (op !== '-' && items.some((i) => expand([i]).length === 0)) return null;
  const named: string[] = [];
  for (const i of items) for (const a of expand([i])) if (!named.includes(a)) named.push(a);
  const base = DEFAULT_HOST_KEY_ALGORITHMS;
  if (op === '+') return { list: [...base, ...named.filter((a) => !base.includes(a))], knownHostsOrder: true };
  if (op === '-') return { list: base.filter((a) => !named.includes(a)), knownHostsOrder: true };
  if (op === '^') return { list: [...named, ...base.filter((a) => !named.includes(a))], knownHostsOrder: false };
  return { list: named, knownHostsOrder: false };
}

/** The key type an algorithm's host key has (rsa-sha2-* sign with ssh-rsa keys). */
const keyTypeOfAlgo = (a: string) => (a.startsWith('rsa-sha2-') ? 'ssh-rsa' : a);

/**
 * What to offer ssh2, in order: ssh's order_hostkeyalgs moves the algorithms whose key type
 * known_hosts has for this host to the front (keeping the list's order) when knownHostsOrder;
 * then only what ssh2 supports. ssh-rsa (SHA-1), not in ssh's default, is kept last only for a
 * host known by an RSA key with the default list, as the only way to reach an old server.
 */
export function orderHostKeyAlgorithms(algs: HostKeyAlgorithms, knownTypes: readonly string[]): string[] {
  const known = new Set(knownTypes);
  let list = algs.list;
  if (algs.knownHostsOrder) {
    const isKnown = (a: string) => known.has(keyTypeOfAlgo(a));
    list = [...list.filter(isKnown), ...list.filter((a) => !isKnown(a))];
    if (known.has('ssh-rsa') && !list.includes('ssh-rsa')) list = [...list, 'ssh-rsa'];
  }
  return list.filter((a) => SUPPORTED_HOST_KEY_ALGORITHMS.has(a));
}
