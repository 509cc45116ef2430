/** A recording made by the format-1 writer (test/fixtures/record/v1.nwrec, written at commit b11ed28) still reads, state for state. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { canon } from '../support/samples.js';
import { openRecording } from '../../src/sources/record/reader.js';
import type { Iface } from '../../src/sources/types.js';

const FIX = 'test/fixtures/record/v1.nwrec';
const { hashes } = JSON.parse(readFileSync('test/fixtures/record/v1.states.json', 'utf8')) as { hashes: Record<string, string> };

describe('format version 1', () => {
  it('the file says version 1, and every recorded moment reads back as the live state was', async () => {
    expect(readFileSync(FIX).readUInt16LE(6)).toBe(1);
    const tl = await openRecording(FIX);
    const times = Object.keys(hashes).map(Number);
    expect(tl.times).toEqual(times);
    // out of order: across the segments (a snapshot every 10 s), backwards and forwards
    for (const t of [...times].reverse().concat(times.filter((_, i) => i % 3 === 0))) {
      const st = await tl.stateAt(t);
      expect(createHash('sha256').update(JSON.stringify(canon(st))).digest('hex')).toBe(hashes[t]);
    }
    const mtu = async (t: number) => ((await tl.stateAt(t)).nodes.n1!.sample!.interfaces as { data: Iface[] }).data[1]!.mtu;
    expect(await mtu(times[5]!)).toBe(1500);
    expect(await mtu(times[20]!)).toBe(1400);
    expect(tl.marks.map((m) => m.note)).toEqual(['restarted kube-proxy']);
    await tl.close();
  });
});
