/** --once output: JSON for scripts and incident channels, or a short text table. Pure. */
import type { AppState, NodeState } from '../state/types.js';

export function nodeReport(n: NodeState) {
  const s = n.sample;
  return {
    node: n.name,
    address: n.address,
    status: n.status.kind,
    error: n.status.kind === 'failed' || n.status.kind === 'reconnecting' ? n.status.reason : s ? undefined : n.lastError,
    sampledAt: s ? new Date(s.at).toISOString() : undefined,
    latencyMs: s ? Math.round(s.latencyMs * 10) / 10 : undefined,
    conntrack: s?.conntrack,
    interfaces: s?.interfaces,
    tcpCounters: s?.tcpCounters,
    tcpStates: n.slow.tcp,
    routes: n.slow.routes,
    neighbours: n.slow.neighbours,
    fdb: n.slow.fdb,
    facts: n.slow.facts,
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
          })),
          strayVeths: n.kube.strayVeths.map((v) => v.name),
        }
      : undefined,
    problems: n.problems,
  };
}

export function jsonReport(st: AppState, extra: Record<string, unknown> = {}): string {
  return JSON.stringify(
    { version: 1, takenAt: new Date().toISOString(), kube: st.kube, nodes: st.order.map((name) => ({ ...nodeReport(st.nodes[name]!), ...(extra[name] ? { processes: extra[name] } : {}) })) },
    null,
    2,
  );
}

export function textReport(st: AppState): string {
  const rows = st.order.map((name) => {
    const n = st.nodes[name]!;
    const s = n.sample;
    const ct = s?.conntrack.status === 'ok' ? `${s.conntrack.data.count}/${s.conntrack.data.max}` : s ? s.conntrack.status : '-';
    const ifs = s?.interfaces.status === 'ok' ? String(s.interfaces.data.length) : '-';
    const worst = n.problems[0] ? `${n.problems[0].severity}: ${n.problems[0].message}` : n.lastError ?? '';
    return [name, n.status.kind === 'failed' || n.status.kind === 'reconnecting' ? `${n.status.kind}: ${n.status.reason}` : s ? 'ok' : 'no sample', ct, ifs, worst];
  });
  const head = ['NODE', 'STATUS', 'CONNTRACK', 'IFACES', 'WORST PROBLEM'];
  const all = [head, ...rows];
  const w = head.map((_, i) => Math.min(40, Math.max(...all.map((r) => r[i]!.length))));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.slice(0, w[i]).padEnd(w[i]!))).join('  ')).join('\n');
}

/** a node counts as sampled when its last tick produced a sample */
export function failedNodes(st: AppState): string[] {
  return st.order.filter((n) => !st.nodes[n]!.sample);
}
