/**
 * ssh_config resolution with OpenSSH as the oracle: every (config, target) case goes through
 * `ssh -G -F FILE target` and through netwatch's resolver, and the values netwatch uses must be
 * the same. ssh -G prints IdentityFile and ProxyJump unexpanded, so two more ssh runs give the
 * expanded forms without touching the network: `-o ProxyCommand=false` makes ssh print the
 * identity files it would try ("identity file X type N") and fail at once; for the ProxyJump
 * cases ssh prints the proxy command it builds ("Executing proxy command: exec ssh -J A -W ... B")
 * and every jump host is mapped to 127.0.0.1 port 9 (closed), so the inner ssh fails at once.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedHost } from '../../src/sources/ssh/config.js';
import { resolveSshHost } from '../../src/sources/ssh/configFiles.js';
import { SUPPORTED_HOST_KEY_ALGORITHMS } from '../../src/sources/ssh/hostKeyAlgorithms.js';

const FIX = join(import.meta.dirname, 'fixtures', 'config');

/** jump hosts of the ProxyJump cases: local and closed, so no ssh run leaves this machine */
const LOCAL_JUMPS = 'Host jump-* j2 j3\n  HostName 127.0.0.1\n  Port 9\n';

interface Case {
  file: string;
  targets: string[];
  /** also compare the ProxyJump chain as ssh expands it (its jump hosts are in LOCAL_JUMPS) */
  proxy?: boolean;
}

const TEXTS: Record<string, string> = {
  'times.conf': [
    'Host time-values',
    '  ServerAliveInterval 30s',
    '  ConnectTimeout 1m',
    'Host time-compound',
    '  ConnectTimeout 1h30m',
    '  ServerAliveInterval 1M',
    'Host time-mixed',
    '  ConnectTimeout 90S',
    '  ServerAliveInterval 2m30',
    'Host time-week',
    '  ConnectTimeout 1w',
    '',
  ].join('\n'),
  'comments.conf': [
    '# a comment line',
    'Host hash-word',
    '  User alice#x',
    '  HostName h#1.example.net # a comment after a value',
    'Host hash-quoted',
    '  User "al #ice"',
    'Host hash-path',
    '  IdentityFile ~/.ssh/k#1',
    '  IdentityFile ~/k=#x',
    'Host hash-pattern#1 # a comment after a pattern',
    '  User pattern-hash',
    'Host *',
    '  ServerAliveCountMax 7 #comment',
    '',
  ].join('\n'),
  'ports.conf': ['Host port-service', '  Port ssh', 'Host port-domain', '  Port domain', 'Host port-number', '  Port 2022', ''].join('\n'),
  'jumps.conf': [
    'Host pj-tokens',
    '  User deploy',
    '  Port 2201',
    '  ProxyJump %r@jump-%h,j2',
    'Host pj-user',
    '  ProxyJump %r@j2',
    'Host pj-port',
    '  HostName pj-port.example.net',
    '  ProxyJump jump-%n:2022',
    'Host pj-chain',
    '  ProxyJump j3,jump-%p',
    'Host pj-plain',
    '  ProxyJump j2',
    LOCAL_JUMPS,
  ].join('\n'),
  'identities.conf': [
    'Host id-default',
    '  HostName 198.18.7.7',
    'Host id-tokens',
    '  User svc',
    '  IdentityFile ~/.ssh/%r@%h:%p',
    '  IdentityFile %d/.ssh/%u-%n',
    'Host id-none-after',
    '  IdentityFile ~/.ssh/first',
    '',
  ].join('\n'),
  'matches.conf': [
    'Host m-*',
    '  HostName %h.lab.example.net',
    'Match originalhost m-a',
    '  User match-original',
    'Match host *.lab.example.net !host m-b.lab.example.net',
    '  Port 2300',
    'Match user match-original',
    '  StrictHostKeyChecking accept-new',
    'Host m-b',
    '  UserKnownHostsFile ~/.ssh/kh-%k none-here',
    'Match all',
    '  ServerAliveInterval 10m',
    '',
  ].join('\n'),
  // a value netwatch once refused in a block for another host: no host may fail because of it
  'time-elsewhere.conf': ['Host other', '  ServerAliveInterval 30s', '  ConnectTimeout 1m', 'Host *', '  User anyone', ''].join('\n'),
  'hostkeyalgs.conf': [
    'Host hka-list',
    '  HostKeyAlgorithms ssh-ed25519,rsa-sha2-512',
    'Host hka-plus',
    '  HostKeyAlgorithms +ssh-rsa',
    'Host hka-minus',
    '  HostKeyAlgorithms -ecdsa*,rsa-sha2-256',
    'Host hka-caret',
    '  HostKeyAlgorithms ^rsa-sha2-256',
    'Host hka-wild',
    '  HostKeyAlgorithms ecdsa*,ssh-ed25519',
    'Host hka-all',
    '  HostKeyAlgorithms *',
    '',
  ].join('\n'),
  'bad-hostkeyalgs.conf': ['Host other', '  HostKeyAlgorithms nonsense-alg', ''].join('\n'),
  'bad-time.conf': ['Host other', '  ConnectTimeout 5x', ''].join('\n'),
  'bad-negative-time.conf': ['Host other', '  ServerAliveInterval -1', ''].join('\n'),
  'bad-service.conf': ['Host other', '  Port no-such-service', ''].join('\n'),
  'bad-hex-port.conf': ['Host other', '  Port 0x16', ''].join('\n'),
};

const CASES: Case[] = [
  { file: 'times.conf', targets: ['time-values', 'time-compound', 'time-mixed', 'time-week', 'untimed'] },
  { file: 'comments.conf', targets: ['hash-word', 'hash-quoted', 'hash-path', 'hash-pattern#1', 'hash-pattern'] },
  { file: 'ports.conf', targets: ['port-service', 'port-domain', 'port-number', 'ssh://root@port-service:2200'] },
  { file: 'jumps.conf', targets: ['pj-tokens', 'pj-user', 'pj-port', 'pj-chain', 'pj-plain', 'ssh://other@pj-tokens:2999'], proxy: true },
  { file: 'identities.conf', targets: ['id-default', 'id-tokens', 'id-none-after'] },
  { file: 'matches.conf', targets: ['m-a', 'm-b', 'm-c', 'x'] },
  { file: 'time-elsewhere.conf', targets: ['plain', 'other'] },
  { file: 'hostkeyalgs.conf', targets: ['hka-list', 'hka-plus', 'hka-minus', 'hka-caret', 'hka-wild', 'hka-all', 'hka-none'] },
  { file: 'bad-hostkeyalgs.conf', targets: ['plain'] },
  { file: 'bad-time.conf', targets: ['plain'] },
  { file: 'bad-negative-time.conf', targets: ['plain'] },
  { file: 'bad-service.conf', targets: ['plain'] },
  { file: 'bad-hex-port.conf', targets: ['plain'] },
  // the Host/Match fixture of config.test.ts (its ProxyJumps name hosts elsewhere: -G only)
  { file: join(FIX, 'main.conf'), targets: ['bastion', 'node-a', 'node-skip', 'NODE-B', 'inner', 'chained', 'aliased', 'askme', 'lab-7'] },
  // (extras.conf is not here: its Match exec runs a command in ssh, netwatch skips that block)
];

/** What both sides are compared on, as text; `error` when the config is refused. */
type View = Record<string, string>;

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'netwatch-ssh-cfg-oracle-'));
  for (const [name, text] of Object.entries(TEXTS)) writeFileSync(join(dir, name), text);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pathOf = (f: string) => (f.startsWith('/') ? f : join(dir, f));

function run(args: string[], timeoutMs = 10_000): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    // no agent, no HOME surprises: ssh takes the home directory from passwd, as netwatch does
    execFile('ssh', args, { cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeout: timeoutMs }, (e, out, err) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err });
    });
  });
}

/** the `-J A,B ... -W ... C` of ssh's implicit proxy command: [A, B, C] */
function proxyChain(debug: string): string[] | null {
  const m = /Executing proxy command: exec ssh (.*)$/m.exec(debug);
  if (!m) return null;
  const words = m[1]!.split(' ');
  const j = words.indexOf('-J');
  return [...(j >= 0 ? words[j + 1]!.split(',') : []), words[words.length - 1]!];
}

async function sshView(file: string, target: string, proxy: boolean): Promise<View> {
  const g = await run(['-G', '-F', file, target]);
  if (g.code !== 0) return { error: 'refused' };
  const kv = new Map<string, string[]>();
  for (const line of g.out.trim().split('\n')) {
    const sp = line.indexOf(' ');
    const k = line.slice(0, sp);
    kv.set(k, [...(kv.get(k) ?? []), line.slice(sp + 1)]);
  }
  const one = (k: string) => kv.get(k)?.[0] ?? '';
  const strict: Record<string, string> = { ask: 'yes', true: 'yes', false: 'no', off: 'no' };
  const ids = await run(['-vvv', '-F', file, '-o', 'BatchMode=yes', '-o', 'ProxyCommand=false', target, 'true']);
  const identities = [...ids.err.matchAll(/^debug1: identity file (\S+) type /gm)].map((m) => m[1]!).filter((p) => !p.endsWith('-cert'));
  const view: View = {
    hostname: one('hostname'),
    user: one('user'),
    port: one('port'),
    identityfile: identities.join(' '),
    connecttimeout: one('connecttimeout') === 'none' ? 'default' : one('connecttimeout'),
    serveraliveinterval: one('serveraliveinterval') === '0' ? 'default' : one('serveraliveinterval'),
    serveralivecountmax: one('serveralivecountmax'),
    stricthostkeychecking: strict[one('stricthostkeychecking')] ?? one('stricthostkeychecking'),
    userknownhostsfile: one('userknownhostsfile'),
    hostkeyalias: one('hostkeyalias') || 'none',
    proxyjump: one('proxyjump') || 'none',
    // what netwatch's SSH library can do, in ssh's order
    hostkeyalgorithms: one('hostkeyalgorithms').split(',').filter((a) => SUPPORTED_HOST_KEY_ALGORITHMS.has(a)).join(','),
  };
  if (proxy) {
    const p = await run(['-vvv', '-F', file, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', target, 'true']);
    view.proxyjump = proxyChain(p.err)?.join(',') ?? 'none';
  }
  return view;
}

function netwatchView(file: string, target: string, sshView: View): View {
  let h: ResolvedHost;
  try {
    h = resolveSshHost(target, { configFile: file, env: {} });
  } catch {
    return { error: 'refused' };
  }
  // netwatch keeps the chain resolved hop by hop; ssh's spec names the last hops (a hop's own
  // ProxyJump comes before it): each as the spec gave it, user@ and :port only where it did
  const spec = sshView.proxyjump === 'none' ? [] : sshView.proxyjump!.split(',');
  const hops = spec.length ? h.jumps.slice(-spec.length) : h.jumps;
  const shown = hops.map((j, i) => `${spec[i]?.includes('@') ? `${j.user}@` : ''}${j.alias}${/:\d+$/.test(spec[i] ?? '') ? `:${j.port}` : ''}`);
  const view: View = {
    hostname: h.hostName,
    user: h.user,
    port: String(h.port),
    identityfile: h.identityFiles.join(' '),
    connecttimeout: h.connectTimeoutMs === 10_000 ? 'default' : String(h.connectTimeoutMs / 1000),
    serveraliveinterval: h.keepaliveIntervalMs === 5000 ? 'default' : String(h.keepaliveIntervalMs / 1000),
    serveralivecountmax: String(h.keepaliveCountMax),
    stricthostkeychecking: h.strictHostKeyChecking,
    userknownhostsfile: h.userKnownHostsFiles.join(' ') || 'none',
    hostkeyalias: h.hostKeyAlias ?? 'none',
    proxyjump: shown.join(',') || 'none',
    hostkeyalgorithms: h.hostKeyAlgorithms.list.filter((a) => SUPPORTED_HOST_KEY_ALGORITHMS.has(a)).join(','),
  };
  return view;
}

describe('ssh_config against OpenSSH (ssh -G -F FILE target)', () => {
  const pairs = CASES.flatMap((c) => c.targets.map((t) => ({ file: c.file, target: t, proxy: c.proxy ?? false })));
  let results: { label: string; ssh: View; nw: View }[] = [];

  beforeAll(async () => {
    const out: typeof results = new Array(pairs.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next < pairs.length) {
          const i = next++;
          const p = pairs[i]!;
          const file = pathOf(p.file);
          const ssh = await sshView(file, p.target, p.proxy);
          out[i] = { label: `${p.file.replace(/^.*\//, '')} ${p.target}`, ssh, nw: netwatchView(file, p.target, ssh) };
        }
      }),
    );
    results = out;
  }, 120_000);

  it('gives the same values as ssh for every case', () => {
    expect(results).toHaveLength(pairs.length);
    const flat = (v: View, label: string) => Object.entries(v).map(([k, x]) => `${label} ${k}=${x}`);
    expect(results.flatMap((r) => flat(r.nw, r.label))).toEqual(results.flatMap((r) => flat(r.ssh, r.label)));
  });

  it('covers the defects it was written for (ssh accepted these, with these values)', () => {
    const get = (label: string) => results.find((r) => r.label === label)!.ssh;
    const home = userInfo().homedir;
    expect(get('times.conf time-compound')).toMatchObject({ connecttimeout: '5400', serveraliveinterval: '60' });
    expect(get('comments.conf hash-word')).toMatchObject({ user: 'alice#x', hostname: 'h#1.example.net' });
    expect(get('ports.conf port-service').port).toBe('22');
    expect(get('jumps.conf pj-tokens').proxyjump).toBe('deploy@jump-pj-tokens,j2');
    expect(get('identities.conf id-default').identityfile!.split(' ')).toHaveLength(7);
    expect(get('identities.conf id-default').identityfile).toContain(`${home}/.ssh/id_ecdsa_sk`);
    expect(get('time-elsewhere.conf plain').error).toBeUndefined();
    expect(get('bad-time.conf plain').error).toBe('refused');
  });
});
