/** --once output: JSON for scripts and incident channels, or a short text table. Pure. */
import { collectorErrors, collectorsReport, routesOf, type CollectorName } from '../state/model.js';
import { verdicts } from '../state/rules.js';
import { nodeAddresses, primaryChoice } from '../state/topology.js';
import type { AppState, Collected, NodeState } from '../state/types.js';
import { oneLine } from '../ui/format.js';

/** a collector's last good value in the report's old Collected shape (its status is in `collectors`) */
function last<K extends CollectorName>(n: NodeState, c: K): Collected<NonNullable<NodeState['model'][K]['value']>> | undefined {
  const col = n.model[c];
  if (col.value !== undefined) return { status: 'ok', data: col.value as NonNullable<NodeState['model'][K]['value']> };
  if (col.status === 'nodata') return { status: 'nodata', reason: col.text ?? '' };
  if (col.status === 'error') return { status: 'error', error: col.text ?? '' };
  return undefined;
}

export function nodeReport(n: NodeState, now = Date.now()) {
  const s = n.sample;
  const primary = primaryChoice(n);
  const routes = n.model.routes4.value !== undefined || n.model.routes6.value !== undefined ? { status: 'ok' as const, data: routesOf(n) } : last(n, 'routes4');
  return {
    node: n.name,
    address: n.address,
    status: n.status.kind,
    error: n.status.kind === 'failed' || n.status.kind === 'reconnecting' ? n.status.reason : s ? undefined : n.lastError,
    sampledAt: s ? new Date(s.at).toISOString() : undefined,
    latencyMs: s ? Math.round(s.latencyMs * 10) / 10 : undefined,
    primaryInterface: primary ? { name: primary.iface.name, via: primary.via } : undefined,
    /** the node's own IPv4 addresses by device (from its kernel routes) */
    addresses: nodeAddresses(n),
    /** per collector: status (ok, nodata, error, pending), age of its last good value, error */
    collectors: collectorsReport(n, now),
    conntrack: last(n, 'conntrack'),
    interfaces: last(n, 'interfaces'),
    tcpCounters: last(n, 'tcpCounters'),
    tcpStates: last(n, 'tcpStates'),
    routes,
    neighbours: last(n, 'neighbours'),
    fdb: last(n, 'fdb'),
    facts: last(n, 'facts'),
    iptables: last(n, 'iptables'),
    ipvs: last(n, 'ipvs'),
    agents: last(n, 'agents'),
    hairpin: last(n, 'hairpin'),
    kernelTableFull: n.tableFull,
    pods: n.kube
      ? {
          status: n.kube.status,
          items: n.kube.links.map((l) => ({
            namespace: l.pod.namespace,
            name: l.pod.name,
            uid: l.pod.uid,
            ips: l.pod.podIPs,
            phase: l.pod.phase,
            veth: l.iface?.name,
            mtu: l.iface?.mtu,
            state: l.iface?.operstate,
            method: l.method,
            ...(l.reason ? { unmapped: l.reason } : {}),
          })),
          strayVeths: n.kube.strayVeths.map((v) => v.name),
        }
      : undefined,
    /** rates between the last two samples (--once --window): absent with one sample */
    rates: n.samplesOk >= 2 ? n.rates : undefined,
    /** the stale-process check (with the API): ok with what it found, or cannot-tell and why */
    stale: n.stale,
    problems: n.problems,
    /** every check of the catalogue on this node: ok, flagged, n/a or cannot-tell (with why) */
    checks: verdicts(n).map((v) => ({ id: v.id, verdict: v.verdict, ...(v.reason !== undefined && v.verdict !== 'ok' ? { reason: v.reason } : {}) })),
  };
}

// code points JSON.stringify leaves raw that a terminal acts on or reorders (DEL, C1, bidi,
// separators, other format characters); only ever inside JSON strings, where \uXXXX means the same
const JSON_UNSAFE = /[\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

/** JSON.stringify, with the code points above written as \uXXXX too: the same JSON when parsed, safe to print */
export function safeJson(v: unknown, space?: number): string {
  return JSON.stringify(v, null, space).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function jsonReport(st: AppState, extra: Record<string, unknown> = {}, now = Date.now()): string {
  return safeJson(
    {
      version: 1,
      takenAt: new Date(now).toISOString(),
      kube: st.kube,
      nodes: st.order.map((name) => ({ ...nodeReport(st.nodes[name]!, now), ...(extra[name] ? { processes: extra[name] } : {}) })),
      differences: differencesReport(st),
    },
    2,
  );
}

/** the pool outlier diff (state/outliers.ts): per pool and fact, the majority and the nodes that differ */
export function differencesReport(st: Pick<AppState, 'differences'>) {
  return (st.differences ?? []).map((d) => ({
    pool: d.pool,
    fact: d.fact,
    label: d.label,
    numeric: d.numeric,
    nodes: d.nodes,
    majority: { value: d.majority.value, count: d.majority.count },
    outliers: d.outliers.map((o) => ({ node: o.node, value: o.value })),
  }));
}

/** "pool-a  ip_forward (sysctl:net.ipv4.ip_forward): 1 on 9 of 10; cl-a2 0" per difference */
export function differencesText(st: Pick<AppState, 'differences'>): string[] {
  const ds = st.differences ?? [];
  if (!ds.length) return [];
  const lines = ds.map((d) => {
    const group = d.pool ?? 'nodes without a pool label';
    const maj = `${d.numeric ? 'median ' : ''}${d.majority.value} on ${d.majority.count} of ${d.nodes}${d.numeric ? ' (within 10%)' : ''}`;
    return '  ' + oneLine(`${group}: ${d.label} (${d.fact}): ${maj}; ${d.outliers.map((o) => `${o.node} ${o.value}`).join(', ')}`);
  });
  return ['', 'POOL DIFFERENCES', ...lines];
}

export function textReport(st: AppState): string {
  const rows = st.order.map((name) => {
    const n = st.nodes[name]!;
    const s = n.sample;
    const c = n.model.conntrack;
    const ct = c.value ? `${c.value.count}/${c.value.max}` : s ? c.status : '-';
    const ifs = n.model.interfaces.value ? String(n.model.interfaces.value.length) : '-';
    const worst = n.problems[0] ? `${n.problems[0].severity}: ${n.problems[0].message}` : n.lastError ?? '';
    const ns = n.status;
    const status = ns.kind === 'failed' || ns.kind === 'reconnecting' || ns.kind === 'stale' ? `${ns.kind}: ${ns.reason}` : s ? 'ok' : 'no sample';
    // every cell is outside text (node names, reasons, messages): one line, controls shown as escapes
    return [name, status, ct, ifs, worst].map(oneLine);
  });
  const head = ['NODE', 'STATUS', 'CONNTRACK', 'IFACES', 'WORST PROBLEM'];
  const all = [head, ...rows];
  const w = head.map((_, i) => Math.min(40, Math.max(...all.map((r) => r[i]!.length))));
  const table = all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.slice(0, w[i]).padEnd(w[i]!))).join('  '));
  // collectors whose last read failed, one line per node under the table
  const errors = st.order.flatMap((name) => {
    const e = collectorErrors(st.nodes[name]!);
    return e.length ? [oneLine(`${name}: collector errors: ${e.map((x) => `${x.name}: ${oneLine(x.error).slice(0, 120)}`).join('; ')}`)] : [];
  });
  // checks that could not tell on a node (tool missing, permission, no API, pending), one count line per node
  const cannot = st.order.flatMap((name) => {
    const n = st.nodes[name]!;
    if (!n.sample) return [];
    const c = verdicts(n).filter((v) => v.verdict === 'cannot-tell');
    if (!c.length) return [];
    const shown = c.slice(0, 3).map((v) => `${v.id}: ${oneLine(v.reason ?? '').slice(0, 60)}`).join('; ');
    return [oneLine(`${name}: ${c.length} check(s) cannot tell (${shown}${c.length > 3 ? '; …' : ''})`)];
  });
  // rates over the --window (two samples), one line per node that has them
  const rates = st.order.flatMap((name) => {
    const n = st.nodes[name]!;
    if (n.samplesOk < 2) return [];
    const r = n.rates;
    const ifs = Object.entries(r.ifaces).filter(([, x]) => x.dropsPerSec > 0 || x.errorsPerSec > 0).sort((a, b) => b[1].dropsPerSec - a[1].dropsPerSec);
    const f = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(1));
    const top = ifs.slice(0, 3).map(([i, x]) => `${i} ${f(x.dropsPerSec)} drops/s${x.errorsPerSec > 0 ? ` ${f(x.errorsPerSec)} errors/s` : ''}`);
    return [oneLine(`${name}: rates/s: conntrack drops ${f(r.conntrackDropsPerSec)}, TCP attempt fails ${f(r.tcpAttemptFailsPerSec)}, retrans ${f(r.tcpRetransPerSec)}; interfaces: ${top.length ? top.join(', ') : 'no drops'}`)];
  });
  return [...table, ...errors, ...rates, ...cannot, ...differencesText(st)].join('\n');
}

/** a node counts as sampled when its last tick produced a sample */
export function failedNodes(st: AppState): string[] {
  return st.order.filter((n) => !st.nodes[n]!.sample);
}
