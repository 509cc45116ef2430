/** Shared by the SSH transport tests: configs for throwaway sshds, transports, waiting on states. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveSshHost } from '../../src/sources/ssh/configFiles.js';
import { SshTransport, type SshTransportOptions } from '../../src/sources/transport/ssh.js';
import type { TransportState } from '../../src/sources/transport/types.js';
import { startSshd, type Sshd, type SshdOptions } from '../support/sshd.js';

/** ssh_config lines for a Host pointing at a test sshd, with its own known_hosts file. */
export function hostBlock(alias: string, sshd: Sshd, knownHosts: string, extra: string[] = [], identities = [sshd.clientKeyPath]): string {
  return [
    `Host ${alias}`,
    ...extra.map((l) => `  ${l}`),
    '  HostName 127.0.0.1',
    `  Port ${sshd.port}`,
    '  User root',
    ...identities.map((f) => `  IdentityFile ${f}`),
    `  UserKnownHostsFile ${knownHosts}`,
    '  GlobalKnownHostsFile none',
    '  ConnectTimeout 5',
    '',
  ].join('\n');
}

export class Harness {
  readonly sshds: Sshd[] = [];
  readonly transports: SshTransport[] = [];
  readonly logs: string[] = [];

  async sshd(opts: SshdOptions = {}): Promise<Sshd> {
    const s = await startSshd(opts);
    this.sshds.push(s);
    return s;
  }

  /** Writes `config` next to the first sshd's files and opens a transport to `alias`. */
  transport(alias: string, config: string, opts: Partial<SshTransportOptions> = {}): SshTransport {
    const file = join(this.sshds[0]!.dir, `ssh_config.${this.transports.length}`);
    writeFileSync(file, config);
    const host = resolveSshHost(alias, { configFile: file, env: {} }); // env {}: no SSH_AUTH_SOCK of the test runner
    const t = new SshTransport(host, {
      acceptNewHostKeys: false,
      reconnect: { baseMs: 100, maxMs: 400 },
      log: (l) => this.logs.push(l),
      ...opts,
    });
    this.transports.push(t);
    return t;
  }

  async cleanup(): Promise<void> {
    for (const t of this.transports.splice(0)) t.close();
    for (const s of this.sshds.splice(0)) await s.stop();
  }
}

export function recordStates(t: SshTransport): TransportState[] {
  const seen: TransportState[] = [t.state()];
  t.onState((s) => seen.push(s));
  return seen;
}

export function waitState<K extends TransportState['kind']>(t: SshTransport, kind: K, ms = 8000): Promise<Extract<TransportState, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const s = t.state();
    if (s.kind === kind) return resolve(s as Extract<TransportState, { kind: K }>);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`state ${kind} not reached in ${ms} ms (now ${JSON.stringify(t.state())})`));
    }, ms);
    const off = t.onState((st) => {
      if (st.kind !== kind) return;
      clearTimeout(timer);
      off();
      resolve(st as Extract<TransportState, { kind: K }>);
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
