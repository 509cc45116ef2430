/** --once output: JSON for scripts and incident channels, or a short text table. Pure. */
import { collectorErrors, collectorsReport, routesOf, type CollectorName } from '../state/model.js';
import { verdicts } from '../state/rules.js';
import { nodeAddresses, primaryChoice } from '../state/topology.js';
import type { AppState, Collected, NodeState } from '../state/types.js';
import { fmtAge, oneLine } from '../ui/format.js';
import { markdownReport } from './markdown.js';
import type { OutputFormat } from './formats.js';

export { OUTPUT_FORMATS, type OutputFormat } from './formats.js';

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
      marks: marksReport(st),
    },
    2,
  );
}

/** the session's marks (`m`), oldest first */
export function marksReport(st: Pick<AppState, 'marks'>) {
  return (st.marks ?? []).map((m) => ({ at: new Date(m.at).toISOString(), note: m.note, ...(m.by !== undefined ? { by: m.by } : {}), id: m.id }));
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

/** "MARKS" then "  10:30:00Z restarted kube-proxy on n3 (alice)" per mark (the last 20), when there are any */
export function marksText(st: Pick<AppState, 'marks'>, max = 20): string[] {
  const ms = st.marks ?? [];
  if (!ms.length) return [];
  const lines = ms.slice(-max).map((m) => '  ' + oneLine(`${new Date(m.at).toISOString().slice(11, 19)}Z ${m.note || '(no note)'}${m.by ? ` (${m.by})` : ''}`));
  return ['', ms.length > max ? `MARKS (the last ${max} of ${ms.length})` : 'MARKS', ...lines];
}

/** the node table's columns: text's five, or wide's with address, kernel, MTU, conntrack %, pods, sample age */
function nodeTable(st: AppState, wide: boolean, now: number): string[] {
  const rows = st.order.map((name) => {
    const n = st.nodes[name]!;
    const s = n.sample;
    const c = n.model.conntrack;
    const ct = c.value ? `${c.value.count}/${c.value.max}` : s ? c.status : '-';
    const ifs = n.model.interfaces.value ? String(n.model.interfaces.value.length) : '-';
    const worst = n.problems[0] ? `${n.problems[0].severity}: ${n.problems[0].message}` : n.lastError ?? '';
    const ns = n.status;
    const status = ns.kind === 'failed' || ns.kind === 'reconnecting' || ns.kind === 'stale' ? `${ns.kind}: ${ns.reason}` : s ? 'ok' : 'no sample';
    if (!wide) return [name, status, ct, ifs, worst];
    const primary = primaryChoice(n);
    const pct = c.value && c.value.max > 0 ? `${((100 * c.value.count) / c.value.max).toFixed(1)}%` : '-';
    const pods = n.kube ? String(n.kube.status.kind === 'ok' ? n.kube.pods.length : n.kube.status.kind) : '-';
    const age = s ? fmtAge(Math.max(0, now - s.at)) : '-';
    const address = n.connectedAddress ?? n.address ?? '-';
    const kernel = n.model.facts.value?.kernel ?? '-';
    const mtu = primary ? `${primary.iface.name} ${primary.iface.mtu}` : '-';
    return [name, status, address, kernel, mtu, ct, pct, ifs, pods, age, worst];
  });
  const head = wide
    ? ['NODE', 'STATUS', 'ADDRESS', 'KERNEL', 'PRIMARY MTU', 'CONNTRACK', 'CT%', 'IFACES', 'PODS', 'AGE', 'WORST PROBLEM']
    : ['NODE', 'STATUS', 'CONNTRACK', 'IFACES', 'WORST PROBLEM'];
  // every cell is outside text (node names, reasons, messages): one line, controls shown as escapes
  const all = [head, ...rows.map((r) => r.map(oneLine))];
  const w = head.map((_, i) => Math.min(40, Math.max(...all.map((r) => r[i]!.length))));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.slice(0, w[i]).padEnd(w[i]!))).join('  '));
}

export function textReport(st: AppState, now = Date.now()): string {
  return tableReport(st, false, now);
}

/** `-o wide`: the text report with more columns (address, kernel, primary interface and its MTU, conntrack %, pods, sample age) */
export function wideReport(st: AppState, now = Date.now()): string {
  return tableReport(st, true, now);
}

function tableReport(st: AppState, wide: boolean, now: number): string {
  const table = nodeTable(st, wide, now);
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
  return [...table, ...errors, ...rates, ...cannot, ...differencesText(st), ...marksText(st)].join('\n');
}

export interface RenderOptions {
  now?: number;
  /** per node, extra JSON (the --processes view) */
  extra?: Record<string, unknown>;
  /** fields added to the top of the JSON document (windowSec, local) */
  meta?: Record<string, unknown>;
  /** netwatch's own lines after the text and wide tables (what needs root) */
  notes?: readonly string[];
}

/**
 * The report of a state in a format: what --once prints, and what `attach --once` and
 * `replay --once` print for the state they have (one function, so the formats agree).
 */
export function renderReport(st: AppState, format: OutputFormat, o: RenderOptions = {}): string {
  const now = o.now ?? Date.now();
  const notes = o.notes ?? [];
  switch (format) {
    case 'json':
      return o.meta ? safeJson({ ...JSON.parse(jsonReport(st, o.extra, now)), ...o.meta }, 2) : jsonReport(st, o.extra, now);
    case 'markdown':
      return [markdownReport(st, now), ...(notes.length ? ['', ...notes.map((l) => oneLine(l))] : [])].join('\n');
    case 'wide':
      return [wideReport(st, now), ...notes].join('\n');
    case 'text':
      return [textReport(st, now), ...notes].join('\n');
  }
}

/** a node counts as sampled when its last tick produced a sample */
export function failedNodes(st: AppState): string[] {
  return st.order.filter((n) => !st.nodes[n]!.sample);
}
