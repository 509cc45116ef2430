/**
 * The node model: what netwatch knows about a node, per collector. Sections of the sampler come at
 * different rates (sources/cadence.ts); each collector keeps its last good value with the time it
 * was taken and its expected period, and, apart from it, its current status (ok / nodata / error,
 * with when and why). A failed read never replaces a good value: it only changes the status.
 * Rules, UI and CLI read values through the selectors here (and topology.ts), never the raw
 * sample. Pure.
 */
import { EVERY } from '../sources/cadence.js';
import type {
  Collected,
  Conntrack,
  FdbEntry,
  Iface,
  Neighbour,
  NodeFacts,
  NodeSample,
  PodCgroup,
  Route,
  IptablesState,
  IpvsState,
  AgentProc,
  HairpinConn,
  TcpCounters,
  TcpStates,
} from '../sources/types.js';

export interface CollectorValues {
  conntrack: Conntrack;
  interfaces: Iface[];
  tcpCounters: TcpCounters;
  routes4: Route[];
  routes6: Route[];
  neighbours: Neighbour[];
  fdb: FdbEntry[];
  tcpStates: TcpStates;
  facts: NodeFacts;
  podCgroups: PodCgroup[];
  /** slow collectors: read every --slow-every seconds (SLOW_EVERY_MS by default) and on demand */
  iptables: IptablesState;
  ipvs: IpvsState;
  agents: AgentProc[];
  hairpin: HairpinConn[];
}

export type CollectorName = keyof CollectorValues;

/** the slow collectors' default period (--slow-every) */
export const SLOW_EVERY_MS = 60_000;

/** the stale-process check's background period per node (state/stale.ts; to be wired to --slow-every) */
export const STALE_EVERY_MS = SLOW_EVERY_MS;

/** the collectors read on time (--slow-every), not every N ticks */
export const SLOW_COLLECTORS = ['iptables', 'ipvs', 'agents', 'hairpin'] as const satisfies readonly CollectorName[];
export type SlowCollector = (typeof SLOW_COLLECTORS)[number];
export const isSlowCollector = (c: CollectorName): c is SlowCollector => (SLOW_COLLECTORS as readonly string[]).includes(c);

/** how many ticks apart each fast collector is read (slow collectors: 0, their period is time) */
export const COLLECTOR_EVERY: Record<CollectorName, number> = {
  conntrack: 1,
  interfaces: 1,
  tcpCounters: 1,
  routes4: EVERY.r,
  neighbours: EVERY.r,
  fdb: EVERY.r,
  tcpStates: EVERY.r,
  podCgroups: EVERY.r,
  routes6: EVERY.s,
  facts: EVERY.s,
  iptables: 0,
  ipvs: 0,
  agents: 0,
  hairpin: 0,
};

/** a collector's period in ms */
export function periodOf(c: CollectorName, intervalMs: number, slowMs = SLOW_EVERY_MS): number {
  return isSlowCollector(c) ? slowMs : COLLECTOR_EVERY[c] * intervalMs;
}

export const COLLECTORS = Object.keys(COLLECTOR_EVERY) as CollectorName[];

export type CollectorStatus = 'pending' | 'ok' | 'nodata' | 'error';

export interface Collector<T> {
  /** the last good value */
  value?: T;
  /** local time (ms) the last good value was taken */
  at?: number;
  /** how often it is read, ms */
  periodMs: number;
  /** the last read: ok, nodata (the source does not exist there), error; pending before any */
  status: CollectorStatus;
  /** local time of the last read */
  statusAt?: number;
  /** why there is no data, or the error */
  text?: string;
}

export type NodeModel = { [K in CollectorName]: Collector<CollectorValues[K]> };

/** a value counts as stale past this many periods (plus one tick of slack) */
export const STALE_PERIODS = 2;

export function emptyModel(intervalMs = 1000, slowMs = SLOW_EVERY_MS): NodeModel {
  const m = {} as Record<CollectorName, Collector<unknown>>;
  for (const c of COLLECTORS) m[c] = { periodMs: periodOf(c, intervalMs, slowMs), status: 'pending' };
  return m as NodeModel;
}

function sectionOf(s: NodeSample, c: CollectorName): Collected<unknown> | undefined {
  switch (c) {
    case 'tcpStates':
      return s.tcp;
    default:
      return s[c];
  }
}

function foldOne<T>(prev: Collector<T>, got: Collected<T>, at: number, periodMs: number): Collector<T> {
  if (got.status === 'ok') return { value: got.data, at, periodMs, status: 'ok', statusAt: at };
  // nodata is a fact about the node (no conntrack module, no bridge): there is no value to keep.
  // An error is a failed read: the last good value stays, with its age.
  if (got.status === 'nodata') return { periodMs, status: 'nodata', statusAt: at, text: got.reason };
  return { ...prev, periodMs, status: 'error', statusAt: at, text: got.error };
}

/** folds one sample in: collectors the sample did not read keep what they had. */
export function foldModel(m: NodeModel, s: NodeSample, intervalMs: number): NodeModel {
  const next = { ...m } as Record<CollectorName, Collector<unknown>>;
  for (const c of COLLECTORS) {
    const got = sectionOf(s, c);
    // a slow collector keeps the period it was given (emptyModel); a fast one follows the interval
    if (got) next[c] = foldOne(m[c] as Collector<unknown>, got, s.at, isSlowCollector(c) ? m[c].periodMs : COLLECTOR_EVERY[c] * intervalMs);
  }
  return next as NodeModel;
}

/** the model with the given values, all taken at `at` (tests, fixtures) */
export function modelWith(values: Partial<CollectorValues>, at: number, intervalMs = 1000): NodeModel {
  const m = emptyModel(intervalMs);
  for (const c of Object.keys(values) as CollectorName[]) {
    if (values[c] === undefined) continue;
    (m[c] as Collector<unknown>) = { value: values[c], at, periodMs: periodOf(c, intervalMs), status: 'ok', statusAt: at };
  }
  return m;
}

/* ---------- selectors ---------- */

interface HasModel {
  model: NodeModel;
  status: { kind: string };
}

/** the last good value of a collector */
export function valueOf<K extends CollectorName>(n: { model: NodeModel }, c: K): CollectorValues[K] | undefined {
  return n.model[c].value as CollectorValues[K] | undefined;
}

export function interfacesOf(n: { model: NodeModel }): Iface[] {
  return n.model.interfaces.value ?? [];
}

/** IPv4 and IPv6 routes, each its collector's last good value */
export function routesOf(n: { model: NodeModel }): Route[] {
  const a = n.model.routes4.value ?? [];
  const b = n.model.routes6.value ?? [];
  return b.length ? (a.length ? [...a, ...b] : b) : a;
}

export function isLive(n: { status: { kind: string } }): boolean {
  return n.status.kind === 'live';
}

export function ageOf(n: { model: NodeModel }, c: CollectorName, now: number): number | undefined {
  const at = n.model[c].at;
  return at === undefined ? undefined : Math.max(0, now - at);
}

/** older than its period allows (×STALE_PERIODS, plus a second of slack) */
export function isStale(col: Collector<unknown>, now: number): boolean {
  return col.at !== undefined && now - col.at > STALE_PERIODS * col.periodMs + 1000;
}

/**
 * How old a collector's value is when it must be drawn as old (dim, with its age): the node is
 * not live, or the value is older than its period allows. undefined when it is current (or there
 * is no value).
 */
export function oldAge(n: HasModel, c: CollectorName, now: number): number | undefined {
  const col = n.model[c] as Collector<unknown>;
  if (col.at === undefined) return undefined;
  if (!isLive(n) || isStale(col, now)) return Math.max(0, now - col.at);
  return undefined;
}

export interface CollectorReport {
  status: CollectorStatus;
  /** age of the last good value, ms */
  ageMs?: number;
  stale?: boolean;
  /** the error or the reason for no data */
  error?: string;
  /** when the status was set */
  statusAgeMs?: number;
}

export function collectorReport(n: HasModel, c: CollectorName, now: number): CollectorReport {
  const col = n.model[c] as Collector<unknown>;
  const r: CollectorReport = { status: col.status };
  if (col.at !== undefined) r.ageMs = Math.max(0, now - col.at);
  if (isStale(col, now)) r.stale = true;
  if (col.text !== undefined) r.error = col.text;
  if (col.status !== 'ok' && col.statusAt !== undefined) r.statusAgeMs = Math.max(0, now - col.statusAt);
  return r;
}

export function collectorsReport(n: HasModel, now: number): Record<CollectorName, CollectorReport> {
  const out = {} as Record<CollectorName, CollectorReport>;
  for (const c of COLLECTORS) out[c] = collectorReport(n, c, now);
  return out;
}

/** collectors whose last read failed, with the error and when */
export function collectorErrors(n: { model: NodeModel }): { name: CollectorName; error: string; at?: number }[] {
  const out: { name: CollectorName; error: string; at?: number }[] = [];
  for (const c of COLLECTORS) {
    const col = n.model[c] as Collector<unknown>;
    if (col.status === 'error') out.push({ name: c, error: col.text ?? 'error', at: col.statusAt });
  }
  return out;
}
