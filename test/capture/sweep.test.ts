// The one reconnect sweep ends everything this instance's earlier connections left (sampler,
// captures, traffic summaries) and nothing else: another instance and the current epoch are spared.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalTransport } from '../../src/sources/transport/local.js';
import { CaptureSession } from '../../src/sources/capture/session.js';
import { SAMPLER_SH } from '../../src/sources/remote/scripts.js';
import { parseSweep, sweepEarlier } from '../../src/sources/remote/sweep.js';
import { INSTANCE_ID, PROCESS_TAGS, processTag } from '../../src/sources/remote/tags.js';
import { CaptureNetns, untilRunning } from './netns.js';

let lab: CaptureNetns;
const transport = new LocalTransport('sweep');

beforeAll(async () => {
  lab = new CaptureNetns();
  await lab.ready();
});
afterAll(() => {
  lab?.destroy();
  transport.close();
});

const alive = (pid: number) => {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

describe('sweepEarlier', () => {
  it('ends the sampler and the captures of earlier epochs of this instance, spares another instance and the current epoch', async () => {
    const leftover = new CaptureSession({ idleSeconds: 600, maxPerNode: 5 });
    leftover.start(transport, { iface: lab.ifA, tcpdump: lab.tcpdump });
    const summary = new CaptureSession({ idleSeconds: 600, tagKind: 'traffic', maxPerNode: 5 });
    summary.start(transport, { iface: lab.ifA, tcpdump: lab.tcpdump });
    const oldCap = processTag('capture', transport);
    const oldTraffic = processTag('traffic', transport);
    expect(oldTraffic).toMatch(new RegExp(`^nw-traf-${INSTANCE_ID}-\\d+$`));
    // an earlier connection's sampler (its guard would wait 10 minutes)
    const sampler = transport.spawn(SAMPLER_SH, ['600', '3600'], { privileged: true, tag: processTag('sampler', transport) });
    sampler.stdin.on('error', () => {});
    // someone else's netwatch on the same node
    const other = new CaptureSession({ instanceId: 'othr0001', idleSeconds: 600, maxPerNode: 5 });
    other.start(transport, { iface: lab.ifA, tcpdump: lab.tcpdump });
    await Promise.all([untilRunning(leftover), untilRunning(summary), untilRunning(other)]);
    expect(lab.tcpdumpPids().length).toBe(3);

    const sweep = sweepEarlier(transport, { newEpoch: true });
    // started right after the reconnect, on the new epoch: must survive
    const current = new CaptureSession({ maxPerNode: 5 });
    current.start(transport, { iface: lab.ifA, tcpdump: lab.tcpdump });
    const swept = await sweep;

    // each script and its background job (one process group) carry the tag
    expect([...new Set(swept.map((s) => s.tag))].sort()).toEqual([oldCap, processTag('sampler', transport), oldTraffic].sort());
    expect((await leftover.done()).kind).toBe('stopped');
    expect((await summary.done()).kind).toBe('stopped');
    await sampler.exit;
    await untilRunning(current);
    expect(other.status().kind).toBe('running');
    expect(current.status().kind).toBe('running');
    expect(lab.tcpdumpPids().length).toBe(2);
    for (const s of swept) expect(alive(s.pid)).toBe(false);
    await Promise.all([other.stop(), current.stop()]);
    expect(lab.tcpdumpPids()).toEqual([]);
  });

  it('finds nothing to do on a clean node', async () => {
    // a stopped capture's TERM/KILL helper lives up to 2 s after the stop (it would be swept)
    await new Promise((r) => setTimeout(r, 2200));
    expect(await sweepEarlier(transport, { newEpoch: true })).toEqual([]);
  });

  it('one table of tags: unique codes, valid process tags', () => {
    const codes = Object.values(PROCESS_TAGS).map((t) => t.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const kind of Object.keys(PROCESS_TAGS) as (keyof typeof PROCESS_TAGS)[]) {
      expect(processTag(kind, transport)).toMatch(/^nw-[a-z]+-[0-9a-f]{8}(-\d+)?$/);
    }
    expect(processTag('sampler', transport)).toBe(`nw-s-${INSTANCE_ID}`);
  });

  it('parses its report', () => {
    expect(parseSweep('swept 123 nw-cap-abcd1234-0\nswept 9 nw-s-abcd1234\nnoise\n')).toEqual([
      { pid: 123, tag: 'nw-cap-abcd1234-0' },
      { pid: 9, tag: 'nw-s-abcd1234' },
    ]);
  });
});
