// Pool outlier diff benchmark: local CPU of the diff over 500 synthetic nodes of one pool
// (state/outliers.ts), each with 10 sysctls, kernel/OS, 42 interfaces (a bridge with 40 veth
// ports), conntrack, node agents and a kube-proxy nat table of 1,000 Services (1,000 KUBE-SVC-*
// and 2,000 KUBE-SEP-* chains, ~5,000 rules); one node with ip_forward 0, one with a lower MTU,
// one with stale rules. Prints CPU ms of this process per run (user + system), median of 50:
//   full      poolDiff: every node's facts taken from its model, then the diff
//   cold      the same with every node's iptables value new: 500 nat tables of ~3,000 chains counted
//   diff      diffFacts over facts already taken (what the store runs when some node's facts changed)
//   tick      the store's pool pass on a tick where only the every-tick collectors changed
//             (interfaces, conntrack: facts taken again for all 500 nodes, diff skipped as they are the same)
// Run: npm run build && node bench/outliers.mjs [NODES]   (prints the load average: the figures scale with it)
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const dist = join(root, 'dist');
const { modelWith } = await import(join(dist, 'state/model.js'));
const { poolDiff, diffFacts, nodeFacts, poolOf } = await import(join(dist, 'state/outliers.js'));
const { createAppStore } = await import(join(dist, 'state/store.js'));

const N = Number(process.argv[2] ?? 500);
const RUNS = 50;
const AT = 1_000_000;

const rule = (target) => ({ spec: `-j ${target}`, target });
function natTable(services) {
  const nat = { PREROUTING: { policy: 'ACCEPT', rules: [rule('KUBE-SERVICES')] }, OUTPUT: { policy: 'ACCEPT', rules: [rule('KUBE-SERVICES')] }, 'KUBE-SERVICES': { rules: [] }, 'KUBE-MARK-MASQ': { rules: [rule('MARK')] } };
  for (let i = 0; i < services; i++) {
    const h = i.toString(16).toUpperCase().padStart(16, 'Q');
    nat['KUBE-SERVICES'].rules.push(rule(`KUBE-SVC-${h}`));
    nat[`KUBE-SVC-${h}`] = { rules: [rule('KUBE-MARK-MASQ'), rule(`KUBE-SEP-${h}A`), rule(`KUBE-SEP-${h}B`)] };
    nat[`KUBE-SEP-${h}A`] = { rules: [rule('KUBE-MARK-MASQ'), rule('DNAT')] };
    nat[`KUBE-SEP-${h}B`] = { rules: [rule('KUBE-MARK-MASQ'), rule('DNAT')] };
  }
  return nat;
}
const natFull = natTable(1000);
const natStale = natTable(400);
const ruleCount = (nat) => Object.values(nat).reduce((a, c) => a + c.rules.length, 0);

function iface(name, o = {}) {
  return { name, ifindex: 1, iflink: 1, kind: 'device', mtu: 1460, operstate: 'up', flags: 0x1003, adminUp: true, promisc: false, ...o };
}
function ifaces(mtu) {
  const l = [iface('lo', { kind: 'loopback', mtu: 65536 }), iface('eth0', { mtu }), iface('cbr0', { kind: 'bridge' })];
  for (let i = 0; i < 40; i++) l.push(iface(`veth${i.toString(16).padStart(8, '0')}`, { kind: 'veth', master: 'cbr0', hairpin: true, linkNetnsId: i }));
  return l;
}

function values(i) {
  const sysctl = {
    'net.ipv4.ip_forward': i === 7 ? '0' : '1',
    'net.bridge.bridge-nf-call-iptables': '1',
    'net.ipv4.tcp_tw_recycle': '0',
    'net.ipv4.tcp_timestamps': '1',
    'net.netfilter.nf_conntrack_max': '262144',
    'net.netfilter.nf_conntrack_buckets': '65536',
    'net.netfilter.nf_conntrack_tcp_timeout_established': '86400',
    'net.ipv4.ip_local_port_range': '32768 60999',
    'net.core.somaxconn': '4096',
    'net.ipv4.tcp_fin_timeout': '60',
  };
  const nat = i === 11 ? natStale : natFull;
  return {
    facts: { kernel: '6.1.100+', os: 'Container-Optimized OS from Google', sysctl },
    interfaces: ifaces(i === 3 ? 1500 : 1460),
    routes4: [{ dst: 'default', dev: 'eth0', gateway: '10.128.0.1', family: 4 }],
    conntrack: { count: 1000 + i, max: 262144 },
    iptables: { version: 'iptables v1.8.9 (nf_tables)', mode: 'nft', backends: { nft: { status: 'ok', data: { hash: 'h', tables: { nat }, ruleCount: ruleCount(nat) } } } },
    agents: [{ name: 'kube-proxy', pid: 100 }, { name: 'netd', pid: 200 }],
  };
}

const nodes = Array.from({ length: N }, (_, i) => ({ name: `gke-pool-a-${i}`, model: modelWith(values(i), AT), status: { kind: 'live' }, kube: { node: { pool: 'pool-a' } } }));

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
/** CPU time of this process (user + system) per run, ms: the machine may be loaded, wall time would count the others */
function time(fn, setup = () => {}) {
  for (let i = 0; i < 5; i++) {
    setup();
    fn();
  } // warm up
  const t = [];
  for (let i = 0; i < RUNS; i++) {
    setup();
    const a = process.cpuUsage();
    fn();
    const d = process.cpuUsage(a);
    t.push((d.user + d.system) / 1000);
  }
  return { median: median(t), max: Math.max(...t) };
}

const check = poolDiff(nodes);
const flagged = [...check.problems].map(([n, ps]) => `${n}: ${ps.map((p) => p.subject).join(', ')}`);
console.log(`${N} nodes, ${check.differences.length} differences; flagged ${flagged.join('; ')}`);

const full = time(() => poolDiff(nodes));
// every node's iptables value new (as right after every node's slow collector read it): its nat table counted again
let fresh = nodes;
const cold = time(
  () => poolDiff(fresh),
  () => {
    fresh = nodes.map((n) => ({ ...n, model: { ...n.model, iptables: { ...n.model.iptables, value: { ...n.model.iptables.value } } } }));
  },
);
const extracted = nodes.map((n) => ({ name: n.name, pool: poolOf(n), facts: nodeFacts(n) }));
const diff = time(() => diffFacts(extracted));

// the store's pass on a tick: interfaces and conntrack are new objects (as every tick folds them), the rest as it was
let t = AT;
const store = createAppStore({ now: () => t });
const st0 = store.getState();
const nodeStates = {};
for (const n of nodes) {
  st0.addNode(n.name);
}
const base = store.getState().nodes;
for (const n of nodes) nodeStates[n.name] = { ...base[n.name], model: n.model, status: { kind: 'live', since: AT }, kube: { node: n.kube.node, pods: [], status: { kind: 'ok' }, links: [], strayVeths: [] } };
store.setState({ nodes: nodeStates });
// setState bypasses the store's actions: one action makes the pass run once over them
store.getState().setKube({ kind: 'ok' });
store.getState().setTraffic(nodes[0].name, undefined);
const tick = time(
  // any store action runs the pool pass on the nodes it is given: setTraffic changes nothing else
  () => store.getState().setTraffic(nodes[0].name, undefined),
  () => {
    t += 1000;
    const cur = store.getState().nodes;
    const next = {};
    for (const name of Object.keys(cur)) {
      const m = cur[name].model;
      next[name] = { ...cur[name], model: { ...m, interfaces: { ...m.interfaces, at: t }, conntrack: { ...m.conntrack, at: t } } };
    }
    store.setState({ nodes: next });
  },
);
const diffs = store.getState().differences.length;

const f = (x) => `${x.median.toFixed(2)} ms (max ${x.max.toFixed(2)})`;
console.log(`[figure] pool outlier diff, ${N} nodes, CPU per run, median of ${RUNS}: full ${f(full)} · full with every nat table new ${f(cold)} · diff over taken facts ${f(diff)} · store pass per tick (interfaces+conntrack changed) ${f(tick)}; store differences ${diffs}; load average ${loadavg()[0].toFixed(1)}`);
