// The reconnect sweep ends this instance's captures of earlier connections and nothing else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalTransport } from '../../src/sources/transport/local.js';
import { CaptureSession } from '../../src/sources/capture/session.js';
import { parseSweep, sweepCaptures } from '../../src/sources/capture/sweep.js';
import { CAPTURE_INSTANCE_ID, captureTag } from '../../src/sources/capture/limiter.js';
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

describe('sweepCaptures', () => {
  it('ends earlier-epoch captures of this instance, spares another instance and the current epoch', async () => {
    const leftover = new CaptureSession({ idleSeconds: 600 });
    leftover.start(transport, { iface: lab.ifA, tcpdump: lab.tcpdump });
    const oldTag = captureTag(transport);
    // someone else's netwatch on the same node, and a second transport (connection) of ours
    const other = new CaptureSession({ instanceId: 'othr0001', idleSeconds: 600 });
    other.start(transport, { iface: lab.ifA, tcpdump: lab.tcpdump });
    await Promise.all([untilRunning(leftover), untilRunning(other)]);
    expect(lab.tcpdumpPids().length).toBe(2);

    const sweep = sweepCaptures(transport);
    // started right after the reconnect, on the new epoch: must survive
    const current = new CaptureSession();
    current.start(transport, { iface: lab.ifA, tcpdump: lab.tcpdump });
    const swept = await sweep;

    // the script and its background job (one process group) carry the tag
    expect([...new Set(swept.map((s) => s.tag))]).toEqual([oldTag]);
    expect((await leftover.done()).kind).toBe('stopped');
    await untilRunning(current);
    expect(other.status().kind).toBe('running');
    expect(current.status().kind).toBe('running');
    expect(lab.tcpdumpPids().length).toBe(2);
    await Promise.all([other.stop(), current.stop()]);
    expect(lab.tcpdumpPids()).toEqual([]);
  });

  it('finds nothing to do on a clean node', async () => {
    // a stopped capture's TERM/KILL helper lives up to 2 s after the stop (it would be swept)
    await new Promise((r) => setTimeout(r, 2200));
    expect(await sweepCaptures(transport)).toEqual([]);
    expect(captureTag(transport)).toMatch(new RegExp(`^nw-cap-${CAPTURE_INSTANCE_ID}-\\d+$`));
  });

  it('parses its report', () => {
    expect(parseSweep('swept 123 nw-cap-abcd1234-0\nswept 9 nw-cap-abcd1234-1\n')).toEqual([
      { pid: 123, tag: 'nw-cap-abcd1234-0' },
      { pid: 9, tag: 'nw-cap-abcd1234-1' },
    ]);
  });
});
