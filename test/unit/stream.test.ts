/** The stream (state/stream.ts): values, patches, and a replica that follows a live store frame by frame. */
import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../src/state/store.js';
import { canon, sample as sampleOf } from '../support/samples.js';
import {
  applyPatch, createReplica, dataOf, decodeValue, diff, encodeValue, frameText, parseFrame, StreamError, StreamProducer, STREAM_VERSION, type Frame,
} from '../../src/state/stream.js';


const sample = (at: number, names: string[], mtu = 1500) => sampleOf(at, names, mtu, 0);
const HOSTILE = ['__proto__', '$', 'k', '\u0001M', '\u001b[31mred', 'a\nb', 'x|y', 'constructor'];


/** a random value of the shapes the state has */
function rnd(seed: { s: number }, depth = 0): unknown {
  const r = () => ((seed.s = (seed.s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = r();
  if (depth > 3 || pick < 0.35) {
    const c = Math.floor(r() * 8);
    return [0, 1.5, -3, NaN, Infinity, 'str', HOSTILE[Math.floor(r() * HOSTILE.length)], true, null][c];
  }
  const n = Math.floor(r() * 5);
  if (pick < 0.55) return Array.from({ length: n }, () => rnd(seed, depth + 1));
  if (pick < 0.65) return new Map(Array.from({ length: n }, (_, i) => [HOSTILE[i % HOSTILE.length]!, rnd(seed, depth + 1)]));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) Object.defineProperty(o, HOSTILE[Math.floor(r() * HOSTILE.length)]!, { value: rnd(seed, depth + 1), enumerable: true, writable: true, configurable: true });
  return o;
}

/** a copy with some leaves changed, some keys added/removed (structure shared elsewhere) */
function mutate(v: unknown, seed: { s: number }): unknown {
  const r = () => ((seed.s = (seed.s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  if (r() < 0.3) return rnd(seed);
  if (Array.isArray(v)) return r() < 0.3 ? [...v.slice(1), rnd(seed)] : v.map((x) => (r() < 0.5 ? mutate(x, seed) : x));
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, r() < 0.5 ? mutate(x, seed) : x]));
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (r() > 0.1) Object.defineProperty(o, k, { value: r() < 0.5 ? mutate(x, seed) : x, enumerable: true, writable: true, configurable: true });
    return o;
  }
  return typeof v === 'number' && Number.isFinite(v) ? v + Math.floor(r() * 1000) : v;
}

describe('stream values and patches', () => {
  it('encodes what JSON cannot say (Map, Set, NaN, undefined in arrays, tag-like strings, __proto__ keys) and decodes it back', () => {
    const v = {
      m: new Map<unknown, unknown>([['a', 1], [2, new Set(['x', '\u0001S'])]]),
      arr: [undefined, NaN, -Infinity, '\u0001M', 'plain'],
      tagFirst: ['\u0001U', 1],
      ['__proto__' as string]: { evil: 1 },
    };
    Object.defineProperty(v, '__proto__', { value: { evil: 1 }, enumerable: true });
    const back = decodeValue(JSON.parse(JSON.stringify(encodeValue(v)))) as Record<string, unknown>;
    expect(canon(back)).toEqual(canon(v));
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(back, '__proto__')).toBe(true);
  });

  it('diff then applyPatch gives the next value, through JSON, for 2,000 random pairs', () => {
    const seed = { s: 42 };
    for (let i = 0; i < 2000; i++) {
      const a = rnd(seed);
      const b = mutate(a, seed);
      const p = diff(a, b);
      if (p === undefined) {
        expect(canon(a)).toEqual(canon(b));
        continue;
      }
      const wire = JSON.parse(JSON.stringify(p));
      expect(canon(applyPatch(a, wire))).toEqual(canon(b));
    }
  });

  it('a history that drops one and appends one is a shift, not 120 changes; numbers travel as differences', () => {
    const prev = Array.from({ length: 120 }, (_, i) => i * 1.5);
    const next = [...prev.slice(1), 999];
    expect(diff(prev, next)).toEqual({ s: 1, p: [999] });
    expect(diff({ rx: 1_000_000 }, { rx: 1_000_250 })).toEqual({ k: { rx: 250 } });
    expect(diff({ a: [1, 2] }, { a: [1, 2] })).toBeUndefined();
  });

  it('leaves what did not change as the same object', () => {
    const shared = { big: [1, 2, 3] };
    const prev = { a: shared, b: { n: 1 } };
    const next = applyPatch(prev, diff(prev, { a: shared, b: { n: 2 } })!) as typeof prev;
    expect(next.a).toBe(shared);
    expect(next.b.n).toBe(2);
  });

  it('frames: a newer version is refused with a clear message, garbage is a StreamError', () => {
    expect(() => parseFrame(JSON.stringify({ t: 'hello', v: STREAM_VERSION + 1, producer: 'live', startedAt: 0, interval: 1 }))).toThrow(/newer than this netwatch reads/);
    expect(() => parseFrame('{"t":"delta"}')).toThrow(StreamError);
    expect(() => parseFrame('not json')).toThrow(StreamError);
    expect(parseFrame(JSON.stringify({ t: 'hello', v: STREAM_VERSION, producer: 'live', startedAt: 0, interval: 1 })).t).toBe('hello');
  });
});

describe('producer and replica', () => {
  it('a replica fed the frames of a live store has the same state after every tick (problems, rates, histories, pool diff)', () => {
    let t = 1_000_000;
    const store = createAppStore({ now: () => t });
    const names = ['eth0', ...HOSTILE.map((h, i) => `veth${i}${h}`)];
    const nodes = ['n1', 'n2', 'n3'];
    for (const n of nodes) store.getState().addNode(n);
    const producer = new StreamProducer(store, { now: () => t });
    const replica = createReplica();
    const texts: string[] = [];
    producer.subscribe((_f, text) => {
      texts.push(text);
      expect(replica.apply(parseFrame(text))).toBe(true);
    });
    expect(replica.hello()?.v).toBe(STREAM_VERSION);
    for (let i = 0; i < 150; i++) {
      t += 1000;
      // n2's first veth MTU changes half-way: a problem appears on n2
      store.getState().applyTick(nodes.map((n) => [n, { kind: 'sample', sample: sample(t, names, n === 'n2' && i > 75 ? 1400 : 1500) }] as const));
      producer.flush();
      expect(canon(replica.store.getState())).toEqual(canon(dataOf(store.getState())));
    }
    expect(replica.at()).toBe(t);
    // a history full at 120 travels as shifts: later deltas are small
    const last = texts[texts.length - 1]!;
    expect(last.length).toBeLessThan(frameText(producer.snapshot()).length / 4);
    expect(texts.every((x) => !x.includes('\n'))).toBe(true);
    producer.stop();
  });

  it('a gap (a dropped delta) is noticed: the replica waits for the next snapshot', () => {
    let t = 0;
    const store = createAppStore({ now: () => t });
    store.getState().addNode('n1');
    const producer = new StreamProducer(store, { now: () => t });
    const frames: Frame[] = [];
    producer.subscribe((f) => frames.push(f));
    for (let i = 0; i < 3; i++) {
      t += 1000;
      store.getState().applyTick([['n1', { kind: 'sample', sample: sample(t, ['eth0']) }]]);
      producer.flush();
    }
    const replica = createReplica({ readonly: true });
    expect(replica.apply(frames[1]!)).toBe(true); // the snapshot
    expect(replica.apply(frames[3]!)).toBe(false); // skipped frames[2]
    expect(replica.waiting()).toBe(true);
    expect(replica.apply(producer.snapshot())).toBe(true);
    expect(canon(replica.store.getState().nodes)).toEqual(canon(store.getState().nodes));
    expect(replica.store.getState().readonly).toBe(true);
    producer.stop();
  });
});
