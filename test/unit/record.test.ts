/** The recording format (sources/record/): a real store fed samples, a real StreamProducer, the Recorder, openRecording. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppStore } from '../../src/state/store.js';
import { computeRates, rateSums } from '../../src/state/rates.js';
import type { Iface } from '../../src/sources/types.js';
import { canon, sample as sampleOf } from '../support/samples.js';
import { dataOf, StreamProducer, STREAM_VERSION, type StreamState } from '../../src/state/stream.js';
import { Recorder } from '../../src/sources/record/writer.js';
import { openRecording } from '../../src/sources/record/reader.js';
import { replayCommand } from '../../src/cli/record.js';
import { parseCli } from '../../src/cli/args.js';
import { FILE_HEADER, FORMAT_VERSION, KIND, readRecordHeader, RECORD_HEADER, SegmentReader } from '../../src/sources/record/format.js';


const sample = (at: number, names: string[], mtu = 1500) => sampleOf(at, names, mtu, 1);
const dir = mkdtempSync(join(tmpdir(), 'nwrec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


const NAMES = ['eth0', 'veth\u001b[31mred', 'veth__proto__', 'veth\nnl', 'cbr0'];

/** records `ticks` ticks of 3 nodes (n2's veth MTU 1500 → 1400 half-way); returns the states by time */
function record(file: string, ticks: number, opts: { snapshotEveryMs?: number; maxSize?: number } = {}) {
  let t = 1_700_000_000_000;
  const store = createAppStore({ now: () => t });
  for (const n of ['n1', 'n2', 'n3']) store.getState().addNode(n);
  // pods on n1 and n2: their veth links (derived.ts recomputes them) travel through the file too
  for (const n of ['n1', 'n2']) {
    store.getState().setPods(n, [
      { namespace: 'shop', name: `web-${n}`, uid: `uid-${n}`, nodeName: n, phase: 'Running', podIPs: ['198.18.5.2'], hostNetwork: false, containers: [] },
    ], { kind: 'ok' });
  }
  const producer = new StreamProducer(store, { now: () => t, producer: 'recording' });
  const rec = new Recorder(file, producer, { snapshotEveryMs: opts.snapshotEveryMs ?? 10_000, maxSize: opts.maxSize, sync: false, state: store.getState });
  rec.start();
  const states = new Map<number, StreamState>();
  states.set(t, dataOf(store.getState()));
  for (let i = 0; i < ticks; i++) {
    t += 1000;
    const tick = () => store.getState().applyTick(['n1', 'n2', 'n3'].map((n) => [n, { kind: 'sample', sample: sample(t, NAMES, n === 'n2' && i >= ticks / 2 ? 1400 : 1500) }] as const));
    // now and then two ticks in one frame: the fold cannot be redone from the frame before, so it is written whole
    if (i % 13 === 5) {
      t -= 400;
      tick();
      t += 400;
    }
    tick();
    if (i === 7) store.getState().addMark('restarted kube-proxy on \u001b[2Jn3', 'alice');
    producer.flush();
    states.set(t, dataOf(store.getState()));
  }
  rec.stop();
  producer.stop();
  return { states, rec };
}

const mtuOf2 = (st: StreamState, node: string) => {
  const i = st.nodes[node]!.sample!.interfaces;
  return i.status === 'ok' ? i.data.find((x) => x.name === 'veth2')!.mtu : undefined;
};
const mtuOf = (st: StreamState, node: string) => st.nodes[node]!.sample!.interfaces.status === 'ok' ? (st.nodes[node]!.sample!.interfaces as { data: Iface[] }).data[1]!.mtu : undefined;

/** the record boundaries of a file: [offset, kind, at] */
function recordsOf(buf: Buffer): { off: number; end: number; kind: number; at: number }[] {
  const out = [];
  let p = FILE_HEADER;
  while (p + RECORD_HEADER <= buf.length) {
    const h = readRecordHeader(buf, p);
    out.push({ off: p, end: p + RECORD_HEADER + h.len, kind: h.kind, at: h.at });
    p += RECORD_HEADER + h.len;
  }
  return out;
}

/**
 * a livelier recording for the seek: 4 nodes whose pods come and go (setPods between ticks and
 * in the same frame as a tick), pods linked to veths by /32 routes, a veth's MTU changing, a veth
 * renamed then removed, the Services changing once; snapshots every `every` ms
 */
function recordBusy(file: string, ticks: number, every: number) {
  let t = 1_700_000_000_000;
  const store = createAppStore({ now: () => t });
  const NODES = ['n1', 'n2', 'n3', 'n4'];
  for (const n of NODES) store.getState().addNode(n);
  const pod = (n: string, j: number) => ({ namespace: 'shop', name: `web-${n}-${j}`, uid: `uid-${n}-${j}`, nodeName: n, phase: 'Running', podIPs: [`198.18.${j}.2`], hostNetwork: false, containers: [] });
  const podsAt = (n: string, i: number) => [0, 1, 2, 3].filter((j) => (n === 'n4' ? i >= 20 : j !== 2 || i % 17 < 9)).map((j) => pod(n, j));
  for (const n of ['n1', 'n2', 'n4']) store.getState().setPods(n, podsAt(n, 0), { kind: 'ok' });
  const producer = new StreamProducer(store, { now: () => t, producer: 'recording' });
  const rec = new Recorder(file, producer, { snapshotEveryMs: every, sync: false, state: store.getState });
  rec.start();
  const states = new Map<number, StreamState>();
  states.set(t, dataOf(store.getState()));
  const sampleAt = (n: string, i: number) => {
    // veth1 renamed veth1b at tick 30, gone at 45; veth2's MTU 1500 → 9000 at 25 on n2
    const names = ['eth0', 'cbr0', 'veth0', i < 30 ? 'veth1' : 'veth1b', 'veth2', 'veth3'].filter((x) => !(x === 'veth1b' && i >= 45));
    const s = sampleOf(t, names, n === 'n2' && i >= 25 ? 9000 : 1500, names.indexOf('veth2'));
    const routes = [{ dst: 'default', dev: 'eth0', gateway: '198.18.0.1', family: 4 as const }, ...[0, 1, 2, 3].map((j) => ({ dst: `198.18.${j}.2/32`, dev: ['veth0', i < 30 ? 'veth1' : 'veth1b', 'veth2', 'veth3'][j]!, family: 4 as const }))];
    return { ...s, ...(i % 5 === 0 ? { routes4: { status: 'ok' as const, data: routes } } : {}) };
  };
  for (let i = 1; i <= ticks; i++) {
    t += 1000;
    // pods change between ticks: on their own frame now and then, in the tick's frame otherwise
    if (i % 17 === 9 || i % 17 === 0) {
      for (const n of ['n1', 'n2']) store.getState().setPods(n, podsAt(n, i), { kind: 'ok' });
      if (i % 2) producer.flush();
    }
    if (i === 20) store.getState().setPods('n4', podsAt('n4', i), { kind: 'ok' });
    if (i === 33) store.getState().setServices(new Map(), new Map());
    store.getState().applyTick(NODES.map((n) => [n, { kind: 'sample', sample: sampleAt(n, i) }] as const));
    producer.flush();
    states.set(t, dataOf(store.getState()));
  }
  rec.stop();
  producer.stop();
  return { states, rec };
}

describe('seeking', () => {
  it('rateSums adds up exactly what the history kept of computeRates (index-like names first, a name twice, __proto__)', () => {
    let seed = 11;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pool = ['eth0', '7', '10', '2', '4294967295', '4294967294', '01', '__proto__', 'veth__proto__', 'cbr0', 'constructor', '-1', '1e3'];
    for (let round = 0; round < 500; round++) {
      const names = Array.from({ length: 1 + Math.floor(rnd() * 9) }, () => pool[Math.floor(rnd() * pool.length)]!);
      const a = sampleOf(1000, names);
      // round % 4 === 1: the same names in the same places (rateSums' short way when they are distinct and none index-like)
      const b = sampleOf(2000 + Math.floor(rnd() * 3000), round % 4 === 1 ? names : round % 7 ? [...names].reverse() : names.slice(1));
      for (const x of [a, b]) if (x.interfaces.status === 'ok') for (const i of x.interfaces.data) {
        i.counters!.rxBytes = Math.floor(rnd() * 1e13) / (round % 3 ? 1 : 7);
        i.counters!.rxDropped = Math.floor(rnd() * 50);
      }
      const r = computeRates(a, b);
      const want = { rxBps: Object.values(r.ifaces).reduce((x, y) => x + y.rxBps, 0), dropsPerSec: Object.values(r.ifaces).reduce((x, y) => x + y.dropsPerSec, 0) };
      expect(rateSums(a, b)).toEqual(want);
    }
    // distinct names, none index-like, in the same places (the short way), and one moved (the long way)
    for (let round = 0; round < 200; round++) {
      const names = ['eth0', 'cbr0', 'veth__proto__', 'constructor', 'x1', 'veth9'].slice(0, 1 + (round % 6));
      const a = sampleOf(1000, names);
      const b = sampleOf(2000 + Math.floor(rnd() * 3000), round % 2 ? names : [...names.slice(1), names[0]!]);
      for (const x of [a, b]) if (x.interfaces.status === 'ok') for (const i of x.interfaces.data) {
        i.counters!.rxBytes = Math.floor(rnd() * 1e13) / (round % 3 ? 1 : 7);
        i.counters!.rxDropped = Math.floor(rnd() * 50);
        i.counters!.txDropped = Math.floor(rnd() * 50);
      }
      const r = computeRates(a, b);
      expect(rateSums(a, b)).toEqual({ rxBps: Object.values(r.ifaces).reduce((x, y) => x + y.rxBps, 0), dropsPerSec: Object.values(r.ifaces).reduce((x, y) => x + y.dropsPerSec, 0) });
    }
  });

  it('the state at every moment, sought in any order or stepped to tick by tick, is the one the store folded step by step', async () => {
    const file = join(dir, 'busy.nwrec');
    const { states, rec } = recordBusy(file, 70, 20_000);
    expect(rec.error).toBeUndefined();
    const ts = [...states.keys()];
    // what the recording holds: links that change, a rename, a removal, an MTU change
    const at = (i: number) => states.get(ts[i]!)!;
    expect(at(5).nodes.n1!.kube!.links.filter((l) => l.iface).length).toBe(4);
    expect(at(12).nodes.n1!.kube!.links.length).toBe(3);
    expect(at(18).nodes.n1!.kube!.links.length).toBe(4);
    expect(at(40).nodes.n1!.kube!.links.find((l) => l.pod.name === 'web-n1-1')!.iface!.name).toBe('veth1b');
    expect(at(50).nodes.n1!.kube!.links.find((l) => l.pod.name === 'web-n1-1')!.iface).toBeUndefined();
    expect(at(10).nodes.n4!.kube!.pods).toHaveLength(0);
    expect(at(21).nodes.n4!.kube!.links.length).toBe(4);
    expect(mtuOf2(at(20), 'n2')).toBe(1500);
    expect(mtuOf2(at(30), 'n2')).toBe(9000);
    expect((at(50).nodes.n1!.sample!.interfaces as { data: Iface[] }).data.map((i) => i.name)).toEqual(['eth0', 'cbr0', 'veth0', 'veth2', 'veth3']);
    // the snapshots leave out the model's copy of the interfaces and the pod links (made again on reading)
    const buf = readFileSync(file);
    const snaps = recordsOf(buf).filter((r) => r.kind === KIND.snap).map((r) => JSON.parse(new SegmentReader(FORMAT_VERSION).read(r.kind, buf.subarray(r.off + RECORD_HEADER, r.end)).text.toString()));
    expect(snaps.length).toBe(4);
    for (const f of snaps.slice(1)) {
      expect(f.d.ifaces).toEqual(['n1', 'n2', 'n3', 'n4']);
      expect(f.d.links).toEqual(expect.arrayContaining(['n1', 'n2']));
      expect(f.s.nodes.n1.kube.links).toBeUndefined();
      expect(f.s.nodes.n1.model.interfaces.value).toBeUndefined();
    }
    // fresh timelines (no segment kept): every moment on its own
    for (const t of ts) {
      const tl = await openRecording(file);
      expect(canon(await tl.stateAt(t))).toEqual(canon(states.get(t)));
      await tl.close();
    }
    // one timeline: tick by tick forward (the segment kept), then in a scrambled order
    const tl = await openRecording(file);
    for (const t of ts) expect(canon(await tl.stateAt(t))).toEqual(canon(states.get(t)));
    const order = [...ts].sort((a, b) => ((a * 7919) % 71) - ((b * 7919) % 71));
    for (const t of order) expect(canon(await tl.stateAt(t))).toEqual(canon(states.get(t)));
    await tl.close();
    // asked at once (replay's time bar reads in the background while a seek is out): each read
    // owns the segment it decodes; two reads never advance one decoder
    const tl2 = await openRecording(file);
    await tl2.stateAt(ts[2]!);
    for (let k = 0; k + 3 < ts.length; k += 3) {
      const asked = [ts[k + 3]!, ts[k + 1]!, ts[k + 2]!, ts[ts.length - 1 - k]!];
      const got = await Promise.all(asked.map((t) => tl2.stateAt(t)));
      got.forEach((g, i) => expect(canon(g)).toEqual(canon(states.get(asked[i]!))));
    }
    await tl2.close();
  });
});

describe('recording round trip', () => {
  it('every recorded moment reads back as the live state was (snapshots every 10 s, a mark, hostile names)', async () => {
    const file = join(dir, 'rt.nwrec');
    const { states, rec } = record(file, 95);
    expect(rec.error).toBeUndefined();
    const tl = await openRecording(file);
    expect(tl.hello.v).toBe(STREAM_VERSION);
    expect(tl.times).toEqual([...states.keys()]);
    // seek out of order: backwards, across segments, forward again
    const order = [...states.keys()].sort((a, b) => ((a * 7919) % 97) - ((b * 7919) % 97));
    for (const t of order) expect(canon(await tl.stateAt(t))).toEqual(canon(states.get(t)));
    // between two ticks: the earlier one
    const ts = [...states.keys()];
    expect(canon(await tl.stateAt(ts[5]! + 500))).toEqual(canon(states.get(ts[5]!)));
    expect(mtuOf(await tl.stateAt(ts[10]!), 'n2')).toBe(1500);
    expect(mtuOf(await tl.stateAt(ts[90]!), 'n2')).toBe(1400);
    // the derived fields were left out of the deltas (and recomputed identically: the states above)
    const buf = readFileSync(file);
    const seg = new SegmentReader(FORMAT_VERSION);
    const derived: { rates?: string[]; model?: string[]; kube?: string[]; fold?: string[] }[] = [];
    for (const r of recordsOf(buf).slice(1)) {
      const { text } = seg.read(r.kind, buf.subarray(r.off + RECORD_HEADER, r.end));
      if (r.kind === KIND.delta) derived.push(JSON.parse(text.toString()).d ?? {});
    }
    expect(derived.length).toBeGreaterThan(80);
    expect(derived.filter((d) => d.fold?.includes('n1') && d.fold?.includes('n2')).length).toBeGreaterThan(60);
    expect(states.get(ts[90]!)!.nodes.n2!.kube!.links.length).toBe(1);
    expect(tl.marks).toHaveLength(1);
    expect(tl.marks[0]!.by).toBe('alice');
    expect(tl.marks[0]!.note).not.toMatch(/\u001b/);
    // periodic snapshots: one per 10 s of stream time, plus the first
    const snaps = recordsOf(readFileSync(file)).filter((r) => r.kind === KIND.snap);
    expect(snaps.length).toBe(10);
    await tl.close();
  });

  it('a file cut at every byte of its last records reads up to the last complete record', async () => {
    const file = join(dir, 'torn.nwrec');
    const { states } = record(file, 25);
    const whole = readFileSync(file);
    const recs = recordsOf(whole);
    const cutFrom = recs[recs.length - 3]!.off;
    const cutFile = join(dir, 'torn-cut.nwrec');
    for (let cut = cutFrom; cut < whole.length; cut++) {
      writeFileSync(cutFile, whole.subarray(0, cut));
      const complete = recs.filter((r) => r.end <= cut && (r.kind === KIND.snap || r.kind === KIND.delta));
      const lastAt = complete[complete.length - 1]!.at;
      const tl = await openRecording(cutFile);
      expect(tl.end).toBe(lastAt);
      expect(tl.tornBytes).toBe(cut - recs.filter((r) => r.end <= cut).at(-1)!.end);
      expect(canon(await tl.stateAt(tl.end))).toEqual(canon(states.get(lastAt)));
      await tl.close();
    }
  });

  it('a tail of zeros or garbage where the last record was (a crash on a filesystem that zero-fills) is ignored', async () => {
    const file = join(dir, 'zeros.nwrec');
    const { states } = record(file, 12);
    const whole = readFileSync(file);
    const recs = recordsOf(whole);
    const last = recs[recs.length - 1]!;
    const damaged = Buffer.from(whole);
    damaged.fill(0, last.off + RECORD_HEADER + 2); // header intact, payload zeroed
    writeFileSync(file, Buffer.concat([damaged, Buffer.alloc(4096)]));
    const tl = await openRecording(file);
    const prevAt = recs[recs.length - 2]!.at;
    expect(tl.end).toBe(prevAt);
    expect(canon(await tl.stateAt(tl.end))).toEqual(canon(states.get(prevAt)));
    await tl.close();
  });

  it('--max-size rotates FILE to FILE.1; each file starts with a snapshot and replay reads FILE.1 then FILE', async () => {
    const file = join(dir, 'rot.nwrec');
    const { states, rec } = record(file, 200, { maxSize: 8 * 1024, snapshotEveryMs: 60_000 });
    expect(rec.rotations).toBeGreaterThan(1);
    expect(existsSync(file + '.1')).toBe(true);
    expect(statSync(file).size).toBeLessThanOrEqual(8 * 1024);
    expect(statSync(file + '.1').size).toBeLessThanOrEqual(8 * 1024);
    const tl = await openRecording(file);
    expect(tl.files).toEqual([file + '.1', file]);
    const older = await openRecording(file + '.1');
    expect(older.end).toBeLessThan(tl.end);
    expect(tl.start).toBe(older.start);
    expect(tl.end).toBe([...states.keys()].at(-1));
    for (const t of [tl.start, older.end, tl.end, ...tl.times.filter((_, i) => i % 17 === 0)]) expect(canon(await tl.stateAt(t))).toEqual(canon(states.get(t)));
    // the first record after the hello of the newer file is a snapshot
    const recs = recordsOf(readFileSync(file));
    expect(recs[0]!.kind).toBe(KIND.hello);
    expect(recs[1]!.kind).toBe(KIND.snap);
    await tl.close();
    await older.close();
  });

  it('a file of a newer format or stream version is refused with a clear message; not a recording too', async () => {
    const file = join(dir, 'v.nwrec');
    record(file, 3);
    const whole = readFileSync(file);
    const newer = Buffer.from(whole);
    newer.writeUInt16LE(99, 6);
    writeFileSync(file, newer);
    await expect(openRecording(file)).rejects.toThrow(/recording format version 99 is newer than this netwatch reads \(2\): upgrade netwatch/);
    const newerStream = Buffer.from(whole);
    newerStream.writeUInt16LE(STREAM_VERSION + 1, 8);
    writeFileSync(file, newerStream);
    await expect(openRecording(file)).rejects.toThrow(/stream version \d+ is newer than this netwatch reads/);
    writeFileSync(file, 'hello, not a recording\n');
    await expect(openRecording(file)).rejects.toThrow(/not a netwatch recording/);
  });

  it('an existing FILE is refused; a write error (a full disk: /dev/full) stops the recorder, said once, the store goes on', () => {
    const file = join(dir, 'exists.nwrec');
    writeFileSync(file, 'x');
    let t = 0;
    const store = createAppStore({ now: () => t });
    store.getState().addNode('n1');
    const producer = new StreamProducer(store, { now: () => t });
    expect(() => new Recorder(file, producer).start()).toThrow(/EEXIST/);
    const errors: Error[] = [];
    const rec = new Recorder('/dev/full', producer, { exists: 'replace', onError: (e) => errors.push(e), sync: false });
    rec.start();
    for (let i = 0; i < 5; i++) {
      t += 1000;
      store.getState().applyTick([['n1', { kind: 'sample', sample: sample(t, ['eth0']) }]]);
      producer.flush();
    }
    expect(errors).toHaveLength(1);
    expect((errors[0] as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(rec.error).toBe(errors[0]);
    expect(store.getState().ticks).toBe(5);
    rec.stop();
    producer.stop();
  });

  it('replay --marks and --once print hostile notes, names and users without control bytes', async () => {
    const file = join(dir, 'hostile.nwrec');
    let t = 1_700_000_000_000;
    const store = createAppStore({ now: () => t });
    store.getState().addNode('n\u001b]0;pwned\u0007x');
    const producer = new StreamProducer(store, { now: () => t });
    const rec = new Recorder(file, producer, { sync: false, state: store.getState });
    rec.start();
    for (let i = 0; i < 3; i++) {
      t += 1000;
      store.getState().applyTick([['n\u001b]0;pwned\u0007x', { kind: 'sample', sample: sample(t, NAMES) }]]);
      if (i === 1) store.getState().addMark('note \u001b[2J\nline\u009b2', 'eve\u001b[31m\r');
      producer.flush();
    }
    rec.stop();
    producer.stop();
    for (const argv of [['replay', file, '--marks'], ['replay', file, '--marks', '--json'], ['replay', file, '--once'], ['replay', file, '--once', '-o', 'markdown'], ['replay', file, '--once', '--json', '--at', '1s']]) {
      let out = '';
      expect(await replayCommand(parseCli(argv), '/dev/null', (x) => (out += x))).toBe(0);
      expect(out.length).toBeGreaterThan(10);
      // eslint-disable-next-line no-control-regex
      expect(out.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      if (argv.includes('--marks')) expect(out).toMatch(/note/);
    }
  });
});

