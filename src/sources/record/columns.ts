/**
 * A file-only form of array patches whose items change the same numbers (a node's interface
 * counters every tick): `{a: {i: {k: {counters: {k: {rxBytes: d, …}}}}}, n}` is written as
 * `{c: {A: [i…], K: [["counters", "rxBytes"], …], V: [[d per item]…]}, n}`, the numbers of one
 * field side by side, which deflate packs far better than the same digits between keys. Pure;
 * decodeColumns(encodeColumns(p)) is p (the same patch, applied the same way).
 */
import type { Patch } from '../../state/stream.js';

interface Cols {
  A: number[];
  K: string[][];
  /** V[column][item]: null where the item has no such number */
  V: (number | null)[][];
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


/** sets an own property, also one named __proto__ (a node may name an interface so) */
function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

export function encodeColumns(p: Patch): Patch {
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
        return { c: { A: idx.map(Number), K, V }, n: ap.n } as unknown as Patch;
      }
    }
    const a: Record<string, Patch> = {};
    for (const i of idx) a[i] = encodeColumns(ap.a[i]!);
    return { a, n: ap.n };
  }
  if ('k' in p) {
    const kp = p as { k: Record<string, Patch>; x?: string[] };
    const k: Record<string, Patch> = {};
    for (const key of Object.keys(kp.k)) setOwn(k, key, encodeColumns(kp.k[key]!));
    return kp.x ? { k, x: kp.x } : { k };
  }
  if ('m' in p) {
    const mp = p as { m: [unknown, Patch][]; x?: unknown[] };
    const m = mp.m.map(([key, v]) => [key, encodeColumns(v)] as [unknown, Patch]);
    return mp.x ? { m, x: mp.x } : { m };
  }
  return p;
}

function build(path: string[], v: number): Patch {
  let out: Patch = v;
  for (let i = path.length - 1; i >= 0; i--) {
    const k: Record<string, Patch> = {};
    setOwn(k, path[i]!, out);
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
      setOwn(cur.k, key, made);
      return;
    }
  }
  setOwn(cur.k, path[path.length - 1]!, v);
}

export function decodeColumns(p: Patch): Patch {
  if (!isObj(p)) return p;
  if ('c' in p) {
    const { c, n } = p as unknown as { c: Cols; n: number };
    const a: Record<string, Patch> = {};
    c.A.forEach((idx, i) => {
      const item = { k: {} as Record<string, Patch> };
      c.K.forEach((path, j) => {
        const v = c.V[j]![i];
        if (v !== null && v !== undefined) put(item, path, v);
      });
      a[idx] = item;
    });
    return { a, n };
  }
  if ('a' in p) {
    const ap = p as { a: Record<string, Patch>; n: number };
    const a: Record<string, Patch> = {};
    for (const i of Object.keys(ap.a)) a[i] = decodeColumns(ap.a[i]!);
    return { a, n: ap.n };
  }
  if ('k' in p) {
    const kp = p as { k: Record<string, Patch>; x?: string[] };
    const k: Record<string, Patch> = {};
    for (const key of Object.keys(kp.k)) setOwn(k, key, decodeColumns(kp.k[key]!));
    return kp.x ? { k, x: kp.x } : { k };
  }
  if ('m' in p) {
    const mp = p as { m: [unknown, Patch][]; x?: unknown[] };
    const m = mp.m.map(([key, v]) => [key, decodeColumns(v)] as [unknown, Patch]);
    return mp.x ? { m, x: mp.x } : { m };
  }
  return p;
}
