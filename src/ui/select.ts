/**
 * Pure selectors from store state to what the screens show. No React, no terminal: tested on
 * plain NodeState objects.
 */
import type { Iface, PodInfo } from '../sources/types.js';
import type { IfaceRates, KubeStatus, NodeState, NodeStatus, PodLink, Problem, Severity } from '../state/types.js';
import { interfacesOf as modelInterfaces, isLive } from '../state/model.js';
import { primaryInterface } from '../state/topology.js';
import { CATALOGUE, type Verdict } from '../state/catalogue.js';
import { verdicts } from '../state/rules.js';
import { fmtAge, oneLine } from './format.js';

export const SEVERITY_RANK: Record<Severity, number> = { crit: 0, warn: 1, info: 2 };

/** the most severe problem; the first of equals (rules list them in their order of importance) */
export function worstProblem(problems: readonly Problem[]): Problem | undefined {
  let best: Problem | undefined;
  for (const p of problems) if (!best || SEVERITY_RANK[p.severity] < SEVERITY_RANK[best.severity]) best = p;
  return best;
}

export function sortProblems(problems: readonly Problem[]): Problem[] {
  return problems
    .map((p, i) => [p, i] as const)
    .sort((a, b) => SEVERITY_RANK[a[0].severity] - SEVERITY_RANK[b[0].severity] || a[1] - b[1])
    .map(([p]) => p);
}

/** the node's interfaces: the node model's last good list */
export function interfacesOf(node: NodeState): Iface[] {
  return modelInterfaces(node);
}

/** the node's primary NIC: the node model's one selector (state/topology.ts) */
export function primaryIface(node: NodeState): string | undefined {
  return primaryInterface(node)?.name;
}

const KIND_RANK: Partial<Record<Iface['kind'], number>> = {
  device: 1,
  bond: 1,
  vlan: 1,
  bridge: 2,
  vxlan: 3,
  geneve: 3,
  wireguard: 3,
  tun: 3,
  ipvlan: 3,
  macvlan: 3,
  dummy: 3,
  other: 3,
  veth: 4,
  loopback: 5,
};

/** primary NIC, other devices, bridges, overlays, then veths (by bridge, then name), loopback last */
export function sortIfaces(ifaces: readonly Iface[], primary: string | undefined): Iface[] {
  const rank = (i: Iface) => (i.name === primary ? 0 : (KIND_RANK[i.kind] ?? 3));
  return ifaces
    .slice()
    .sort((a, b) => rank(a) - rank(b) || (a.master ?? '').localeCompare(b.master ?? '') || a.name.localeCompare(b.name, 'en', { numeric: true }));
}

export interface ConntrackUse {
  count: number;
  max: number;
  pct: number;
}

export function conntrackOf(node: NodeState): ConntrackUse | undefined {
  const ct = node.model.conntrack.value;
  if (!ct || ct.max <= 0) return undefined;
  return { count: ct.count, max: ct.max, pct: (100 * ct.count) / ct.max };
}

/** node traffic: the primary NIC's rates, else the sum over physical devices */
export function nodeTraffic(node: NodeState): { rx: number; tx: number } | undefined {
  const primary = primaryIface(node);
  const r = primary ? node.rates.ifaces[primary] : undefined;
  if (r) return { rx: r.rxBps, tx: r.txBps };
  const devs = interfacesOf(node).filter((i) => i.kind === 'device');
  const rates = devs.map((i) => node.rates.ifaces[i.name]).filter((x): x is IfaceRates => !!x);
  if (rates.length === 0) return undefined;
  return { rx: rates.reduce((a, x) => a + x.rxBps, 0), tx: rates.reduce((a, x) => a + x.txBps, 0) };
}

/** interface drops + conntrack drops per second, as of the last sample */
export function nodeDrops(node: NodeState): number | undefined {
  if (!node.sample || Object.keys(node.rates.ifaces).length === 0) return undefined;
  const ifaceDrops = Object.values(node.rates.ifaces).reduce((a, r) => a + r.dropsPerSec, 0);
  return ifaceDrops + (node.rates.conntrackDropsPerSec ?? 0);
}

export type Tone = 'ok' | 'warn' | 'bad' | 'dim' | 'accent';

/** "live", "stale 12s", "reconnecting in 4s (attempt 3)", "failed: reason", "connecting" */
export function statusLabel(status: NodeStatus, now: number, short = false): { text: string; tone: Tone } {
  switch (status.kind) {
    case 'connecting':
      return { text: 'connecting', tone: 'dim' };
    case 'live':
      return { text: 'live', tone: 'ok' };
    case 'stale':
      return { text: `stale ${fmtAge(status.ageMs)}`, tone: 'warn' };
    case 'reconnecting': {
      const wait = fmtAge(Math.max(0, status.nextAttemptAt - now));
      return { text: short ? `retry ${wait} #${status.attempt}` : `reconnecting in ${wait} (attempt ${status.attempt})`, tone: 'warn' };
    }
    case 'failed':
      return { text: `failed: ${oneLine(status.reason)}`, tone: 'bad' };
  }
}

export function podName(p: Pick<PodInfo, 'namespace' | 'name'>): string {
  return `${p.namespace}/${p.name}`;
}

/** problems about one of the subjects (an interface name, a pod as ns/name or name, or its uid) */
export function problemsAbout(problems: readonly Problem[], subjects: readonly (string | undefined)[]): Problem[] {
  const set = new Set(subjects.filter((s): s is string => !!s));
  return problems.filter((p) => p.subject !== undefined && set.has(p.subject));
}

export interface PodRow {
  key: string;
  /** absent for a veth without a pod */
  pod?: PodInfo;
  iface?: Iface;
  method?: PodLink['method'];
  rates?: IfaceRates;
  problems: Problem[];
  /** why no veth was mapped (from the pod links) */
  reason?: string;
  /** the node is not live: what the row shows is its last known state, its pods are unknown */
  unknown?: string;
}

/**
 * The node's pod list failed (403, API unreachable, an error): what is known of its pods is an old
 * list, and the reason says why ("pods forbidden: cannot list pods"). Undefined while the list is current.
 */
export function podsProblem(node: NodeState): { kind: KubeStatus['kind']; text: string } | undefined {
  const st = node.kube?.status;
  if (!st || st.kind === 'ok' || st.kind === 'off') return undefined;
  const msg = st.message ? oneLine(st.message) : '';
  // the message usually starts with its kind ("forbidden: cannot list pods")
  return { kind: st.kind, text: `pods ${msg.startsWith(st.kind) ? msg : msg ? `${st.kind}: ${msg}` : st.kind}` };
}

/** one row per pod (by namespace/name), with its veth as it is now, then veths without a pod */
export function podRows(node: NodeState): PodRow[] {
  const kube = node.kube;
  if (!kube) return [];
  const current = new Map(interfacesOf(node).map((i) => [i.name, i]));
  const listFailed = podsProblem(node);
  const unknown = !isLive(node) ? `unknown: node ${node.status.kind}` : listFailed ? `unknown: pods ${listFailed.kind}` : undefined;
  const links = new Map(kube.links.map((l) => [l.pod.uid, l]));
  const pods = new Map(kube.pods.map((p) => [p.uid, p]));
  for (const l of kube.links) if (!pods.has(l.pod.uid)) pods.set(l.pod.uid, l.pod);
  const rows: PodRow[] = [...pods.values()]
    .sort((a, b) => podName(a).localeCompare(podName(b), 'en', { numeric: true }))
    .map((pod) => {
      const link = links.get(pod.uid);
      const iface = link?.iface ? (current.get(link.iface.name) ?? link.iface) : undefined;
      return {
        key: pod.uid,
        pod,
        iface,
        method: link?.method,
        rates: iface ? node.rates.ifaces[iface.name] : undefined,
        problems: problemsAbout(node.problems, [podName(pod), pod.name, pod.uid, iface?.name]),
        ...(link?.reason ? { reason: link.reason } : {}),
        ...(unknown ? { unknown } : {}),
      };
    });
  for (const v of kube.strayVeths) {
    const iface = current.get(v.name) ?? v;
    rows.push({ key: `veth:${v.name}`, iface, rates: node.rates.ifaces[v.name], problems: problemsAbout(node.problems, [v.name]) });
  }
  return rows;
}

/** pods on the node: from the API, plus those known only from their cgroups (linked by UID) */
export function podCount(node: NodeState): number | undefined {
  const k = node.kube;
  if (!k) return undefined;
  const uids = new Set(k.pods.map((p) => p.uid));
  for (const l of k.links) uids.add(l.pod.uid);
  return uids.size;
}

/** interface name → pod on the other end, from the node's pod links */
export function podByIface(node: NodeState): Map<string, PodInfo> {
  const m = new Map<string, PodInfo>();
  for (const l of node.kube?.links ?? []) if (l.iface) m.set(l.iface.name, l.pod);
  return m;
}

/** what `/` matches a node row against */
export function nodeFilterText(node: NodeState, now: number): string {
  const worst = worstProblem(node.problems);
  return [node.name, node.address, statusLabel(node.status, now).text, worst?.code, worst?.message].filter(Boolean).join(' ');
}

export function ifaceFilterText(i: Iface, pod?: PodInfo): string {
  return [i.name, i.kind, i.master, i.operstate, pod && podName(pod)].filter(Boolean).join(' ');
}

export function podFilterText(r: PodRow): string {
  return [r.pod && podName(r.pod), r.pod?.podIPs.join(' '), r.iface?.name, r.pod?.phase, ...r.problems.map((p) => p.code)]
    .filter(Boolean)
    .join(' ');
}

export function problemFilterText(p: Problem): string {
  return [p.severity, p.code, p.subject, p.message].filter(Boolean).join(' ');
}

/** one row of the checks pane: a flagged problem, or a check's verdict when it did not flag */
export interface CheckRow {
  key: string;
  id: string;
  title: string;
  verdict: Verdict;
  problem?: Problem;
  /** n/a and cannot-tell: why */
  reason?: string;
}

const VERDICT_RANK: Record<Verdict, number> = { flagged: 0, 'cannot-tell': 1, 'n/a': 2, ok: 3 };
const TITLES = new Map(CATALOGUE.map((c) => [c.id, c.title]));

/** every check of the node: its problems worst first, then what cannot tell, what does not apply, what is ok */
export function checkRows(node: NodeState): CheckRow[] {
  const flagged: CheckRow[] = sortProblems(node.problems).map((p) => ({
    key: `${p.code}:${p.subject ?? ''}:${p.message}`,
    id: p.code,
    title: TITLES.get(p.code) ?? p.code,
    verdict: 'flagged',
    problem: p,
  }));
  const rest: CheckRow[] = verdicts(node)
    .filter((v) => v.verdict !== 'flagged')
    .map((v, i) => ({ v, i }))
    .sort((a, b) => VERDICT_RANK[a.v.verdict] - VERDICT_RANK[b.v.verdict] || a.i - b.i)
    .map(({ v }) => ({ key: `check:${v.id}`, id: v.id, title: TITLES.get(v.id) ?? v.id, verdict: v.verdict, ...(v.reason ? { reason: v.reason } : {}) }));
  return [...flagged, ...rest];
}

export function checkFilterText(r: CheckRow): string {
  return [r.verdict, r.id, r.title, r.problem ? problemFilterText(r.problem) : r.reason].filter(Boolean).join(' ');
}
