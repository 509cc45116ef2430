/**
 * The pool outlier diff: over the nodes of one pool (NodeInfo.pool; without the API or without
 * pool labels, the nodes shown form one group), every fact most nodes agree on and a few do not.
 * Facts come from the node model's selectors (model.ts, topology.ts), never the raw sample:
 *   sysctl:KEY          each sysctl the facts collector read (but the ones below)
 *   kernel, os          facts.kernel (osrelease), facts.os
 *   mtu:primary         the primary interface's MTU (topology.ts primaryInterface)
 *   hairpin             hairpin_mode of the bridges' veth ports: on / off / mixed
 *   conntrack-max       nf_conntrack_max (the conntrack collector)
 *   iptables-backend    the backend `iptables` uses (iptables -V)
 *   kube-svc-chains, kube-sep-chains, nat-rules   counts in the nat table of that backend (numeric)
 *   agents              the set of node agent processes running
 * A fact counts only on a live node whose collector's last read was ok: a node without it is
 * neither counted nor flagged. Exact facts: a value held by at least 2/3 of the nodes that have the
 * fact (at least 3 of them) is the majority; every node with another value is an outlier.
 * Numeric facts (rule counts, which move as Services come and go): the median, the nodes within
 * 10% of it agree; when they are at least 2/3, a node outside that band is an outlier (far fewer
 * KUBE-SVC-* chains than its peers: stale rules). Pure; cheap enough for every tick of 500 nodes
 * (bench/outliers.mjs).
 */
import type { IptablesState, IptRuleset } from '../sources/types.js';
import { isLive, type Collector, type CollectorName, type NodeModel } from './model.js';
import { primaryInterface, type TopologyNode } from './topology.js';
import type { NodeStatus, Problem } from './types.js';

export type FactValue = string | number;

/** what the diff reads of a node */
export interface PoolNode extends TopologyNode {
  name: string;
  model: NodeModel;
  status: NodeStatus | { kind: string };
  kube?: { node?: { address?: string; pool?: string } };
}

/** one fact the pool disagrees on */
export interface Difference {
  /** the pool, or null: the nodes without a pool label (all nodes shown when none has one) */
  pool: string | null;
  /** the fact id, e.g. sysctl:net.ipv4.ip_forward, mtu:primary, kube-svc-chains */
  fact: string;
  /** what the fact is, for people */
  label: string;
  /** rule counts: majority.value is the median, count the nodes within 10% of it */
  numeric: boolean;
  majority: { value: FactValue; count: number };
  outliers: { node: string; value: FactValue }[];
  /** nodes of the group that have the fact */
  nodes: number;
}

export interface PoolDiff {
  differences: Difference[];
  /** node name -> its pool-outlier problems */
  problems: Map<string, Problem[]>;
}

/** sysctls that are another fact already (or per node by nature) */
const SKIP_SYSCTL = new Set(['net.netfilter.nf_conntrack_max', 'kernel.hostname', 'kernel.osrelease']);

const NUMERIC = new Set(['kube-svc-chains', 'kube-sep-chains', 'nat-rules']);

/** the band a count agrees within, as a fraction of the median */
export const NUMERIC_BAND = 0.1;

const LABELS: Record<string, string> = {
  kernel: 'kernel',
  os: 'OS',
  'mtu:primary': 'primary NIC MTU',
  hairpin: 'hairpin mode of bridge ports',
  'conntrack-max': 'nf_conntrack_max',
  'iptables-backend': 'iptables backend',
  'kube-svc-chains': 'KUBE-SVC-* chains',
  'kube-sep-chains': 'KUBE-SEP-* chains',
  'nat-rules': 'nat rules',
  agents: 'node agents',
};

export function factLabel(fact: string): string {
  if (fact.startsWith('sysctl:')) {
    const key = fact.slice(7);
    // the last part names it well enough when it is specific (ip_forward); else the whole key
    const last = key.slice(key.lastIndexOf('.') + 1);
    return last.length >= 6 ? last : key;
  }
  return LABELS[fact] ?? fact;
}

export const isNumericFact = (fact: string) => NUMERIC.has(fact);

function ok<T>(n: PoolNode, c: CollectorName): T | undefined {
  const col = n.model[c] as Collector<unknown>;
  return col.status === 'ok' ? (col.value as T | undefined) : undefined;
}

/** the rule set of the backend `iptables` uses; when -V did not say, the one backend that was read (or the one with more rules) */
export function usedRuleset(ipt: IptablesState): IptRuleset | undefined {
  const read = (b: 'legacy' | 'nft') => {
    const c = ipt.backends[b];
    return c?.status === 'ok' ? c.data : undefined;
  };
  if (ipt.mode) return read(ipt.mode);
  const l = read('legacy');
  const n = read('nft');
  if (l && n) return l.ruleCount >= n.ruleCount ? l : n;
  return l ?? n;
}

type Part = readonly (readonly [string, FactValue])[];

/**
 * The facts of one collector value, computed once per value: a collector's value is a new object
 * only when it was read again, and counting a nat table of 3,000 chains costs ~1 ms (bench).
 */
const PARTS = new WeakMap<object, Part>();
function part<T extends object>(v: T, f: (v: T) => Part): Part {
  let p = PARTS.get(v);
  if (!p) {
    p = f(v);
    PARTS.set(v, p);
  }
  return p;
}

function factsPart(facts: NonNullable<NodeModel['facts']['value']>): Part {
  const out: [string, FactValue][] = [];
  for (const k of Object.keys(facts.sysctl)) if (!SKIP_SYSCTL.has(k)) out.push([`sysctl:${k}`, facts.sysctl[k]!]);
  if (facts.kernel) out.push(['kernel', facts.kernel]);
  if (facts.os) out.push(['os', facts.os]);
  return out;
}

function iptablesPart(ipt: IptablesState): Part {
  const out: [string, FactValue][] = [];
  if (ipt.mode) out.push(['iptables-backend', ipt.mode]);
  const rs = usedRuleset(ipt);
  if (rs) {
    const nat = rs.tables['nat'] ?? {};
    let svc = 0;
    let sep = 0;
    let rules = 0;
    for (const name in nat) {
      if (name.startsWith('KUBE-SVC-')) svc++;
      else if (name.startsWith('KUBE-SEP-')) sep++;
      rules += nat[name]!.rules.length;
    }
    out.push(['kube-svc-chains', svc], ['kube-sep-chains', sep], ['nat-rules', rules]);
  }
  return out;
}

function agentsPart(agents: NonNullable<NodeModel['agents']['value']>): Part {
  return [['agents', agents.length ? [...new Set(agents.map((a) => a.name))].sort().join(', ') : 'none']];
}

/** the facts of one node, as fact id -> value; empty when the node is not live */
export function nodeFacts(n: PoolNode): Map<string, FactValue> {
  const out = new Map<string, FactValue>();
  if (!isLive(n)) return out;
  const add = (p: Part) => {
    for (const [k, v] of p) out.set(k, v);
  };
  const facts = ok<NonNullable<NodeModel['facts']['value']>>(n, 'facts');
  if (facts) add(part(facts, factsPart));
  const ifaces = ok<NonNullable<NodeModel['interfaces']['value']>>(n, 'interfaces');
  if (ifaces) {
    const p = primaryInterface(n);
    if (p && p.mtu > 0) out.set('mtu:primary', p.mtu);
    let on = 0;
    let off = 0;
    const bridges = new Set<string>();
    for (const i of ifaces) if (i.kind === 'bridge') bridges.add(i.name);
    for (const i of ifaces) {
      if (i.hairpin === undefined || !i.master || !bridges.has(i.master)) continue;
      if (i.hairpin) on++;
      else off++;
    }
    if (on + off > 0) out.set('hairpin', off === 0 ? 'on' : on === 0 ? 'off' : 'mixed');
  }
  const ct = ok<NonNullable<NodeModel['conntrack']['value']>>(n, 'conntrack');
  if (ct && ct.max > 0) out.set('conntrack-max', ct.max);
  const ipt = ok<IptablesState>(n, 'iptables');
  if (ipt) add(part(ipt, iptablesPart));
  const agents = ok<NonNullable<NodeModel['agents']['value']>>(n, 'agents');
  if (agents) add(part(agents, agentsPart));
  return out;
}

/** the node's pool, or null (no API, no pool label) */
export function poolOf(n: PoolNode): string | null {
  return n.kube?.node?.pool ?? null;
}

/** "ip_forward", as a message's subject */
function show(v: FactValue): string {
  return typeof v === 'number' ? String(v) : v === '' ? '(empty)' : v;
}

function groupText(pool: string | null, allUnlabelled: boolean): string {
  if (pool !== null) return `of ${pool}`;
  return allUnlabelled ? 'shown' : 'without a pool label';
}

function remedyOf(fact: string, majority: FactValue): string {
  if (fact.startsWith('sysctl:')) return `set it as the pool's other nodes have it (sysctl -w ${fact.slice(7)}=${show(majority)}), and find what changed it on this node`;
  if (fact === 'kube-svc-chains' || fact === 'kube-sep-chains' || fact === 'nat-rules') {
    return "kube-proxy's rules on this node differ from its peers' (stale or not synced): check kube-proxy on this node (its log, restart it)";
  }
  if (fact === 'agents') return "a node agent runs here that does not on its peers or the other way round: check the node's DaemonSet pods";
  if (fact === 'mtu:primary') return 'the NIC MTU differs from the pool: pods on this node may black-hole large packets; set it as on the other nodes';
  return 'this node is set up differently from its pool (image, node config, a manual change): compare it with a peer';
}

export interface FactsOf {
  name: string;
  pool: string | null;
  facts: ReadonlyMap<string, FactValue>;
}

/** the diff over nodes whose facts are already extracted (the store caches nodeFacts per node) */
export function diffFacts(nodes: readonly FactsOf[]): PoolDiff {
  const groups = new Map<string | null, FactsOf[]>();
  for (const n of nodes) {
    const g = groups.get(n.pool);
    if (g) g.push(n);
    else groups.set(n.pool, [n]);
  }
  const allUnlabelled = groups.size === 1 && groups.has(null);
  const differences: Difference[] = [];
  const problems = new Map<string, Problem[]>();
  for (const [pool, members] of groups) {
    if (members.length < 3) continue;
    // fact -> the nodes that have it, with their values
    const byFact = new Map<string, { node: string; value: FactValue }[]>();
    for (const m of members) {
      for (const [fact, value] of m.facts) {
        const l = byFact.get(fact);
        if (l) l.push({ node: m.name, value });
        else byFact.set(fact, [{ node: m.name, value }]);
      }
    }
    for (const [fact, have] of byFact) {
      if (have.length < 3) continue;
      const d = NUMERIC.has(fact) ? numericDiff(have) : exactDiff(have);
      if (!d) continue;
      const diff: Difference = { pool, fact, label: factLabel(fact), numeric: NUMERIC.has(fact), ...d, nodes: have.length };
      differences.push(diff);
      const where = groupText(pool, allUnlabelled);
      const others = have.length - 1;
      for (const o of diff.outliers) {
        const agree = d.majority.count === others ? `the other ${others} nodes ${where}` : `${d.majority.count} of the other ${others} nodes ${where}`;
        const maj = diff.numeric
          ? `${show(d.majority.value)} (median, within ${NUMERIC_BAND * 100}%) on ${agree}`
          : `${show(d.majority.value)} on ${agree}`;
        const p: Problem = {
          severity: 'warn',
          code: 'pool-outlier',
          subject: fact,
          message: `${diff.label} ${show(o.value)} on ${o.node}; ${maj}`,
          remedy: remedyOf(fact, d.majority.value),
        };
        const l = problems.get(o.node);
        if (l) l.push(p);
        else problems.set(o.node, [p]);
      }
    }
  }
  differences.sort((a, b) => (a.pool ?? '').localeCompare(b.pool ?? '') || a.fact.localeCompare(b.fact));
  return { differences, problems };
}

type Verdict = Pick<Difference, 'majority' | 'outliers'> | undefined;

/** a value held by ≥ 2/3 of the nodes that have the fact, and some that differ */
function exactDiff(have: { node: string; value: FactValue }[]): Verdict {
  const counts = new Map<FactValue, number>();
  for (const h of have) counts.set(h.value, (counts.get(h.value) ?? 0) + 1);
  if (counts.size < 2) return undefined;
  let best: FactValue | undefined;
  let bestN = 0;
  for (const [v, c] of counts) if (c > bestN) [best, bestN] = [v, c];
  if (3 * bestN < 2 * have.length) return undefined;
  return { majority: { value: best!, count: bestN }, outliers: have.filter((h) => h.value !== best) };
}

/** the median; the nodes within NUMERIC_BAND of it agree when they are ≥ 2/3; the rest are outliers */
function numericDiff(have: { node: string; value: FactValue }[]): Verdict {
  const vals = have.map((h) => Number(h.value)).sort((a, b) => a - b);
  const mid = vals.length >> 1;
  const median = vals.length % 2 ? vals[mid]! : (vals[mid - 1]! + vals[mid]!) / 2;
  const within = (v: number) => Math.abs(v - median) <= NUMERIC_BAND * median;
  const outliers = have.filter((h) => !within(Number(h.value)));
  const agree = have.length - outliers.length;
  if (!outliers.length || 3 * agree < 2 * have.length) return undefined;
  return { majority: { value: median, count: agree }, outliers };
}

/** the whole diff over nodes' states (tests, bench, one-off callers; the store caches the facts) */
export function poolDiff(nodes: readonly PoolNode[]): PoolDiff {
  return diffFacts(nodes.map((n) => ({ name: n.name, pool: poolOf(n), facts: nodeFacts(n) })));
}
