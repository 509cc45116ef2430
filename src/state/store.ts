/**
 * The one store: a zustand vanilla store the sources write into (one batched update per tick)
 * and the UI reads through selectors. createAppStore() gives each test a fresh one.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { SampleOutcome } from '../sources/sampler.js';
import type { NeedsRoot } from '../sources/transport/privileges.js';
import type { TrafficSample } from '../sources/capture/sampler.js';
import type { NodeInfo, PodInfo } from '../sources/types.js';
import { computeRates } from './rates.js';
import { evaluate } from './rules.js';
import type { AppState, KubeStatus, NodeState, NodeStatus } from './types.js';
import { emptyModel, foldModel } from './model.js';
import { linkPods } from './podlinks.js';
import { isSlowLink, sec, slowLinkText } from './link.js';
import type { PodPeer } from './topology.js';

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

/** folds one outcome into a node; pure */
export function foldOutcome(node: NodeState, outcome: SampleOutcome, now: number, intervalMs = 1000): NodeState {
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
  const s = outcome.sample;
  const prev = node.sample;
  const rates = computeRates(prev, s);
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
  const rx = Object.values(rates.ifaces).reduce((a, r) => a + r.rxBps, 0);
  const history = {
    conntrackPct: ct === undefined ? node.history.conntrackPct : push(node.history.conntrackPct, ct),
    drops: push(node.history.drops, (rates.conntrackDropsPerSec ?? 0) + Object.values(rates.ifaces).reduce((a, r) => a + r.dropsPerSec, 0)),
    rxBps: push(node.history.rxBps, rx),
  };
  const status: NodeStatus = node.status.kind === 'live' ? node.status : { kind: 'live', since: now };
  const link = outcome.rttMs !== undefined ? { rttMs: outcome.rttMs, slow: isSlowLink(outcome.rttMs, intervalMs) } : node.link;
  let next: NodeState = { ...node, sample: s, model, rates, history, tableFull, firstUptime, status, link, samplesOk: node.samplesOk + 1 };
  const cgroupPods = (model.podCgroups.value?.length ?? 0) > 0;
  if (next.kube || cgroupPods) {
    const kube = next.kube ?? { pods: [], status: { kind: 'off' as const }, links: [], strayVeths: [] };
    next = { ...next, kube: { ...kube, ...linkPods({ ...next, kube }) } };
  }
  return { ...next, problems: evaluate(next) };
}

export function createAppStore(opts: { interval?: number; slowEvery?: number; readonly?: boolean; now?: () => number } = {}): Store {
  const now = opts.now ?? Date.now;
  return createStore<AppState & Actions>()((set) => ({
    order: [],
    nodes: {},
    interval: opts.interval ?? 1,
    kube: { kind: 'off' },
    ticks: 0,
    startedAt: now(),
    readonly: opts.readonly ?? false,

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
        return { nodes: { ...st.nodes, [name]: { ...next, problems: evaluate(next) } } };
      }),
    applyTick: (outcomes) =>
      set((st) => {
        const t = now();
        const nodes = { ...st.nodes };
        for (const [name, o] of outcomes) {
          const n = nodes[name];
          if (n) nodes[name] = foldOutcome(n, o, t, st.interval * 1000);
        }
        return { nodes, ticks: st.ticks + 1 };
      }),
    setKube: (status) => set({ kube: status }),
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
        return { nodes: { ...st.nodes, [name]: { ...next, problems: evaluate(next) } } };
      }),
    setTraffic: (name, sample) =>
      set((st) => {
        const n = st.nodes[name];
        return n ? { nodes: { ...st.nodes, [name]: { ...n, traffic: sample } } } : st;
      }),
    setConnectedAddress: (name, address) =>
      set((st) => {
        const n = st.nodes[name];
        if (!n || n.connectedAddress === address) return st;
        const next = { ...n, connectedAddress: address };
        return { nodes: { ...st.nodes, [name]: { ...next, problems: evaluate(next) } } };
      }),
    setNeedsRoot: (name, list) =>
      set((st) => {
        const n = st.nodes[name];
        if (!n) return st;
        const next = { ...n, needsRoot: list.length ? list : undefined };
        return { nodes: { ...st.nodes, [name]: { ...next, problems: evaluate(next) } } };
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
        return { nodes: { ...st.nodes, [name]: { ...next, problems: evaluate(next) } } };
      }),
  }));
}
