/** --once output: JSON for scripts and incident channels, or a short text table. Pure. */
import { collectorErrors, collectorsReport, routesOf, type CollectorName } from '../state/model.js';
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
    problems: n.problems,
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
    { version: 1, takenAt: new Date(now).toISOString(), kube: st.kube, nodes: st.order.map((name) => ({ ...nodeReport(st.nodes[name]!, now), ...(extra[name] ? { processes: extra[name] } : {}) })) },
    2,
  );
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
  return [...table, ...errors].join('\n');
}

/** a node counts as sampled when its last tick produced a sample */
export function failedNodes(st: AppState): string[] {
  return st.order.filter((n) => !st.nodes[n]!.sample);
}
