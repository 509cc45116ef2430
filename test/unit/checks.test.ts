/**
 * The check catalogue and the node rules of issue 10, on node states built from model values
 * (modelWith). Rule sets are written as iptables-save prints them (shaped after Docker ≥ 1.12's
 * FORWARD chain, flannel's FLANNEL-FWD, kube-proxy's nat and filter chains in iptables mode) and
 * turned into IptRuleset by the small reader below (the real parser is the slow collector's).
 */
import { describe, expect, it } from 'vitest';
import type { ContainerInfo, IptChain, IptRule, IptRuleset, IptablesState, Iface, PodInfo, Route } from '../../src/sources/types.js';
import { CATALOGUE, checkDef, severityOf } from '../../src/state/catalogue.js';
import { agentOf } from '../../src/state/checks/agents.js';
import { cidrContains, parseCidr4 } from '../../src/state/checks/outcome.js';
import { modelWith, type CollectorValues } from '../../src/state/model.js';
import { linkPods } from '../../src/state/podlinks.js';
import { evaluate, verdicts } from '../../src/state/rules.js';
import { newNode } from '../../src/state/store.js';
import type { NodeState } from '../../src/state/types.js';
import { checkLines } from '../../src/ui/detail.js';
import { checkRows } from '../../src/ui/select.js';
import { textReport } from '../../src/cli/report.js';

/** iptables-save text → IptRuleset (tables, chains with policies, rules with the fields the checks read) */
function ruleset(text: string): IptRuleset {
  const tables: IptRuleset['tables'] = {};
  let t: Record<string, IptChain> = {};
  let count = 0;
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line.startsWith('*')) tables[line.slice(1)] = t = {};
    else if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(' ');
      t[name!] = { policy: policy === '-' ? undefined : policy, rules: [] };
    } else if (line.startsWith('-A ')) {
      const [, chain, ...rest] = line.split(' ');
      const spec = rest.join(' ');
      const opt = (re: RegExp) => re.exec(spec)?.slice(1).join('') || undefined;
      const r: IptRule = {
        spec,
        target: opt(/-[jg] (\S+)/),
        comment: opt(/--comment "?([^"]*)"?/),
        source: opt(/(! )?-s (\S+)/)?.replace('! ', '!'),
        dest: opt(/(! )?-d (\S+)/)?.replace('! ', '!'),
        inIface: opt(/(! )?-i (\S+)/)?.replace('! ', '!'),
        outIface: opt(/(! )?-o (\S+)/)?.replace('! ', '!'),
      };
      t[chain!]!.rules.push(r);
      count++;
    }
  }
  return { hash: String(count), tables, ruleCount: count };
}

const EMPTY_FILTER = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
COMMIT`;

// Docker ≥ 1.12 on a kubenet node: FORWARD policy DROP, accepts only for docker0
const DOCKER_FORWARD = `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-ISOLATION-STAGE-1 - [0:0]
:DOCKER-ISOLATION-STAGE-2 - [0:0]
:DOCKER-USER - [0:0]
:KUBE-FORWARD - [0:0]
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-ISOLATION-STAGE-1
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A FORWARD -i docker0 -o docker0 -j ACCEPT
-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
-A DOCKER-ISOLATION-STAGE-1 -j RETURN
-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
-A DOCKER-ISOLATION-STAGE-2 -j RETURN
-A DOCKER-USER -j RETURN
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT`;

// flannel: FORWARD DROP, but FLANNEL-FWD accepts the cluster CIDR both ways
const FLANNEL_FORWARD = `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:FLANNEL-FWD - [0:0]
-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD
-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT
-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT
COMMIT`;

// kube-proxy in iptables mode (nat), with KUBE-MARK-DROP as kubelet < 1.28 made it
const KUBE_PROXY_NAT = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-MARK-DROP - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-NPX46M4PTMTKRN6Y - [0:0]
:KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A KUBE-MARK-DROP -j MARK --set-xmark 0x8000/0x8000
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https -> 198.18.0.10:6443" -j KUBE-SEP-SXIVWICOYRO3J4NJ
-A KUBE-SEP-SXIVWICOYRO3J4NJ -s 198.18.0.10/32 -m comment --comment "default/kubernetes:https" -j KUBE-MARK-MASQ
-A KUBE-SEP-SXIVWICOYRO3J4NJ -p tcp -m comment --comment "default/kubernetes:https" -m tcp -j DNAT --to-destination 198.18.0.10:6443
COMMIT`;

// kubelet's chains only (what kubelet < 1.28 wrote through the host's iptables)
const KUBELET_NAT = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-MARK-DROP - [0:0]
:KUBE-MARK-MASQ - [0:0]
-A KUBE-MARK-DROP -j MARK --set-xmark 0x8000/0x8000
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
COMMIT`;

const ok = (text: string) => ({ status: 'ok' as const, data: ruleset(text) });
const ipt = (legacy: string | undefined, nft: string | undefined, mode: 'legacy' | 'nft' = 'nft'): IptablesState => ({
  version: mode === 'nft' ? 'iptables v1.8.9 (nf_tables)' : 'iptables v1.8.9 (legacy)',
  mode,
  backends: {
    legacy: legacy === undefined ? { status: 'nodata', reason: 'iptables-legacy-save not found' } : ok(legacy),
    nft: nft === undefined ? { status: 'nodata', reason: 'iptables-nft-save not found' } : ok(nft),
  },
});

function iface(p: Partial<Iface> & { name: string }): Iface {
  return { ifindex: 1, iflink: 1, kind: 'device', mtu: 1500, operstate: 'up', flags: 0x1003, adminUp: true, promisc: false, ...p };
}

const container = (name: string, p: Partial<ContainerInfo> = {}): ContainerInfo => ({ name, kind: 'container', ready: true, restartCount: 0, state: 'running', ports: [], ...p });

function pod(name: string, p: Partial<PodInfo> = {}): PodInfo {
  return { namespace: 'default', name, uid: `uid-${name}`, nodeName: 'n1', phase: 'Running', podIPs: [], hostNetwork: false, containers: [container('app')], ...p };
}

// kubenet-style bridge node: eth0, cbr0 with 10.244.1.0/24, two veths
const BRIDGE_IFACES = [
  iface({ name: 'eth0', ifindex: 2, iflink: 2 }),
  iface({ name: 'cbr0', ifindex: 3, iflink: 3, kind: 'bridge' }),
  iface({ name: 'veth1', ifindex: 4, iflink: 3, kind: 'veth', master: 'cbr0', linkNetnsId: 0 }),
];
const BRIDGE_ROUTES: Route[] = [
  { dst: 'default', gateway: '198.18.0.1', dev: 'eth0', family: 4 },
  { dst: '198.18.0.0/24', dev: 'eth0', proto: 'kernel', scope: 'link', src: '198.18.0.11', family: 4 },
  { dst: '10.244.1.0/24', dev: 'cbr0', proto: 'kernel', scope: 'link', src: '10.244.1.1', family: 4 },
];

interface Build {
  values?: Partial<CollectorValues>;
  pods?: PodInfo[];
  podCIDRs?: string[];
  api?: boolean;
  live?: boolean;
}

function node(b: Build): NodeState {
  const values = { interfaces: BRIDGE_IFACES, routes4: BRIDGE_ROUTES, ...b.values };
  let n: NodeState = { ...newNode('n1', undefined, 0), status: b.live === false ? { kind: 'reconnecting', since: 0, attempt: 1, nextAttemptAt: 1, reason: 'connection refused' } : { kind: 'live', since: 0 }, model: modelWith(values, 1000) };
  if (b.api !== false && (b.pods || b.podCIDRs)) {
    n = { ...n, kube: { node: { name: 'n1', addresses: [], labels: {}, podCIDRs: b.podCIDRs ?? [], ready: true }, pods: b.pods ?? [], status: { kind: 'ok' }, links: [], strayVeths: [] } };
    n = { ...n, kube: { ...n.kube!, ...linkPods(n) } };
  }
  return { ...n, problems: evaluate(n) };
}

const verdictOf = (n: NodeState, id: string) => verdicts(n).find((v) => v.id === id)!;
const codes = (n: NodeState) => n.problems.map((p) => p.code);

describe('the catalogue', () => {
  it('has every code the rules can produce, once, each with what it reads, healthy, flag and source', () => {
    const ids = CATALOGUE.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of CATALOGUE) for (const k of ['title', 'reads', 'healthy', 'flag', 'source'] as const) expect(c[k], `${c.id}.${k}`).toBeTruthy();
    for (const id of ['iptables-forward-drop', 'iptables-backend-split', 'kube-proxy-chains', 'ipvs-syn-recv', 'agent-missing', 'agent-crashloop', 'pod-no-route', 'podcidr-no-route', 'stale-process', 'pool-outlier', 'service-rules', 'veth-no-pod', 'hairpin-off', 'selinux']) {
      expect(ids).toContain(id);
    }
    expect(() => checkDef('no-such-check')).toThrow();
  });
  it('gives every verdict of a node, one per check; problems only for flagged ones and with the catalogue severity', () => {
    const n = node({ values: { iptables: ipt(undefined, DOCKER_FORWARD), agents: [] }, podCIDRs: ['10.244.1.0/24'], pods: [] });
    const v = verdicts(n);
    expect(v.map((x) => x.id)).toEqual(CATALOGUE.map((c) => c.id));
    for (const p of n.problems) {
      const c = checkDef(p.code);
      expect([c.severity, c.escalates?.severity]).toContain(p.severity);
    }
    for (const x of v) expect(x.verdict === 'flagged').toBe(n.problems.some((p) => p.code === x.id));
  });
  it('says cannot tell, not ok, for a node that is not live', () => {
    const n = node({ live: false, values: { iptables: ipt(undefined, EMPTY_FILTER) } });
    expect(verdictOf(n, 'iptables-forward-drop')).toMatchObject({ verdict: 'cannot-tell', reason: expect.stringMatching(/not live/) });
    expect(verdictOf(n, 'node-unreachable').verdict).toBe('flagged');
  });
});

describe('iptables-forward-drop', () => {
  it('flags Docker’s FORWARD DROP on a pod node: its accepts are for docker0 or conditional, KUBE-FORWARD accepts only marked packets', () => {
    const n = node({ values: { iptables: ipt(undefined, DOCKER_FORWARD) }, podCIDRs: ['10.244.1.0/24'], pods: [] });
    const p = n.problems.find((x) => x.code === 'iptables-forward-drop')!;
    expect(p).toMatchObject({ severity: 'crit', subject: 'nft' });
    expect(p.message).toMatch(/10\.244\.1\.0\/24 \(spec\.podCIDRs\)/);
    expect(p.remedy).toMatch(/-P FORWARD ACCEPT/);
  });
  it('is quiet when flannel’s chain accepts the cluster CIDR, or the policy is ACCEPT', () => {
    expect(codes(node({ values: { iptables: ipt(undefined, FLANNEL_FORWARD) }, podCIDRs: ['10.244.1.0/24'], pods: [] }))).not.toContain('iptables-forward-drop');
    const n = node({ values: { iptables: ipt(undefined, EMPTY_FILTER) }, podCIDRs: ['10.244.1.0/24'], pods: [] });
    expect(verdictOf(n, 'iptables-forward-drop').verdict).toBe('ok');
  });
  it('counts an unconditional ACCEPT and an -i for the pod bridge, not one for another device', () => {
    const drop = (rule: string) => `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n${rule}\nCOMMIT`;
    const flagged = (rule: string) => codes(node({ values: { iptables: ipt(undefined, drop(rule)) }, podCIDRs: ['10.244.1.0/24'], pods: [] })).includes('iptables-forward-drop');
    expect(flagged('-A FORWARD -j ACCEPT')).toBe(false);
    expect(flagged('-A FORWARD -i cbr0 -j ACCEPT')).toBe(false);
    expect(flagged('-A FORWARD -i docker0 -j ACCEPT')).toBe(true);
    expect(flagged('-A FORWARD -s 10.0.0.0/8 -j ACCEPT')).toBe(false);
    expect(flagged('-A FORWARD -s 10.245.0.0/16 -j ACCEPT')).toBe(true);
    expect(flagged('-A FORWARD -p tcp --dport 80 -j ACCEPT')).toBe(true);
    expect(flagged('-A FORWARD -j DROP\n-A FORWARD -j ACCEPT')).toBe(true);
  });
  it('takes the pod CIDR from the routes without the API; cannot tell without any', () => {
    expect(codes(node({ values: { iptables: ipt(undefined, DOCKER_FORWARD) } }))).toContain('iptables-forward-drop');
    const bare = node({ values: { iptables: ipt(undefined, DOCKER_FORWARD), interfaces: [BRIDGE_IFACES[0]!], routes4: BRIDGE_ROUTES.slice(0, 2) } });
    expect(verdictOf(bare, 'iptables-forward-drop')).toMatchObject({ verdict: 'cannot-tell', reason: expect.stringMatching(/pod CIDR is unknown/) });
  });
  it('cannot tell before the slow collector read, or when no backend could be read', () => {
    expect(verdictOf(node({ podCIDRs: ['10.244.1.0/24'] }), 'iptables-forward-drop')).toMatchObject({ verdict: 'cannot-tell', reason: 'iptables not read yet' });
    const none = node({ values: { iptables: ipt(undefined, undefined) }, podCIDRs: ['10.244.1.0/24'] });
    expect(verdictOf(none, 'iptables-forward-drop')).toMatchObject({ verdict: 'cannot-tell', reason: expect.stringMatching(/not found/) });
  });
});

describe('iptables-backend-split', () => {
  it('flags rules in both backends with the counts and the backend `iptables` uses', () => {
    const n = node({ values: { iptables: ipt(KUBELET_NAT, KUBE_PROXY_NAT, 'nft') } });
    const p = n.problems.find((x) => x.code === 'iptables-backend-split')!;
    expect(p.message).toMatch(/legacy 2 rules, nft 11 rules; `iptables` uses nft \(iptables v1\.8\.9 \(nf_tables\)\)/);
  });
  it('is quiet with empty built-in chains in one backend; cannot tell when a backend cannot be read', () => {
    expect(verdictOf(node({ values: { iptables: ipt(EMPTY_FILTER, KUBE_PROXY_NAT) } }), 'iptables-backend-split').verdict).toBe('ok');
    expect(verdictOf(node({ values: { iptables: ipt(undefined, KUBE_PROXY_NAT) } }), 'iptables-backend-split')).toMatchObject({ verdict: 'cannot-tell', reason: expect.stringMatching(/legacy: iptables-legacy-save not found/) });
  });
});

describe('kube-proxy-chains', () => {
  const kp = [{ name: 'kube-proxy', pid: 812 }];
  it('is n/a without kube-proxy, ok with its chains, cannot tell without the process list', () => {
    expect(verdictOf(node({ values: { agents: [], iptables: ipt(EMPTY_FILTER, undefined) } }), 'kube-proxy-chains').verdict).toBe('n/a');
    expect(verdictOf(node({ values: { agents: kp, iptables: ipt(EMPTY_FILTER, KUBE_PROXY_NAT) } }), 'kube-proxy-chains').verdict).toBe('ok');
    expect(verdictOf(node({ values: { iptables: ipt(EMPTY_FILTER, KUBE_PROXY_NAT) } }), 'kube-proxy-chains').verdict).toBe('cannot-tell');
  });
  it('flags kube-proxy running without nat KUBE-SERVICES in any backend', () => {
    const n = node({ values: { agents: kp, iptables: ipt(EMPTY_FILTER, EMPTY_FILTER) } });
    expect(n.problems.find((p) => p.code === 'kube-proxy-chains')).toMatchObject({ subject: 'KUBE-SERVICES', severity: 'crit' });
  });
  it('IPVS mode: KUBE-SERVICES missing matters only when IPVS has no virtual server either', () => {
    const ipvs = { services: [{ proto: 'TCP', addr: '10.96.0.1', port: 443, scheduler: 'rr', reals: [] }], conns: {} };
    const withKubeIpvs = [...BRIDGE_IFACES, iface({ name: 'kube-ipvs0', ifindex: 9, iflink: 9, kind: 'dummy' })];
    expect(codes(node({ values: { agents: kp, ipvs, interfaces: withKubeIpvs, iptables: ipt(EMPTY_FILTER, undefined) } }))).not.toContain('kube-proxy-chains');
    expect(codes(node({ values: { agents: kp, ipvs: { services: [], conns: {} }, interfaces: withKubeIpvs, iptables: ipt(EMPTY_FILTER, undefined) } }))).toContain('kube-proxy-chains');
  });
  it('flags KUBE-MARK-DROP missing in kube-proxy’s backend while kubelet made it in the other (the post-mortem), not its absence alone (≥ 1.28)', () => {
    const noDrop = KUBE_PROXY_NAT.replace(':KUBE-MARK-DROP - [0:0]\n', '').replace('-A KUBE-MARK-DROP -j MARK --set-xmark 0x8000/0x8000\n', '');
    const split = node({ values: { agents: kp, iptables: ipt(noDrop, KUBELET_NAT, 'nft') } });
    expect(split.problems.find((p) => p.code === 'kube-proxy-chains' && p.subject === 'KUBE-MARK-DROP')?.message).toMatch(/legacy backend kube-proxy uses/);
    expect(codes(node({ values: { agents: kp, iptables: ipt(EMPTY_FILTER, noDrop) } }))).not.toContain('kube-proxy-chains');
  });
});

describe('ipvs-syn-recv', () => {
  const vs = 'TCP 0A60000A:0035';
  it('warns at 20 SYN_RECV to one virtual server, crit at 100; n/a without IPVS', () => {
    const at = (n: number) => node({ values: { ipvs: { services: [], conns: { [vs]: { SYN_RECV: n, ESTABLISHED: 3 } } } } });
    expect(codes(at(19))).not.toContain('ipvs-syn-recv');
    expect(at(20).problems.find((p) => p.code === 'ipvs-syn-recv')).toMatchObject({ severity: 'warn', subject: vs });
    expect(at(100).problems.find((p) => p.code === 'ipvs-syn-recv')!.severity).toBe('crit');
    const n = node({});
    n.model.ipvs = { periodMs: 60_000, status: 'nodata', statusAt: 1000, text: 'no /proc/net/ip_vs (ip_vs not loaded)' };
    expect(verdictOf(n, 'ipvs-syn-recv').verdict).toBe('n/a');
  });
});

describe('node agents', () => {
  const ds = (name: string) => ({ kind: 'DaemonSet', name });
  const calico = (p: Partial<PodInfo> = {}) => pod('calico-node-x7k2p', { namespace: 'kube-system', owner: ds('calico-node'), hostNetwork: true, containers: [container('calico-node')], ...p });
  it('knows agents by DaemonSet owner and container or pod name', () => {
    expect(agentOf(calico())?.agent).toBe('calico-node');
    expect(agentOf(pod('cilium-4xk2p', { owner: ds('cilium'), containers: [container('cilium-agent')] }))?.agent).toBe('cilium');
    expect(agentOf(pod('calico-node-x7k2p', { owner: { kind: 'ReplicaSet', name: 'x' } }))).toBeUndefined();
  });
  it('flags a Running, ready agent pod with no such process; quiet when it runs; cannot tell without the process list', () => {
    const missing = node({ pods: [calico()], values: { agents: [{ name: 'kube-proxy', pid: 9 }] } });
    expect(missing.problems.find((p) => p.code === 'agent-missing')).toMatchObject({ severity: 'crit', subject: 'kube-system/calico-node-x7k2p' });
    expect(codes(node({ pods: [calico()], values: { agents: [{ name: 'calico-node', pid: 1234 }] } }))).not.toContain('agent-missing');
    expect(verdictOf(node({ pods: [calico()] }), 'agent-missing')).toMatchObject({ verdict: 'cannot-tell', reason: 'agents not read yet' });
    expect(verdictOf(node({ pods: [pod('web')], values: { agents: [] } }), 'agent-missing').verdict).toBe('n/a');
    expect(verdictOf(node({ values: { agents: [] } }), 'agent-missing')).toMatchObject({ verdict: 'cannot-tell', reason: 'no Kubernetes API' });
  });
  it('flags a crash-looping agent container, not as missing; SELinux enforcing is raised to warn by it', () => {
    const looping = calico({ containers: [container('calico-node', { ready: false, state: 'CrashLoopBackOff', restartCount: 7, lastTerminated: { reason: 'Error', exitCode: 1 } })] });
    const n = node({ pods: [looping], values: { agents: [], facts: { sysctl: {}, selinuxEnforcing: true } } });
    expect(n.problems.find((p) => p.code === 'agent-crashloop')!.message).toMatch(/calico-node .* CrashLoopBackOff \(7 restarts, last exit Error \(1\)\)/);
    expect(codes(n)).not.toContain('agent-missing');
    expect(n.problems.find((p) => p.code === 'selinux')).toMatchObject({ severity: 'warn' });
    expect(node({ pods: [calico()], values: { agents: [{ name: 'calico-node', pid: 1 }], facts: { sysctl: {}, selinuxEnforcing: true } } }).problems.find((p) => p.code === 'selinux')!.severity).toBe('info');
  });
});

describe('routes', () => {
  // Calico-style routed node: a /32 per pod to its cali* veth, the block as blackhole (no device)
  const calicoIfaces = [iface({ name: 'eth0', ifindex: 2, iflink: 2 }), iface({ name: 'cali1', ifindex: 5, iflink: 4, kind: 'veth', linkNetnsId: 1 }), iface({ name: 'cali2', ifindex: 6, iflink: 4, kind: 'veth', linkNetnsId: 2 })];
  const calicoRoutes: Route[] = [
    { dst: 'default', gateway: '198.18.0.1', dev: 'eth0', family: 4 },
    { dst: '198.18.0.0/24', dev: 'eth0', proto: 'kernel', scope: 'link', src: '198.18.0.12', family: 4 },
    { dst: '10.0.7.0/26', proto: 'bird', family: 4 },
    { dst: '10.0.7.1', dev: 'cali1', scope: 'link', family: 4 },
  ];
  const pods = [pod('a', { podIPs: ['10.0.7.1'] }), pod('b', { podIPs: ['10.0.7.2'] })];
  it('flags a pod IP without route on a routed node, and is n/a on a bridge node', () => {
    const n = node({ values: { interfaces: calicoIfaces, routes4: calicoRoutes }, pods });
    expect(n.problems.filter((p) => p.code === 'pod-no-route').map((p) => p.subject)).toEqual(['default/b']);
    const ok = node({ values: { interfaces: calicoIfaces, routes4: [...calicoRoutes, { dst: '10.0.7.2', dev: 'cali2', scope: 'link', family: 4 }] }, pods });
    expect(verdictOf(ok, 'pod-no-route').verdict).toBe('ok');
    expect(verdictOf(node({ pods: [pod('c', { podIPs: ['10.244.1.5'] })] }), 'pod-no-route').verdict).toBe('n/a');
  });
  it('flags a bridge node whose spec.podCIDR has no route; cannot tell without the API', () => {
    expect(verdictOf(node({ podCIDRs: ['10.244.1.0/24'], pods: [] }), 'podcidr-no-route').verdict).toBe('ok');
    const n = node({ podCIDRs: ['10.244.2.0/24'], pods: [] });
    expect(n.problems.find((p) => p.code === 'podcidr-no-route')).toMatchObject({ severity: 'crit', subject: '10.244.2.0/24' });
    expect(verdictOf(node({}), 'podcidr-no-route').verdict).toBe('cannot-tell');
    expect(verdictOf(node({ values: { interfaces: calicoIfaces, routes4: calicoRoutes }, podCIDRs: ['10.0.7.0/24'], pods: [] }), 'podcidr-no-route').verdict).toBe('n/a');
  });
});

describe('veth-no-pod and hairpin-off', () => {
  it('counts a veth whose peer is in a named netns (link-netns cni-…) when no pod maps to it', () => {
    const ifaces = [...BRIDGE_IFACES.slice(0, 2), iface({ name: 'veth9', ifindex: 7, iflink: 3, kind: 'veth', master: 'cbr0', linkNetns: 'cni-5f1c2a3b-0d4e-6f78-9a0b-1c2d3e4f5a6b' })];
    const n = node({ values: { interfaces: ifaces }, pods: [pod('web', { podIPs: ['10.244.1.9'] })], podCIDRs: ['10.244.1.0/24'] });
    expect(n.problems.find((p) => p.code === 'veth-no-pod')).toMatchObject({ subject: 'veth9', message: expect.stringMatching(/netns cni-5f1c/) });
  });
  it('raises hairpin off to warn when a hairpin connection of a pod here is unanswered', () => {
    const ifaces = [...BRIDGE_IFACES.slice(0, 2), iface({ name: 'veth1', ifindex: 4, iflink: 3, kind: 'veth', master: 'cbr0', linkNetnsId: 0, hairpin: false })];
    const web = pod('web', { podIPs: ['10.244.1.9'] });
    const quiet = node({ values: { interfaces: ifaces, hairpin: [] }, pods: [web] });
    expect(quiet.problems.find((p) => p.code === 'hairpin-off')!.severity).toBe('info');
    const loud = node({ values: { interfaces: ifaces, hairpin: [{ proto: 'tcp', src: '10.244.1.9', dst: '10.96.0.20', dport: 80, state: 'SYN_SENT' }] }, pods: [web] });
    expect(loud.problems.find((p) => p.code === 'hairpin-off')).toMatchObject({ severity: severityOf('hairpin-off', true), message: expect.stringMatching(/10\.244\.1\.9 → 10\.96\.0\.20:80/) });
  });
});

describe('CIDR helpers', () => {
  it('contain and refuse', () => {
    expect(cidrContains(parseCidr4('10.0.0.0/8')!, parseCidr4('10.244.1.0/24')!)).toBe(true);
    expect(cidrContains(parseCidr4('10.244.1.0/24')!, parseCidr4('10.0.0.0/8')!)).toBe(false);
    expect(parseCidr4('fd00::/64')).toBeUndefined();
    expect(parseCidr4('10.0.0.300')).toBeUndefined();
  });
});

describe('the checks pane and --once text', () => {
  const text = (segs: { text: string }[]) => segs.map((x) => x.text).join('');
  it('lists every check: flagged ones first with ✗, then ? cannot tell, – n/a, ✓ ok, each with why; outside text sanitized', () => {
    const n = node({ values: { iptables: ipt(undefined, DOCKER_FORWARD), agents: [] }, podCIDRs: ['10.244.1.0/24'], pods: [pod('web\u001b[2J', { podIPs: ['10.244.1.9'] })] });
    const rows = checkRows(n);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(CATALOGUE.map((c) => c.id)));
    const order = rows.map((r) => r.verdict);
    expect(order).toEqual([...order].sort((a, b) => ['flagged', 'cannot-tell', 'n/a', 'ok'].indexOf(a) - ['flagged', 'cannot-tell', 'n/a', 'ok'].indexOf(b)));
    const lines = rows.map((r) => checkLines(r, 200, false).map(text));
    const drop = lines[rows.findIndex((r) => r.id === 'iptables-forward-drop')]!;
    expect(drop[0]).toMatch(/^  ✗ CRIT iptables-forward-drop/);
    expect(drop[1]).toMatch(/→ iptables -P FORWARD ACCEPT/);
    const split = lines[rows.findIndex((r) => r.id === 'iptables-backend-split')]!;
    expect(split[0]).toMatch(/^  \? CANNOT TELL iptables-backend-split/);
    expect(split[1]).toMatch(/iptables-legacy-save not found/);
    expect(lines[rows.findIndex((r) => r.id === 'kube-proxy-chains')]![0]).toMatch(/^  – N\/A {2}kube-proxy-chains/);
    expect(lines[rows.findIndex((r) => r.id === 'bridge-down')]![0]).toMatch(/^  ✓ OK {3}bridge-down/);
    for (const l of lines.flat()) expect(l).not.toContain('\u001b');
  });
  it('--once text: problems as before, then how many checks cannot tell', () => {
    const n = { ...node({ values: { iptables: ipt(undefined, DOCKER_FORWARD) }, podCIDRs: ['10.244.1.0/24'], pods: [] }), sample: { at: 1000 } as NodeState['sample'] };
    const t = textReport({ order: ['n1'], nodes: { n1: n }, interval: 1, kube: { kind: 'ok' }, ticks: 1, startedAt: 0, readonly: false, differences: [], marks: [] }).split('\n');
    expect(t[1]).toMatch(/crit: filter FORWARD policy DROP/);
    const cannot = verdicts(n).filter((v) => v.verdict === 'cannot-tell').length;
    expect(t.at(-1)).toMatch(new RegExp(`^n1: ${cannot} check\\(s\\) cannot tell \\(`));
  });
});
