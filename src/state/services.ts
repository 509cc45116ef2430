/**
 * The services path: does this node's kube-proxy program each Service VIP with the endpoints the
 * API lists? A pure comparison of one node's slow collectors (iptables nat rules or IPVS virtual
 * servers) with the cluster's Services and their ready endpoints, used by the `service-rules`
 * check (merged with evaluate()'s problems in the store), `netwatch --service` and the UI.
 *
 * iptables mode: nat KUBE-SERVICES has `-d VIP/32 -p PROTO --dport PORT -j KUBE-SVC-…`, and that
 * chain jumps to KUBE-SEP-… chains whose DNAT --to-destination set is the expected ip:port set.
 * IPVS mode: a virtual server VIP:PORT whose real servers are that set.
 * nftables mode (1.29+, `nft list table ip kube-proxy`): the service-ips map's element
 * `VIP . PROTO . PORT : goto service-…`, that chain's gotos to endpoint-… chains, their `dnat to`.
 *
 * Grace: kube-proxy needs time. A difference counts only when the endpoints changed more than one
 * slow period (the collector's periodMs) before the rules were read (the collector's `at`): a
 * node whose rules lag is flagged within two slow reads, never during normal propagation.
 * No kube-proxy rules at all (no KUBE-SERVICES, no IPVS), or no API: cannot tell, not flagged.
 */
import { kubeProxyNft } from '../sources/parsers/nft.js';
import type { IptChain, IptRuleset, IpvsState, NftChain, NftRuleset, ServiceEndpoint, ServiceEndpoints, ServiceInfo, ServicePort } from '../sources/types.js';
import { type Collector, isLive } from './model.js';
import type { ClusterServices, NodeState, Problem } from './types.js';

export const SERVICE_RULES_REMEDY =
  'look at kube-proxy on this node (its log, its sync errors: iptables-restore failures, a full conntrack, lock contention); restart it if it is stuck; compare with a node that is in sync';

export type ProxyMode = 'iptables' | 'ipvs' | 'nftables';

/** what one node's rules say about one Service port */
export interface PortCheck {
  vip: string;
  port: ServicePort;
  /** ip:port the API's ready endpoints say (sorted) */
  expected: string[];
  /** ip:port the node's rules send to (sorted); undefined when there is no rule for the VIP */
  present?: string[];
  missing: string[];
  extra: string[];
  /**
   * ok: the rules match; no-endpoints: nothing to check (the API lists no ready endpoint);
   * missing-vip: no rule / virtual server for VIP:PORT; mismatch: different endpoints;
   * lagging: differs, but the endpoints changed within one slow period of the read (grace)
   */
  state: 'ok' | 'no-endpoints' | 'missing-vip' | 'mismatch' | 'lagging';
  /** the KUBE-SVC chain or the IPVS virtual server it was read from */
  via?: string;
}

export interface NodeServiceCheck {
  /** undefined: cannot tell */
  mode?: ProxyMode;
  /** why it cannot tell */
  cannotTell?: string;
  /** local time the rules were read */
  rulesAt?: number;
  ports: PortCheck[];
}

/* ---------- reading the node's kube-proxy rules ---------- */

interface IptIndex {
  nat: Record<string, IptChain>;
  /** 'VIP|proto|port' -> KUBE-SVC chain */
  vips: Map<string, string>;
}

const iptIndexes = new WeakMap<IptRuleset, IptIndex>();

function iptIndex(rs: IptRuleset): IptIndex | undefined {
  const nat = rs.tables['nat'];
  const svcs = nat?.['KUBE-SERVICES'];
  if (!nat || !svcs) return undefined;
  let ix = iptIndexes.get(rs);
  if (ix) return ix;
  const vips = new Map<string, string>();
  for (const r of svcs.rules) {
    if (!r.dest || !r.dport || !r.target || r.dest.startsWith('!')) continue;
    if (!/^KUBE-(SVC|SVL)-/.test(r.target)) continue;
    const ip = r.dest.replace(/\/(32|128)$/, '');
    vips.set(`${ip}|${(r.proto ?? '').toLowerCase()}|${r.dport}`, r.target);
  }
  ix = { nat, vips };
  iptIndexes.set(rs, ix);
  return ix;
}

/** ipvs mode writes KUBE-SERVICES too, but matching the KUBE-CLUSTER-IP ipset, not per VIP */
function isIpvsStyle(rs: IptRuleset): boolean {
  return rs.tables['nat']?.['KUBE-SERVICES']?.rules.some((r) => r.spec.includes('--match-set KUBE-CLUSTER-IP')) ?? false;
}

/* nftables mode (1.29+): table ip/ip6 kube-proxy; map service-ips "VIP . PROTO . PORT : goto service-…";
   the service chain's vmap (and affinity rule) goto endpoint-… chains; each has "dnat to IP:PORT" */
interface NftIndex {
  chains: Record<string, NftChain>;
  /** 'VIP|proto|port' -> service chain */
  vips: Map<string, string>;
}

const nftIndexes = new WeakMap<NftRuleset, NftIndex | null>();

const SERVICE_IP = /^(\S+) \. (\w+) \. (\d+)(?: comment "(?:[^"\\]|\\.)*")? : (?:goto|jump) (\S+)$/;

function nftIndex(rs: NftRuleset): NftIndex | undefined {
  const known = nftIndexes.get(rs);
  if (known !== undefined) return known ?? undefined;
  const chains: Record<string, NftChain> = {};
  const vips = new Map<string, string>();
  for (const k of kubeProxyNft(rs).filter((t) => t.servicesHooked)) {
    Object.assign(chains, rs.tables[k.table]!.chains);
    for (const el of k.serviceIps) {
      const m = SERVICE_IP.exec(el);
      if (m) vips.set(`${m[1]}|${m[2]!.toLowerCase()}|${m[3]}`, m[4]!);
    }
  }
  const ix = vips.size || Object.keys(chains).length ? { chains, vips } : undefined;
  nftIndexes.set(rs, ix ?? null);
  return ix;
}

function nftTargets(chains: Record<string, NftChain>, svcChain: string): string[] {
  const out = new Set<string>();
  const eps = new Set<string>();
  for (const r of chains[svcChain]?.rules ?? []) for (const m of r.matchAll(/(?:goto|jump) (endpoint-[^\s,}]+)/g)) eps.add(m[1]!);
  for (const e of eps) {
    for (const r of chains[e]?.rules ?? []) {
      const m = /\bdnat (?:ip6? )?to (\S+)$/.exec(r);
      if (m) out.add(m[1]!);
    }
  }
  return [...out].sort();
}

interface NodeRules {
  mode?: ProxyMode;
  cannotTell?: string;
  at?: number;
  periodMs?: number;
  ipt?: IptIndex;
  ipvs?: IpvsState;
  nft?: NftIndex;
}

type HasSlow = Pick<NodeState, 'model'>;
type HasSlowStatus = Pick<NodeState, 'model' | 'status'>;

function pickRuleset(col: Collector<import('../sources/types.js').IptablesState>): IptRuleset | undefined {
  const st = col.value;
  if (!st) return undefined;
  const sets: IptRuleset[] = [];
  const order = st.mode ? [st.mode, st.mode === 'nft' ? 'legacy' : 'nft'] : ['nft', 'legacy'];
  for (const b of order as ('nft' | 'legacy')[]) {
    const c = st.backends[b];
    if (c?.status === 'ok') sets.push(c.data);
  }
  // the backend kube-proxy writes: the one with KUBE-SERVICES (the plain command's first)
  return sets.find((rs) => rs.tables['nat']?.['KUBE-SERVICES']);
}

export function nodeRules(node: HasSlow): NodeRules {
  const iptCol = node.model.iptables;
  const ipvsCol = node.model.ipvs;
  const rs = pickRuleset(iptCol);
  const ipvs = ipvsCol.value;
  if (ipvs && ipvs.services.length > 0 && (!rs || isIpvsStyle(rs) || !iptIndex(rs)?.vips.size)) {
    return { mode: 'ipvs', ipvs, ...(ipvsCol.at !== undefined ? { at: ipvsCol.at } : {}), periodMs: ipvsCol.periodMs };
  }
  if (rs && !isIpvsStyle(rs)) {
    const ipt = iptIndex(rs)!;
    return { mode: 'iptables', ipt, ...(iptCol.at !== undefined ? { at: iptCol.at } : {}), periodMs: iptCol.periodMs };
  }
  if (rs) return { cannotTell: 'kube-proxy runs in IPVS mode but the IPVS table could not be read' };
  const nftCol = iptCol.value?.nftables;
  const nft = nftCol?.status === 'ok' ? nftIndex(nftCol.data) : undefined;
  if (nft) return { mode: 'nftables', nft, ...(iptCol.at !== undefined ? { at: iptCol.at } : {}), periodMs: iptCol.periodMs };
  if (iptCol.status === 'pending' && ipvsCol.status === 'pending') return { cannotTell: 'the slow collectors have not read the rules yet' };
  if (!iptCol.value && iptCol.text) return { cannotTell: `no kube-proxy rules read (${iptCol.text})` };
  return { cannotTell: 'no kube-proxy rules on this node (no nat KUBE-SERVICES, no IPVS virtual server, no nft table ip kube-proxy)' };
}

function sepTargets(nat: Record<string, IptChain>, svcChain: string): string[] {
  const out = new Set<string>();
  for (const r of nat[svcChain]?.rules ?? []) {
    if (!r.target?.startsWith('KUBE-SEP-')) continue;
    for (const d of nat[r.target]?.rules ?? []) if (d.target === 'DNAT' && d.toDestination) out.add(d.toDestination);
  }
  return [...out].sort();
}

/* ---------- the comparison ---------- */

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** the endpoints of one Service port: the slice port with the same name and protocol */
export function expectedFor(port: ServicePort, eps: readonly ServiceEndpoint[]): string[] {
  const name = port.name ?? '';
  const set = new Set(eps.filter((e) => (e.portName ?? '') === name && e.protocol === port.protocol).map((e) => hostPort(e.ip, e.port)));
  return [...set].sort();
}

function diff(expected: string[], present: string[]): { missing: string[]; extra: string[] } {
  const p = new Set(present);
  const e = new Set(expected);
  return { missing: expected.filter((x) => !p.has(x)), extra: present.filter((x) => !e.has(x)) };
}

/** what the node's rules say about one Service (pure) */
export function checkService(node: HasSlow, svc: ServiceInfo, eps: ServiceEndpoints | undefined, rules: NodeRules = nodeRules(node)): NodeServiceCheck {
  const base = { ...(rules.at !== undefined ? { rulesAt: rules.at } : {}) };
  if (!rules.mode) return { cannotTell: rules.cannotTell ?? 'cannot tell', ports: [] };
  const ports: PortCheck[] = [];
  const endpoints = eps?.endpoints ?? [];
  // within grace: the endpoints changed less than one slow period before the read
  const grace = eps && rules.at !== undefined && rules.periodMs !== undefined ? rules.at - eps.changedAt <= rules.periodMs : true;
  for (const vip of svc.clusterIPs) {
    for (const port of svc.ports) {
      const expected = expectedFor(port, endpoints);
      let present: string[] | undefined;
      let via: string | undefined;
      if (rules.mode === 'iptables') {
        via = rules.ipt!.vips.get(`${vip}|${port.protocol.toLowerCase()}|${port.port}`);
        if (via) present = sepTargets(rules.ipt!.nat, via);
      } else if (rules.mode === 'nftables') {
        via = rules.nft!.vips.get(`${vip}|${port.protocol.toLowerCase()}|${port.port}`);
        if (via) present = nftTargets(rules.nft!.chains, via);
      } else {
        const vs = rules.ipvs!.services.find((s) => s.addr === vip && s.port === port.port && s.proto.toUpperCase() === port.protocol.toUpperCase());
        if (vs) {
          via = `${vs.proto} ${hostPort(vs.addr, vs.port)}`;
          present = [...new Set(vs.reals.map((r) => hostPort(r.addr, r.port)))].sort();
        }
      }
      const d = diff(expected, present ?? []);
      let state: PortCheck['state'];
      if (expected.length === 0) state = 'no-endpoints';
      else if (!present) state = grace ? 'lagging' : 'missing-vip';
      else if (d.missing.length || d.extra.length) state = grace ? 'lagging' : 'mismatch';
      else state = 'ok';
      ports.push({ vip, port, expected, ...(present ? { present } : {}), ...d, state, ...(via ? { via } : {}) });
    }
  }
  return { mode: rules.mode, ...base, ports };
}

/* ---------- the check ---------- */

function portText(p: PortCheck): string {
  return `${hostPort(p.vip, p.port.port)}/${p.port.protocol}`;
}

function list(xs: string[], max = 3): string {
  return xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} +${xs.length - max} more`;
}

function problemFor(key: string, c: NodeServiceCheck): Problem | undefined {
  const bad = c.ports.filter((p) => p.state === 'missing-vip' || p.state === 'mismatch');
  if (!bad.length) return undefined;
  const parts = bad.map((p) => {
    if (p.state === 'missing-vip') return `${portText(p)}: no ${c.mode === 'ipvs' ? 'IPVS virtual server' : c.mode === 'nftables' ? 'service-ips element' : 'KUBE-SERVICES rule'} (API: ${p.expected.length} endpoint${p.expected.length === 1 ? '' : 's'})`;
    const s: string[] = [];
    if (p.missing.length) s.push(`missing ${list(p.missing)}`);
    if (p.extra.length) s.push(`stale ${list(p.extra)}`);
    return `${portText(p)}: ${s.join('; ')}`;
  });
  return {
    severity: 'warn',
    code: 'service-rules',
    subject: key,
    message: `Service ${key}: kube-proxy ${c.mode} rules differ from the API's endpoints — ${parts.join(' · ')}`,
    remedy: SERVICE_RULES_REMEDY,
  };
}

/** the ClusterIP Services with ready endpoints whose rules on this node miss or lag (pure) */
export function serviceRules(node: HasSlowStatus, cluster: ClusterServices | undefined): Problem[] {
  // a node that is not live is flagged for that; its last rules say nothing about now
  if (!cluster || cluster.status.kind !== 'ok' || !isLive(node)) return [];
  const rules = nodeRules(node);
  if (!rules.mode) return [];
  const out: Problem[] = [];
  for (const [key, svc] of cluster.services) {
    if (svc.type === 'ExternalName' || svc.clusterIPs.length === 0) continue;
    const eps = cluster.endpoints.get(key);
    if (!eps || eps.endpoints.length === 0) continue;
    const p = problemFor(key, checkService(node, svc, eps, rules));
    if (p) out.push(p);
  }
  return out;
}

const memo = new WeakMap<object, { ipvs: object; status: object; cluster: ClusterServices | undefined; problems: Problem[] }>();

/**
 * serviceRules, recomputed only when the node's iptables or IPVS read or the cluster's Services
 * changed (the result does not depend on the clock: the grace compares two recorded times).
 */
export function serviceRulesCached(node: HasSlowStatus, cluster: ClusterServices | undefined): Problem[] {
  const m = memo.get(node.model.iptables);
  if (m && m.ipvs === node.model.ipvs && m.cluster === cluster && m.status === node.status) return m.problems;
  const problems = serviceRules(node, cluster);
  memo.set(node.model.iptables, { ipvs: node.model.ipvs, status: node.status, cluster, problems });
  return problems;
}

/** the Services whose ready endpoints include one of these pod IPs (or the pod by name) */
export function servicesOfPod(cluster: ClusterServices | undefined, pod: { namespace: string; name: string; podIPs: readonly string[] }): string[] {
  if (!cluster) return [];
  const ips = new Set(pod.podIPs);
  const out: string[] = [];
  for (const [key, eps] of cluster.endpoints) {
    if (!cluster.services.has(key)) continue;
    if (eps.endpoints.some((e) => ips.has(e.ip) || (e.pod?.namespace === pod.namespace && e.pod.name === pod.name))) out.push(key);
  }
  return out.sort();
}
