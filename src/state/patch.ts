/**
 * The stream's values and patches (stream.ts frames carry them): pure.
 *
 * Values are JSON with tags for what JSON cannot say, always inside arrays whose first element is
 * a string starting with \u0001 (object keys are node data, so tags never live in keys):
 *   ["\u0001M", [[k, v], …]]  Map     ["\u0001S", [v, …]]  Set     ["\u0001U"]  undefined (in arrays)
 *   ["\u0001N", "NaN" | "Infinity" | "-Infinity"]  a number JSON cannot hold
 *   ["\u0001A", …items]  an array whose own first element would look like a tag
 * Patches are never bare values:
 *   number d           the number became prev + d (only when that is exact)
 *   {"$": V}           replaced by V (encoded)
 *   {"k": {key: P}, "x": [keys]}   object: these keys patched, those removed
 *   {"a": {index: P}, "n": N}      array: these indexes patched, new length N
 *   {"s": K, "p": [V, …]}          array: the first K items dropped, these appended (histories)
 *   {"i": [j | [j, P] | {"$": V}, …]}   array of items with an identity (problems, pods) that came,
 *                                  went or moved: per new item, prev's item j, it patched, or new (v2)
 *   {"=": n}                       the result of the patch marked "#": n earlier in this frame (v2):
 *                                  the text writes a patch met in several places once (see deltaText)
 *   {"m": [[key, P], …], "x": [keys]}   Map: these keys patched (or added), those removed
 */

export type Patch =
  | number
  | { $: unknown }
  | { k: Record<string, Patch>; x?: string[] }
  | { a: Record<string, Patch>; n: number }
  | { s: number; p: unknown[] }
  | { i: KeyedItem[] }
  | { m: [unknown, Patch][]; x?: unknown[] }
  | { '=': number };

/** an item of a keyed array patch: prev's item j kept, prev's item j patched, or a new value */
export type KeyedItem = number | [number, Patch] | { $: unknown };

const TAG = '\u0001';

/** sets an own property, also one named __proto__ (a node may name an interface so) */
export function setKey(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

export const own = (o: Record<string, unknown>, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

export const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Set);

/* ---------- values ---------- */

export function encodeValue(v: unknown): unknown {
  if (v === undefined) return [TAG + 'U'];
  if (typeof v === 'number') return Number.isFinite(v) ? v : [TAG + 'N', String(v)];
  if (typeof v !== 'object' || v === null) return typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint' ? null : v;
  if (v instanceof Map) return [TAG + 'M', [...v].map(([k, x]) => [encodeValue(k), encodeValue(x)])];
  if (v instanceof Set) return [TAG + 'S', [...v].map(encodeValue)];
  if (Array.isArray(v)) {
    const out = v.map(encodeValue);
    return typeof v[0] === 'string' && v[0].startsWith(TAG) ? [TAG + 'A', ...out] : out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    // an object's undefined fields are left out (as JSON does); functions are not data
    if (x === undefined || typeof x === 'function') continue;
    setKey(out, k, encodeValue(x));
  }
  return out;
}

export function decodeValue(v: unknown): unknown {
  if (Array.isArray(v)) {
    const head = v[0];
    if (typeof head === 'string' && head.startsWith(TAG)) {
      switch (head) {
        case TAG + 'U':
          return undefined;
        case TAG + 'N':
          return Number(v[1]);
        case TAG + 'M':
          return new Map((v[1] as [unknown, unknown][]).map(([k, x]) => [decodeValue(k), decodeValue(x)]));
        case TAG + 'S':
          return new Set((v[1] as unknown[]).map(decodeValue));
        case TAG + 'A':
          return v.slice(1).map(decodeValue);
        default:
          throw new StreamError(`unknown value tag ${JSON.stringify(head)}`);
      }
    }
    return v.map(decodeValue);
  }
  if (isPlain(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) setKey(out, k, decodeValue(x));
    return out;
  }
  return v;
}

/**
 * decodeValue of a value JSON.parse has just made and nobody else holds, done in place: the
 * objects and arrays are kept (only a tagged array is replaced by what it stands for), so a big
 * snapshot is not built a second time. The same value as decodeValue(v) gives.
 */
export function decodeParsed(v: unknown): unknown {
  if (Array.isArray(v)) {
    const head = v[0];
    if (typeof head === 'string' && head.startsWith(TAG)) return decodeValue(v);
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x === 'object' && x !== null) v[i] = decodeParsed(x);
    }
    return v;
  }
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    // JSON.parse makes own keys only (also one named __proto__)
    for (const k of Object.keys(o)) {
      const x = o[k];
      if (typeof x === 'object' && x !== null) {
        const d = decodeParsed(x);
        if (d !== x) setKey(o, k, d);
      }
    }
  }
  return v;
}

export class StreamError extends Error {}

/* ---------- patches ---------- */

function sameNum(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** how many leading items of `prev` were dropped and how many appended to make `next`, or undefined */
function shiftOf(prev: readonly unknown[], next: readonly unknown[]): number | undefined {
  // histories: push one (or a few), drop as many from the front once full
  for (let k = 0; k <= Math.min(4, prev.length); k++) {
    const kept = prev.length - k;
    if (kept > next.length || next.length - kept > 8) continue;
    if (kept === 0 && k > 0) continue;
    let ok = true;
    for (let i = 0; i < kept; i++) {
      if (prev[k + i] !== next[i]) {
        ok = false;
        break;
      }
    }
    if (ok) return k;
  }
  return undefined;
}

/** whether an item has an identity across ticks (problems, pods, interfaces): uid, code + subject, name, id */
function hasKey(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return o.uid !== undefined || o.code !== undefined || o.name !== undefined || o.id !== undefined;
}

/** the same identity (no strings built, nothing hashed: this runs for every item of every list) */
function sameKey(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  if (x.uid !== undefined || y.uid !== undefined) return x.uid === y.uid;
  if (x.code !== undefined || y.code !== undefined) return x.code === y.code && x.subject === y.subject;
  if (x.name !== undefined || y.name !== undefined) return x.name === y.name && x.namespace === y.namespace;
  return x.id !== undefined && x.id === y.id;
}

/**
 * What one diff met before: the store puts one object in several places (a sample's interface
 * list is node.sample's and node.model's, its veths are node.kube.strayVeths' items), so the same
 * (prev, next) pair comes again; its patch is the one already made (the same object).
 */
class Memo extends Map<object, { prev: unknown; patch: Patch | undefined }> {
  /** the patches returned more than once (the frame's text writes each once, then refers to it) */
  readonly shared = new Set<object>();
}

/**
 * The patch that turns `prev` into `next`, or undefined when they are equal. Subtrees that are the
 * same object are skipped without a look (the store shares what did not change), so a diff costs
 * what changed, not the size of the state; a pair met twice in one diff is diffed once.
 */
export function diff(prev: unknown, next: unknown): Patch | undefined {
  return diffIn(prev, next, new Memo());
}

/** diff, and the patches it returned more than once (deltaText writes each of those once) */
export function diffWithShared(prev: unknown, next: unknown): { patch: Patch | undefined; shared: ReadonlySet<object> } {
  const memo = new Memo();
  return { patch: diffIn(prev, next, memo), shared: memo.shared };
}

function diffIn(prev: unknown, next: unknown, memo: Memo): Patch | undefined {
  if (prev === next) return undefined;
  if (typeof prev === 'number' && typeof next === 'number') {
    if (sameNum(prev, next)) return undefined;
    if (Number.isFinite(prev) && Number.isFinite(next)) {
      const d = next - prev;
      if (prev + d === next) return d;
    }
    return { $: encodeValue(next) };
  }
  if (typeof next !== 'object' || next === null || typeof prev !== 'object' || prev === null) {
    // different kinds, or equal-looking primitives that are not ===
    if (typeof prev !== 'object' && typeof next !== 'object' && prev === next) return undefined;
    return { $: encodeValue(next) };
  }
  if (!Array.isArray(next)) return diffObjects(prev, next, memo);
  return diffShared(prev, next, memo);
}

/** arrays and array items are where the store shares objects: those are looked up and kept in the memo */
function diffShared(prev: unknown, next: object, memo: Memo): Patch | undefined {
  const hit = memo.get(next);
  if (hit !== undefined && hit.prev === prev) {
    if (hit.patch !== undefined && typeof hit.patch === 'object') memo.shared.add(hit.patch);
    return hit.patch;
  }
  const patch = typeof prev === 'object' && prev !== null ? diffObjects(prev, next, memo) : { $: encodeValue(next) };
  // an equal pair is not kept: most items are (a problem that did not change), and met again it costs a walk, no patch
  if (patch !== undefined) memo.set(next, { prev, patch });
  return patch;
}

/** an array's item: plain objects go through the memo (interfaces are items of several lists) */
function diffItem(prev: unknown, next: unknown, memo: Memo): Patch | undefined {
  if (prev === next) return undefined;
  if (typeof next === 'object' && next !== null && typeof prev === 'object' && prev !== null) return diffShared(prev, next, memo);
  return diffIn(prev, next, memo);
}

/** a plain object: not an array, a Map or a Set (a store's state holds no other class) */
const plainObject = (v: object): boolean => Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null;

function diffObjects(prev: object, next: object, memo: Memo): Patch | undefined {
  const pa = Array.isArray(prev);
  const na = Array.isArray(next);
  if (pa || na) return pa && na ? diffArrays(prev as unknown[], next as unknown[], memo) : { $: encodeValue(next) };
  if (plainObject(next)) {
    if (!plainObject(prev)) return { $: encodeValue(next) };
    return diffPlain(prev as Record<string, unknown>, next as Record<string, unknown>, memo);
  }
  if (prev instanceof Map && next instanceof Map) {
    const m: [unknown, Patch][] = [];
    const x: unknown[] = [];
    for (const [k, v] of next) {
      if (!prev.has(k)) m.push([encodeValue(k), { $: encodeValue(v) }]);
      else {
        const p = diffIn(prev.get(k), v, memo);
        if (p !== undefined) m.push([encodeValue(k), p]);
      }
    }
    for (const k of prev.keys()) if (!next.has(k)) x.push(encodeValue(k));
    if (!m.length && !x.length) return undefined;
    return x.length ? { m, x } : { m };
  }
  if (isPlain(prev) && isPlain(next)) return diffPlain(prev, next, memo);
  return { $: encodeValue(next) };
}

/**
 * Objects by key. for-in, not Object.keys: no array per object (this runs for every interface of
 * every node every tick); a plain object's for-in is its own keys (Object.prototype lends none).
 */
function diffPlain(prev: Record<string, unknown>, next: Record<string, unknown>, memo: Memo): Patch | undefined {
  let k: Record<string, Patch> | undefined;
  let x: string[] | undefined;
  // how many of prev's own keys next has: when that is all of prev's keys, nothing was removed
  let kept = 0;
  for (const key in next) {
    const v = next[key];
    // prev[key] is prev's own unless Object.prototype lends it (a function, or __proto__)
    let was = prev[key];
    if (key === '__proto__' || typeof was === 'function') was = own(prev, key);
    if (was !== undefined || Object.prototype.hasOwnProperty.call(prev, key)) kept++;
    if (typeof v === 'function') continue;
    if (v === undefined) {
      if (was !== undefined) (x ??= []).push(key);
      continue;
    }
    if (was === undefined) {
      setKey((k ??= {}), key, { $: encodeValue(v) });
      continue;
    }
    if (was === v) continue;
    const p = diffIn(was, v, memo);
    if (p !== undefined) setKey((k ??= {}), key, p);
  }
  // prev's keys counted, not read: fewer than next's found in it means none went away
  let n = 0;
  for (const _ in prev) n++;
  if (n !== kept) {
    for (const key of Object.keys(prev)) {
      const was = prev[key];
      if (was !== undefined && typeof was !== 'function' && !Object.prototype.hasOwnProperty.call(next, key)) (x ??= []).push(key);
    }
  }
  if (!k && !x) return undefined;
  return x ? { k: k ?? {}, x } : { k: k! };
}

function diffArrays(prev: readonly unknown[], next: readonly unknown[], memo: Memo): Patch | undefined {
  if (prev.length !== next.length || prev.length > 8) {
    const k = shiftOf(prev, next);
    if (k !== undefined && (k > 0 || next.length > prev.length)) return { s: k, p: next.slice(prev.length - k).map(encodeValue) };
  }
  // items with an identity (problems, pods) that came, went or moved: matched by it, not by index
  if (next.length && prev.length && hasKey(next[0])) {
    let aligned = prev.length === next.length;
    for (let i = 0; aligned && i < next.length; i++) if (prev[i] !== next[i] && !sameKey(prev[i], next[i])) aligned = false;
    if (!aligned) return diffKeyed(prev, next, memo);
  }
  const a: Record<string, Patch> = {};
  let any = prev.length !== next.length;
  for (let i = 0; i < next.length; i++) {
    if (i >= prev.length) {
      a[i] = { $: encodeValue(next[i]) };
      any = true;
      continue;
    }
    const p = diffItem(prev[i], next[i], memo);
    if (p !== undefined) {
      a[i] = p;
      any = true;
    }
  }
  return any ? { a, n: next.length } : undefined;
}

/** how far ahead in prev an item is looked for (lists are kept sorted: items come and go, seldom move far) */
const LOOK_AHEAD = 16;

/**
 * {i: [...]}: per item of next, the index of prev's item it is (j), or that item patched ([j, P]),
 * or a new value ({$}). prev is walked alongside next: an item is looked for from where the last
 * one matched, a few ahead (those skipped went away); one not found is new.
 */
function diffKeyed(prev: readonly unknown[], next: readonly unknown[], memo: Memo): Patch {
  const i: KeyedItem[] = [];
  let from = 0;
  for (const v of next) {
    let j = -1;
    for (let t = from, end = Math.min(prev.length, from + LOOK_AHEAD); t < end; t++) {
      if (prev[t] === v || sameKey(prev[t], v)) {
        j = t;
        break;
      }
    }
    if (j < 0) {
      i.push({ $: encodeValue(v) });
      continue;
    }
    from = j + 1;
    const p = diffItem(prev[j], v, memo);
    i.push(p === undefined ? j : [j, p]);
  }
  return { i };
}

/**
 * `prev` with `patch` applied; what the patch does not touch keeps its identity (index loops: this
 * runs for every patched number of every tick a replay or a viewer folds). A frame's text may
 * write a patch met in several places once (`"#": n` beside it) and then refer to its result
 * (`{"=": n}`): `refs` holds those results for one frame.
 */
export function applyPatch(prev: unknown, patch: Patch, refs: Map<number, unknown> = new Map()): unknown {
  if (typeof patch === 'number') {
    if (typeof prev !== 'number') throw new StreamError('number delta on a non-number');
    return prev + patch;
  }
  if (typeof patch !== 'object' || patch === null) throw new StreamError('not a patch');
  if ('=' in patch) {
    if (!refs.has(patch['='])) throw new StreamError('a reference to no patch before it');
    return refs.get(patch['=']);
  }
  const out = applyOne(prev, patch, refs);
  const id = (patch as { '#'?: unknown })['#'];
  if (typeof id === 'number') refs.set(id, out);
  return out;
}

function applyOne(prev: unknown, patch: Exclude<Patch, number | { '=': number }>, refs: Map<number, unknown>): unknown {
  if ('k' in patch) {
    // object patches first: most of a delta (a node's interfaces' counters)
    if (!isPlain(prev)) throw new StreamError('object patch on a non-object');
    const out: Record<string, unknown> = { ...prev };
    const x = patch.x;
    if (x) for (let i = 0; i < x.length; i++) delete out[x[i]!];
    const pk = patch.k;
    const keys = Object.keys(pk);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const v = applyPatch(Object.prototype.hasOwnProperty.call(prev, key) ? prev[key] : undefined, pk[key]!, refs);
      if (key === '__proto__') setKey(out, key, v);
      else out[key] = v;
    }
    return out;
  }
  if ('$' in patch) return decodeValue(patch.$);
  if ('s' in patch) {
    if (!Array.isArray(prev)) throw new StreamError('shift on a non-array');
    return [...prev.slice(patch.s), ...patch.p.map(decodeValue)];
  }
  if ('i' in patch) {
    if (!Array.isArray(prev) || !Array.isArray(patch.i)) throw new StreamError('keyed array patch on a non-array');
    const item = (j: unknown): unknown => {
      if (typeof j !== 'number' || !Number.isInteger(j) || j < 0 || j >= prev.length) throw new StreamError('keyed array patch: no such item');
      return prev[j];
    };
    return patch.i.map((e) => (typeof e === 'number' ? item(e) : Array.isArray(e) ? applyPatch(item(e[0]), e[1], refs) : decodeValue((e as { $: unknown }).$)));
  }
  if ('a' in patch) {
    if (!Array.isArray(prev)) throw new StreamError('array patch on a non-array');
    const out = prev.slice(0, patch.n);
    const pa = patch.a;
    const keys = Object.keys(pa);
    for (let i = 0; i < keys.length; i++) {
      const idx = Number(keys[i]);
      out[idx] = applyPatch(idx < prev.length ? prev[idx] : undefined, pa[keys[i]!]!, refs);
    }
    out.length = patch.n;
    return out;
  }
  if ('m' in patch) {
    if (!(prev instanceof Map)) throw new StreamError('map patch on a non-map');
    const out = new Map(prev);
    for (const k of patch.x ?? []) out.delete(decodeValue(k));
    for (const [ek, p] of patch.m) {
      const k = decodeValue(ek);
      out.set(k, applyPatch(out.get(k), p, refs));
    }
    return out;
  }
  throw new StreamError('unknown patch');
}

/**
 * A delta's text with each patch met in several places written once: the first place gets
 * `"#": n`, the others `{"=": n}` (the same result: the memo gives a patch again only for the same
 * prev and next). The patch is changed for the stringify and put back as it was: sinks get `f.p`
 * with no references. Walks the patch, not the state.
 */
export function deltaText(f: { p: Patch }, shared: ReadonlySet<object>): string {
  if (!shared.size) return JSON.stringify(f);
  const ids = new Map<object, number>();
  const undo: [Record<string, unknown>, string, unknown][] = [];
  const child = (c: unknown, container: Record<string, unknown>, key: string): void => {
    if (typeof c !== 'object' || c === null) return;
    if (shared.has(c)) {
      const id = ids.get(c);
      if (id !== undefined) {
        undo.push([container, key, c]);
        setKey(container, key, { '=': id });
        return;
      }
      ids.set(c, ids.size);
    }
    walk(c as Patch);
  };
  const walk = (p: Patch): void => {
    if (typeof p !== 'object' || p === null) return;
    // for-in: patch objects are plain (their keys are own: setKey), no array per object
    if ('k' in p) for (const key in p.k) child(p.k[key], p.k, key);
    else if ('a' in p) for (const key in p.a) child(p.a[key], p.a, key);
    else if ('m' in p) for (const e of p.m) child(e[1], e as unknown as Record<string, unknown>, '1');
    else if ('i' in p) for (const e of p.i) if (Array.isArray(e)) child(e[1], e as unknown as Record<string, unknown>, '1');
  };
  walk(f.p);
  // only the patches referred to get their number
  const used = new Set<number>();
  for (const [, , c] of undo) used.add(ids.get(c as object)!);
  const marked: Record<string, unknown>[] = [];
  for (const [c, id] of ids) {
    if (!used.has(id)) continue;
    (c as Record<string, unknown>)['#'] = id;
    marked.push(c as Record<string, unknown>);
  }
  try {
    return JSON.stringify(f);
  } finally {
    for (let i = undo.length - 1; i >= 0; i--) setKey(undo[i]![0], undo[i]![1], undo[i]![2]);
    for (const c of marked) delete c['#'];
  }
}
