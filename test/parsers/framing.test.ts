/**
 * The sampler's framing against hostile interface names: the real remote/sampler.sh (guard
 * stubbed) runs under every awk on this machine (mawk, gawk, busybox awk) over a fake /sys and
 * /proc tree (NW_SAMPLER_ROOT) whose interfaces have random names of every legal byte, and the
 * real parsers read its stdout. Every interface must come back with its own index, peer, MAC,
 * MTU, state and counters, under the exact name (bytes), and nothing else may appear.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Assembler } from '../../src/sources/parsers/assemble.js';
import { ByteLineSplitter, decodeBytes, nameBytes } from '../../src/sources/parsers/bytes.js';
import { parseFrame } from '../../src/sources/parsers/frame.js';
import { parseIpLinkDetail } from '../../src/sources/parsers/links.js';
import { parseNetDev } from '../../src/sources/parsers/netdev.js';
import { loadScript } from '../../src/sources/remote/load.js';
import type { NodeSample } from '../../src/sources/types.js';

/** a deterministic PRNG so a failure names its seed */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 2 ** 32);
}

/** legal name bytes: 0x21–0x7e but '/' and ':', plus raw bytes 0x80–0xff and control bytes */
const PRINTABLE = [...Array(0x7e - 0x21 + 1).keys()].map((i) => i + 0x21).filter((b) => b !== 0x2f && b !== 0x3a);
const HIGH = [...Array(128).keys()].map((i) => i + 0x80);
const CONTROL = [0x01, 0x07, 0x08, 0x1b, 0x7f]; // not blanks: the kernel takes them
const UTF8 = ['ü', 'ñ', '€', '😀', '\u00a0', '\u2028', '\u202e', 'ß'].map((c) => [...Buffer.from(c)]);

export function randomName(r: () => number): Buffer {
  const len = 1 + Math.floor(r() * 15);
  const out: number[] = [];
  while (out.length < len) {
    const p = r();
    if (p < 0.6) out.push(PRINTABLE[Math.floor(r() * PRINTABLE.length)]!);
    else if (p < 0.75) out.push(HIGH[Math.floor(r() * HIGH.length)]!);
    else if (p < 0.8) out.push(CONTROL[Math.floor(r() * CONTROL.length)]!);
    else {
      const u = UTF8[Math.floor(r() * UTF8.length)]!;
      if (out.length + u.length <= 15) out.push(...u);
    }
  }
  const b = Buffer.from(out.slice(0, 15));
  const s = b.toString('latin1');
  return s === '.' || s === '..' ? Buffer.from('x' + s) : b;
}

const FIXED = ['@@', '@@NW', '@@NW_E_1', '.', 'a|b', '|', '.hidden', '..x', '%41', '\\', '"\'`', '$(id)', '*', '-', 'üñí€', '\x1b]0;x\x07']
  .map((s) => (s === '.' ? Buffer.from('.a') : Buffer.from(s)))
  .concat([Buffer.from([0xff, 0xfe]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('e\u00a0'), Buffer.from([0x61, 0xe2, 0x82])]);

interface Fake {
  name: Buffer;
  ifindex: number;
  iflink: number;
  mac: string;
  mtu: number;
  oper: string;
  rx: number;
  bridge?: Buffer;
}

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function buildTree(ifs: Fake[]): string {
  const root = mkdtempSync(join(tmpdir(), 'nw-framing-'));
  roots.push(root);
  mkdirSync(join(root, 'proc/net'), { recursive: true });
  writeFileSync(join(root, 'proc/uptime'), '100.5 200.1\n');
  writeFileSync(join(root, 'proc/net/snmp'), 'Tcp: RtoAlgorithm ActiveOpens\nTcp: 1 2\n');
  writeFileSync(join(root, 'proc/net/sockstat'), 'TCP: inuse 1 orphan 0 tw 0 alloc 1 mem 0\n');
  const dev: Buffer[] = [
    Buffer.from('Inter-|   Receive                                                |  Transmit\n'),
    Buffer.from(' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n'),
  ];
  for (const f of ifs) {
    const pad = Buffer.from(' '.repeat(Math.max(0, 6 - f.name.length)));
    dev.push(Buffer.concat([pad, f.name, Buffer.from(`: ${f.rx} 2 0 0 0 0 0 0 ${f.rx + 1} 3 0 0 0 0 0 0\n`)]));
    const d = Buffer.concat([Buffer.from(join(root, 'sys/class/net') + '/'), f.name]);
    mkdirSync(d, { recursive: true });
    const put = (file: string, v: string | Buffer) => writeFileSync(Buffer.concat([d, Buffer.from('/' + file)]), Buffer.concat([Buffer.from(v), Buffer.from('\n')]));
    put('ifindex', String(f.ifindex));
    put('iflink', String(f.iflink));
    put('address', f.mac);
    put('mtu', String(f.mtu));
    put('flags', '0x1003');
    put('operstate', f.oper);
    if (f.bridge) {
      mkdirSync(Buffer.concat([d, Buffer.from('/brport/bridge')]), { recursive: true });
      put('brport/hairpin_mode', '1');
      put('brport/bridge/uevent', Buffer.concat([Buffer.from('DEVTYPE=bridge\nINTERFACE='), f.bridge]));
    }
  }
  writeFileSync(join(root, 'proc/net/dev'), Buffer.concat(dev));
  // what a fake `ip` prints: the names raw, and lines that look like the frame's own markers
  const forged = '@@NW E 0\n@@ 0 linkk\n@@ 5 neigh !exit 1\n@@ grep\n.x\n';
  const link: Buffer[] = [Buffer.from(forged)];
  const neigh: Buffer[] = [Buffer.from(forged)];
  for (const f of ifs) {
    link.push(Buffer.from(`${f.ifindex}: `), f.name, Buffer.from(`: <BROADCAST,UP> mtu ${f.mtu} state UP\\    link/ether ${f.mac} brd ff:ff:ff:ff:ff:ff\\    dummy\n`));
    neigh.push(Buffer.from(`198.18.0.${f.ifindex} dev `), f.name, Buffer.from(` lladdr ${f.mac} REACHABLE\n`));
  }
  writeFileSync(join(root, 'ip-o'), Buffer.concat([...link, Buffer.from(forged)]));
  writeFileSync(join(root, 'ipneigh'), Buffer.concat([...neigh, Buffer.from(forged.trimEnd())]));
  writeFileSync(join(root, 'ip-4'), Buffer.from(forged + '198.18.0.0/15 dev x scope link\n'));
  return root;
}

const AWKS: Array<[string, string]> = [];
for (const [label, probe, wrapper] of [
  ['mawk', 'mawk', 'exec mawk "$@"'],
  ['gawk', 'gawk', 'exec gawk "$@"'],
  ['busybox awk', 'busybox', 'exec busybox awk "$@"'],
] as const) {
  if (spawnSync('sh', ['-c', `command -v ${probe}`]).status === 0) AWKS.push([label, wrapper]);
}

/** runs the real sampler script on the fake tree with the given awk; returns stdout */
async function runSampler(root: string, awkWrapper: string, requests: string): Promise<Buffer> {
  const bin = join(root, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'awk'), `#!/bin/sh\n${awkWrapper}\n`, { mode: 0o755 });
  writeFileSync(join(bin, 'ip'), `#!/bin/sh\nexec cat "$NW_SAMPLER_ROOT/ip$1"\n`, { mode: 0o755 });
  for (const t of ['sh', 'grep', 'sed', 'cat', 'mawk', 'gawk', 'busybox']) {
    const p = spawnSync('sh', ['-c', `command -v ${t}`]).stdout.toString().trim();
    if (p) symlinkSync(p, join(bin, t));
  }
  const script = 'nw_guard() { :; }\n' + loadScript('sampler.sh');
  // its own process group: the script's END kills its group
  const child = spawn('/bin/sh', ['-c', script, 'nw-s-test', '60', '60'], {
    detached: true,
    env: { PATH: bin, NW_SAMPLER_ROOT: root },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.resume();
  child.stdin.end(requests);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await new Promise((res) => child.on('close', res));
  clearTimeout(timer);
  return Buffer.concat(out);
}

function samples(stdout: Buffer): NodeSample[] {
  const a = new Assembler();
  const out: NodeSample[] = [];
  let body: string[] | undefined;
  new ByteLineSplitter((l) => {
    if (l.startsWith('@@NW B ')) body = [];
    else if (l.startsWith('@@NW E ')) {
      out.push(a.assemble(parseFrame(Number(l.slice(7)), body ?? []), 0, 1, []));
      body = undefined;
    } else body?.push(l);
  }).push(stdout);
  return out;
}

function fakes(seed: number, n: number): Fake[] {
  const r = rng(seed);
  const seen = new Set<string>();
  const ifs: Fake[] = [];
  for (const name of [...FIXED, ...Array.from({ length: n }, () => randomName(r))]) {
    const key = name.toString('hex');
    if (seen.has(key)) continue;
    seen.add(key);
    const i = ifs.length + 2;
    ifs.push({
      name,
      ifindex: i,
      iflink: r() < 0.5 ? i : 1000 + i,
      mac: `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
      mtu: 1000 + i,
      oper: r() < 0.5 ? 'up' : 'down',
      rx: 7 * i,
    });
  }
  // a few bridge ports, on bridges with hostile names too
  for (let k = 0; k < 4; k++) ifs[ifs.length - 1 - k]!.bridge = ifs[k]!.name;
  return ifs;
}

describe('bytes ↔ names', () => {
  it('round-trips every random name exactly and never maps two names to one string', () => {
    const r = rng(7);
    const seen = new Map<string, string>();
    for (let i = 0; i < 20_000; i++) {
      const b = randomName(r);
      const s = decodeBytes(b);
      expect(nameBytes(s).equals(b)).toBe(true);
      const prev = seen.get(s);
      if (prev !== undefined) expect(prev).toBe(b.toString('hex'));
      seen.set(s, b.toString('hex'));
    }
    expect(decodeBytes(Buffer.from('üñí'))).toBe('üñí');
    expect(decodeBytes(Buffer.from([0x61, 0xff]))).toBe('a\udcff');
  });
});

describe('lines from bytes', () => {
  it('splits a stream cut anywhere into the same lines as decoding each line alone', () => {
    const r = rng(11);
    for (let k = 0; k < 200; k++) {
      const lines = Array.from({ length: 1 + Math.floor(r() * 30) }, () => Buffer.concat(Array.from({ length: Math.floor(r() * 5) }, () => randomName(r))));
      const stream = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
      const got: string[] = [];
      const sp = new ByteLineSplitter((l) => got.push(l));
      for (let i = 0; i < stream.length; ) {
        const n = 1 + Math.floor(r() * 40);
        sp.push(stream.subarray(i, i + n));
        i += n;
      }
      expect(got).toEqual(lines.map((l) => decodeBytes(l)));
    }
  });
});

describe('names in command output', () => {
  it('ip -o link: a name with "@" or "@@" keeps its index; the Assembler matches by index', () => {
    const d = parseIpLinkDetail([
      '7: @@: <BROADCAST,UP> mtu 1400 qdisc noop state DOWN mode DEFAULT\\    link/ether 02:00:00:00:00:07 brd ff:ff:ff:ff:ff:ff\\    dummy',
      '8: a@b@if9: <BROADCAST,UP> mtu 1500 qdisc noop master c\u00a0d state UP\\    link/ether 02:00:00:00:00:08 brd ff:ff:ff:ff:ff:ff link-netnsid 0\\    veth',
    ]);
    expect(d.map((x) => [x.ifindex, x.name, x.peer, x.mtu, x.master, x.kind])).toEqual([
      [7, '@@', undefined, 1400, undefined, 'dummy'],
      [8, 'a@b', 'if9', 1500, 'c\u00a0d', 'veth'],
    ]);
  });
  it('/proc/net/dev: "|" and Unicode spaces are part of a name; only the padding goes', () => {
    const m = parseNetDev(['Inter-|   Receive |  Transmit', ' face |bytes packets', '   a|b: 1 2 0 0 0 0 0 0 3 4 0 0 0 0 0 0', '\u00a0x\u00a0: 5 2 0 0 0 0 0 0 3 4 0 0 0 0 0 0']);
    expect([...m.keys()]).toEqual(['a|b', '\u00a0x\u00a0']);
  });
});

describe.each(AWKS)('sampler.sh framing under %s', (_label, wrapper) => {
  it.each([1, 2, 3])('keeps every hostile name with its own identity (seed %i)', async (seed) => {
    const ifs = fakes(seed, 40);
    const root = buildTree(ifs);
    const out = await runSampler(root, wrapper, '0 mkr\n1 -\n2 mr\n');
    const ss = samples(out);
    expect(ss.map((s) => s.seq)).toEqual([0, 1, 2]);
    for (const s of [ss[0]!, ss[2]!]) {
      expect(s.neighbours).toMatchObject({ status: 'ok' });
      if (s.neighbours?.status !== 'ok') continue;
      const byDev = new Map(s.neighbours.data.map((n) => [n.dev, n]));
      for (const f of ifs) expect(byDev.get(decodeBytes(f.name))?.ip).toBe(`198.18.0.${f.ifindex}`);
      expect(s.routes4?.status === 'ok' && s.routes4.data.some((r) => r.dst === '198.18.0.0/15' && r.dev === 'x')).toBe(true);
    }
    expect(ss[0]!.interfaces.status === 'ok' && ss[0]!.interfaces.data.every((i) => i.kind === 'dummy')).toBe(true);
    for (const s of ss) {
      expect(s.interfaces.status).toBe('ok');
      if (s.interfaces.status !== 'ok') continue;
      const got = new Map(s.interfaces.data.map((i) => [i.name, i]));
      expect(got.size).toBe(ifs.length);
      for (const f of ifs) {
        const name = decodeBytes(f.name);
        const i = got.get(name);
        expect(i, `interface ${f.name.toString('hex')}`).toBeDefined();
        expect(nameBytes(i!.name).equals(f.name)).toBe(true);
        expect([i!.ifindex, i!.iflink, i!.mac, i!.mtu, i!.operstate]).toEqual([f.ifindex, f.iflink, f.mac, f.mtu, f.oper]);
        expect(i!.counters?.rxBytes).toBe(f.rx);
        if (f.bridge) {
          expect(i!.master).toBe(decodeBytes(f.bridge));
          expect(i!.hairpin).toBe(true);
        }
      }
    }
  }, 30_000);
});

describe('parsers given garbage', () => {
  it('never throw out of the Assembler', () => {
    const r = rng(99);
    const a = new Assembler();
    const sections = ['grep', 'linkk', 'iplink', 'neigh', 'route4', 'route6', 'fdb', 'podcg', 'tcpss', 'tcpawk', 'facts', 'ctstat'];
    const paths = ['/proc/uptime', '/proc/net/dev', '/proc/net/snmp', '/proc/net/sockstat', '/proc/sys/net/netfilter/nf_conntrack_count', '/proc/net/stat/nf_conntrack', '/sys/class/net/x/mtu', '/sys/class/net/x/operstate'];
    for (let f = 0; f < 300; f++) {
      const body: string[] = [];
      for (let l = 0; l < 60; l++) {
        const junk = decodeBytes(Buffer.from(Array.from({ length: Math.floor(r() * 80) }, () => Math.floor(r() * 256)).filter((b) => b !== 10)));
        const p = r();
        if (p < 0.1) body.push(`@@ ${sections[Math.floor(r() * sections.length)]}${r() < 0.2 ? ' !exit 1' : ''}`);
        else if (p < 0.5) body.push(`.${paths[Math.floor(r() * paths.length)]}:${junk}`);
        else if (p < 0.95) body.push(`.${junk}`);
        else body.push(junk);
      }
      expect(() => a.assemble(parseFrame(f, body), f, 1, [])).not.toThrow();
    }
  });
});
