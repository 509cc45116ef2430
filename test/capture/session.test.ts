// Captures on this machine through LocalTransport, on a veth in namespaces the test creates.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalTransport } from '../../src/sources/transport/local.js';
import { CaptureSession } from '../../src/sources/capture/session.js';
import { CaptureLimitError } from '../../src/sources/capture/limiter.js';
import type { CaptureStatus } from '../../src/sources/capture/source.js';
import { BLACKHOLE, B_ADDR, CaptureNetns } from './netns.js';

let lab: CaptureNetns;
const transport = new LocalTransport('local-test');
const outDir = mkdtempSync(join(tmpdir(), 'nwcap-out-'));

beforeAll(async () => {
  lab = new CaptureNetns();
  await lab.ready();
});
afterAll(() => {
  lab?.destroy();
  transport.close();
  rmSync(outDir, { recursive: true, force: true });
});

function until(s: CaptureSession, kind: CaptureStatus['kind'], ms = 10_000): Promise<CaptureStatus> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${kind} status within ${ms} ms (now ${JSON.stringify(s.status())})`)), ms);
    const check = () => {
      if (s.status().kind === kind) {
        clearTimeout(t);
        s.off('status', check);
        resolve(s.status());
      }
    };
    s.on('status', check);
    check();
  });
}

function readCount(file: string): number {
  const out = execFileSync('tcpdump', ['-nn', '-r', file], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  return out.split('\n').filter(Boolean).length;
}

describe('CaptureSession on a veth (LocalTransport, own namespaces)', () => {
  it('shows the traffic, counts RST and SYN-without-reply, keeps a pcap tcpdump reads with the same count', async () => {
    const s = new CaptureSession({ summaryIntervalMs: 100 });
    s.start(transport, { node: 'lab-a', iface: lab.ifA, tcpdump: lab.tcpdump, filter: 'ip' });
    await until(s, 'running');
    const kept = await s.keep(outDir); // mid-capture: the file then grows as packets arrive
    expect(kept[0]!.path).toMatch(new RegExp(`/lab-a_${lab.ifA}_\\d{8}-\\d{6}\\.pcap$`));
    await lab.traffic();
    await new Promise((r) => setTimeout(r, 300));
    await s.stop();
    const final = await s.done();
    expect(final).toMatchObject({ kind: 'stopped', reason: 'user' });
    const sum = s.summary();
    expect(sum.syn.refused).toBe(1);
    expect(sum.syn.unanswered).toBe(1);
    expect(sum.syn.recentUnanswered[0]!.server).toBe(`${BLACKHOLE}:80`);
    expect(sum.rsts).toBeGreaterThanOrEqual(1);
    expect(sum.rstSenders[0]!.key).toMatch(new RegExp(`^${B_ADDR}:9 > `));
    expect(sum.talkers.map((t) => t.key)).toContain(`tcp 198.18.210.1 > ${B_ADDR}:8080`);
    expect(sum.protos.find((p) => p.proto === 'udp')?.packets).toBe(2);
    const file = s.file()!;
    expect(file).toMatchObject({ closed: true, skipped: 0, packets: sum.packets });
    expect(statSync(file.path).size).toBe(file.bytes);
    expect(readCount(file.path)).toBe(sum.packets);
    expect(s.stats()?.captured).toBe(sum.packets);
    expect(lab.tcpdumpPids()).toEqual([]);
  });

  it('keeps after the capture ended, every packet since the start', async () => {
    const s = new CaptureSession();
    s.start(transport, { node: 'lab-a', iface: lab.ifA, tcpdump: lab.tcpdump, count: 5 });
    await until(s, 'running');
    await lab.traffic();
    expect(await s.done()).toMatchObject({ kind: 'stopped', reason: 'count' });
    const [f] = await s.keep(outDir);
    expect(readCount(f!.path)).toBe(5);
    expect(s.summary().packets).toBe(5);
    const again = await s.keep(outDir);
    expect(again[0]!.path).toBe(f!.path);
  });

  it('stops at the duration', async () => {
    const s = new CaptureSession();
    const t0 = Date.now();
    s.start(transport, { iface: lab.ifA, tcpdump: lab.tcpdump, seconds: 1 });
    expect(await s.done()).toMatchObject({ kind: 'stopped', reason: 'duration' });
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(lab.tcpdumpPids()).toEqual([]);
  });

  it('refuses a bad filter with tcpdump’s own message and starts nothing', async () => {
    const s = new CaptureSession();
    s.start(transport, { iface: lab.ifA, tcpdump: lab.tcpdump, filter: 'port 80 and and' });
    const st = await s.done();
    expect(st).toMatchObject({ kind: 'error', cause: 'rejected' });
    expect(st.kind === 'error' && st.message).toMatch(/^tcpdump: .*syntax error/);
    expect(s.model.header).toBeNull();
  });

  it('refuses an interface the node does not have, with tcpdump’s message', async () => {
    const s = new CaptureSession();
    s.start(transport, { iface: 'nwcap-nosuch', tcpdump: lab.tcpdump });
    const st = await s.done();
    expect(st).toMatchObject({ kind: 'error', cause: 'rejected' });
    expect(st.kind === 'error' && st.message).toMatch(/nwcap-nosuch/);
  });

  it('says what is missing when there is no tcpdump, and how to fix it', async () => {
    const s = new CaptureSession();
    s.start(transport, { node: 'cos-node', iface: lab.ifA, tcpdump: '/nonexistent/tcpdump' });
    const st = await s.done();
    expect(st).toMatchObject({ kind: 'error', cause: 'missing-tcpdump' });
    expect(st.kind === 'error' && st.message).toMatch(/^\/nonexistent\/tcpdump: not found on cos-node.*install.*toolbox.*--tcpdump/);
  });

  it('runs at most 3 captures per node and refuses the 4th clearly', async () => {
    const started = [1, 2, 3].map(() => {
      const s = new CaptureSession();
      s.start(transport, { iface: lab.ifA, tcpdump: lab.tcpdump });
      return s;
    });
    const fourth = new CaptureSession();
    expect(() => fourth.start(transport, { iface: lab.ifA, tcpdump: lab.tcpdump })).toThrow(CaptureLimitError);
    expect(() => fourth.start(transport, { iface: lab.ifA, tcpdump: lab.tcpdump })).toThrow(/already runs 3 captures .*at most 3 per node/);
    // another node is not affected
    const other = new LocalTransport('other-node');
    const elsewhere = new CaptureSession();
    elsewhere.start(other, { iface: lab.ifA, tcpdump: lab.tcpdump });
    await Promise.all(started.map((s) => until(s, 'running')));
    await Promise.all([...started, elsewhere].map((s) => s.stop()));
    const again = new CaptureSession();
    again.start(transport, { iface: lab.ifA, tcpdump: lab.tcpdump, seconds: 1 });
    await again.done();
    other.close();
    expect(lab.tcpdumpPids()).toEqual([]);
  });
});
