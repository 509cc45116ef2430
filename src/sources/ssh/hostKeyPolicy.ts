/**
 * What to do with a host key once known_hosts has been consulted, and the one-line messages.
 * Pure. A changed or revoked key is always refused; an unknown key is accepted (and recorded)
 * only when the user asked for it: --accept-new-host-keys, or StrictHostKeyChecking
 * accept-new / no in ssh_config. ssh's default ("ask") is treated as "yes": the transport
 * never prompts.
 */
import type { StrictHostKeyChecking } from './config.js';
import { displayKeyType, family, formatKnownHostsLine, knownHostsName, type HostKeyCheck } from './knownHosts.js';

export interface HostKeyTarget {
  /** the name to look up: HostKeyAlias, else the host name */
  host: string;
  /** 22 when a HostKeyAlias is used (ssh does not add the port to an alias) */
  port: number;
  /** host name and port as dialled, for the ssh-keyscan hint */
  dialHost: string;
  dialPort: number;
}

export type HostKeyDecision =
  | { accept: true; record?: { file: string; line: string; message: string } }
  | { accept: false; reason: string };

export interface HostKeyPolicy {
  acceptNew: boolean;
  strict: StrictHostKeyChecking;
  hashKnownHosts: boolean;
  /** the first UserKnownHostsFile, where new keys are written; null: UserKnownHostsFile none */
  recordFile: string | null;
}

/** The lookup target for a hop: HostKeyAlias replaces host *and* port, as in ssh. */
export function hostKeyTarget(hop: { hostName: string; port: number; hostKeyAlias: string | null }): HostKeyTarget {
  return hop.hostKeyAlias
    ? { host: hop.hostKeyAlias, port: 22, dialHost: hop.hostName, dialPort: hop.port }
    : { host: hop.hostName, port: hop.port, dialHost: hop.hostName, dialPort: hop.port };
}

export function decideHostKey(check: HostKeyCheck, key: Buffer, t: HostKeyTarget, p: HostKeyPolicy): HostKeyDecision {
  const what = `${displayKeyType(check.keyType)} key ${check.fingerprint}`;
  const name = check.name;
  switch (check.status) {
    case 'match':
      return { accept: true };
    case 'revoked':
      return {
        accept: false,
        reason: `host key for ${name} (${what}) is marked @revoked in ${check.entry!.file}:${check.entry!.line}: refusing to connect`,
      };
    case 'changed': {
      const e = check.entry!;
      const known = check.known ?? [e];
      const sameType = family(e.keyType) === family(check.keyType);
      // OpenSSH: "Offending RSA key in FILE:LINE"; a key of another type is a change too
      const but = sameType
        ? `${e.file}:${e.line} has a different key`
        : `the host is known with other key types: ${known.map((k) => `${displayKeyType(k.keyType)} key in ${k.file}:${k.line}`).join(', ')}`;
      const files = [...new Set(known.map((k) => k.file))];
      return {
        accept: false,
        reason:
          `REMOTE HOST IDENTIFICATION HAS CHANGED for ${name}: it now offers ${what}, but ${but}` +
          ` (someone may be intercepting the connection, or the host was reinstalled); if the change is expected,` +
          ` remove the old ${sameType || known.length === 1 ? 'key' : 'keys'} with: ${files.map((f) => `ssh-keygen -R '${name}' -f ${f}`).join('; ')}`,
      };
    }
    case 'unknown': {
      if (p.acceptNew || p.strict !== 'yes') {
        if (!p.recordFile) return { accept: true };
        const line = formatKnownHostsLine(knownHostsName(t.host, t.port), key, { hash: p.hashKnownHosts });
        const message = `Permanently added '${name}' (${displayKeyType(check.keyType)} ${check.fingerprint}) to ${p.recordFile}`;
        return { accept: true, record: { file: p.recordFile, line, message } };
      }
      const scanPort = t.dialPort === 22 ? '' : ` -p ${t.dialPort}`;
      return {
        accept: false,
        reason:
          `unknown host key for ${name}: ${what}. If that is the right key, accept it with --accept-new-host-keys,` +
          ` or by connecting once with ssh (or ssh-keyscan${scanPort} ${t.dialHost} >> ~/.ssh/known_hosts)`,
      };
    }
  }
}
