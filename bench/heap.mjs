// Heap snapshot reading for the soak benchmark: self size and count per constructor (V8
// .heapsnapshot JSON: snapshot.meta, nodes, strings). Retained sizes would need the dominator tree;
// self size per constructor, after the GC a snapshot does, shows what accumulates.
import { readFileSync } from 'node:fs';

/** Map "type:name" -> { size, count } ('object' nodes by constructor name, others by type) */
export function byConstructor(path) {
  const snap = JSON.parse(readFileSync(path, 'utf8'));
  const meta = snap.snapshot.meta;
  const f = meta.node_fields;
  const width = f.length;
  const iType = f.indexOf('type');
  const iName = f.indexOf('name');
  const iSize = f.indexOf('self_size');
  const types = meta.node_types[iType];
  const { nodes, strings } = snap;
  const out = new Map();
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + iType]];
    const name = type === 'object' || type === 'closure' ? strings[nodes[i + iName]] : '';
    const key = name ? `${type === 'closure' ? 'closure ' : ''}${name}` : `(${type})`;
    const e = out.get(key) ?? { size: 0, count: 0 };
    e.size += nodes[i + iSize];
    e.count++;
    out.set(key, e);
  }
  return out;
}

/** rows of growth from a to b, largest self-size growth first */
export function diff(a, b, top = 15) {
  const keys = new Set([...a.keys(), ...b.keys()]);
  const rows = [];
  for (const k of keys) {
    const x = a.get(k) ?? { size: 0, count: 0 };
    const y = b.get(k) ?? { size: 0, count: 0 };
    rows.push({ key: k, size: y.size - x.size, count: y.count - x.count, sizeB: y.size, countB: y.count });
  }
  rows.sort((p, q) => q.size - p.size);
  const total = (m) => [...m.values()].reduce((s, e) => s + e.size, 0);
  return { rows: rows.slice(0, top), totalA: total(a), totalB: total(b) };
}
