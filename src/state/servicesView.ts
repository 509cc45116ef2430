/**
 * One Service seen from every node: the API's side (VIP, ports, ready endpoints, when they last
 * changed) and each node's side (checkService: what its kube-proxy rules say). Pure selector over
 * the store's state, shared by `netwatch --service` and the live UI's Services view.
 */
import type { ServiceEndpoint, ServiceInfo } from '../sources/types.js';
import { checkService, type NodeServiceCheck } from './services.js';
import type { AppState, KubeStatus } from './types.js';

export interface ServiceNodeView extends NodeServiceCheck {
  node: string;
  /** the node is not live: its last rules are shown, but say nothing about now */
  notLive?: string;
}

export interface ServiceView {
  key: string;
  /** the Services watch status (ok, forbidden, …); off: no API */
  status: KubeStatus;
  service?: ServiceInfo;
  endpoints: ServiceEndpoint[];
  /** local time the ready endpoints last changed */
  endpointsChangedAt?: number;
  nodes: ServiceNodeView[];
}

export function serviceView(st: Pick<AppState, 'services' | 'order' | 'nodes'>, key: string): ServiceView {
  const c = st.services;
  const status: KubeStatus = c?.status ?? { kind: 'off', message: 'no Kubernetes API (give --nodes or -l)' };
  const service = c?.services.get(key);
  const eps = c?.endpoints.get(key);
  const nodes: ServiceNodeView[] = [];
  if (service) {
    for (const name of st.order) {
      const n = st.nodes[name];
      if (!n) continue;
      const live = n.status.kind === 'live';
      const why = 'reason' in n.status ? `${n.status.kind}: ${n.status.reason}` : n.status.kind;
      nodes.push({ node: name, ...checkService(n, service, eps), ...(live ? {} : { notLive: why }) });
    }
  }
  return {
    key,
    status,
    ...(service ? { service } : {}),
    endpoints: eps?.endpoints ?? [],
    ...(eps ? { endpointsChangedAt: eps.changedAt } : {}),
    nodes,
  };
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${(s / 3600).toFixed(1)}h`;
}

const STATE_WORDS = {
  ok: 'in sync',
  'no-endpoints': 'no ready endpoints (nothing to check)',
  'missing-vip': 'NO RULE for the VIP',
  mismatch: 'DIFFERS from the API',
  lagging: 'differs, within one slow period of the change (kube-proxy may not have synced yet)',
} as const;

/**
 * The view as lines of plain text (the caller sanitizes: CLI printable, UI sanitize). Names and
 * addresses come from the API and the nodes.
 */
export function serviceViewLines(v: ServiceView, now: number): string[] {
  const out: string[] = [];
  if (v.status.kind !== 'ok') {
    out.push(`Service ${v.key}: cannot tell — Services/EndpointSlices from the API: ${v.status.message ?? v.status.kind}`);
    if (!v.service) return out;
  }
  if (!v.service) return [`Service ${v.key}: not found in the API`];
  const s = v.service;
  out.push(`Service ${v.key}  type ${s.type}  VIP ${s.clusterIPs.join(', ') || '(none: headless)'}`);
  out.push(`  ports: ${s.ports.map((p) => `${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol} -> ${p.targetPort ?? p.port}`).join(', ') || '(none)'}`);
  const changed = v.endpointsChangedAt !== undefined ? ` (changed ${ago(now - v.endpointsChangedAt)} ago)` : '';
  out.push(`  endpoints (API, ready): ${v.endpoints.length}${changed}`);
  for (const e of v.endpoints) {
    const who = e.pod ? ` ${e.pod.namespace}/${e.pod.name}` : '';
    out.push(`    ${e.ip}:${e.port}/${e.protocol}${e.portName ? ` (${e.portName})` : ''}${who}${e.node ? ` on ${e.node}` : ''}`);
  }
  for (const n of v.nodes) {
    const read = n.rulesAt !== undefined ? `, rules read ${ago(now - n.rulesAt)} ago` : '';
    const live = n.notLive ? ` [node ${n.notLive}: last known rules]` : '';
    if (!n.mode) {
      out.push(`  ${n.node}: cannot tell — ${n.notLive ? `node ${n.notLive}` : (n.cannotTell ?? 'no rules read')}`);
      continue;
    }
    out.push(`  ${n.node}: kube-proxy ${n.mode}${read}${live}`);
    for (const p of n.ports) {
      out.push(`    ${p.vip}:${p.port.port}/${p.port.protocol}: ${STATE_WORDS[p.state]}${p.via ? ` [${p.via}]` : ''}`);
      if (p.present) out.push(`      ${n.mode === 'ipvs' ? 'reals' : 'DNAT to'}: ${p.present.join(', ') || '(none)'}`);
      if (p.missing.length) out.push(`      missing: ${p.missing.join(', ')}`);
      if (p.extra.length) out.push(`      extra (stale): ${p.extra.join(', ')}`);
    }
  }
  return out;
}

/** --service --json: the view with times as ISO strings */
export function serviceViewJson(v: ServiceView): unknown {
  const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
  return {
    service: v.key,
    status: v.status,
    found: !!v.service,
    ...(v.service ? { type: v.service.type, clusterIPs: v.service.clusterIPs, ports: v.service.ports } : {}),
    endpoints: v.endpoints,
    ...(v.endpointsChangedAt !== undefined ? { endpointsChangedAt: iso(v.endpointsChangedAt) } : {}),
    nodes: v.nodes.map((n) => ({ ...n, ...(n.rulesAt !== undefined ? { rulesAt: iso(n.rulesAt) } : {}) })),
  };
}
