/**
 * The iptables and IPVS checks, from the slow collectors (IptablesState of both backends,
 * IpvsState, the node agents' processes): FORWARD policy DROP without an accept for the pod
 * CIDRs (Russian guide), rules split over the legacy and nft backends, kube-proxy's chains missing
 * (Japanese post-mortem), SYN_RECV piling up on an IPVS virtual server. Pure.
 */
import { kubeProxyNft } from '../../sources/parsers/nft.js';
import type { IptablesBackend, IptChain, IptRule, IptRuleset } from '../../sources/types.js';
import { remedyOf, severityOf } from '../catalogue.js';
import { interfacesOf, routesOf, valueOf } from '../model.js';
import type { NodeState, Problem } from '../types.js';
import { type Cidr4, cidrContains, cidrText, missing, type NodeRule, type Outcome, parseCidr4 } from './outcome.js';

const BACKENDS: readonly IptablesBackend[] = ['legacy', 'nft'];

interface Readable {
  ok: { backend: IptablesBackend; rules: IptRuleset }[];
  /** backends that could not be read, with why (error, or the tool missing) */
  unread: { backend: IptablesBackend; why: string }[];
}

function readable(node: NodeState): Readable | { cannot: string } {
  const why = missing(node, 'iptables');
  if (why) return { cannot: why };
  const st = valueOf(node, 'iptables')!;
  const out: Readable = { ok: [], unread: [] };
  for (const b of BACKENDS) {
    const c = st.backends[b];
    if (c?.status === 'ok') out.ok.push({ backend: b, rules: c.data });
    else out.unread.push({ backend: b, why: !c ? 'not read' : c.status === 'nodata' ? c.reason : `error: ${c.error}` });
  }
  return out;
}

const usesText = (node: NodeState) => {
  const st = valueOf(node, 'iptables');
  return st?.mode ? `\`iptables\` uses ${st.mode}${st.version ? ` (${st.version})` : ''}` : '`iptables` backend unknown';
};

/* ---------- pod CIDRs: the API's spec.podCIDRs, else pod IPs, else what the routes say ---------- */

export interface PodCidrs {
  cidrs: Cidr4[];
  from: 'spec.podCIDRs' | 'pod IPs' | 'routes';
}

export function podCidrsOf(node: NodeState): PodCidrs | undefined {
  const spec = (node.kube?.node?.podCIDRs ?? []).map(parseCidr4).filter((c): c is Cidr4 => !!c);
  if (spec.length) return { cidrs: spec, from: 'spec.podCIDRs' };
  const ips = (node.kube?.pods ?? [])
    .filter((p) => !p.hostNetwork && p.phase !== 'Succeeded' && p.phase !== 'Failed')
    .flatMap((p) => p.podIPs)
    .map(parseCidr4)
    .filter((c): c is Cidr4 => !!c);
  if (ips.length) return { cidrs: ips, from: 'pod IPs' };
  // no API: a bridge's connected subnet (kubenet cbr0, flannel cni0), or /32 routes to veths (Calico, GKE routes-based)
  const kinds = new Map(interfacesOf(node).map((i) => [i.name, i.kind]));
  const fromRoutes = routesOf(node)
    .filter((r) => r.family === 4 && r.dev && !r.gateway && r.dst !== 'default')
    .filter((r) => kinds.get(r.dev!) === 'bridge' || (kinds.get(r.dev!) === 'veth' && /\/32$/.test(r.dst)))
    .map((r) => parseCidr4(r.dst))
    .filter((c): c is Cidr4 => !!c);
  return fromRoutes.length ? { cidrs: fromRoutes, from: 'routes' } : undefined;
}

/* ---------- does a chain accept a CIDR ---------- */

// matches that keep an ACCEPT "for the CIDR": comments, -s/-d, -i/-o. A mark is not one (kube-proxy's
// KUBE-FORWARD accepts only its 0x4000 masquerade mark), except in Calico's chains, whose policy marks
// (0x10000) accepted pod traffic.
const HARMLESS = [
  /-m comment --comment (?:"(?:[^"\\]|\\.)*"|\S+)/g,
  /(?:! )?-[sd] \S+/g,
  /(?:! )?-[io] \S+/g,
  /-[jg] \S+.*$/g,
];
const MARK = /-m mark --mark \S+/g;

const isCalico = (chain: string, r: IptRule) => chain.startsWith('cali-') || !!r.comment?.startsWith('cali:');

/** the rule's conditions other than the harmless ones ('' = none): -p, --ctstate, -m set, a mark … */
export function otherConditions(r: IptRule, chain = ''): string {
  let s = ` ${r.spec} `;
  for (const re of HARMLESS) s = s.replace(re, ' ');
  if (isCalico(chain, r)) s = s.replace(MARK, ' ');
  return s.trim();
}

const wildcard = (pattern: string, name: string) => (pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : name === pattern);

/** the devices routes send the CIDR (or addresses in it) to */
function devicesFor(node: NodeState, cidr: Cidr4): Set<string> {
  const out = new Set<string>();
  for (const r of routesOf(node)) {
    if (!r.dev || r.dst === 'default') continue;
    const d = parseCidr4(r.dst);
    if (d && (cidrContains(d, cidr) || cidrContains(cidr, d))) out.add(r.dev);
  }
  return out;
}

/** an ACCEPT rule lets traffic of the CIDR through */
function covers(r: IptRule, chain: string, cidr: Cidr4, devs: Set<string>): boolean {
  if (otherConditions(r, chain)) return false;
  const s = r.source && !r.source.startsWith('!') ? parseCidr4(r.source) : undefined;
  const d = r.dest && !r.dest.startsWith('!') ? parseCidr4(r.dest) : undefined;
  if (r.source?.startsWith('!') || r.dest?.startsWith('!')) return false;
  if (r.source || r.dest) return (!!s && cidrContains(s, cidr)) || (!!d && cidrContains(d, cidr));
  const ifs = [r.inIface, r.outIface].filter((x): x is string => !!x);
  if (ifs.some((i) => i.startsWith('!'))) return false;
  // -i/-o: only the device the pod traffic takes
  return ifs.every((i) => [...devs].some((dev) => wildcard(i, dev)));
}

const unconditional = (r: IptRule) => !otherConditions(r) && !r.source && !r.dest && !r.inIface && !r.outIface;

type Walk = { result: 'accept'; via: string } | { result: 'drop'; via: string } | { result: 'fall' };

function walk(table: Record<string, IptChain>, chain: string, cidr: Cidr4, devs: Set<string>, depth: number, path: string): Walk {
  const c = table[chain];
  if (!c || depth > 4) return { result: 'fall' };
  for (const r of c.rules) {
    const t = r.target;
    if (t === 'ACCEPT' && covers(r, chain, cidr, devs)) return { result: 'accept', via: path };
    if ((t === 'DROP' || t === 'REJECT') && unconditional(r)) return { result: 'drop', via: path };
    if (t === 'RETURN' && unconditional(r)) return { result: 'fall' };
    if (t && table[t] && t !== chain && table[t]!.policy === undefined) {
      const inner = walk(table, t, cidr, devs, depth + 1, `${path} → ${t}`);
      if (inner.result === 'accept') return inner;
      if (inner.result === 'drop' && unconditional(r)) return inner;
    }
  }
  return { result: 'fall' };
}

export const forwardDrop: NodeRule = {
  id: 'iptables-forward-drop',
  run(node): Outcome {
    const rd = readable(node);
    if ('cannot' in rd) return rd;
    if (!rd.ok.length) return { cannot: rd.unread.map((u) => `${u.backend}: ${u.why}`).join('; ') };
    const dropping = rd.ok.filter((b) => b.rules.tables.filter?.FORWARD?.policy === 'DROP');
    if (!dropping.length) {
      const errored = rd.unread.filter((u) => u.why.startsWith('error'));
      return errored.length ? { cannot: errored.map((u) => `${u.backend}: ${u.why}`).join('; ') } : [];
    }
    const pc = podCidrsOf(node);
    if (!pc) return { cannot: 'FORWARD policy DROP, but the pod CIDR is unknown (no API, no pod IPs, no pod routes)' };
    const out: Problem[] = [];
    for (const b of dropping) {
      const filter = b.rules.tables.filter!;
      const uncovered = pc.cidrs.filter((cidr) => walk(filter, 'FORWARD', cidr, devicesFor(node, cidr), 0, 'FORWARD').result !== 'accept');
      if (!uncovered.length) continue;
      const shown = uncovered.slice(0, 3).map(cidrText).join(', ') + (uncovered.length > 3 ? ` and ${uncovered.length - 3} more` : '');
      out.push({
        severity: severityOf('iptables-forward-drop'),
        code: 'iptables-forward-drop',
        subject: b.backend,
        message: `filter FORWARD policy DROP (${b.backend} backend) and no ACCEPT covers ${shown} (${pc.from}): forwarded pod traffic is dropped (an ACCEPT counts when unconditional, for -s/-d covering it, for -i/-o its device, or in a chain FORWARD jumps to)`,
        remedy: remedyOf('iptables-forward-drop'),
      });
    }
    return out;
  },
};

/** rules beyond empty built-in chains */
const content = (r: IptRuleset) => r.ruleCount;

export const backendSplit: NodeRule = {
  id: 'iptables-backend-split',
  run(node): Outcome {
    const rd = readable(node);
    if ('cannot' in rd) return rd;
    if (rd.unread.length) return { cannot: `cannot compare the backends: ${rd.unread.map((u) => `${u.backend}: ${u.why}`).join('; ')}` };
    const counts = rd.ok.map((b) => ({ backend: b.backend, n: content(b.rules) }));
    if (!counts.every((c) => c.n > 0)) return [];
    return [
      {
        severity: severityOf('iptables-backend-split'),
        code: 'iptables-backend-split',
        message: `rules in both iptables backends: ${counts.map((c) => `${c.backend} ${c.n} rules`).join(', ')}; ${usesText(node)}: components using the other binary see a different rule set`,
        remedy: remedyOf('iptables-backend-split'),
      },
    ];
  },
};

const isKubeProxy = (name: string) => name === 'kube-proxy';

export const kubeProxyChains: NodeRule = {
  id: 'kube-proxy-chains',
  run(node): Outcome {
    const why = missing(node, 'agents');
    if (why) return { cannot: why };
    if (!valueOf(node, 'agents')!.some((a) => isKubeProxy(a.name))) return { na: 'kube-proxy does not run on this node' };
    const rd = readable(node);
    if ('cannot' in rd) return rd;
    if (!rd.ok.length) return { cannot: rd.unread.map((u) => `${u.backend}: ${u.why}`).join('; ') };
    const withServices = rd.ok.filter((b) => b.rules.tables.nat?.['KUBE-SERVICES']);
    const out: Problem[] = [];
    if (!withServices.length) {
      if (rd.unread.some((u) => u.why.startsWith('error'))) return { cannot: `nat KUBE-SERVICES not in ${rd.ok.map((b) => b.backend).join(', ')}; ${rd.unread.map((u) => `${u.backend}: ${u.why}`).join('; ')}` };
      // nftables mode (1.29+): kube-proxy's rules are `table ip kube-proxy`, read with `nft list ruleset`
      const nft = valueOf(node, 'iptables')!.nftables;
      const kpn = nft?.status === 'ok' ? kubeProxyNft(nft.data) : [];
      // IPVS mode: the virtual servers are the rules; KUBE-SERVICES missing matters when there are none either
      const ipvs = valueOf(node, 'ipvs');
      const ipvsMode = interfacesOf(node).some((i) => i.name === 'kube-ipvs0') || !!ipvs?.services.length;
      if (kpn.length) {
        for (const t of kpn.filter((k) => !k.servicesHooked)) {
          out.push({
            severity: severityOf('kube-proxy-chains'),
            code: 'kube-proxy-chains',
            subject: `${t.table} services`,
            message: `kube-proxy runs in nftables mode but table ${t.table} ${t.hasServices ? 'has no hooked chain that jumps to its services chain' : 'has no services chain'} (${t.serviceChains.length} service-* chains): Service VIPs are not translated`,
            remedy: remedyOf('kube-proxy-chains'),
          });
        }
      } else if (!(ipvsMode && ipvs?.services.length)) {
        const nftWhy = !nft ? '' : nft.status === 'ok' ? '; nft list ruleset has no table ip kube-proxy' : `; nftables mode not seen (${nft.status === 'nodata' ? nft.reason : `nft: ${nft.error}`})`;
        out.push({
          severity: severityOf('kube-proxy-chains'),
          code: 'kube-proxy-chains',
          subject: 'KUBE-SERVICES',
          message: `kube-proxy runs but nat KUBE-SERVICES is in no backend (${rd.ok.map((b) => `${b.backend}: ${Object.keys(b.rules.tables.nat ?? {}).filter((c) => c.startsWith('KUBE-')).length} KUBE-* nat chains`).join(', ')})${ipvsMode ? ' and IPVS has no virtual server' : ''}${nftWhy}; ${usesText(node)}`,
          remedy: remedyOf('kube-proxy-chains'),
        });
      }
    }
    // KUBE-MARK-DROP: kubelet created it until 1.28 (KEP-3178 removed it; kube-proxy ≥ 1.28 does not need it), so its
    // absence alone is no fault. It is one when kube-proxy's backend lacks it while the other backend has it (kubelet
    // and kube-proxy on different backends: the Japanese post-mortem), or when rules jump to it and it is gone.
    const proxyBackend = withServices.length ? withServices.reduce((a, b) => (a.rules.ruleCount >= b.rules.ruleCount ? a : b)) : undefined;
    for (const b of rd.ok) {
      for (const [tname, table] of Object.entries(b.rules.tables)) {
        if (table['KUBE-MARK-DROP']) continue;
        const refs = Object.values(table).reduce((n, c) => n + c.rules.filter((r) => r.target === 'KUBE-MARK-DROP').length, 0);
        const elsewhere = rd.ok.some((o) => o !== b && o.rules.tables[tname]?.['KUBE-MARK-DROP']);
        if (refs || (b === proxyBackend && tname === 'nat' && elsewhere)) {
          out.push({
            severity: severityOf('kube-proxy-chains'),
            code: 'kube-proxy-chains',
            subject: 'KUBE-MARK-DROP',
            message: refs
              ? `${refs} ${tname} rule(s) jump to KUBE-MARK-DROP, missing in the ${b.backend} backend`
              : `${tname} KUBE-MARK-DROP is missing in the ${b.backend} backend kube-proxy uses but present in the other: kubelet and kube-proxy use different backends (kube-proxy's iptables-restore fails)`,
            remedy: remedyOf('kube-proxy-chains'),
          });
        }
      }
    }
    return out;
  },
};

export const SYN_RECV_WARN = 20;
export const SYN_RECV_CRIT = 100;

export const ipvsSynRecv: NodeRule = {
  id: 'ipvs-syn-recv',
  run(node): Outcome {
    const col = node.model.ipvs;
    if (col.value === undefined && col.status === 'nodata') return { na: `no IPVS on this node (${col.text ?? 'no /proc/net/ip_vs'})` };
    const why = missing(node, 'ipvs');
    if (why) return { cannot: why };
    const ipvs = col.value!;
    if (!ipvs.services.length && !Object.keys(ipvs.conns).length) return { na: 'IPVS has no virtual server' };
    const out: Problem[] = [];
    for (const [vs, states] of Object.entries(ipvs.conns)) {
      const n = states.SYN_RECV ?? 0;
      if (n < SYN_RECV_WARN) continue;
      out.push({
        severity: severityOf('ipvs-syn-recv', n >= SYN_RECV_CRIT),
        code: 'ipvs-syn-recv',
        subject: vs,
        message: `${n} SYN_RECV connections to IPVS virtual server ${vs}: handshakes through it do not complete`,
        remedy: remedyOf('ipvs-syn-recv'),
      });
    }
    return out;
  },
};

