/**
 * Format 2's packed columns (columns.ts, format.ts SegmentWriter/SegmentReader): hostile numbers
 * round-trip exactly, through the bytes a record holds, record after record of a segment; and a
 * whole recording of hostile counters reads back state for state.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyColumns, decodeColumns, encodeColumns } from '../../src/sources/record/columns.js';
import { FILE_HEADER, KIND, readRecordHeader, RECORD_HEADER, SegmentReader, SegmentWriter } from '../../src/sources/record/format.js';
import { applyPatch, dataOf, diff, StreamProducer, type Patch } from '../../src/state/stream.js';
import { createAppStore } from '../../src/state/store.js';
import { Recorder } from '../../src/sources/record/writer.js';
import { openRecording } from '../../src/sources/record/reader.js';
import { canon, sample } from '../support/samples.js';

const dir = mkdtempSync(join(tmpdir(), 'nwrec-cols-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

type Counters = Record<string, number>;
const counters = (items: (Counters | undefined)[]) => items.map((c) => (c ? { name: 'x', counters: c } : c));

/** writes the frames of one segment (a snapshot's text, then deltas of `states` diffed one after another) and reads them back */
function roundTrip(states: unknown[], discardAt = new Set<number>()) {
  const w = new SegmentWriter();
  const r = new SegmentReader(2);
  // the reader's own path: the patch applied as it is decoded (applyColumns), on a second reader
  const r2 = new SegmentReader(2);
  const snap = Buffer.from(JSON.stringify({ t: 'snap', s: states[0] }));
  w.commit(true, snap);
  const snapPayload = w.encodeSnap(snap);
  r.read(KIND.snap, snapPayload);
  r2.read(KIND.snap, snapPayload);
  let packedNumbers = 0;
  let refs = 0;
  for (let i = 1; i < states.length; i++) {
    const p = diff(states[i - 1], states[i]);
    if (p === undefined) continue;
    if (discardAt.has(i)) {
      // a delta the writer encodes and then replaces (a rotation): never committed, never read
      const pack = w.packer();
      w.encode(Buffer.from(JSON.stringify({ p: encodeColumns(p, pack) })), pack);
    }
    const pack = w.packer();
    const text = Buffer.from(JSON.stringify({ p: encodeColumns(p, pack) }));
    const payload = w.encode(text, pack);
    w.commit(false, text, pack);
    packedNumbers += pack.count;
    refs += (text.toString().match(/"=":1/g) ?? []).length;
    const rec = r.read(KIND.delta, payload);
    expect(rec.text.equals(text)).toBe(true);
    const back = decodeColumns(JSON.parse(rec.text.toString()).p as Patch, rec.unpack);
    rec.unpack!.end();
    // the same patch, applied the same way (also the numbers that stayed text)
    expect(canon(applyPatch(states[i - 1], back))).toEqual(canon(states[i]));
    expect(canon(back)).toEqual(canon(p));
    const rec2 = r2.read(KIND.delta, payload);
    const prev = structuredClone(states[i - 1]);
    const applied = applyColumns(states[i - 1], JSON.parse(rec2.text.toString()).p as Patch, applyPatch, rec2.unpack);
    rec2.unpack!.end();
    expect(canon(applied)).toEqual(canon(states[i]));
    expect(canon(states[i - 1])).toEqual(canon(prev)); // the state before is not changed
  }
  return { packedNumbers, refs };
}

describe('packed columns (format 2)', () => {
  it('hostile numbers round-trip: negatives, a counter reset or wrap going down, floats, > 2^53, the 2^50 edge', () => {
    const base = { rxBytes: 1_000_000, txBytes: 5, rxPackets: 10, txPackets: 0, rxDropped: 0 };
    const seq: Counters[][] = [Array.from({ length: 6 }, () => ({ ...base }))];
    const step = (f: (c: Counters, i: number) => void) => seq.push(seq.at(-1)!.map((c, i) => { const n = { ...c }; f(n, i); return n; }));
    for (let t = 0; t < 8; t++) step((c, i) => { c.rxBytes! += 1000 * (i + 1) + t; c.rxPackets! += i; c.txBytes! += 3; });
    step((c, i) => { if (i === 2) c.rxBytes = 17; else c.rxBytes! += 10; }); // reset: the difference is about -1e6
    step((c, i) => { c.txBytes = i === 1 ? 2 ** 32 - 1 : c.txBytes! - 2; }); // a 32-bit wrap the other way and small negatives
    step((c) => { c.rxBytes! += 2 ** 50; }); // exactly the largest packed difference
    step((c) => { c.rxBytes! -= 2 ** 50; });
    step((c, i) => { c.rxBytes! += i === 3 ? 2 ** 50 + 1 : 1; }); // one too large: the column stays text
    step((c, i) => { c.txPackets! += i === 0 ? 0.5 : 1; }); // a float: that column stays text
    step((c, i) => { c.rxDropped = i === 4 ? 2 ** 60 : c.rxDropped! + 1; }); // beyond 2^53
    step((c) => { c.rxDropped = 0; });
    step((c) => { c.txBytes = Number.MAX_SAFE_INTEGER; });
    step((c) => { c.txBytes = -Number.MAX_SAFE_INTEGER; });
    step((c, i) => { c.rxPackets = i === 5 ? 0 : c.rxPackets! + 1; });
    for (let t = 0; t < 5; t++) step((c, i) => { c.rxBytes! += 7 * i; c.rxPackets! += 1; });
    const { packedNumbers } = roundTrip(seq.map(counters));
    expect(packedNumbers).toBeGreaterThan(150);
  });

  it('items appearing (no earlier number to predict from), disappearing and shifting; a segment of random sizes', () => {
    const r = rng(11);
    const states: unknown[] = [];
    let cur: Counters[] = Array.from({ length: 5 }, () => ({ a: 0, b: 0 }));
    for (let t = 0; t < 120; t++) {
      const scale = 2 ** Math.floor(r() * 48);
      cur = cur.map((c) => ({ a: c.a! + Math.floor(r() * scale), b: c.b! + Math.floor((r() - 0.5) * 2 ** Math.floor(r() * 20)) }));
      if (t % 17 === 3) cur.push({ a: Math.floor(r() * 2 ** 40), b: 1 }); // a new interface
      if (t % 23 === 5 && cur.length > 4) cur.splice(1, 1); // one goes: the ones after it shift
      if (t % 31 === 7) cur = cur.slice(0, cur.length - 1);
      states.push(counters(cur));
    }
    const { packedNumbers } = roundTrip(states, new Set([10, 11, 50]));
    expect(packedNumbers).toBeGreaterThan(500);
  });

  it('a whole value written again as it was last time in the segment is a reference; another value, and back, round-trips', () => {
    const routes = Array.from({ length: 10 }, (_, i) => ({ dst: `198.18.${i}.0/24`, dev: `veth${i}` }));
    const other = routes.map((x) => ({ ...x, dev: 'eth0' }));
    const states: unknown[] = [];
    const pat = [routes, undefined, routes, undefined, routes, undefined, other, undefined, other, undefined, routes];
    for (const [i, v] of pat.entries()) states.push({ at: i, ...(v ? { routes4: { status: 'ok', data: v } } : {}), n: [{ c: { x: i } }, { c: { x: 2 * i } }, { c: { x: 3 * i } }, { c: { x: i } }] });
    const { refs } = roundTrip(states);
    // whole at 2 (the snapshot's values are not remembered), a reference at 4; other whole at 6, a
    // reference at 8; routes whole again at 10 (the last whole value there was other)
    expect(refs).toBe(2);
  });

  it('a record whose binary section is cut or has bytes left over is refused', () => {
    const w = new SegmentWriter();
    const states = [counters([{ a: 1 }, { a: 2 }, { a: 3 }, { a: 4 }]), counters([{ a: 1e9 }, { a: 2e9 }, { a: 3e9 }, { a: 4e9 }])];
    const p = diff(states[0], states[1])!;
    const pack = w.packer();
    const text = Buffer.from(JSON.stringify({ p: encodeColumns(p, pack) }));
    const payload = w.encode(text, pack);
    for (const bad of [payload.subarray(0, payload.length - 1), Buffer.concat([payload, Buffer.from([0])])]) {
      const r = new SegmentReader(2);
      const rec = r.read(KIND.delta, bad);
      expect(() => {
        decodeColumns(JSON.parse(rec.text.toString()).p as Patch, rec.unpack);
        rec.unpack!.end();
      }).toThrow(/packed columns/);
    }
  });
});

describe('a recording of hostile counters (format 2)', () => {
  it('reads back state for state: counters reset, near 2^53, floats, interfaces coming and going, routes re-read', async () => {
    const file = join(dir, 'hostile.nwrec');
    let t = 1_700_000_000_000;
    const store = createAppStore({ now: () => t });
    store.getState().addNode('n1');
    const producer = new StreamProducer(store, { now: () => t, producer: 'recording' });
    const rec = new Recorder(file, producer, { snapshotEveryMs: 15_000, sync: false, state: store.getState });
    rec.start();
    const states = new Map<number, unknown>();
    const r = rng(5);
    for (let i = 0; i < 50; i++) {
      t += 1000;
      const names = ['eth0', 'veth\u001b[31mred', 'veth__proto__', 'cbr0', 'veth1', 'veth2', ...(i % 20 >= 8 && i % 20 < 15 ? ['vethnew'] : [])];
      const s = sample(t, names);
      if (s.interfaces.status === 'ok') {
        const c = s.interfaces.data.map((x) => x.counters!);
        c.forEach((x, j) => {
          x.rxBytes = Math.floor(t / 1000) * (j + 1) * 1_000_003 + Math.floor(r() * 1e6);
          x.txPackets = i * 10 + j;
        });
        if (i >= 20) c[0]!.rxBytes = (i - 20) * 1500; // reset
        c[3]!.txBytes = 2 ** 53 - 1e6 + i * 12345;
        c[4]!.rxErrors = i % 3 === 0 ? i + 0.25 : i; // a float now and then
        c[5]!.rxDropped = i < 30 ? i : 2 ** 60 + i * 2 ** 10;
      }
      if (i % 5 !== 0) delete s.routes4; // re-read every 5 ticks, absent between
      store.getState().applyTick([['n1', { kind: 'sample', sample: s }]]);
      producer.flush();
      states.set(t, dataOf(store.getState()));
    }
    rec.stop();
    producer.stop();
    expect(rec.error).toBeUndefined();
    // the file holds packed columns, columns left as text (the float, the numbers beyond 2^50) and references
    const buf = readFileSync(file);
    const seg = new SegmentReader(buf.readUInt16LE(6));
    const texts: string[] = [];
    for (let p = FILE_HEADER; p + RECORD_HEADER <= buf.length; ) {
      const h = readRecordHeader(buf, p);
      if (h.kind !== KIND.hello) texts.push(seg.read(h.kind, buf.subarray(p + RECORD_HEADER, p + RECORD_HEADER + h.len)).text.toString());
      p += RECORD_HEADER + h.len;
    }
    expect(buf.readUInt16LE(6)).toBe(2);
    expect(texts.filter((t) => /"V":\[0[,\]]/.test(t)).length).toBeGreaterThan(30);
    expect(texts.filter((t) => /"V":\[[^\]]*\[[^\]]*\.25/.test(t)).length).toBeGreaterThan(5);
    expect(texts.filter((t) => t.includes('{"=":1}')).length).toBeGreaterThan(3);
    const tl = await openRecording(file);
    expect(tl.times.slice(1)).toEqual([...states.keys()]);
    for (const [at, st] of states) expect(canon(await tl.stateAt(at))).toEqual(canon(st));
    await tl.close();
  });
});
