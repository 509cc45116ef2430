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

/** a list of items with an identity (as problems are): some gone, some new, one changed, in order */
function keyedLists(seed: { s: number }) {
  const r = () => ((seed.s = (seed.s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const item = (i: number) => ({ severity: r() < 0.5 ? 'warn' : 'crit', code: `c${i % 5}`, subject: `veth${i}${HOSTILE[i % HOSTILE.length]}`, message: `m${Math.floor(r() * 3)}` });
  const prev = Array.from({ length: Math.floor(r() * 40) }, (_, i) => item(i));
  const next: unknown[] = [];
  for (const [i, p] of prev.entries()) {
    if (r() < 0.15) continue; // gone
    if (r() < 0.1) next.push(item(100 + i)); // new, before it
    // the same problem again (a new object, as the rules make it), sometimes its message changed
    next.push(r() < 0.2 ? { ...p, message: 'changed' } : r() < 0.5 ? { ...p } : p);
  }
  if (r() < 0.3 && next.length > 2) next.reverse(); // moved far: what is not found is sent whole
  if (r() < 0.2) next.push(prev[0] ?? item(7), 5, 'x'); // a repeat, and not only objects
  return { prev, next };
}

describe('keyed lists and references (stream v2)', () => {
  it('items with an identity that came, went or changed travel as a keyed patch (prev\'s index, or a patch of it), not a rewrite of every index after', () => {
    const problem = (i: number, message = `veth${i} dropping 1.0 packets/s`) => ({ severity: 'warn', code: 'iface-drops', subject: `veth${i}`, message });
    const prev = Array.from({ length: 40 }, (_, i) => problem(i));
    // veth3's went away, a new one at the front, veth20's message changed: every item after the front moved
    const next = [problem(99), ...prev.filter((_, i) => i !== 3).map((p) => (p.subject === 'veth20' ? problem(20, 'veth20 dropping 2.0 packets/s') : { ...p }))];
    const p = diff(prev, next)!;
    expect(Object.keys(p)).toEqual(['i']);
    const wire = JSON.parse(JSON.stringify(p));
    expect(JSON.stringify(p).length).toBeLessThan(JSON.stringify(encodeValue(next)).length / 8);
    const back = applyPatch(prev, wire) as typeof prev;
    expect(back).toEqual(next);
    // what did not change is prev's own item, not a copy
    expect(back[1]).toBe(prev[0]);
    expect(back.filter((x) => prev.includes(x)).length).toBe(38);
  });

  it('diff then applyPatch of random keyed lists gives the next list, through JSON (1,000 pairs)', () => {
    const seed = { s: 7 };
    let keyed = 0;
    for (let n = 0; n < 1000; n++) {
      const { prev, next } = keyedLists(seed);
      const p = diff(prev, next);
      if (p === undefined) {
        expect(canon(next)).toEqual(canon(prev));
        continue;
      }
      if (typeof p === 'object' && 'i' in p) keyed++;
      expect(canon(applyPatch(prev, JSON.parse(JSON.stringify(p))))).toEqual(canon(next));
    }
    expect(keyed).toBeGreaterThan(500);
  });

  it('a frame\'s text writes a patch met in several places once; the replica gets one object there too; sinks get the patch without references', () => {
    let t = 1_000_000;
    const store = createAppStore({ now: () => t });
    const names = ['eth0', ...HOSTILE.map((h, i) => `veth${i}${h}`)];
    store.getState().addNode('n1');
    const producer = new StreamProducer(store, { now: () => t });
    const replica = createReplica();
    // frames as sinks get them (no references), through JSON
    const plain = createReplica();
    const frames: { f: Frame; text: string }[] = [];
    producer.subscribe((f, text) => {
      frames.push({ f, text });
      expect(replica.apply(parseFrame(text))).toBe(true);
      expect(plain.apply(JSON.parse(JSON.stringify(f)))).toBe(true);
    });
    for (let i = 0; i < 5; i++) {
      t += 1000;
      store.getState().applyTick([['n1', { kind: 'sample', sample: sample(t, names) }]]);
      producer.flush();
      expect(canon(replica.store.getState())).toEqual(canon(dataOf(store.getState())));
      expect(canon(plain.store.getState())).toEqual(canon(dataOf(store.getState())));
    }
    const owner = store.getState().nodes.n1!;
    // the store holds one interface list as the sample's and the model's
    expect(owner.model.interfaces?.value).toBe(owner.sample!.interfaces.status === 'ok' ? owner.sample!.interfaces.data : undefined);
    const { f, text } = frames[frames.length - 1]!;
    expect(f.t).toBe('delta');
    expect(text).toMatch(/"#":\d+/);
    expect(text).toMatch(/\{"=":\d+\}/);
    expect(JSON.stringify(f)).not.toMatch(/"="|"#"/);
    expect(text.length).toBeLessThan(JSON.stringify(f).length * 0.75);
    const n = replica.store.getState().nodes.n1!;
    expect(n.model.interfaces?.value).toBe(n.sample!.interfaces.status === 'ok' ? n.sample!.interfaces.data : undefined);
    producer.stop();
  });

  it('a reference to no patch before it, or a keyed patch naming no item, is a StreamError', () => {
    expect(() => applyPatch({ a: 1 }, { k: { a: { '=': 0 } } } as never)).toThrow(StreamError);
    expect(() => applyPatch([1, 2], { i: [0, 5] } as never)).toThrow(StreamError);
    expect(() => applyPatch([1, 2], { i: [[-1, 3]] } as never)).toThrow(StreamError);
    expect(() => applyPatch({ a: 1 }, { i: [0] } as never)).toThrow(StreamError);
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
