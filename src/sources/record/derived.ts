/**
 * Fields a recording need not carry: a node's `rates` (computeRates of its previous and its new
 * sample) and `model` (foldModel of its previous model and the new sample) are functions of what
 * the delta carries anyway. The writer leaves one out of a node's patch only after computing it
 * again and finding it equal (stream.ts diff: no difference) to the live value, and lists the node
 * in the record's `d`; the reader computes it the same way after applying the patch. Anything the
 * check does not confirm (two ticks in one frame, a rate the store set otherwise) travels as before.
 */
import { decodeValue, diff, encodeValue, type Patch, type StreamState } from '../../state/stream.js';
import { computeRates } from '../../state/rates.js';
import { foldModel } from '../../state/model.js';
import { linkPods } from '../../state/podlinks.js';
import type { NodeState } from '../../state/types.js';
import type { NodeSample } from '../types.js';
import { foldSampleUnlinked, problemsOf, withPodLinks } from '../../state/store.js';

export interface Derived {
  /** nodes whose rates the reader computes */
  rates?: string[];
  /** nodes whose model the reader computes */
  model?: string[];
  /** nodes whose kube (pod ↔ veth links, stray veths) the reader computes, after rates and model */
  kube?: string[];
  /**
   * nodes the reader folds as the store does (store.ts foldOutcome of the node before, the new
   * sample, its link's round trip): every field the fold makes is left out of the patch
   */
  fold?: string[];
}

type ObjPatch = { k: Record<string, Patch>; x?: string[] };
const isObjPatch = (p: Patch | undefined): p is ObjPatch => typeof p === 'object' && p !== null && 'k' in p;
const own = <T>(o: Record<string, T>, k: string): T | undefined => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

/** sets an own property, also one named __proto__ (a node may name an interface so) */
function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/** what foldOutcome makes from a sample; the patch keeps the rest (sample, link, status, …) */
const FOLDED = ['rates', 'model', 'kube', 'history', 'problems', 'tableFull', 'firstUptime', 'samplesOk'];

/**
 * the node as the store folds `cur`'s sample into `prev` (foldOutcome), problems left as they
 * were; with `whole` false also the per-interface rates and the pod links (for Pending: the node
 * before its links is returned as `unlinked`)
 */
function foldOf(prev: NodeState, cur: NodeState, intervalMs: number, whole = true): { node: NodeState; unlinked: NodeState } {
  const now = cur.status.kind === 'live' ? cur.status.since : 0;
  const outcome = { kind: 'sample' as const, sample: cur.sample!, ...(cur.link ? { rttMs: cur.link.rttMs } : {}) };
  const unlinked = foldSampleUnlinked(prev, outcome, now, intervalMs, whole);
  const n = whole ? withPodLinks(unlinked) : unlinked;
  // fields the fold keeps from `prev` that the patch may have changed besides (status, link, …)
  const out: NodeState = { ...cur };
  for (const k of FOLDED) if (k !== 'problems') setOwn(out as unknown as Record<string, unknown>, k, (n as unknown as Record<string, unknown>)[k]);
  return { node: out, unlinked };
}

/** foldOf with its problems, as foldOutcome evaluates them */
const foldedWithProblems = (prev: NodeState, cur: NodeState, st: StreamState): NodeState => {
  const n = foldOf(prev, cur, st.interval * 1000).node;
  return { ...n, problems: problemsOf(n, st.services) };
};

/**
 * What the reader has left undone for the state it is folding: the nodes whose problems are not
 * evaluated yet, those whose per-interface rates are not made yet (with the two samples they are
 * made of) and those whose pod links are not made yet (with the node the fold made before
 * linking: linkPods reads that one, not the node as later patches leave it). No later fold reads
 * any of them (foldSample makes rates and links anew from the samples, the pods and the model;
 * the history keeps only the rates' sums, which the fold makes; nothing reads the problems), so
 * only the state returned needs them — or a delta that changes such a node otherwise than by a
 * fold, which finishes them first (touchedBy).
 */
export class Pending {
  readonly problems = new Set<string>();
  readonly rates = new Map<string, [NodeSample | undefined, NodeSample]>();
  readonly links = new Map<string, NodeState>();
  get size(): number {
    return this.problems.size + this.rates.size + this.links.size;
  }
  clear(): void {
    this.problems.clear();
    this.rates.clear();
    this.links.clear();
  }
}

/** the pending pod links and problems (`only` these nodes, or all), made as the fold would have made them */
export function finishProblems(st: StreamState, pending: Pending, only?: Iterable<string>): StreamState {
  if (!pending.size) return st;
  const has = (n: string) => pending.problems.has(n) || pending.rates.has(n) || pending.links.has(n);
  const names = only ? [...only].filter(has) : [...new Set([...pending.problems, ...pending.rates.keys(), ...pending.links.keys()])];
  if (!names.length) return st;
  const nodes = { ...st.nodes };
  for (const name of names) {
    let n = own(st.nodes, name);
    const samples = pending.rates.get(name);
    if (n && samples) n = { ...n, rates: computeRates(samples[0], samples[1]) };
    const unlinked = pending.links.get(name);
    if (n && unlinked) {
      // the links withPodLinks makes of the folded node (its kube, or none when it made none)
      n = { ...n };
      setOwn(n as unknown as Record<string, unknown>, 'kube', withPodLinks(unlinked).kube);
    }
    if (n && pending.problems.has(name)) n = { ...n, problems: problemsOf(n, st.services) };
    if (n) setOwn(nodes, name, n);
    pending.links.delete(name);
    pending.rates.delete(name);
    pending.problems.delete(name);
  }
  return { ...st, nodes };
}

/**
 * before a delta: the pending nodes whose problems must be evaluated now — the ones the patch
 * touches otherwise than by a fold, or all of them when it changes anything beside the nodes
 * (Services, the API's status: what problems are evaluated with)
 */
export function touchedBy(p: Patch, d: Derived | undefined): 'all' | string[] {
  if (!isObjPatch(p)) return 'all';
  for (const k of Object.keys(p.k)) if (k !== 'nodes' && k !== 'ticks') return 'all';
  if (p.x?.length) return 'all';
  const nodesP = own(p.k, 'nodes');
  if (nodesP === undefined) return [];
  if (!isObjPatch(nodesP)) return 'all';
  const fold = new Set(d?.fold ?? []);
  return [...Object.keys(nodesP.k).filter((n) => !fold.has(n)), ...(nodesP.x ?? [])];
}

const ratesOf = (prev: NodeState, cur: NodeState) => computeRates(prev.sample, cur.sample!);
const modelOf = (prev: NodeState, cur: NodeState, intervalMs: number) => foldModel(prev.model, cur.sample!, intervalMs);
/** as the store links pods after a sample: the pod list kept, links and strays from the new sample */
const kubeOf = (prev: NodeState, cur: NodeState) => (prev.kube ? { ...prev.kube, ...linkPods({ ...cur, kube: prev.kube }) } : undefined);

/** the patch without the fields the reader can compute, and which; the frame's own patch is not changed */
export function stripDerived(p: Patch, prev: StreamState, cur: StreamState): { p: Patch; d?: Derived } {
  if (!isObjPatch(p)) return { p };
  const nodesP = own(p.k, 'nodes');
  if (!isObjPatch(nodesP)) return { p };
  const rates: string[] = [];
  const model: string[] = [];
  const kube: string[] = [];
  const fold: string[] = [];
  let nodesK: Record<string, Patch> | undefined;
  for (const name of Object.keys(nodesP.k)) {
    const np = nodesP.k[name];
    if (!isObjPatch(np) || own(np.k, 'sample') === undefined) continue;
    const a = own(prev.nodes, name);
    const b = own(cur.nodes, name);
    if (!a || !b || !b.sample) continue;
    let k: Record<string, Patch> | undefined;
    if (diff(foldedWithProblems(a, b, cur), b) === undefined) {
      k = { ...np.k };
      for (const f of FOLDED) delete k[f];
      fold.push(name);
      nodesK ??= { ...nodesP.k };
      setOwn(nodesK, name, { ...np, k });
      continue;
    }
    if (own(np.k, 'rates') !== undefined && diff(ratesOf(a, b), b.rates) === undefined) {
      k ??= { ...np.k };
      delete k.rates;
      rates.push(name);
    }
    if (own(np.k, 'model') !== undefined && diff(modelOf(a, b, cur.interval * 1000), b.model) === undefined) {
      k ??= { ...np.k };
      delete k.model;
      model.push(name);
    }
    if (own(np.k, 'kube') !== undefined && a.kube && diff(kubeOf(a, b), b.kube) === undefined) {
      k ??= { ...np.k };
      delete k.kube;
      kube.push(name);
    }
    if (!k) continue;
    nodesK ??= { ...nodesP.k };
    setOwn(nodesK, name, { ...np, k });
  }
  if (!nodesK) return { p };
  const k = { ...p.k };
  setOwn(k, 'nodes', { ...nodesP, k: nodesK });
  return { p: { ...p, k }, d: { ...(rates.length ? { rates } : {}), ...(model.length ? { model } : {}), ...(kube.length ? { kube } : {}), ...(fold.length ? { fold } : {}) } };
}

/**
 * `next` (prev with the stripped patch applied) with the listed fields computed as the writer
 * checked. A folded node's problems and pod links are left for finishProblems (they cost most and
 * only the state shown needs them; nothing folded later reads them): they go into `pending`.
 */
export function restoreDerived(prev: StreamState, next: StreamState, d: Derived, pending: Pending): StreamState {
  const nodes = { ...next.nodes };
  const names = new Set([...(d.rates ?? []), ...(d.model ?? []), ...(d.kube ?? []), ...(d.fold ?? [])]);
  const fold = new Set(d.fold ?? []);
  const kube = new Set(d.kube ?? []);
  const rates = new Set(d.rates ?? []);
  const model = new Set(d.model ?? []);
  for (const name of names) {
    const a = own(prev.nodes, name);
    const b = own(next.nodes, name);
    if (!a || !b?.sample) throw new Error(`derived fields of a node that is not there (${name.slice(0, 40)})`);
    if (fold.has(name)) {
      const { node, unlinked } = foldOf(a, b, next.interval * 1000, false);
      setOwn(nodes, name, node);
      pending.problems.add(name);
      pending.rates.set(name, [a.sample, b.sample]);
      pending.links.set(name, unlinked);
      continue;
    }
    const n: NodeState = { ...b };
    if (rates.has(name)) n.rates = ratesOf(a, b);
    if (model.has(name)) n.model = modelOf(a, b, next.interval * 1000);
    if (kube.has(name)) n.kube = kubeOf(a, n);
    setOwn(nodes, name, n);
  }
  return { ...next, nodes };
}

/**
 * What a snapshot need not carry, by node: `ifaces` — the model's interfaces value, when it is the
 * sample's interfaces (foldModel keeps that very array); `links` — the pod links and stray veths,
 * when linkPods of the node makes them again. The two are 40 % of a snapshot's text (the
 * interfaces twice over, every linked pod and veth again) and most of its decoding.
 */
export interface SnapDerived {
  ifaces?: string[];
  links?: string[];
}

type Enc = Record<string, unknown>;
const isEnc = (v: unknown): v is Enc => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => a !== undefined && JSON.stringify(a) === JSON.stringify(b);

/**
 * the snapshot's (encoded) state without what restoreSnapshot makes again from the rest; checked
 * on the snapshot itself, so it holds whatever moment it is of. The frame's own state is not changed.
 */
export function stripSnapshot(s: unknown): { s: unknown; d?: SnapDerived } {
  if (!isEnc(s) || !isEnc(s.nodes)) return { s };
  const ifaces: string[] = [];
  const links: string[] = [];
  let nodes: Enc | undefined;
  for (const name of Object.keys(s.nodes)) {
    const n = s.nodes[name];
    if (!isEnc(n) || !isEnc(n.model) || !isEnc(n.model.interfaces) || !isEnc(n.sample) || !isEnc(n.sample.interfaces)) continue;
    let out: Enc | undefined;
    const mi = n.model.interfaces;
    if (n.sample.interfaces.status === 'ok' && same(mi.value, n.sample.interfaces.data)) {
      const { value: _, ...rest } = mi;
      out = { ...n, model: { ...n.model, interfaces: rest } };
      ifaces.push(name);
    }
    if (isEnc(n.kube) && n.kube.links !== undefined) {
      // what linkPods reads (not the sample: a third of the node)
      const node = decodeValue({ name: n.name, model: n.model, podPeers: n.podPeers, kube: n.kube }) as NodeState;
      if (same(encodeValue(linkPods(node)), { links: n.kube.links, strayVeths: n.kube.strayVeths })) {
        const { links: _l, strayVeths: _s, ...rest } = n.kube;
        out = { ...(out ?? n), kube: rest };
        links.push(name);
      }
    }
    if (!out) continue;
    nodes ??= { ...s.nodes };
    setOwn(nodes, name, out);
  }
  if (!nodes) return { s };
  return { s: { ...s, nodes }, d: { ...(ifaces.length ? { ifaces } : {}), ...(links.length ? { links } : {}) } };
}

/** a decoded snapshot state (the reader's own: changed in place) with what stripSnapshot left out */
export function restoreSnapshot(st: StreamState, d: SnapDerived | undefined): StreamState {
  if (!d) return st;
  for (const name of d.ifaces ?? []) {
    const n = own(st.nodes, name);
    if (!n?.sample || n.sample.interfaces.status !== 'ok') throw new Error(`a snapshot's interfaces of a node that has none (${name.slice(0, 40)})`);
    n.model.interfaces.value = n.sample.interfaces.data;
  }
  for (const name of d.links ?? []) {
    const n = own(st.nodes, name);
    if (!n?.kube) throw new Error(`a snapshot's pod links of a node without pods (${name.slice(0, 40)})`);
    const l = linkPods(n);
    n.kube.links = l.links;
    n.kube.strayVeths = l.strayVeths;
  }
  return st;
}
