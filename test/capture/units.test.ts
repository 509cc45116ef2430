import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseStderr } from '../../src/sources/capture/script.js';
import { captureOutcome, type EndFacts } from '../../src/sources/capture/outcome.js';
import { captureFileName } from '../../src/sources/capture/store.js';
import { CaptureModel } from '../../src/sources/capture/model.js';
import { mergeSummaries } from '../../src/sources/capture/fanout.js';
import { fixture, modelOf } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'nwcap-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the capture script’s stderr', () => {
  it('separates markers, tcpdump’s statistics and tcpdump’s own messages (as tcpdump 4.99 prints them)', () => {
    const r = parseStderr(
      'nw-cap: started 4242\ntcpdump: listening on veth1, link-type EN10MB (Ethernet), snapshot length 128 bytes\n' +
        '12 packets captured\n14 packets received by filter\n1 packet dropped by kernel\nnw-cap: exit 0\n',
    );
    expect(r).toMatchObject({ started: true, exit: 0, rejected: false, stats: { captured: 12, received: 14, dropped: 1 }, messages: [] });
    const bad = parseStderr("tcpdump: can't parse filter expression: syntax error\nnw-cap: rejected\n");
    expect(bad).toMatchObject({ rejected: true, started: false, messages: ["tcpdump: can't parse filter expression: syntax error"] });
    expect(parseStderr('nw-cap: missing /usr/sbin/tcpdump\n').missing).toBe('/usr/sbin/tcpdump');
  });
});

describe('how a capture ended', () => {
  const base: EndFacts = {
    report: parseStderr('nw-cap: started 1\n'),
    code: 0,
    stopReason: null,
    packets: 10,
    count: 100,
    connected: true,
    node: 'n1',
    idleSeconds: 10,
    since: 1,
  };
  const with_ = (stderr: string, more: Partial<EndFacts> = {}) => captureOutcome({ ...base, report: parseStderr(stderr), ...more });

  it('reads each ending', () => {
    expect(with_('nw-cap: missing tcpdump\n', { code: 127 })).toMatchObject({ kind: 'error', cause: 'missing-tcpdump' });
    expect(with_('', { code: 127 })).toMatchObject({ kind: 'error', cause: 'missing-tcpdump' });
    expect(with_('tcpdump: eth9: No such device exists\nnw-cap: rejected\n')).toEqual({
      kind: 'error', since: 1, cause: 'rejected', message: 'tcpdump: eth9: No such device exists',
    });
    expect(with_('nw-cap: started 1\ntcpdump: pcap_loop: The interface disappeared\nnw-cap: exit 1\n')).toMatchObject({
      kind: 'error', cause: 'tcpdump', message: 'tcpdump: pcap_loop: The interface disappeared',
    });
    expect(with_('nw-cap: started 1\n', { stopReason: 'duration' })).toMatchObject({ kind: 'stopped', reason: 'duration' });
    expect(with_('nw-cap: started 1\nnw-cap: exit 0\n', { packets: 100 })).toMatchObject({ kind: 'stopped', reason: 'count' });
    expect(with_('nw-cap: started 1\n', { code: null, connected: false })).toMatchObject({
      kind: 'stopped', reason: 'connection-lost', message: 'connection to n1 lost; the node ends tcpdump by itself within 12 s',
    });
    expect(with_('sudo: a password is required\n', { code: 1 })).toMatchObject({ kind: 'error', cause: 'start', message: 'sudo: a password is required' });
  });
});

describe('pcap files on the jump host', () => {
  it('names them <node>_<iface>_<YYYYmmdd-HHMMSS>.pcap, with unsafe characters replaced', () => {
    const d = new Date(2026, 0, 2, 3, 4, 5);
    expect(captureFileName('gke-pool-a-1', 'veth3a1b', d)).toBe('gke-pool-a-1_veth3a1b_20260102-030405.pcap');
    expect(captureFileName('10.0.0.6:2222', 'eth0', d, '-1')).toBe('10.0.0.6_2222_eth0_20260102-030405-1.pcap');
  });

  it('past the memory cap keeps the newest packets; the file is still a valid pcap and says where it starts', async () => {
    const m = new CaptureModel({ bufferBytes: 2000 });
    const b = fixture('en10mb-mixed');
    m.push(b);
    const { dropped, bytes } = m.store.buffered();
    expect(bytes).toBeLessThanOrEqual(2000);
    expect(dropped).toBeGreaterThan(0);
    const path = join(dir, 'capped.pcap');
    const f = await m.store.keepTo(path);
    await m.store.end();
    expect(f.skipped).toBe(dropped);
    const n = execFileSync('tcpdump', ['-nn', '-r', path], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().split('\n').filter(Boolean).length;
    expect(n).toBe(m.packets - dropped);
    expect(m.summary().packets).toBe(68);
  });

  it('refuses to keep a capture that keeps no packets (the sampler’s)', async () => {
    const m = new CaptureModel({ bufferBytes: 0 });
    m.push(fixture('en10mb-mixed'));
    await expect(m.store.keepTo(join(dir, 'none.pcap'))).rejects.toThrow(/keeps no packets/);
  });
});

describe('fan-out summary', () => {
  it('adds counts and tags list entries with their node', () => {
    const a = modelOf('en10mb-mixed').summary();
    const b = modelOf('sll-any').summary();
    const m = mergeSummaries([
      { node: 'n1', summary: a },
      { node: 'n2', summary: b },
    ]);
    expect(m.packets).toBe(a.packets + b.packets);
    expect(m.syn.refused).toBe(a.syn.refused + b.syn.refused);
    expect(m.rstSenders.map((r) => r.node).sort()).toEqual(['n1', 'n1', 'n2']);
    const shared = m.talkers.find((t) => t.key === 'tcp 198.18.200.1 > 198.18.201.1:8080')!;
    expect(shared.nodes).toEqual(['n1', 'n2']);
    expect(shared.packets).toBe(
      a.talkers.find((t) => t.key === shared.key)!.packets + b.talkers.find((t) => t.key === shared.key)!.packets,
    );
  });
});
