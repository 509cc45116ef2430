/**
 * A file-only form of array patches whose items change the same numbers (a node's interface
 * counters every tick): `{a: {i: {k: {counters: {k: {rxBytes: d, …}}}}}, n}` is written as
 * `{c: {A: [i…], K: [["counters", "rxBytes"], …], V: [[d per item]…]}, n}`, the numbers of one
 * field side by side, which deflate packs far better than the same digits between keys. Pure;
 * decodeColumns(encodeColumns(p)) is p (the same patch, applied the same way).
 *
 * Format 2 (docs/recording.md): with a Packer, a column whose numbers are all integers of at most
 * 2^50 in size (a counter's change since the state before: stream.ts diff writes number patches
 * as differences) is written `0` in V and its numbers go to the record's binary section instead:
 * each one Rice-coded against a prediction made from the same column's earlier numbers in the
 * segment (Predictor: the same on both sides, reset by every snapshot). A column with a float, a
 * larger number or anything else stays in V as in format 1. A whole value (`$`) that repeats the
 * last one at the same place in the segment is written `{"=": 1}`.
 */
import { isPlain, own, setKey, type Patch } from '../../state/patch.js';

interface Cols {
  A: number[];
  K: string[][];
  /** V[column][item]: null where the item has no such number; 0: the column is in the binary section (format 2) */
  V: (0 | (number | null)[])[];
}

/** the fewest items worth a column form */
const MIN_ITEMS = 4;

const isObj = (p: unknown): p is Record<string, unknown> => typeof p === 'object' && p !== null && !Array.isArray(p);

/** the number leaves of a patch made only of `k` patches (no removals), by key path; false when it has anything else */
function leaves(p: Patch, path: string[], out: [string[], number][]): boolean {
  if (typeof p === 'number') {
    out.push([path, p]);
    return true;
  }
  if (!isObj(p) || !('k' in p) || ('x' in p && (p as { x?: unknown[] }).x?.length)) return false;
  for (const key of Object.keys((p as { k: Record<string, Patch> }).k)) if (!leaves((p as { k: Record<string, Patch> }).k[key]!, [...path, key], out)) return false;
  return true;
}


export function encodeColumns(p: Patch, pack?: Packer, path = ''): Patch {
  if (!isObj(p)) return p;
  if ('a' in p) {
    const ap = p as { a: Record<string, Patch>; n: number };
    const idx = Object.keys(ap.a);
    if (idx.length >= MIN_ITEMS) {
      // the union of the items' key paths, in the order first seen; null where an item has none
      const K: string[][] = [];
      const col = new Map<string, number>();
      const rows: [number, number][][] = [];
      let ok = true;
      for (const i of idx) {
        const l: [string[], number][] = [];
        if (!leaves(ap.a[i]!, [], l) || !l.length) {
          ok = false;
          break;
        }
        rows.push(
          l.map(([path, v]) => {
            const key = JSON.stringify(path);
            let j = col.get(key);
            if (j === undefined) {
              j = K.length;
              col.set(key, j);
              K.push(path);
            }
            return [j, v];
          }),
        );
      }
      if (ok) {
        const V: (number | null)[][] = K.map(() => rows.map(() => null));
        rows.forEach((r, i) => r.forEach(([j, v]) => (V[j]![i] = v)));
        const A = idx.map(Number);
        const out: (0 | (number | null)[])[] = V;
        if (pack) {
          V.forEach((vs, j) => {
            if (!vs.every(packable)) return;
            pack.put(colKey(path, K[j]!), A, vs);
            out[j] = 0;
          });
        }
        return { c: { A, K, V: out }, n: ap.n } as unknown as Patch;
      }
    }
    const a: Record<string, Patch> = {};
    for (const i of idx) a[i] = encodeColumns(ap.a[i]!, pack, `${path}/${i}`);
    return { a, n: ap.n };
  }
  if ('k' in p) {
    const kp = p as { k: Record<string, Patch>; x?: string[] };
    const k: Record<string, Patch> = {};
    for (const key of Object.keys(kp.k)) setKey(k, key, encodeColumns(kp.k[key]!, pack, `${path}/${JSON.stringify(key)}`));
    return kp.x ? { k, x: kp.x } : { k };
  }
  if ('m' in p) {
    const mp = p as { m: [unknown, Patch][]; x?: unknown[] };
    const m = mp.m.map(([key, v]) => [key, encodeColumns(v, pack, `${path}/m${JSON.stringify(key)}`)] as [unknown, Patch]);
    return mp.x ? { m, x: mp.x } : { m };
  }
  if (pack && '$' in p) {
    // a value written whole again, as it was the last time at this place in the segment (a
    // sample's routes, neighbours and facts, re-read every few ticks and absent between)
    const text = JSON.stringify((p as { $: unknown }).$);
    const same = text.length >= SAME_MIN && pack.lastWhole(path) === text;
    pack.whole(path, text);
    if (same) return { '=': 1 } as unknown as Patch;
  }
  return p;
}

function build(path: string[], v: number): Patch {
  let out: Patch = v;
  for (let i = path.length - 1; i >= 0; i--) {
    const k: Record<string, Patch> = {};
    setKey(k, path[i]!, out);
    out = { k };
  }
  return out;
}

/** merges one key path's number into an item's nested `k` patch */
function put(item: { k: Record<string, Patch> }, path: string[], v: number): void {
  let cur = item;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const next = Object.prototype.hasOwnProperty.call(cur.k, key) ? (cur.k[key] as { k: Record<string, Patch> }) : undefined;
    if (next) cur = next;
    else {
      const made = build(path.slice(i + 1), v) as Patch;
      setKey(cur.k, key, made);
      return;
    }
  }
  setKey(cur.k, path[path.length - 1]!, v);
}

export function decodeColumns(p: Patch, unpack?: Unpacker, path = ''): Patch {
  if (!isObj(p)) return p;
  if ('c' in p) {
    const { c, n } = p as unknown as { c: Cols; n: number };
    const a: Record<string, Patch> = {};
    const V = c.V.map((vs, j) => {
      if (vs !== 0) return vs;
      if (!unpack) throw new Error('a packed column without its binary section');
      return unpack.take(colKey(path, c.K[j]!), c.A);
    });
    c.A.forEach((idx, i) => {
      const item = { k: {} as Record<string, Patch> };
      c.K.forEach((path, j) => {
        const v = V[j]![i];
        if (v !== null && v !== undefined) put(item, path, v);
      });
      a[idx] = item;
    });
    return { a, n };
  }
  if ('a' in p) {
    const ap = p as { a: Record<string, Patch>; n: number };
    const a: Record<string, Patch> = {};
    for (const i of Object.keys(ap.a)) a[i] = decodeColumns(ap.a[i]!, unpack, `${path}/${i}`);
    return { a, n: ap.n };
  }
  if ('k' in p) {
    const kp = p as { k: Record<string, Patch>; x?: string[] };
    const k: Record<string, Patch> = {};
    for (const key of Object.keys(kp.k)) setKey(k, key, decodeColumns(kp.k[key]!, unpack, `${path}/${JSON.stringify(key)}`));
    return kp.x ? { k, x: kp.x } : { k };
  }
  if ('m' in p) {
    const mp = p as { m: [unknown, Patch][]; x?: unknown[] };
    const m = mp.m.map(([key, v]) => [key, decodeColumns(v, unpack, `${path}/m${JSON.stringify(key)}`)] as [unknown, Patch]);
    return mp.x ? { m, x: mp.x } : { m };
  }
  if ('=' in p) {
    const v = unpack?.lastWhole(path);
    if (v === undefined) throw new Error('a repeated value never written whole');
    return { $: v } as Patch;
  }
  if ('$' in p) unpack?.whole(path, (p as { $: unknown }).$);
  return p;
}

/* ---------- format 2: the binary section of a record's packed columns ---------- */

/** the largest magnitude packed: zigzagged and offset it stays under 2^51, so every step below is exact */
const PACK_MAX = 2 ** 50;
const packable = (v: number | null): boolean => v === null || (Number.isInteger(v) && Math.abs(v) <= PACK_MAX && !Object.is(v, -0));
/** a column's identity in the segment: where its array is in the patch, and the number's key path */
const colKey = (path: string, k: string[]): string => `${path}#${JSON.stringify(k)}`;

/** bits of x, an integer ≥ 0 (exact, no floating log) */
function bitlen(x: number): number {
  let n = 0;
  while (x >= 2 ** 32) {
    x = Math.floor(x / 2 ** 32);
    n += 32;
  }
  return n + 32 - Math.clz32(x);
}
/** a number (or null: 0) as a non-negative integer: 0 → 1, -1 → 2, 1 → 3, … */
const zig = (v: number | null): number => (v === null ? 0 : v >= 0 ? 2 * v + 1 : -2 * v);
const unzig = (z: number): number | null => (z === 0 ? null : z % 2 === 1 ? (z - 1) / 2 : -z / 2);
/** low bits a value keeps raw: all but the top RICE_TOP bits of its prediction */
const RICE_TOP = 3;
/** a whole value this long or longer is written as a reference when it repeats (`{"=": 1}`) */
const SAME_MIN = 64;
/** the running average moves a quarter of the way to each new number */
const AVG_OF = 4;

/**
 * What both sides know of a segment's packed columns: per column, per item, a running average of
 * its (zigzagged) numbers, from which the next one is predicted (an item seen first: the item
 * before it in the same column, this record). A new one per segment.
 */
type Avgs = Map<string, (number | undefined)[]>;
export class Predictor {
  readonly avg: Avgs = new Map();
  /** per place in the patch, the last whole value (`$`) written there: its text (writer) or value (reader) */
  readonly wholes = new Map<string, unknown>();
  packer(): Packer {
    return new Packer(this.avg, this.wholes);
  }
  unpacker(hi: Buffer, lo: Buffer): Unpacker {
    return new Unpacker(this.avg, this.wholes, hi, lo);
  }
}

/**
 * Each number z (zigzagged) with prediction p is written as: k = bits of p less RICE_TOP; the
 * difference of z >> k and p >> k as a zigzag varint in `hi` (small numbers: deflate packs them
 * well), and z's low k bits raw in `lo` (the part that is noise). Nothing is rounded.
 */
abstract class Coder {
  /** the columns this record changed (copies: the segment's averages change only on commit) */
  private readonly next: Avgs = new Map();
  private readonly nextWholes = new Map<string, unknown>();
  constructor(
    private readonly avg: Avgs,
    private readonly wholes: Map<string, unknown>,
  ) {}
  /** the last whole value at `path` in the segment, undefined when none */
  lastWhole(path: string): unknown {
    return this.nextWholes.has(path) ? this.nextWholes.get(path) : this.wholes.get(path);
  }
  whole(path: string, v: unknown): void {
    this.nextWholes.set(path, v);
  }
  protected column(key: string): (number | undefined)[] {
    let c = this.next.get(key);
    if (!c) {
      c = (this.avg.get(key) ?? []).slice();
      this.next.set(key, c);
    }
    return c;
  }
  protected static learn(c: (number | undefined)[], idx: number, z: number): void {
    if (z === 0) return;
    const p = c[idx];
    c[idx] = p === undefined ? z : p + Math.floor((z - p) / AVG_OF);
  }
  /** the record was written (or read) whole: its numbers now predict the next ones */
  commit(): void {
    for (const [k, v] of this.next) this.avg.set(k, v);
    for (const [k, v] of this.nextWholes) this.wholes.set(k, v);
    this.next.clear();
    this.nextWholes.clear();
  }
}

export class Packer extends Coder {
  private readonly hi: number[] = [];
  private readonly lo: number[] = [];
  private acc = 0;
  private nbits = 0;
  /** numbers packed */
  count = 0;

  put(key: string, A: number[], vs: (number | null)[]): void {
    const c = this.column(key);
    let left = 0;
    vs.forEach((v, i) => {
      const idx = A[i]!;
      const z = zig(v);
      const p = c[idx] ?? left;
      const k = Math.max(0, bitlen(p) - RICE_TOP);
      const s = 2 ** k;
      const hi = Math.floor(z / s);
      const d = hi - Math.floor(p / s);
      this.varint(d >= 0 ? 2 * d : -2 * d - 1);
      this.bits(z - hi * s, k);
      Coder.learn(c, idx, z);
      if (z) left = z;
      this.count++;
    });
  }

  private varint(x: number): void {
    while (x >= 128) {
      this.hi.push((x % 128) | 128);
      x = Math.floor(x / 128);
    }
    this.hi.push(x);
  }

  private bits(v: number, k: number): void {
    // in chunks of at most 24 bits: the accumulator stays under 2^31 (bit operations on it are exact)
    while (k > 0) {
      const c = k > 24 ? 24 : k;
      const part = c === k ? v : v % 0x1000000;
      if (c !== k) v = Math.floor(v / 0x1000000);
      k -= c;
      this.acc |= part << this.nbits;
      this.nbits += c;
      while (this.nbits >= 8) {
        this.lo.push(this.acc & 255);
        this.acc >>>= 8;
        this.nbits -= 8;
      }
    }
  }

  /** the two streams: hi (to deflate) and lo (raw, the last byte padded with zeros) */
  sections(): { hi: Buffer; lo: Buffer } {
    return { hi: Buffer.from(this.hi), lo: Buffer.from(this.nbits ? [...this.lo, this.acc] : this.lo) };
  }
}

export class Unpacker extends Coder {
  private hiPos = 0;
  private loPos = 0;
  private acc = 0;
  private nbits = 0;
  constructor(avg: Avgs, wholes: Map<string, unknown>, private readonly hiBuf: Buffer, private readonly loBuf: Buffer) {
    super(avg, wholes);
  }

  take(key: string, A: number[]): (number | null)[] {
    const c = this.column(key);
    const out: (number | null)[] = new Array(A.length);
    let left = 0;
    for (let i = 0; i < A.length; i++) {
      const idx = A[i]!;
      const p = c[idx] ?? left;
      const k = p < 0x80000000 ? Math.max(0, 32 - Math.clz32(p) - RICE_TOP) : Math.max(0, bitlen(p) - RICE_TOP);
      const b = this.hiPos < this.hiBuf.length ? this.hiBuf[this.hiPos]! : 128;
      let sym: number;
      if (b < 128) {
        sym = b;
        this.hiPos++;
      } else sym = this.varint();
      const d = (sym & 1) === 0 ? sym / 2 : -(sym + 1) / 2;
      let z: number;
      if (k === 0) z = d + p;
      else if (p < 0x80000000 && k <= 24) z = (d + (p >>> k)) * (1 << k) + this.bits(k);
      else {
        const s = 2 ** k;
        z = (d + Math.floor(p / s)) * s + this.bits(k);
      }
      if (z < 0 || !Number.isSafeInteger(z)) throw new Error('packed columns: a number out of range');
      Coder.learn(c, idx, z);
      if (z) left = z;
      out[i] = unzig(z);
    }
    return out;
  }

  /** throws unless every byte was read (a record whose sections do not match its text) */
  end(): void {
    if (this.hiPos !== this.hiBuf.length || this.loPos !== this.loBuf.length) throw new Error('packed columns: bytes left over');
    this.commit();
  }

  private varint(): number {
    let x = 0;
    let mul = 1;
    for (;;) {
      if (this.hiPos >= this.hiBuf.length || mul > 2 ** 56) throw new Error('packed columns: cut short');
      const b = this.hiBuf[this.hiPos++]!;
      x += (b & 127) * mul;
      if (b < 128) return x;
      mul *= 128;
    }
  }

  private bits(k: number): number {
    let v = 0;
    let mul = 1;
    while (k > 0) {
      const c = k > 24 ? 24 : k;
      while (this.nbits < c) {
        if (this.loPos >= this.loBuf.length) throw new Error('packed columns: cut short');
        this.acc |= this.loBuf[this.loPos++]! << this.nbits;
        this.nbits += 8;
      }
      const part = c === 24 ? this.acc & 0xffffff : this.acc & ((1 << c) - 1);
      this.acc >>>= c;
      this.nbits -= c;
      v += part * mul;
      mul *= 0x1000000;
      k -= c;
    }
    return v;
  }
}

/* ---------- the reader's apply: a file patch applied without the patch decodeColumns makes ---------- */


/**
 * applyPatch(prev, decodeColumns(p, unpack)) (stream.ts): the same value (and an error where that
 * throws), with the binary section read in the same order, but without building the column form's item
 * patches: a column's numbers are added into the items' copies as they are read. `apply` is
 * patch.ts applyPatch (passed in).
 */
export function applyColumns(prev: unknown, p: Patch, apply: (prev: unknown, p: Patch, refs: Map<number, unknown>) => unknown, unpack?: Unpacker, path = '', refs: Map<number, unknown> = new Map()): unknown {
  if (!isObj(p)) return apply(prev, p, refs);
  if ('c' in p) {
    const { c, n } = p as unknown as { c: Cols; n: number };
    const V = c.V.map((vs, j) => {
      if (vs !== 0) return vs;
      if (!unpack) throw new Error('a packed column without its binary section');
      return unpack.take(colKey(path, c.K[j]!), c.A);
    });
    if (!Array.isArray(prev)) throw new Error('array patch on a non-array');
    // as applyOne's `a`: the items in ascending index order (an index given twice: the last wins)
    const at = new Map<number, number>();
    for (let i = 0; i < c.A.length; i++) at.set(c.A[i]!, i);
    const order = [...at.keys()].sort((x, y) => x - y);
    // per column, per depth below the item: the id of the nested object's key path (columns of
    // one object share it: each object is copied once per item)
    const ids = new Map<string, number>();
    const pre = c.K.map((K) => {
      const out: number[] = [];
      let at2 = '';
      for (let d = 0; d < K.length - 1; d++) {
        at2 += JSON.stringify(K[d]) + '/';
        let id = ids.get(at2);
        if (id === undefined) ids.set(at2, (id = ids.size));
        out.push(id);
      }
      return out;
    });
    const made: (Record<string, unknown> | undefined)[] = new Array(ids.size);
    const srcs: (Record<string, unknown> | undefined)[] = new Array(ids.size);
    const out = prev.slice(0, n);
    for (const idx of order) {
      const i = at.get(idx)!;
      const item = idx < prev.length ? prev[idx] : undefined;
      if (!isPlain(item)) throw new Error('object patch on a non-object');
      const copy: Record<string, unknown> = { ...item };
      made.fill(undefined);
      for (let j = 0; j < c.K.length; j++) {
        const v = V[j]![i];
        if (v === null || v === undefined) continue;
        const K = c.K[j]!;
        const P = pre[j]!;
        let cur = copy;
        let from: Record<string, unknown> = item;
        for (let d = 0; d < P.length; d++) {
          const key = K[d]!;
          const id = P[d]!;
          let next = made[id];
          if (!next) {
            const src = own(from, key);
            if (!isPlain(src)) throw new Error('object patch on a non-object');
            next = { ...src };
            made[id] = next;
            srcs[id] = src;
            setKey(cur, key, next);
          }
          from = srcs[id]!;
          cur = next;
        }
        const last = K[K.length - 1]!;
        const old = own(from, last);
        if (typeof old !== 'number') throw new Error('number delta on a non-number');
        setKey(cur, last, old + v);
      }
      out[idx] = copy;
    }
    out.length = n;
    return out;
  }
  if ('a' in p && !('#' in p)) {
    const ap = p as { a: Record<string, Patch>; n: number };
    if (!Array.isArray(prev)) throw new Error('array patch on a non-array');
    const out = prev.slice(0, ap.n);
    for (const i of Object.keys(ap.a)) {
      const idx = Number(i);
      out[idx] = applyColumns(idx < prev.length ? prev[idx] : undefined, ap.a[i]!, apply, unpack, `${path}/${i}`, refs);
    }
    out.length = ap.n;
    return out;
  }
  if ('k' in p && !('#' in p)) {
    const kp = p as { k: Record<string, Patch>; x?: string[] };
    if (!isPlain(prev)) throw new Error('object patch on a non-object');
    const out: Record<string, unknown> = { ...prev };
    if (kp.x) for (const k of kp.x) delete out[k];
    for (const key of Object.keys(kp.k)) setKey(out, key, applyColumns(own(prev, key), kp.k[key]!, apply, unpack, `${path}/${JSON.stringify(key)}`, refs));
    return out;
  }
  return apply(prev, decodeColumns(p, unpack, path), refs);
}
