/**
 * Every check netwatch flags, as one pure function of a node's state. Thresholds and remedies
 * follow the field guide (shared/field-guide.md). New checks slot in as one more function in
 * CHECKS.
 */
import type { HairpinConn, Iface } from '../sources/types.js';
import { collectorErrors, interfacesOf, isLive, valueOf } from './model.js';
import { slowLinkText } from './link.js';
import { staleProblems } from './stale.js';
import { primaryInterface } from './topology.js';
import type { NodeState, Problem } from './types.js';
import { CATALOGUE, type CheckVerdict, remedyOf, severityOf } from './catalogue.js';
import { agentCrashloop, agentMissing, crashLoopingPods } from './checks/agents.js';
import { backendSplit, forwardDrop, ipvsSynRecv, kubeProxyChains } from './checks/iptables.js';
import { isSkip, missing, type NodeRule } from './checks/outcome.js';
import { podCidrNoRoute, podNoRoute } from './checks/routes.js';

/** the one primary-interface selector lives in the node model (topology.ts) */
export { primaryInterface };

const RANK = { crit: 0, warn: 1, info: 2 } as const;


function conntrack(node: NodeState): Problem[] {
  const out: Problem[] = [];
  const data = valueOf(node, 'conntrack');
  if (!data || data.max <= 0) return out;
  const ct = { data };
  const pct = (100 * ct.data.count) / ct.data.max;
  if (pct >= 80) {
    const g = node.rates.conntrackGrowthPerSec ?? 0;
    const ttf = g > 0 ? ` — full in ~${fmtDuration((ct.data.max - ct.data.count) / g)}` : '';
    out.push({
      severity: pct >= 95 ? 'crit' : 'warn',
      code: 'conntrack-fill',
      message: `conntrack ${ct.data.count}/${ct.data.max} (${pct.toFixed(0)}%)${ttf}`,
      remedy: remedyOf('conntrack-fill'),
    });
  }
  const drops = (node.rates.conntrackDropsPerSec ?? 0) + (node.rates.conntrackInsertFailedPerSec ?? 0);
  if (drops > 0) {
    out.push({
      severity: severityOf('conntrack-drops'),
      code: 'conntrack-drops',
      message: `conntrack dropping ${drops.toFixed(1)}/s (drop+early_drop+insert_failed)`,
      remedy: remedyOf('conntrack-drops'),
    });
  }
  return out;
}

function tableFull(node: NodeState): Problem[] {
  if (node.tableFull.sinceStart > 0) {
    return [
      {
        severity: 'crit',
        code: 'conntrack-table-full',
        message: `kernel: "nf_conntrack: table full, dropping packet" ×${node.tableFull.sinceStart} since netwatch started`,
        remedy: remedyOf('conntrack-table-full'),
      },
    ];
  }
  if (node.tableFull.lastText) {
    return [{ severity: 'info', code: 'conntrack-table-full-past', message: 'kernel log has earlier "nf_conntrack: table full" lines' }];
  }
  return [];
}

function interfaces(node: NodeState): Problem[] {
  const ifaces = interfacesOf(node);
  if (ifaces.length === 0) return [];
  const out: Problem[] = [];
  const byName = new Map(ifaces.map((i) => [i.name, i]));
  const primary = primaryInterface(node);
  const overlay = ifaces.find((i) => i.kind === 'vxlan' || i.kind === 'geneve' || i.kind === 'wireguard');
  for (const i of ifaces) {
    if (i.kind === 'bridge' && isDown(i)) {
      out.push({
        severity: 'crit',
        code: 'bridge-down',
        subject: i.name,
        message: `bridge ${i.name} is ${i.operstate}`,
        remedy: remedyOf('bridge-down', i.name),
      });
    }
    if (i.kind !== 'veth') continue;
    if (isDown(i)) {
      out.push({ severity: 'warn', code: 'veth-down', subject: i.name, message: `veth ${i.name} is ${i.operstate}` });
    }
    // The reference is the node's NIC (or the overlay device, whose MTU already has the
    // encapsulation overhead taken off); the bridge only when there is neither. A bridge takes
    // the smallest MTU of its ports, so one veth with a lowered MTU drags its bridge along: the
    // veth is flagged against the NIC, and the bridge on its own.
    const nodeRef = overlay ?? primary;
    const bridge = i.master ? byName.get(i.master) : undefined;
    const ref = nodeRef ?? bridge;
    if (ref && i.mtu && ref.mtu && i.mtu !== ref.mtu) {
      const what = ref === bridge ? `its bridge ${ref.name}` : overlay ? `overlay ${ref.name}` : `primary NIC ${ref.name}`;
      out.push({
        severity: 'warn',
        code: 'veth-mtu',
        subject: i.name,
        message: `veth ${i.name} MTU ${i.mtu} ≠ ${what} MTU ${ref.mtu}`,
        remedy: remedyOf('veth-mtu'),
      });
    }
    const r = node.rates.ifaces[i.name];
    if (r && r.dropsPerSec > 0) {
      out.push({ severity: 'warn', code: 'iface-drops', subject: i.name, message: `${i.name} dropping ${r.dropsPerSec.toFixed(1)} packets/s` });
    }
  }
  if (primary) {
    const r = node.rates.ifaces[primary.name];
    if (r && (r.dropsPerSec > 0 || r.errorsPerSec > 0)) {
      out.push({
        severity: 'warn',
        code: 'iface-drops',
        subject: primary.name,
        message: `${primary.name} drops ${r.dropsPerSec.toFixed(1)}/s errors ${r.errorsPerSec.toFixed(1)}/s`,
      });
    }
  }
  const nodeRef = overlay ?? primary;
  for (const b of ifaces.filter((x) => x.kind === 'bridge' && nodeRef && x.mtu !== nodeRef.mtu)) {
    if (!ifaces.some((x) => x.master === b.name)) continue;
    out.push({
      severity: 'warn',
      code: 'bridge-mtu',
      subject: b.name,
      message: `bridge ${b.name} MTU ${b.mtu} ≠ ${nodeRef!.name} MTU ${nodeRef!.mtu}`,
      remedy: remedyOf('bridge-mtu'),
    });
  }
  // hairpin: a pod cannot reach itself through its Service when the port has hairpin off and
  // the bridge is not promiscuous
  for (const b of ifaces.filter((x) => x.kind === 'bridge' && !x.promisc)) {
    const off = ifaces.filter((x) => x.master === b.name && x.kind === 'veth' && x.hairpin === false);
    if (off.length) {
      const failing = failingHairpin(node);
      out.push({
        severity: severityOf('hairpin-off', failing.length > 0),
        code: 'hairpin-off',
        subject: b.name,
        message: `${off.length} port(s) of ${b.name} with hairpin_mode 0 and bridge not promiscuous${failing.length ? `; ${failing.length} hairpin connection(s) of pods here unanswered (e.g. ${failing[0]!.src} → ${failing[0]!.dst}:${failing[0]!.dport} ${failing[0]!.state})` : ''}`,
        remedy: remedyOf('hairpin-off'),
      });
    }
  }
  return out;
}

function isDown(i: Iface): boolean {
  return i.operstate === 'down' || i.operstate === 'lowerlayerdown' || i.operstate === 'notpresent';
}

function tcp(node: NodeState): Problem[] {
  const out: Problem[] = [];
  const states = valueOf(node, 'tcpStates');
  if (states) {
    const t = { data: states };
    const syn = (t.data.SYN_SENT ?? 0) + (t.data.SYN_RECV ?? 0);
    if (syn >= 20) {
      out.push({
        severity: 'warn',
        code: 'tcp-handshakes',
        message: `${t.data.SYN_SENT ?? 0} SYN_SENT / ${t.data.SYN_RECV ?? 0} SYN_RECV sockets: handshakes not completing`,
        remedy: remedyOf('tcp-handshakes'),
      });
    }
  }
  const fails = node.rates.tcpAttemptFailsPerSec ?? 0;
  if (fails >= 5) {
    out.push({ severity: 'warn', code: 'tcp-attempt-fails', message: `TCP connection attempts failing ${fails.toFixed(1)}/s` });
  }
  return out;
}

function sysctls(node: NodeState): Problem[] {
  const facts = valueOf(node, 'facts');
  if (!facts) return [];
  const f = { data: facts };
  const out: Problem[] = [];
  const sc = f.data.sysctl;
  const hasBridge = interfacesOf(node).some((i) => i.kind === 'bridge');
  if (sc['net.ipv4.ip_forward'] === '0' && (hasBridge || node.kube)) {
    out.push({ severity: severityOf('ip-forward', !!node.kube?.pods.length), code: 'ip-forward', message: 'net.ipv4.ip_forward = 0: pods cannot be routed', remedy: remedyOf('ip-forward') });
  }
  if (hasBridge && node.kube && sc['net.bridge.bridge-nf-call-iptables'] !== '1') {
    out.push({
      severity: 'warn',
      code: 'br-nf-call-iptables',
      message: `net.bridge.bridge-nf-call-iptables ${sc['net.bridge.bridge-nf-call-iptables'] ?? 'missing (br_netfilter not loaded)'}: bridged pod traffic bypasses iptables`,
      remedy: remedyOf('br-nf-call-iptables'),
    });
  }
  if (sc['net.ipv4.tcp_tw_recycle'] === '1' && sc['net.ipv4.tcp_timestamps'] === '1') {
    out.push({
      severity: 'warn',
      code: 'tw-recycle',
      message: 'tcp_tw_recycle=1 with tcp_timestamps=1: SYNs from pods behind one SNAT IP get dropped',
      remedy: remedyOf('tw-recycle'),
    });
  }
  if (f.data.selinuxEnforcing && node.kube) {
    const looping = crashLoopingPods(node);
    out.push(
      looping.length
        ? {
            severity: severityOf('selinux', true),
            code: 'selinux',
            message: `SELinux enforcing and ${looping.length} pod(s) here crash-loop (${looping.slice(0, 2).map((p) => `${p.namespace}/${p.name}`).join(', ')}${looping.length > 2 ? ', …' : ''})`,
            remedy: remedyOf('selinux'),
          }
        : { severity: severityOf('selinux'), code: 'selinux', message: 'SELinux enforcing (check it if CNI pods crash-loop)', remedy: remedyOf('selinux') },
    );
  }
  return out;
}

function neighbours(node: NodeState): Problem[] {
  const neigh = valueOf(node, 'neighbours');
  if (!neigh || !node.kube || !isLive(node)) return [];
  const podIps = new Set(node.kube.pods.flatMap((p) => p.podIPs));
  const bad = neigh.filter((x) => podIps.has(x.ip) && /INCOMPLETE|FAILED/.test(x.state));
  return bad.map((x) => ({
    severity: 'warn' as const,
    code: 'neigh-failed',
    subject: x.ip,
    message: `neighbour ${x.ip} on ${x.dev} is ${x.state}`,
  }));
}

function pods(node: NodeState): Problem[] {
  const k = node.kube;
  // a node that is not live (or never listed its interfaces) has no data to judge its pods on:
  // its pods are unknown, not faulty
  if (!k || !isLive(node) || node.model.interfaces.value === undefined) return [];
  const out: Problem[] = [];
  const primary = primaryInterface(node);
  for (const l of k.links) {
    if (l.pod.hostNetwork || l.pod.phase === 'Succeeded' || l.pod.phase === 'Failed') continue;
    const id = `${l.pod.namespace}/${l.pod.name}`;
    if (!l.iface) {
      if (l.pod.podIPs.length) out.push({ severity: 'warn', code: 'pod-no-veth', subject: id, message: `pod ${id} (${l.pod.podIPs[0]}) has no veth on the node` });
      continue;
    }
    if (primary && l.iface.mtu !== primary.mtu && !l.iface.master) {
      out.push({ severity: 'warn', code: 'pod-mtu', subject: id, message: `pod ${id} veth ${l.iface.name} MTU ${l.iface.mtu} ≠ node ${primary.name} MTU ${primary.mtu}` });
    }
    if (isDown(l.iface)) out.push({ severity: 'crit', code: 'pod-veth-down', subject: id, message: `pod ${id} veth ${l.iface.name} is ${l.iface.operstate}` });
  }
  for (const v of k.strayVeths) {
    const ns = v.linkNetns ? ` (peer in netns ${v.linkNetns})` : '';
    out.push({ severity: severityOf('veth-no-pod'), code: 'veth-no-pod', subject: v.name, message: `veth ${v.name} belongs to no pod on this node${ns}`, remedy: remedyOf('veth-no-pod', v.name) });
  }
  return out;
}

function transport(node: NodeState): Problem[] {
  const st = node.status;
  if (st.kind === 'failed') return [{ severity: 'crit', code: 'node-failed', message: st.reason }];
  if (st.kind === 'reconnecting') return [{ severity: 'crit', code: 'node-unreachable', message: st.reason }];
  if (st.kind === 'stale') return [{ severity: 'warn', code: 'node-stale', message: `no fresh sample for ${Math.round(st.ageMs / 1000)}s: ${st.reason}` }];
  const slow: Problem[] = node.link?.slow ? [{ severity: 'warn', code: 'slow-link', message: slowLinkText(node.link) }] : [];
  // every collector whose last read failed; its last good value (if any) is still used
  return [...slow, ...collectorErrors(node).map((e) => ({
    severity: 'info' as const,
    code: 'collector-error',
    subject: e.name,
    message: `${e.name}: ${e.error}${node.model[e.name].value !== undefined ? ' (showing the last good value)' : ''}`,
  }))];
}

/** a normal user's local netwatch: what it cannot read, said once on the node's row */
function privileges(node: NodeState): Problem[] {
  const list = node.needsRoot;
  if (!list?.length) return [];
  const what = list.map((n) => n.what.replace(/[:(].*$/, '').trim());
  return [{ severity: 'info', code: 'needs-root', message: `not root: ${what.join('; ')} need root`, remedy: remedyOf('needs-root') }];
}

/** unanswered hairpin connections (slow collector) of this node's pods (any, when the pod IPs are unknown) */
function failingHairpin(node: NodeState): HairpinConn[] {
  const conns = valueOf(node, 'hairpin') ?? [];
  if (!conns.length) return [];
  const ips = new Set((node.kube?.pods ?? []).filter((p) => !p.hostNetwork).flatMap((p) => p.podIPs));
  return ips.size ? conns.filter((c) => ips.has(c.src)) : conns;
}

/** stale processes holding a pod's port (state/stale.ts): only from a live node's last check */
function staleProcesses(node: NodeState): Problem[] {
  return isLive(node) ? staleProblems(node.stale) : [];
}

const CHECKS = [transport, privileges, conntrack, tableFull, interfaces, tcp, sysctls, neighbours, pods, staleProcesses];

/** the new node rules (issue 10): each one check of the catalogue, saying n/a or cannot tell on its own */
export const NODE_RULES: readonly NodeRule[] = [forwardDrop, backendSplit, kubeProxyChains, ipvsSynRecv, agentMissing, agentCrashloop, podNoRoute, podCidrNoRoute];

/** all problems of a node, worst first */
export function evaluate(node: NodeState): Problem[] {
  const more = NODE_RULES.flatMap((r) => {
    const o = r.run(node);
    return isSkip(o) ? [] : o;
  });
  return [...CHECKS.flatMap((c) => c(node)), ...more].sort((a, b) => RANK[a.severity] - RANK[b.severity]);
}

/* ---------- verdicts: why a check of the older rules did not flag ---------- */

type Skip = { na: string } | { cannot: string } | undefined;
const hasKind = (node: NodeState, kind: Iface['kind']) => interfacesOf(node).some((i) => i.kind === kind);
const needsLive = (node: NodeState): Skip => (isLive(node) ? undefined : { cannot: `node not live (${node.status.kind})` });
const needs = (node: NodeState, c: Parameters<typeof missing>[1]): Skip => {
  const why = missing(node, c);
  return why ? { cannot: why } : undefined;
};
const needsRate = (v: number | undefined): Skip => (v === undefined ? { cannot: 'a rate needs two samples' } : undefined);
const ifaceGate = (kind: Iface['kind'], what: string) => (node: NodeState): Skip => needs(node, 'interfaces') ?? (hasKind(node, kind) ? undefined : { na: `no ${what} on this node` });
const podGate = (node: NodeState): Skip =>
  needsLive(node) ?? (node.kube ? (node.model.interfaces.value === undefined ? needs(node, 'interfaces') : undefined) : { cannot: 'no pod list (no Kubernetes API)' });
const sysctl = (node: NodeState, name: string): Skip => {
  const f = valueOf(node, 'facts');
  if (!f) return needs(node, 'facts');
  return f.sysctl[name] === undefined ? { na: `${name} does not exist on this node` } : undefined;
};

const GATES: Record<string, (node: NodeState) => Skip> = {
  'conntrack-fill': (n) => (n.model.conntrack.status === 'nodata' && !n.model.conntrack.value ? { na: `no conntrack (${n.model.conntrack.text ?? 'module not loaded'})` } : needs(n, 'conntrack')),
  'conntrack-drops': (n) => GATES['conntrack-fill']!(n) ?? needsRate(n.rates.conntrackDropsPerSec),
  'conntrack-table-full': (n) => (n.needsRoot?.some((x) => /kmsg|kernel log/i.test(`${x.what} ${x.path}`)) ? { cannot: 'the kernel log needs root' } : undefined),
  'conntrack-table-full-past': (n) => GATES['conntrack-table-full']!(n),
  'bridge-down': ifaceGate('bridge', 'bridge'),
  'bridge-mtu': ifaceGate('bridge', 'bridge'),
  'hairpin-off': ifaceGate('bridge', 'bridge'),
  'veth-down': ifaceGate('veth', 'veth'),
  'veth-mtu': ifaceGate('veth', 'veth'),
  'iface-drops': (n) => needs(n, 'interfaces') ?? (Object.keys(n.rates.ifaces).length ? undefined : { cannot: 'a rate needs two samples' }),
  'tcp-handshakes': (n) => needs(n, 'tcpStates'),
  'tcp-attempt-fails': (n) => needs(n, 'tcpCounters') ?? needsRate(n.rates.tcpAttemptFailsPerSec),
  'ip-forward': (n) => sysctl(n, 'net.ipv4.ip_forward') ?? (hasKind(n, 'bridge') || n.kube ? undefined : { na: 'no bridge and no pods' }),
  'br-nf-call-iptables': (n) => needs(n, 'facts') ?? needs(n, 'interfaces') ?? (hasKind(n, 'bridge') && n.kube ? undefined : { na: 'not a bridge CNI node with pods' }),
  'tw-recycle': (n) => sysctl(n, 'net.ipv4.tcp_tw_recycle'),
  selinux: (n) => needs(n, 'facts') ?? (valueOf(n, 'facts')!.selinuxEnforcing === undefined ? { na: 'no SELinux' } : n.kube ? undefined : { na: 'not a Kubernetes node' }),
  'neigh-failed': (n) => needsLive(n) ?? (n.kube && (n.kube.status.kind === 'ok' || n.kube.pods.length) ? needs(n, 'neighbours') : { cannot: 'no pod IPs (no Kubernetes API)' }),
  'pod-no-veth': podGate,
  'pod-mtu': podGate,
  'pod-veth-down': podGate,
  'veth-no-pod': (n) => podGate(n) ?? (n.kube!.pods.length ? undefined : { na: 'no pod on this node' }),
};

/**
 * Every check of the catalogue on this node: flagged (with its problems), ok, n/a (with why) or
 * cannot tell (with why: tool missing, permission, no API, collector error or pending, node not
 * live). `problems` defaults to the node's own (what the store evaluated, with the pool and
 * Services problems added elsewhere).
 */
export function verdicts(node: NodeState, problems: readonly Problem[] = node.problems): CheckVerdict[] {
  const rules = new Map(NODE_RULES.map((r) => [r.id, r]));
  return CATALOGUE.map((c): CheckVerdict => {
    const mine = problems.filter((p) => p.code === c.id);
    if (mine.length) return { id: c.id, verdict: 'flagged', reason: mine.map((p) => p.message).join('; '), problems: mine };
    let skip: Skip;
    const rule = rules.get(c.id);
    if (c.group !== 'link' && !isLive(node)) skip = { cannot: `node not live (${node.status.kind})` };
    else if (rule) {
      const o = rule.run(node);
      skip = isSkip(o) ? o : undefined;
    } else if (c.evaluatedBy) skip = { cannot: `judged by the ${c.evaluatedBy}, which has not flagged it here` };
    else if (c.group !== 'link') skip = GATES[c.id]?.(node);
    if (!skip) return { id: c.id, verdict: 'ok' };
    return 'na' in skip ? { id: c.id, verdict: 'n/a', reason: skip.na } : { id: c.id, verdict: 'cannot-tell', reason: skip.cannot };
  });
}

export function fmtDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '∞';
  if (sec < 90) return `${Math.round(sec)}s`;
  if (sec < 5400) return `${Math.round(sec / 60)}m`;
  return `${(sec / 3600).toFixed(1)}h`;
}
