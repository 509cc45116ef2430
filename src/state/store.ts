/**
 * The one store: a zustand vanilla store the sources write into (one batched update per tick)
 * and the UI reads through selectors. createAppStore() gives each test a fresh one.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { SampleOutcome } from '../sources/sampler.js';
import type { NeedsRoot } from '../sources/transport/privileges.js';
import type { TrafficSample } from '../sources/capture/sampler.js';
import type { NodeInfo, PodInfo } from '../sources/types.js';
import { computeRates, rateSums } from './rates.js';
import { evaluate } from './rules.js';
import type { Problem } from './types.js';
import type { AppState, ClusterServices, KubeStatus, Mark, NodeState, NodeStatus } from './types.js';
import { serviceRulesCached } from './services.js';
import { emptyModel, foldModel } from './model.js';
import { linkPods } from './podlinks.js';
import { isSlowLink, sec, slowLinkText } from './link.js';
import type { PodPeer } from './topology.js';
import { diffFacts, nodeFacts, poolOf, type Difference, type FactValue } from './outliers.js';
import type { StaleCheck } from './stale.js';

export const HISTORY = 120;

export interface Actions {
  addNode(name: string, address?: string): void;
  removeNode(name: string): void;
  setStatus(name: string, status: NodeStatus): void;
  /** all sample outcomes of one tick, applied as one update */
  applyTick(outcomes: ReadonlyArray<readonly [string, SampleOutcome]>): void;
  setKube(status: KubeStatus): void;
  setNodeInfo(name: string, info: NodeInfo): void;
  setPods(name: string, pods: PodInfo[], status: KubeStatus): void;
  setPodPeers(name: string, peers: Record<string, PodPeer>): void;
  /** the node's address as the connection sees it (the transport tells when it knows) */
  setConnectedAddress(name: string, address: string | undefined): void;
  /** what netwatch misses on the node for want of root (an info problem on its row) */
  setNeedsRoot(name: string, list: readonly NeedsRoot[]): void;
  setTraffic(name: string, sample: TrafficSample): void;
  /** the cluster's Services and endpoints (the Service and EndpointSlice watches) */
  setServices(services: ClusterServices['services'], endpoints: ClusterServices['endpoints']): void;
  /** the status of those watches; anything but ok makes service-rules "cannot tell" */
  setServicesStatus(status: KubeStatus): void;
  /** the last stale-process check of a node (state/stale.ts) */
  setStale(name: string, check: StaleCheck): void;
  /**
   * a mark now, with a short note (`m` in the live view): the note is cleaned (cleanNote: one
   * line, no control or format character, at most MARK_NOTE_MAX characters); the list keeps the
   * last MARKS_MAX marks
   */
  addMark(note: string, by?: string): Mark;
}

export const MARKS_MAX = 200;
export const MARK_NOTE_MAX = 200;
const MARK_BY_MAX = 64;

// eslint-disable-next-line no-control-regex
const NOTE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;
// every other control, bidi control and format character: removed (a note is typed or pasted, not read from a node)
// eslint-disable-next-line no-control-regex
const NOTE_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|\p{Cf}|[\ud800-\udfff]/gu;

/** a note as the store keeps it: line breaks and tabs as one space, controls removed, trimmed, at most `max` code points */
export function cleanNote(note: string, max = MARK_NOTE_MAX): string {
  const one = note.replace(NOTE_BREAKS, ' ').replace(NOTE_UNSAFE, '').replace(/ {2,}/g, ' ').trim();
  const cps = Array.from(one);
  return cps.length > max ? cps.slice(0, max).join('').trimEnd() : one;
}

export type Store = StoreApi<AppState & Actions>;

function push(arr: number[], v: number): number[] {
  const out = arr.length >= HISTORY ? arr.slice(arr.length - HISTORY + 1) : arr.slice();
  out.push(v);
  return out;
}

export function newNode(name: string, address?: string, now = Date.now(), intervalMs = 1000, slowMs?: number): NodeState {
  return {
    name,
    address,
    status: { kind: 'connecting', since: now },
    model: emptyModel(intervalMs, slowMs),
    podPeers: {},
    rates: { ifaces: {} },
    history: { conntrackPct: [], drops: [], rxBps: [] },
    tableFull: { sinceStart: 0, recent: [] },
    problems: [],
    samplesOk: 0,
    samplesFailed: 0,
  };
}

/**
 * A node's problems: evaluate()'s per-node checks and the cluster-aware service-rules check
 * (memoized on the node's slow reads and the Services: cheap on every tick), worst first.
 */
export function problemsOf(node: NodeState, cluster?: ClusterServices): Problem[] {
  const own = evaluate(node);
  const svc = serviceRulesCached(node, cluster);
  if (!svc.length) return own;
  const rank = { crit: 0, warn: 1, info: 2 } as const;
  return [...own, ...svc].sort((a, b) => rank[a.severity] - rank[b.severity]);
}

/** folds one outcome into a node; pure */
export function foldOutcome(node: NodeState, outcome: SampleOutcome, now: number, intervalMs = 1000, cluster?: ClusterServices): NodeState {
  const evaluate = (n: NodeState) => problemsOf(n, cluster);
  if (outcome.kind === 'busy') {
    // the previous request is still out
    const age = node.sample ? now - node.sample.at : 0;
    if (node.status.kind !== 'live' && node.status.kind !== 'stale') return node;
    const rtt = outcome.rttMs;
    const slow = rtt !== undefined && isSlowLink(rtt, intervalMs);
    const link = rtt !== undefined ? { rttMs: rtt, slow, ageMs: age } : node.link;
    const waited = outcome.waitedMs ?? 0;
    // the round trip explains the wait: the node is live, as fresh as its link allows
    if (slow && node.status.kind === 'live' && (outcome.boundMs === undefined || waited < outcome.boundMs)) {
      const next: NodeState = { ...node, link };
      return { ...next, problems: evaluate(next) };
    }
    const reason = slow ? `${slowLinkText({ rttMs: rtt })}, no answer for ${sec(waited)}` : 'node slow to answer';
    const next: NodeState = { ...node, link, status: { kind: 'stale', since: node.status.since, ageMs: age, reason } };
    return { ...next, problems: evaluate(next) };
  }
  if (outcome.kind === 'error') {
    const age = node.sample ? now - node.sample.at : 0;
    // a sampler that keeps ending by itself: the row says why (and when it is tried again)
    const status: NodeStatus = outcome.samplerDown
      ? { kind: 'failed', since: node.status.kind === 'failed' ? node.status.since : now, reason: outcome.error }
      : node.status.kind === 'live' || node.status.kind === 'stale'
        ? { kind: 'stale', since: node.status.since, ageMs: age, reason: outcome.error }
        : node.status;
    const next: NodeState = { ...node, status, samplesFailed: node.samplesFailed + 1, lastError: outcome.error };
    return { ...next, problems: evaluate(next) };
  }
  const next = foldSample(node, outcome, now, intervalMs);
  return { ...next, problems: evaluate(next) };
}

/**
 * a sample folded into a node: everything foldOutcome makes of it but the problems (which it
 * evaluates on this); pure. Recordings redo it to leave these fields out (sources/record/derived.ts).
 */
export function foldSample(node: NodeState, outcome: Extract<SampleOutcome, { kind: 'sample' }>, now: number, intervalMs = 1000): NodeState {
  return withPodLinks(foldSampleUnlinked(node, outcome, now, intervalMs));
}

/**
 * foldSample without its last step, the pod links (withPodLinks): everything a later fold reads.
 * A recording's seek folds the ticks before the one it shows so and links only the state it
 * returns (sources/record/derived.ts). Pure.
 */
export function foldSampleUnlinked(node: NodeState, outcome: Extract<SampleOutcome, { kind: 'sample' }>, now: number, intervalMs = 1000, ifaceRates = true): NodeState {
  const s = outcome.sample;
  const prev = node.sample;
  // ifaceRates false: the per-interface rates are left empty, only their sums (the history's) are made
  const rates = computeRates(prev, s, ifaceRates);
  const sums = ifaceRates ? undefined : rateSums(prev, s);
  const model = foldModel(node.model, s, intervalMs);
  const firstUptime = node.firstUptime ?? s.uptime;
  const tableFull = { ...node.tableFull };
  if (s.kernelEvents.length) {
    const startUs = (firstUptime ?? 0) * 1e6;
    const fresh = s.kernelEvents.filter((e) => e.usec >= startUs);
    tableFull.sinceStart += fresh.length;
    const last = s.kernelEvents[s.kernelEvents.length - 1]!;
    tableFull.lastText = last.text;
    // when it happened, in local time: node uptime now minus the event's uptime
    tableFull.lastAt = s.uptime !== undefined ? s.at - (s.uptime * 1e6 - last.usec) / 1000 : s.at;
    tableFull.recent = [...tableFull.recent, ...s.kernelEvents].slice(-20);
  }
  const ct = s.conntrack.status === 'ok' && s.conntrack.data.max > 0 ? (100 * s.conntrack.data.count) / s.conntrack.data.max : undefined;
  const rx = sums ? sums.rxBps : Object.values(rates.ifaces).reduce((a, r) => a + r.rxBps, 0);
  const history = {
    conntrackPct: ct === undefined ? node.history.conntrackPct : push(node.history.conntrackPct, ct),
    drops: push(node.history.drops, (rates.conntrackDropsPerSec ?? 0) + (sums ? sums.dropsPerSec : Object.values(rates.ifaces).reduce((a, r) => a + r.dropsPerSec, 0))),
    rxBps: push(node.history.rxBps, rx),
  };
  const status: NodeStatus = node.status.kind === 'live' ? node.status : { kind: 'live', since: now };
  const link = outcome.rttMs !== undefined ? { rttMs: outcome.rttMs, slow: isSlowLink(outcome.rttMs, intervalMs) } : node.link;
  return { ...node, sample: s, model, rates, history, tableFull, firstUptime, status, link, samplesOk: node.samplesOk + 1 };
}

/** the last step of foldSample: the pod ↔ veth links and stray veths of the folded node (its pods: the API's, or its cgroups') */
export function withPodLinks(next: NodeState): NodeState {
  const cgroupPods = (next.model.podCgroups.value?.length ?? 0) > 0;
  if (!next.kube && !cgroupPods) return next;
  const kube = next.kube ?? { pods: [], status: { kind: 'off' as const }, links: [], strayVeths: [] };
  return { ...next, kube: { ...kube, ...linkPods({ ...next, kube }) } };
}

/** the new Services, and every node's service-rules problems with them */
function withServices(st: AppState, services: ClusterServices): Partial<AppState> {
  const nodes: Record<string, NodeState> = {};
  const rank = { crit: 0, warn: 1, info: 2 } as const;
  for (const [name, n] of Object.entries(st.nodes)) {
    // only the cluster-aware check changes: the node's own checks stay as evaluated
    const svc = serviceRulesCached(n, services);
    const had = n.problems.some((p) => p.code === 'service-rules');
    if (!had && !svc.length) nodes[name] = n;
    else nodes[name] = { ...n, problems: [...n.problems.filter((p) => p.code !== 'service-rules'), ...svc].sort((a, b) => rank[a.severity] - rank[b.severity]) };
  }
  return { services, nodes };
}

export function createAppStore(opts: { interval?: number; slowEvery?: number; readonly?: boolean; now?: () => number } = {}): Store {
  const now = opts.now ?? Date.now;
  const pool = poolPass();
  let markSeq = 0;
  return createStore<AppState & Actions>()((rawSet) => {
  // every update passes the pool diff: it needs all nodes, so it runs here, not in evaluate()
  const set = (u: Partial<AppState & Actions> | ((st: AppState & Actions) => Partial<AppState & Actions> | AppState & Actions)) =>
    rawSet((st) => pool(st, typeof u === 'function' ? u(st) : u));
  return {
    order: [],
    nodes: {},
    interval: opts.interval ?? 1,
    kube: { kind: 'off' },
    ticks: 0,
    startedAt: now(),
    readonly: opts.readonly ?? false,
    differences: [],
    marks: [],

    addMark: (note, by) => {
      const at = now();
      const who = by === undefined ? '' : cleanNote(by, MARK_BY_MAX);
      const mark: Mark = { at, note: cleanNote(note), ...(who ? { by: who } : {}), id: `${at.toString(36)}-${++markSeq}` };
      set((st) => ({ marks: st.marks.length >= MARKS_MAX ? [...st.marks.slice(st.marks.length - MARKS_MAX + 1), mark] : [...st.marks, mark] }));
      return mark;
    },

    addNode: (name, address) =>
      set((st) =>
        st.nodes[name]
          ? st
          : { order: [...st.order, name], nodes: { ...st.nodes, [name]: newNode(name, address, now(), st.interval * 1000, opts.slowEvery === undefined ? undefined : opts.slowEvery * 1000) } },
      ),
    removeNode: (name) =>
      set((st) => {
        if (!st.nodes[name]) return st;
        const nodes = { ...st.nodes };
        delete nodes[name];
        return { nodes, order: st.order.filter((n) => n !== name) };
      }),
    setStatus: (name, status) =>
      set((st) => {
        const n = st.nodes[name];
        if (!n) return st;
        // 'live' comes from samples, not from the transport: a ready transport is connecting
        // until the first sample arrives
        const keep = status.kind === 'connecting' && (n.status.kind === 'live' || n.status.kind === 'stale');
        if (keep) return st;
        // the status decides which checks can run (no pod checks on a node that is not live)
        const next = { ...n, status };
        return { nodes: { ...st.nodes, [name]: { ...next, problems: problemsOf(next, st.services) } } };
      }),
    applyTick: (outcomes) =>
      set((st) => {
        const t = now();
        const nodes = { ...st.nodes };
        for (const [name, o] of outcomes) {
          const n = nodes[name];
          if (n) nodes[name] = foldOutcome(n, o, t, st.interval * 1000, st.services);
        }
        return { nodes, ticks: st.ticks + 1 };
      }),
    setKube: (status) => set({ kube: status }),
    setServices: (services, endpoints) =>
      set((st) => withServices(st, { services, endpoints, status: st.services?.status ?? { kind: 'ok' } })),
    setServicesStatus: (status) =>
      set((st) => {
        const cur = st.services ?? { services: new Map(), endpoints: new Map(), status };
        if (cur.status.kind === status.kind && cur.status.message === status.message && st.services) return st;
        return withServices(st, { ...cur, status });
      }),
    setNodeInfo: (name, info) =>
      set((st) => {
        const n = st.nodes[name];
        if (!n) return st;
        const kube = n.kube ?? { pods: [], status: { kind: 'ok' as const }, links: [], strayVeths: [] };
        return { nodes: { ...st.nodes, [name]: { ...n, kube: { ...kube, node: info } } } };
      }),
    setPods: (name, pods, status) =>
      set((st) => {
        const n = st.nodes[name];
        if (!n) return st;
        const kube = { ...(n.kube ?? { links: [], strayVeths: [] }), pods, status };
        let next: NodeState = { ...n, kube };
        next = { ...next, kube: { ...kube, ...linkPods(next) } };
        return { nodes: { ...st.nodes, [name]: { ...next, problems: problemsOf(next, st.services) } } };
      }),
    setTraffic: (name, sample) =>
      set((st) => {
        const n = st.nodes[name];
        return n ? { nodes: { ...st.nodes, [name]: { ...n, traffic: sample } } } : st;
      }),
    setStale: (name, check) =>
      set((st) => {
        const n = st.nodes[name];
        if (!n) return st;
        const next = { ...n, stale: check };
        return { nodes: { ...st.nodes, [name]: { ...next, problems: evaluate(next) } } };
      }),
    setConnectedAddress: (name, address) =>
      set((st) => {
        const n = st.nodes[name];
        if (!n || n.connectedAddress === address) return st;
        const next = { ...n, connectedAddress: address };
        return { nodes: { ...st.nodes, [name]: { ...next, problems: problemsOf(next, st.services) } } };
      }),
    setNeedsRoot: (name, list) =>
      set((st) => {
        const n = st.nodes[name];
        if (!n) return st;
        const next = { ...n, needsRoot: list.length ? list : undefined };
        return { nodes: { ...st.nodes, [name]: { ...next, problems: problemsOf(next, st.services) } } };
      }),
    setPodPeers: (name, peers) =>
      set((st) => {
        const n = st.nodes[name];
        if (!n) return st;
        // only pods the node still has (its last pod cgroup list) keep their entry: with pods
        // coming and going all night the map would otherwise grow with every pod ever seen
        const onNode = new Set(n.model.podCgroups.value?.map((p) => p.uid));
        const kept = Object.fromEntries(Object.entries(n.podPeers).filter(([uid]) => onNode.has(uid)));
        let next: NodeState = { ...n, podPeers: { ...kept, ...peers } };
        if (next.kube) next = { ...next, kube: { ...next.kube, ...linkPods(next) } };
        return { nodes: { ...st.nodes, [name]: { ...next, problems: problemsOf(next, st.services) } } };
      }),
  };
  });
}

/* ---------- the pool outlier diff (outliers.ts), kept current by every update ---------- */

const NO_PROBLEMS: Problem[] = [];
const RANK = { crit: 0, warn: 1, info: 2 } as const;

interface FactCache {
  /** what the facts were taken from: they are taken again only when one of these changed */
  refs: unknown[];
  facts: ReadonlyMap<string, FactValue>;
  pool: string | null;
}

const refsOf = (n: NodeState): unknown[] => [
  n.status.kind,
  n.kube?.node?.pool,
  n.connectedAddress,
  n.model.facts,
  n.model.interfaces,
  n.model.routes4,
  n.model.routes6,
  n.model.conntrack,
  n.model.iptables,
  n.model.agents,
];

function sameFacts(a: ReadonlyMap<string, FactValue>, b: ReadonlyMap<string, FactValue>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

const sameProblems = (a: readonly Problem[], b: readonly Problem[]) => a.length === b.length && JSON.stringify(a) === JSON.stringify(b);

/**
 * The store's pool pass: after an update, the facts of each node whose collectors changed are
 * taken again (nodeFacts); the diff runs again only when some node's facts (or the node list)
 * really changed; each node's problems are its own (evaluate) plus its pool-outlier problems.
 * The interfaces and conntrack collectors change every tick, but their facts (MTU, hairpin,
 * nf_conntrack_max) rarely: the diff itself then does not run.
 */
function poolPass() {
  const cache = new Map<string, FactCache>();
  let lastOrder: readonly string[] | undefined;
  let byNode = new Map<string, Problem[]>();
  let differences: Difference[] = [];
  /** per node: the problems array the pass wrote and the pool problems it holds */
  const produced = new Map<string, { problems: Problem[]; want: Problem[] }>();
  return (prev: AppState, part: Partial<AppState>): Partial<AppState> => {
    if (!part.nodes && !part.order) return part;
    const order = part.order ?? prev.order;
    const nodes = part.nodes ?? prev.nodes;
    let dirty = order !== lastOrder;
    lastOrder = order;
    for (const name of order) {
      const n = nodes[name];
      if (!n) continue;
      const refs = refsOf(n);
      const c = cache.get(name);
      if (c && c.refs.every((r, i) => r === refs[i])) continue;
      const facts = nodeFacts(n);
      const pool = poolOf(n);
      if (c && c.pool === pool && sameFacts(c.facts, facts)) {
        c.refs = refs;
        continue;
      }
      cache.set(name, { refs, facts, pool });
      dirty = true;
    }
    let changed = false;
    if (dirty) {
      for (const k of cache.keys()) if (!nodes[k]) cache.delete(k);
      for (const k of produced.keys()) if (!nodes[k]) produced.delete(k);
      const d = diffFacts(order.flatMap((name) => (nodes[name] && cache.has(name) ? [{ name, pool: cache.get(name)!.pool, facts: cache.get(name)!.facts }] : [])));
      const before = byNode;
      byNode = d.problems;
      // a node whose pool problems are the same keeps the same array (its row does not change)
      for (const [k, v] of byNode) {
        const old = before.get(k);
        if (old && sameProblems(old, v)) byNode.set(k, old);
      }
      if (JSON.stringify(d.differences) !== JSON.stringify(differences)) {
        differences = d.differences;
        changed = true;
      }
    }
    // each node: its own problems plus its pool problems, when either changed
    let out: Record<string, NodeState> | undefined;
    for (const name of order) {
      const n = nodes[name];
      if (!n) continue;
      const want = byNode.get(name) ?? NO_PROBLEMS;
      const p = produced.get(name);
      if (p && p.problems === n.problems && p.want === want) continue;
      const own = n.problems.filter((x) => x.code !== 'pool-outlier');
      if (want.length === 0 && own.length === n.problems.length) {
        produced.set(name, { problems: n.problems, want });
        continue;
      }
      const problems = want.length ? [...own, ...want].sort((a, b) => RANK[a.severity] - RANK[b.severity]) : own;
      produced.set(name, { problems, want });
      out ??= { ...nodes };
      out[name] = { ...n, problems };
    }
    if (!out && !changed) return part;
    return { ...part, ...(out ? { nodes: out } : {}), ...(changed ? { differences } : {}) };
  };
}
