/**
 * The node model: sections sampled at different rates folded tick after tick, last good values
 * kept with their age apart from the current status, and the topology selectors.
 */
import { describe, expect, it } from 'vitest';
import { collectorsReport, oldAge, routesOf } from '../../src/state/model.js';
import { createAppStore, foldOutcome, newNode } from '../../src/state/store.js';
import { peerIface, prefixContains, primaryChoice, primaryInterface } from '../../src/state/topology.js';
import { primaryIface } from '../../src/ui/select.js';
import { podRows } from '../../src/ui/select.js';
import { flagsFor } from '../../src/sources/sampler.js';
import { nodeReport, textReport } from '../../src/cli/report.js';
import type { Collected, Iface, NodeSample, PodInfo, Route } from '../../src/sources/types.js';
import type { NodeState } from '../../src/state/types.js';

function iface(p: Partial<Iface> & { name: string }): Iface {
  return { ifindex: 1, iflink: 1, kind: 'device', mtu: 1500, operstate: 'up', flags: 0x1003, adminUp: true, promisc: false, ...p };
}

const R4: Route[] = [
  { dst: 'default', gateway: '198.18.0.1', dev: 'eth0', family: 4 },
  { dst: '198.18.0.0/24', dev: 'eth0', proto: 'kernel', scope: 'link', src: '198.18.0.11', family: 4 },
  { dst: '198.19.1.5', dev: 'veth1', scope: 'link', family: 4 },
];
const R6: Route[] = [{ dst: 'fd00:198:18::/64', dev: 'eth0', proto: 'kernel', family: 6 }];
const IFACES = [
  iface({ name: 'eth0', ifindex: 2, iflink: 2 }),
  iface({ name: 'veth1', kind: 'veth', ifindex: 7, iflink: 2, linkNetnsId: 0 }),
  iface({ name: 'veth2', kind: 'veth', ifindex: 8, iflink: 2, linkNetnsId: 1 }),
];

/** the sample of tick n, with the sections flagsFor(n) reads, as the sampler would give it */
function tickSample(n: number, o: { at?: number; routes4?: Collected<Route[]>; ifaces?: Iface[] } = {}): NodeSample {
  const f = flagsFor(n, false);
  const at = o.at ?? 1_000_000 + n * 1000;
  return {
    at,
    seq: n,
    uptime: at / 1000,
    conntrack: { status: 'ok', data: { count: 10 + n, max: 1000 } },
    interfaces: { status: 'ok', data: o.ifaces ?? IFACES },
    tcpCounters: { status: 'ok', data: { activeOpens: 0, passiveOpens: 0, attemptFails: 0, estabResets: 0, currEstab: 3, retransSegs: 0, outRsts: 0, inErrs: 0 } },
    ...(f.includes('r')
      ? {
          routes4: o.routes4 ?? { status: 'ok', data: R4 },
          neighbours: { status: 'ok', data: [] },
          tcp: { status: 'ok', data: { ESTABLISHED: 3, TIME_WAIT: 40 } },
          podCgroups: { status: 'ok', data: [] },
        }
      : {}),
    ...(f.includes('s') ? { routes6: { status: 'ok', data: R6 }, facts: { status: 'ok', data: { sysctl: {} } } } : {}),
    kernelEvents: [],
    latencyMs: 1,
  };
}

const pod = (name: string, ip: string, uid = `uid-${name}`): PodInfo => ({
  namespace: 'default', name, uid, nodeName: 'n1', phase: 'Running', podIPs: [ip], hostNetwork: false, containers: [],
});

function run(ticks: number, mk: (n: number) => NodeSample = (n) => tickSample(n), start = newNode('n1')): NodeState {
  let node = start;
  for (let n = 0; n < ticks; n++) {
    const s = mk(n);
    node = foldOutcome(node, { kind: 'sample', sample: s }, s.at, 1000);
  }
  return node;
}

describe('node model: sections at different rates', () => {
  it('keeps IPv6 routes (s ticks) next to IPv4 routes (r ticks) for 30 ticks and more', () => {
    for (const ticks of [1, 2, 16, 30, 61]) {
      const node = run(ticks);
      const r = routesOf(node);
      expect(r.filter((x) => x.family === 6)).toEqual(R6);
      expect(r.filter((x) => x.family === 4)).toEqual(R4);
    }
  });
  it('an error tick keeps the last good value, shows the error, and every pod stays mapped', () => {
    const store = createAppStore({ interval: 1, now: () => 1_000_000 });
    store.getState().addNode('n1');
    store.getState().setPods('n1', [pod('a', '198.19.1.5')], { kind: 'ok' });
    const failing = (n: number) => tickSample(n, { routes4: n === 16 ? { status: 'error', error: 'exit 1: RTNETLINK answers: Operation not permitted' } : undefined });
    for (let n = 0; n < 17; n++) store.getState().applyTick([['n1', { kind: 'sample', sample: failing(n) }]]);
    const node = store.getState().nodes['n1']!;
    expect(node.model.routes4).toMatchObject({ status: 'error', value: R4, text: expect.stringMatching(/RTNETLINK/) });
    expect(node.kube!.links[0]).toMatchObject({ method: 'route', iface: { name: 'veth1' } });
    expect(node.problems.map((p) => p.code).filter((c) => c !== 'veth-no-pod')).toEqual(['collector-error']);
    expect(node.problems[0]!.message).toMatch(/routes4: exit 1.*last good value/);
    const rep = nodeReport(node, 1_000_000 + 16_000);
    expect(rep.collectors.routes4).toMatchObject({ status: 'error', ageMs: 15_000, error: expect.stringMatching(/RTNETLINK/) });
    expect(rep.routes).toMatchObject({ status: 'ok' });
    expect(textReport(store.getState())).toMatch(/n1: collector errors: routes4: exit 1/);
  });
  it('nodata drops the value (the source is not there), the next good read brings it back', () => {
    const node = run(2, (n) => ({ ...tickSample(n), conntrack: n === 1 ? { status: 'nodata', reason: 'nofile: module unloaded' } : tickSample(n).conntrack }));
    expect(node.model.conntrack).toMatchObject({ status: 'nodata', text: 'nofile: module unloaded' });
    expect(node.model.conntrack.value).toBeUndefined();
    expect(run(3, (n) => ({ ...tickSample(n), conntrack: n === 1 ? { status: 'nodata', reason: 'x' } : tickSample(n).conntrack })).model.conntrack.value).toMatchObject({ count: 12 });
  });
  it('values older than twice their period are stale, with their age; all are old when the node is not live', () => {
    const node = run(3);
    const t2 = 1_000_000 + 2000;
    expect(oldAge(node, 'conntrack', t2 + 500)).toBeUndefined();
    expect(oldAge(node, 'conntrack', t2 + 3500)).toBe(3500);
    // routes4 was read at tick 1: period 15 s, stale after ~31 s
    expect(oldAge(node, 'routes4', t2 + 20_000)).toBeUndefined();
    expect(oldAge(node, 'routes4', t2 + 40_000)).toBe(41_000);
    const rep = collectorsReport(node, t2 + 40_000);
    expect(rep.routes4).toMatchObject({ status: 'ok', stale: true, ageMs: 41_000 });
    expect(rep.conntrack.stale).toBe(true);
    const down = { ...node, status: { kind: 'reconnecting' as const, since: t2, attempt: 1, nextAttemptAt: t2 + 1000, reason: 'connection lost' } };
    expect(oldAge(down, 'conntrack', t2 + 500)).toBe(500);
  });
  it('the per-tick fold stays one object per collector read (no growth over ticks)', () => {
    const a = run(61);
    expect(Object.keys(a.model).sort()).toEqual(['agents', 'conntrack', 'facts', 'fdb', 'hairpin', 'interfaces', 'iptables', 'ipvs', 'neighbours', 'podCgroups', 'routes4', 'routes6', 'tcpCounters', 'tcpStates']);
    // the slow collectors were not in these samples: still pending, with their own period
    expect(a.model.iptables).toMatchObject({ status: 'pending', periodMs: 60_000 });
    expect(a.model.fdb.status).toBe('pending');
  });
});

describe('node model: a node that is not live', () => {
  it('gets no pod problems, and its pod rows say the pods are unknown', () => {
    const store = createAppStore({ interval: 1, now: () => 1_000_000 });
    store.getState().addNode('n1');
    // one pod mapped, one pod with no veth at all
    store.getState().setPods('n1', [pod('a', '198.19.1.5'), pod('b', '198.19.1.99')], { kind: 'ok' });
    store.getState().applyTick([['n1', { kind: 'sample', sample: tickSample(0) }]]);
    expect(store.getState().nodes['n1']!.problems.map((p) => p.code)).toContain('pod-no-veth');
    store.getState().setStatus('n1', { kind: 'reconnecting', since: 1, attempt: 1, nextAttemptAt: 2, reason: 'connection lost' });
    let n = store.getState().nodes['n1']!;
    expect(n.problems.map((p) => p.code)).toEqual(['node-unreachable']);
    expect(podRows(n).filter((r) => r.pod).map((r) => r.unknown)).toEqual(['unknown: node reconnecting', 'unknown: node reconnecting']);
    // a stale node (connected, slow) too
    store.getState().setStatus('n1', { kind: 'connecting', since: 3 });
    store.getState().applyTick([['n1', { kind: 'sample', sample: tickSample(1) }]]);
    store.getState().applyTick([['n1', { kind: 'error', error: 'no answer in 3000 ms' }]]);
    n = store.getState().nodes['n1']!;
    expect(n.status.kind).toBe('stale');
    expect(n.problems.map((p) => p.code)).toEqual(['node-stale']);
  });
});

describe('topology: the one primary interface', () => {
  const node = (ifaces: Iface[], r4: Route[], r6: Route[] = [], address?: string): NodeState => {
    const s = { ...tickSample(0), interfaces: { status: 'ok' as const, data: ifaces }, routes4: { status: 'ok' as const, data: r4 }, routes6: { status: 'ok' as const, data: r6 } };
    return foldOutcome(newNode('n1', address), { kind: 'sample', sample: s }, s.at);
  };
  const twoNics = [iface({ name: 'eth0', operstate: 'down' }), iface({ name: 'eth1', ifindex: 3 })];
  it('is the IPv4 default route device, else the IPv6 one, in rules, UI and CLI alike', () => {
    const v4 = node(twoNics, [{ dst: 'default', dev: 'eth1', family: 4 }], [{ dst: 'default', dev: 'eth0', family: 6 }]);
    expect(primaryChoice(v4)).toMatchObject({ iface: { name: 'eth1' }, via: 'default4' });
    const v6only = node(twoNics, [], [{ dst: 'default', gateway: 'fe80::1', dev: 'eth1', family: 6 }]);
    expect(primaryChoice(v6only)).toMatchObject({ iface: { name: 'eth1' }, via: 'default6' });
    expect(primaryIface(v6only)).toBe('eth1');
    expect(nodeReport(v6only).primaryInterface).toEqual({ name: 'eth1', via: 'default6' });
  });
  it('without a default route: the interface holding the connected address, else the first device up', () => {
    const r4: Route[] = [{ dst: '198.18.0.0/24', dev: 'eth0', proto: 'kernel', scope: 'link', src: '198.18.0.11', family: 4 }];
    const lab = [iface({ name: 'eth0', kind: 'veth', ifindex: 2, iflink: 9 }), iface({ name: 'eth1', ifindex: 3 })];
    expect(primaryChoice(node(lab, r4, [], '198.18.0.11'))).toMatchObject({ iface: { name: 'eth0' }, via: 'address' });
    const viaPrefix = node(lab, [{ dst: '198.18.0.0/24', dev: 'eth0', scope: 'link', family: 4 }]);
    expect(primaryInterface({ ...viaPrefix, connectedAddress: '198.18.0.11' })?.name).toBe('eth0');
    expect(primaryInterface(node(twoNics, []))?.name).toBe('eth1');
    // the Kubernetes node address when netwatch connected by it
    const k = node(lab, r4);
    const withKube: NodeState = { ...k, kube: { pods: [], status: { kind: 'ok' }, links: [], strayVeths: [], node: { name: 'n1', address: '198.18.0.11', addresses: [], labels: {}, podCIDRs: [], ready: true } } };
    expect(primaryChoice(withKube)).toMatchObject({ iface: { name: 'eth0' }, via: 'address' });
    expect(nodeReport(k).addresses).toEqual([{ dev: 'eth0', address: '198.18.0.11' }]);
    expect(primaryInterface(node([iface({ name: 'eth0', kind: 'veth', iflink: 5 })], []))?.name).toBe('eth0');
  });
  it('matches IPv4 and IPv6 prefixes', () => {
    expect(prefixContains('198.18.0.0/24', '198.18.0.11')).toBe(24);
    expect(prefixContains('198.18.0.0/24', '198.18.1.11')).toBeUndefined();
    expect(prefixContains('fd00:198:18::/64', 'fd00:198:18::b')).toBe(64);
    expect(prefixContains('fd00:198:18::/64', 'fd00:198:19::b')).toBeUndefined();
    expect(prefixContains('::ffff:0:0/96', '::ffff:1.2.3.4')).toBe(96);
  });
});

describe('topology: a pod eth0 peer index is taken only when consistent', () => {
  const byIndex = new Map(IFACES.map((i) => [i.ifindex, i]));
  it('maps to a veth whose own peer is the pod eth0', () => {
    expect(peerIface(byIndex, { peer: 7, eth0Index: 2, linkNetnsId: 0 }).iface?.name).toBe('veth1');
  });
  it('refuses an index that names the node NIC, another veth pair or nothing', () => {
    expect(peerIface(byIndex, { peer: 2, eth0Index: 2 })).toMatchObject({ reason: expect.stringMatching(/eth0 \(device\), not a veth/) });
    expect(peerIface(byIndex, { peer: 8, eth0Index: 3 })).toMatchObject({ reason: expect.stringMatching(/whose peer is index 2, not the pod's eth0 \(3\)/) });
    expect(peerIface(byIndex, { peer: 40, eth0Index: 3 }).reason).toMatch(/names no interface/);
  });
  it('so a host whose pods peer elsewhere gets no false pod-veth-down, and the reason shows', () => {
    const store = createAppStore({ interval: 1, now: () => 1_000_000 });
    store.getState().addNode('n1');
    // eth0 (index 2) is down; the pod's eth0@if2 lives in another namespace's numbering
    const ifaces = [iface({ name: 'eth0', ifindex: 2, iflink: 2, operstate: 'down' }), iface({ name: 'eth1', ifindex: 3, iflink: 3 })];
    store.getState().setPods('n1', [pod('a', '10.0.0.5')], { kind: 'ok' });
    store.getState().setPodPeers('n1', { 'uid-a': { peer: 2, eth0Index: 3, linkNetnsId: 0 } });
    store.getState().applyTick([['n1', { kind: 'sample', sample: tickSample(0, { ifaces }) }]]);
    const n = store.getState().nodes['n1']!;
    expect(n.problems.map((p) => p.code)).not.toContain('pod-veth-down');
    expect(n.kube!.links[0]).toMatchObject({ method: 'none', reason: expect.stringMatching(/not a veth/) });
    expect(nodeReport(n).pods!.items[0]).toMatchObject({ veth: undefined, unmapped: expect.stringMatching(/not a veth/) });
  });
});

describe('drawing values that are not current', () => {
  it('a reconnecting node: its row is dim, conntrack with its age; its pod rows say unknown', async () => {
    const { nodeColumns, podColumns, podRowFacts } = await import('../../src/ui/tables.js');
    const { fitColumns, rowSegs } = await import('../../src/ui/columns.js');
    const { summaryLines } = await import('../../src/ui/summary.js');
    let n = run(1);
    const t = n.sample!.at;
    const live = rowSegs(fitColumns(nodeColumns(160, [n], t + 500), 160), n);
    expect(live.find((s) => s.text.includes('10/1.00k'))).toMatchObject({ text: expect.not.stringContaining('s ') });
    expect(live.find((s) => s.text.includes('10/1.00k'))?.tone).toBeUndefined();
    n = { ...n, status: { kind: 'reconnecting', since: t, attempt: 2, nextAttemptAt: t + 9000, reason: 'connection lost' } };
    const row = rowSegs(fitColumns(nodeColumns(160, [n], t + 12_000), 160), n);
    expect(row.find((s) => s.text.includes('10/1.00k'))).toMatchObject({ tone: 'dim', text: expect.stringContaining('12s') });
    const tcp = summaryLines(n, t + 12_000)[4]!;
    expect(tcp.every((s) => s.tone === 'dim')).toBe(true);
    expect(tcp.map((s) => s.text).join('')).toMatch(/^tcp \(12s old\) SYN_SENT 0 .* ESTAB 3$/);
    expect(summaryLines(n, t + 12_000)[1]!.map((s) => s.text).join('')).toMatch(/^conntrack \(12s old\) 10\/1\.00k/);
    const { ifaceRows } = await import('../../src/ui/view.js');
    const { ifaceColumns } = await import('../../src/ui/tables.js');
    const rows = ifaceRows(n, t + 12_000);
    expect(rows.every((r) => r.oldMs === 12_000)).toBe(true);
    expect(rowSegs(fitColumns(ifaceColumns(160, rows), 160), rows[0]!).every((s) => s.tone === 'dim' || !s.text.trim())).toBe(true);
    expect(ifaceRows({ ...n, status: { kind: 'live', since: t } }, t + 500).some((r) => r.oldMs !== undefined)).toBe(false);
    expect(podColumns(160, []).length).toBeGreaterThan(0);
    expect(podRowFacts({ key: 'x', pod: pod('a', '1.2.3.4'), problems: [], unknown: 'unknown: node reconnecting' })).toEqual(['unknown: node reconnecting']);
  });
  it('a collector error is on the detail view, with its age', async () => {
    const { summaryLines } = await import('../../src/ui/summary.js');
    const n = run(17, (k) => tickSample(k, { routes4: k === 16 ? { status: 'error', error: 'exit 2' } : undefined }));
    const facts = summaryLines(n, n.sample!.at + 3000)[0]!;
    expect(facts.find((s) => s.text.includes('routes4 failed'))).toMatchObject({ tone: 'bad', text: ' · routes4 failed 3s ago: exit 2' });
  });
});
