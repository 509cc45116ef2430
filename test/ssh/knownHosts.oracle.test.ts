/**
 * known_hosts decisions with OpenSSH as the oracle: every case runs `ssh -o BatchMode=yes`
 * (OpenSSH of this machine, no config file) and netwatch's SshTransport against the same real
 * sshd, each with its own copy of the same known_hosts file, and both the outcome (connected,
 * refused as changed, refused as unknown, revoked) and the file afterwards (what was recorded)
 * must agree. One difference is deliberate and asserted as such: with StrictHostKeyChecking no,
 * ssh still connects to a host whose key changed or is @revoked (password logins disabled);
 * netwatch refuses both, whatever the policy.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatKnownHostsLine } from '../../src/sources/ssh/knownHosts.js';
import { Harness, hostBlock } from './helpers.js';
import type { Sshd } from '../support/sshd.js';

type Outcome = 'connected' | 'changed' | 'unknown' | 'revoked' | 'other';
type Mode = 'yes' | 'accept-new' | 'no' | 'flag'; // flag: --accept-new-host-keys (ssh: accept-new)
type Server = 'ed25519' | 'rsa' | 'ed25519+rsa';

interface Case {
  name: string;
  server: Server;
  /** known_hosts lines; N is "[127.0.0.1]:PORT" */
  lines: (k: Keys, N: string) => string[];
  hostKeyAlias?: string;
  hostKeyAlgorithms?: string;
}

interface Keys {
  /** the server's own keys, "type base64" */
  ed: string;
  rsa: string;
  /** keys of no server here */
  otherEd: string;
  otherRsa: string;
  otherEc: string;
  /** DSA: a type ssh no longer asks for (not in its default HostKeyAlgorithms) */
  otherDsa: string;
}

const h = new Harness();
const servers = new Map<Server, { sshd: Sshd; keys: Keys }>();
let work = '';

const pub = (file: string) => readFileSync(file, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
const hashedLine = (name: string, key: string) => formatKnownHostsLine(name, Buffer.from(key.split(' ')[1]!, 'base64'), { hash: true });

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'netwatch-ssh-oracle-'));
  const gen = (name: string, type: string) => {
    execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', '', '-f', join(work, name)]);
    return pub(`${join(work, name)}.pub`);
  };
  const others = { otherEd: gen('other_ed', 'ed25519'), otherRsa: gen('other_rsa', 'rsa'), otherEc: gen('other_ec', 'ecdsa'), otherDsa: gen('other_dsa', 'dsa') };
  const ed = await h.sshd();
  servers.set('ed25519', { sshd: ed, keys: { ed: ed.hostKeyPub, rsa: '', ...others } });
  const rsa = await h.sshd({ hostKeyType: 'rsa' });
  servers.set('rsa', { sshd: rsa, keys: { ed: '', rsa: rsa.hostKeyPub, ...others } });
  const rsaKey = gen('both_rsa', 'rsa');
  const both = await h.sshd({ extraConfig: [`HostKey ${join(work, 'both_rsa')}`] });
  servers.set('ed25519+rsa', { sshd: both, keys: { ed: both.hostKeyPub, rsa: rsaKey, ...others } });
}, 60_000);

afterAll(async () => {
  await h.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const CASES: Case[] = [
  { name: 'known by its key', server: 'ed25519', lines: (k, N) => [`${N} ${k.ed}`] },
  { name: 'not known at all', server: 'ed25519', lines: () => [] },
  { name: 'known by another ED25519 key', server: 'ed25519', lines: (k, N) => [`${N} ${k.otherEd}`] },
  { name: 'known only by RSA, offers only ED25519', server: 'ed25519', lines: (k, N) => [`${N} ${k.otherRsa}`] },
  { name: 'known only by ECDSA, offers only ED25519', server: 'ed25519', lines: (k, N) => [`${N} ${k.otherEc}`] },
  { name: 'known only by DSA, offers only ED25519', server: 'ed25519', lines: (k, N) => [`${N} ${k.otherDsa}`] },
  { name: 'known only by ED25519, offers only RSA', server: 'rsa', lines: (k, N) => [`${N} ${k.otherEd}`] },
  { name: 'known only by RSA, offers RSA and ED25519', server: 'ed25519+rsa', lines: (k, N) => [`${N} ${k.rsa}`] },
  { name: 'known by both of its keys', server: 'ed25519+rsa', lines: (k, N) => [`${N} ${k.rsa}`, `${N} ${k.ed}`] },
  { name: 'known only by ECDSA, offers RSA and ED25519', server: 'ed25519+rsa', lines: (k, N) => [`${N} ${k.otherEc}`] },
  { name: 'known by another RSA key, offers RSA and ED25519', server: 'ed25519+rsa', lines: (k, N) => [`${N} ${k.otherRsa}`] },
  { name: 'hashed entry with another type', server: 'ed25519', lines: (k, N) => [hashedLine(N, k.otherRsa)] },
  { name: 'hashed entry with its key', server: 'ed25519', lines: (k, N) => [hashedLine(N, k.ed)] },
  { name: 'wildcard entry with another type', server: 'ed25519', lines: (k) => [`*,!nothing ${k.otherRsa}`] },
  { name: 'port-less entry with its key (non-22 port)', server: 'ed25519', lines: (k) => [`127.0.0.1 ${k.ed}`] },
  { name: 'port-less entry with another ED25519 key', server: 'ed25519', lines: (k) => [`127.0.0.1 ${k.otherEd}`] },
  { name: 'port-less entry with another type', server: 'ed25519', lines: (k) => [`127.0.0.1 ${k.otherRsa}`] },
  { name: '[host]:port another type, port-less its key', server: 'ed25519', lines: (k, N) => [`${N} ${k.otherRsa}`, `127.0.0.1 ${k.ed}`] },
  { name: 'its key @revoked', server: 'ed25519', lines: (k, N) => [`${N} ${k.ed}`, `@revoked * ${k.ed}`] },
  { name: 'only a @cert-authority line for it', server: 'ed25519', lines: (k) => [`@cert-authority * ${k.otherEd}`] },
  { name: '@cert-authority line and its key', server: 'ed25519', lines: (k, N) => [`@cert-authority * ${k.otherEd}`, `${N} ${k.ed}`] },
  { name: 'another host known by RSA', server: 'ed25519', lines: (k) => [`[127.0.0.2]:1 ${k.otherRsa}`, `node-x ${k.otherEd}`] },
  { name: 'HostKeyAlgorithms rsa only, known by its ED25519', server: 'ed25519+rsa', hostKeyAlgorithms: 'rsa-sha2-512', lines: (k, N) => [`${N} ${k.ed}`] },
  { name: 'HostKeyAlgorithms -ssh-ed25519, known by both', server: 'ed25519+rsa', hostKeyAlgorithms: '-ssh-ed25519', lines: (k, N) => [`${N} ${k.ed}`, `${N} ${k.rsa}`] },
  { name: 'HostKeyAlgorithms ^ssh-ed25519, known by RSA', server: 'ed25519+rsa', hostKeyAlgorithms: '^ssh-ed25519', lines: (k, N) => [`${N} ${k.rsa}`] },
  { name: 'HostKeyAlias known by its key', server: 'ed25519', hostKeyAlias: 'node-alias', lines: (k) => [`node-alias ${k.ed}`] },
  { name: 'HostKeyAlias not known', server: 'ed25519', hostKeyAlias: 'node-alias', lines: (k, N) => [`${N} ${k.ed}`] },
  { name: 'HostKeyAlias known only by RSA', server: 'ed25519', hostKeyAlias: 'node-alias', lines: (k) => [`node-alias ${k.otherRsa}`] },
];
const MODES: Mode[] = ['yes', 'accept-new', 'no', 'flag'];

interface Result {
  outcome: Outcome;
  /** the known_hosts file afterwards */
  after: string;
  message: string;
}

function classifySsh(code: number, stderr: string): Outcome {
  if (code === 0) return 'connected';
  if (/REVOKED HOST KEY DETECTED|has been revoked/i.test(stderr)) return 'revoked';
  if (stderr.includes('REMOTE HOST IDENTIFICATION HAS CHANGED')) return 'changed';
  if (/No \S+ host key is known for .* and you have requested strict checking/.test(stderr)) return 'unknown';
  return 'other';
}

function classifyNetwatch(reason: string): Outcome {
  if (reason.includes('REMOTE HOST IDENTIFICATION HAS CHANGED')) return 'changed';
  if (reason.includes('unknown host key for')) return 'unknown';
  if (reason.includes('is marked @revoked')) return 'revoked';
  return 'other';
}

const caseText = new Map<Case, string>();

function setup(c: Case, mode: Mode, who: string) {
  const { sshd, keys } = servers.get(c.server)!;
  const N = `[127.0.0.1]:${sshd.port}`;
  const file = join(work, `kh.${CASES.indexOf(c)}.${mode}.${who}`);
  // the same text for ssh and netwatch (hashed lines have a random salt: made once per case)
  const text = caseText.get(c) ?? c.lines(keys, N).map((l) => `${l}\n`).join('');
  caseText.set(c, text);
  writeFileSync(file, text);
  return { sshd, file, text };
}

function runSsh(c: Case, mode: Mode): Promise<Result> {
  const { sshd, file } = setup(c, mode, 'ssh');
  const o = (kv: string) => ['-o', kv];
  const args = [
    '-F', '/dev/null',
    ...o('BatchMode=yes'), ...o(`UserKnownHostsFile=${file}`), ...o('GlobalKnownHostsFile=none'),
    ...o(`StrictHostKeyChecking=${mode === 'flag' ? 'accept-new' : mode}`), ...o('UpdateHostKeys=no'), ...o('ConnectTimeout=10'),
    ...o('IdentitiesOnly=yes'), '-i', sshd.clientKeyPath, '-p', String(sshd.port),
    ...(c.hostKeyAlias ? o(`HostKeyAlias=${c.hostKeyAlias}`) : []),
    ...(c.hostKeyAlgorithms ? o(`HostKeyAlgorithms=${c.hostKeyAlgorithms}`) : []),
    'root@127.0.0.1', 'true',
  ];
  return new Promise((resolve) => {
    execFile('ssh', args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeout: 20_000 }, (err, _out, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ outcome: classifySsh(code, stderr), after: readFileSync(file, 'utf8'), message: stderr.trim() });
    });
  });
}

async function runNetwatch(c: Case, mode: Mode): Promise<Result> {
  const { sshd, file } = setup(c, mode, 'netwatch');
  const strict = mode === 'flag' ? 'yes' : mode;
  const extra = [
    `StrictHostKeyChecking ${strict}`,
    ...(c.hostKeyAlias ? [`HostKeyAlias ${c.hostKeyAlias}`] : []),
    ...(c.hostKeyAlgorithms ? [`HostKeyAlgorithms ${c.hostKeyAlgorithms}`] : []),
  ];
  const t = h.transport('node', hostBlock('node', sshd, file, extra), { acceptNewHostKeys: mode === 'flag' });
  try {
    await t.ready();
    return { outcome: 'connected', after: readFileSync(file, 'utf8'), message: '' };
  } catch (e) {
    const reason = (e as Error).message;
    return { outcome: classifyNetwatch(reason), after: readFileSync(file, 'utf8'), message: reason };
  } finally {
    t.close();
  }
}

/** runs fn over items, at most `n` at a time */
async function pool<T, R>(items: T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

describe('known_hosts decisions against OpenSSH (ssh -o BatchMode=yes, live sshd)', () => {
  const runs = CASES.flatMap((c) => MODES.map((mode) => ({ c, mode })));
  let results: { c: Case; mode: Mode; ssh: Result; nw: Result }[] = [];

  beforeAll(async () => {
    results = await pool(runs, 6, async ({ c, mode }) => ({ c, mode, ssh: await runSsh(c, mode), nw: await runNetwatch(c, mode) }));
  }, 120_000);

  it('ssh gave a recognised outcome in every case', () => {
    expect(results).toHaveLength(CASES.length * MODES.length);
    const odd = results.filter((r) => r.ssh.outcome === 'other').map((r) => `${r.c.name} [${r.mode}]: ${r.ssh.message}`);
    expect(odd).toEqual([]);
  });

  it('netwatch connects, refuses and records exactly as ssh does', () => {
    const row = (r: (typeof results)[number], x: Result) => `${r.c.name} [${r.mode}]: ${x.outcome}`;
    // the deliberate difference: StrictHostKeyChecking no and a changed or revoked key
    const stricter = (r: (typeof results)[number]) =>
      r.mode === 'no' && r.ssh.outcome === 'connected' && (r.nw.outcome === 'changed' || r.nw.outcome === 'revoked');
    const agreed = results.filter((r) => !stricter(r));
    expect(agreed.map((r) => row(r, r.nw))).toEqual(agreed.map((r) => row(r, r.ssh)));
    // what was recorded: the files afterwards are the same text
    expect(agreed.map((r) => `${r.c.name} [${r.mode}]\n${r.nw.after}`)).toEqual(agreed.map((r) => `${r.c.name} [${r.mode}]\n${r.ssh.after}`));
    // and those are exactly the cases ssh refuses as changed or revoked under accept-new
    const differ = results.filter(stricter).map((r) => `${r.c.name}: ${r.nw.outcome}`);
    const refused = results.filter((r) => r.mode === 'accept-new' && ['changed', 'revoked'].includes(r.ssh.outcome));
    expect(differ.sort()).toEqual(refused.map((r) => `${r.c.name}: ${r.ssh.outcome}`).sort());
  });

  it('refuses the RSA-known host offering ED25519 as changed, naming the entries, with and without accept-new', () => {
    const cases = results.filter((r) => r.c.name === 'known only by RSA, offers only ED25519');
    expect(cases.map((r) => `${r.mode}: ssh ${r.ssh.outcome}, netwatch ${r.nw.outcome}`)).toEqual([
      'yes: ssh changed, netwatch changed',
      'accept-new: ssh changed, netwatch changed',
      'no: ssh connected, netwatch changed',
      'flag: ssh changed, netwatch changed',
    ]);
    for (const r of cases) {
      expect(r.ssh.message).toMatch(/Offending RSA key in .*:1/);
      expect(r.nw.message).toMatch(/but the host is known with other key types: RSA key in \S+:1 /);
      expect(r.nw.message).not.toContain('--accept-new-host-keys');
    }
  });
});
