/** SSH material for the lab: keys, sshd configs, the client's ssh_config and known_hosts. */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { run } from './sys.js';

/** Generates an ed25519 key pair at `path` (+ .pub); returns the public key line. */
export async function genKey(path: string, comment: string): Promise<string> {
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

/** OpenSSH's SHA256 fingerprint of a public key line ("ssh-ed25519 AAAA… comment"). */
export function fingerprint(pubLine: string): string {
  const blob = pubLine.split(/\s+/)[1] ?? '';
  return 'SHA256:' + createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '');
}

export interface SshdParams {
  listenAddress: string;
  hostKeyPath: string;
  authorizedKeysPath: string;
}

/** sshd_config for a node: root by key only, no PAM, nothing written outside the node's /run. */
export function sshdConfig(p: SshdParams): string {
  return [
    `ListenAddress ${p.listenAddress}:22`,
    `HostKey ${p.hostKeyPath}`,
    `AuthorizedKeysFile ${p.authorizedKeysPath}`,
    'PidFile none',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    'MaxStartups 200:30:400',
    'MaxSessions 64',
    'LogLevel INFO',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
}

export interface ClientHost { name: string; port: number; hostKeyLine: string }

/** Writes ssh_config (one Host block per node) and known_hosts ([127.0.0.1]:port KEY). */
export function writeClientFiles(opts: {
  sshConfigPath: string; knownHostsPath: string; clientKeyPath: string; hosts: ClientHost[];
}): void {
  const cfg = opts.hosts.map((h) => [
    `Host ${h.name}`,
    '  HostName 127.0.0.1',
    `  Port ${h.port}`,
    '  User root',
    `  IdentityFile ${opts.clientKeyPath}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${opts.knownHostsPath}`,
    '  StrictHostKeyChecking yes',
    '',
  ].join('\n'));
  writeFileSync(opts.sshConfigPath, cfg.join('\n'), { mode: 0o600 });
  const kh = opts.hosts.map((h) => {
    const [type, key] = h.hostKeyLine.split(/\s+/);
    return `[127.0.0.1]:${h.port} ${type} ${key}\n`;
  });
  writeFileSync(opts.knownHostsPath, kh.join(''), { mode: 0o600 });
}
