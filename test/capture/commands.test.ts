// checkFilter, runCaptureCommand, FanOut and SummarySampler on LocalTransport in own namespaces.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalTransport } from '../../src/sources/transport/local.js';
import { checkFilter } from '../../src/sources/capture/check.js';
import { runCaptureCommand } from '../../src/sources/capture/cli.js';
import { FanOut } from '../../src/sources/capture/fanout.js';
import { SummarySampler, type TrafficSample } from '../../src/sources/capture/sampler.js';
import { CaptureSession } from '../../src/sources/capture/session.js';
import { CaptureNetns } from './netns.js';

let lab: CaptureNetns;
const transport = new LocalTransport('cmd-node');
const dir = mkdtempSync(join(tmpdir(), 'nwcap-cmd-'));

beforeAll(async () => {
  lab = new CaptureNetns();
  await lab.ready();
});
afterAll(() => {
  lab?.destroy();
  transport.close();
  rmSync(dir, { recursive: true, force: true });
});

const tcpdumpCount = (file: string) =>
  execFileSync('tcpdump', ['-nn', '-r', file], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().split('\n').filter(Boolean).length;

function collector() {
  let text = '';
  return { write: (s: string) => void (text += s), text: () => text };
}

describe('checkFilter', () => {
  it('accepts a good filter, refuses a bad one with tcpdump’s message, names a missing tcpdump', async () => {
    // the filter a capture would apply: the user's, with this terminal's SSH session excluded when it has one
    const good = await checkFilter(transport, lab.ifA, 'tcp port 443', { tcpdump: lab.tcpdump });
    expect(good.ok && good.appliedFilter).toMatch(/^(tcp port 443|\(tcp port 443\) and not \(tcp and host \S+ and port \d+ and host \S+ and port \d+\))$/);
    expect(await checkFilter(transport, lab.ifA, '', { tcpdump: lab.tcpdump })).toMatchObject({ ok: true });
    const bad = await checkFilter(transport, lab.ifA, 'port http2x', { tcpdump: lab.tcpdump });
    expect(bad).toMatchObject({ ok: false, cause: 'rejected' });
    expect(!bad.ok && bad.message).toMatch(/^tcpdump: .*http2x/);
    expect(await checkFilter(transport, lab.ifA, '', { tcpdump: 'no-such-tcpdump' })).toMatchObject({ ok: false, cause: 'missing-tcpdump' });
  });
});

describe('runCaptureCommand', () => {
  it('writes FILE and prints the summary; exit 0', async () => {
    const file = join(dir, 'cli.pcap');
    const out = collector();
    const run = runCaptureCommand(transport, lab.ifA, { file, count: 8, tcpdump: lab.tcpdump, node: 'lab-a', progressMs: 100 }, out);
    await new Promise((r) => setTimeout(r, 500));
    await lab.traffic();
    expect(await run).toBe(0);
    expect(tcpdumpCount(file)).toBe(8);
    // the plan before the start, then the filter the node applied (this terminal's SSH session
    // excluded when the tests run in one)
    expect(out.text().split('\n')[0]).toBe(`capture on lab-a:${lab.ifA}: everything (no filter), not this terminal's SSH session, if it has one (found on the node at start); 128 bytes per packet`);
    expect(out.text()).toMatch(new RegExp(`^capturing on lab-a:${lab.ifA} with filter "(not \\(tcp and host .*\\))?" \\((no SSH session to exclude|excluding own SSH .*)\\) > ${file}$`, 'm'));
    expect(out.text()).toMatch(/^Packets 8 /m);
    expect(out.text()).toContain(`wrote 8 packets`);
  });

  it('stops cleanly on abort (Ctrl-C) with a complete file', async () => {
    const file = join(dir, 'abort.pcap');
    const ac = new AbortController();
    const run = runCaptureCommand(transport, lab.ifA, { file, tcpdump: lab.tcpdump, signal: ac.signal, progressMs: 0 }, collector());
    await new Promise((r) => setTimeout(r, 400));
    await lab.traffic();
    ac.abort();
    expect(await run).toBe(0);
    expect(tcpdumpCount(file)).toBeGreaterThan(5);
    expect(lab.tcpdumpPids()).toEqual([]);
  });

  it('exits 1 with tcpdump’s own message on a bad filter and writes nothing', async () => {
    const file = join(dir, 'bad.pcap');
    const out = collector();
    expect(await runCaptureCommand(transport, lab.ifA, { file, filter: 'tcp port', tcpdump: lab.tcpdump }, out)).toBe(1);
    expect(out.text()).toMatch(/^netwatch capture: cmd-node:nc\w+: tcpdump: .*syntax error/m);
    expect(existsSync(file)).toBe(false);
  });

  it('exits 127 when tcpdump is missing, 2 on values that are not names', async () => {
    const out = collector();
    expect(await runCaptureCommand(transport, lab.ifA, { file: join(dir, 'x.pcap'), tcpdump: '/nope/tcpdump' }, out)).toBe(127);
    expect(out.text()).toMatch(/\/nope\/tcpdump: not found on cmd-node/);
    expect(await runCaptureCommand(transport, 'eth0;id', { file: join(dir, 'x.pcap') }, out)).toBe(2);
    expect(await runCaptureCommand(transport, 'eth0', { file: join(dir, 'x.pcap'), seconds: -1 }, out)).toBe(2);
  });
});

/** the -s argument of every tcpdump running on the test's veth */
function snapArgs(): string[] {
  return lab.tcpdumpPids().flatMap((pid) => {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      return []; // ended between the listing and the read (a 2 s capture ends often)
    }
    // not the filter check (tcpdump -d) before a capture starts
    return argv.includes('-w') ? [argv[argv.indexOf('-s') + 1]!] : [];
  });
}

describe('FanOut', () => {
  it('captures on every target, one file each, one combined summary; a bad target is its own error', async () => {
    const t2 = new LocalTransport('cmd-node-2');
    const f = new FanOut();
    f.start(
      [
        { transport, iface: lab.ifA, node: 'n1' },
        { transport: t2, iface: lab.ifA, node: 'n2' },
        { transport: t2, iface: 'bad iface', node: 'n3' },
      ],
      { tcpdump: lab.tcpdump, filter: 'tcp', snaplen: 0 },
    );
    const t0 = Date.now();
    while (f.snapshot().parts.filter((p) => p.status.kind === 'running').length < 2 && Date.now() - t0 < 10_000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    // the snap length reaches every node's tcpdump; each part says the filter its node applied
    expect(snapArgs()).toEqual(['0', '0']);
    expect(f.snapshot().snaplen).toBe(0);
    for (const p of f.snapshot().parts.slice(0, 2)) expect(p.appliedFilter).toMatch(/^(tcp|\(tcp\) and not \(tcp and host .*\))$/);
    await lab.traffic();
    await new Promise((r) => setTimeout(r, 200));
    await f.stop();
    const snap = f.snapshot();
    expect(snap.parts.map((p) => [p.node, p.status.kind])).toEqual([
      ['n1', 'stopped'],
      ['n2', 'stopped'],
      ['n3', 'error'],
    ]);
    const [p1, p2] = snap.parts;
    expect(p1!.packets).toBeGreaterThan(5);
    expect(p2!.packets).toBe(p1!.packets);
    expect(snap.summary.packets).toBe(p1!.packets + p2!.packets);
    expect(snap.summary.syn.unanswered).toBe(2);
    expect(snap.summary.syn.recentUnanswered.map((u) => u.node).sort()).toEqual(['n1', 'n2']);
    expect(snap.lines.map((l) => l.node)).toContain('n2');
    const files = await f.keep(dir);
    expect(files).toHaveLength(2);
    expect(files[0]!.path).toMatch(/\/n1_nc\w+_\d{8}-\d{6}\.pcap$/);
    for (const file of files) expect(tcpdumpCount(file.path)).toBe(p1!.packets);
    t2.close();
  });
});

describe('SummarySampler', () => {
  it('reports packets/s, SYNs without reply and RSTs per node from short bounded captures', async () => {
    const sampler = new SummarySampler({ intervalMs: 1000, seconds: 2, tcpdump: lab.tcpdump, snaplen: 200 });
    sampler.setTargets([{ node: 'lab-a', transport, iface: lab.ifA }]);
    const samples: TrafficSample[] = [];
    sampler.on('sample', (s: TrafficSample) => samples.push(s));
    sampler.start();
    let busy = true;
    const traffic = (async () => {
      while (busy) await lab.traffic();
    })();
    try {
      let snap: string[] = [];
      for (const t = Date.now(); !snap.length && Date.now() - t < 10_000; ) {
        snap = snapArgs();
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(snap).toEqual(['200']);
      const t0 = Date.now();
      while (!samples.some((s) => s.synUnanswered > 0 && s.rsts > 0) && Date.now() - t0 < 20_000) {
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      // also when an expectation failed: no sampler or traffic left for the next test
      busy = false;
      await sampler.stop();
      await traffic;
    }
    const good = samples.find((s) => s.synUnanswered > 0 && s.rsts > 0);
    expect(good).toMatchObject({ node: 'lab-a', status: 'ok', capped: false });
    expect(good!.pps).toBeGreaterThan(0);
    expect(good!.seconds).toBeGreaterThan(1.5);
    expect(sampler.latest().get('lab-a')).toBeDefined();
    expect(lab.tcpdumpPids()).toEqual([]);
  });

  it('skips a node whose capture slots are full, and counts toward the limit itself', async () => {
    const full = [1, 2, 3].map(() => {
      const s = new CaptureSession();
      s.start(transport, { iface: lab.ifA, tcpdump: lab.tcpdump });
      return s;
    });
    const sampler = new SummarySampler({ intervalMs: 60_000, tcpdump: lab.tcpdump });
    sampler.setTargets([{ node: 'lab-a', transport, iface: lab.ifA }]);
    const sample = new Promise<TrafficSample>((r) => sampler.once('sample', r));
    sampler.start();
    expect(await sample).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/at most 3 per node/) });
    await sampler.stop();
    await Promise.all(full.map((s) => s.stop()));
  });
});
