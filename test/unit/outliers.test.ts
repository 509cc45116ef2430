import { describe, expect, it } from 'vitest';
import { modelWith, type CollectorValues } from '../../src/state/model.js';
import { nodeFacts, poolDiff, type PoolNode } from '../../src/state/outliers.js';
import type { Iface, IptablesState, IptChain, NodeFacts } from '../../src/sources/types.js';

const AT = 1_000_000;

function iface(p: Partial<Iface> & { name: string }): Iface {
  return { ifindex: 1, iflink: 1, kind: 'device', mtu: 1500, operstate: 'up', flags: 0x1003, adminUp: true, promisc: false, ...p };
}

function facts(sysctl: Record<string, string> = {}, extra: Partial<NodeFacts> = {}): NodeFacts {
  return { kernel: '6.1.0-gke', os: 'Container-Optimized OS', sysctl: { 'net.ipv4.ip_forward': '1', ...sysctl }, ...extra };
}

/** a nat table with `svc` KUBE-SVC-* chains (one rule each) and `sep` KUBE-SEP-* chains */
function iptables(svc: number, sep = svc, mode: 'legacy' | 'nft' = 'nft'): IptablesState {
  const nat: Record<string, IptChain> = { PREROUTING: { policy: 'ACCEPT', rules: [{ spec: '-j KUBE-SERVICES', target: 'KUBE-SERVICES' }] }, 'KUBE-SERVICES': { rules: [] } };
  for (let i = 0; i < svc; i++) nat[`KUBE-SVC-${String(i).padStart(16, 'A')}`] = { rules: [{ spec: `-j KUBE-SEP-${i}`, target: `KUBE-SEP-${i}` }] };
  for (let i = 0; i < sep; i++) nat[`KUBE-SEP-${String(i).padStart(16, 'B')}`] = { rules: [] };
  return { version: `iptables v1.8.9 (${mode === 'nft' ? 'nf_tables' : 'legacy'})`, mode, backends: { [mode]: { status: 'ok', data: { hash: 'h', tables: { nat }, ruleCount: 1 + svc } } } };
}

function node(name: string, v: Partial<CollectorValues> = {}, o: { pool?: string; kind?: string } = {}): PoolNode {
  const values: Partial<CollectorValues> = {
    facts: facts(),
    interfaces: [iface({ name: 'eth0' })],
    routes4: [{ dst: 'default', dev: 'eth0', gateway: '198.18.0.1', family: 4 }],
    conntrack: { count: 10, max: 131072 },
    ...v,
  };
  return { name, model: modelWith(values, AT), status: { kind: o.kind ?? 'live' }, kube: o.pool ? { node: { pool: o.pool } } : undefined };
}

const pool = (n: number, prefix = 'cl-a', p?: string) => Array.from({ length: n }, (_, i) => node(`${prefix}${i + 1}`, {}, { pool: p }));

describe('pool outlier diff', () => {
  it('flags the one node of ten whose ip_forward differs, in the words of the issue', () => {
    const nodes = pool(10, 'cl-a', 'pool-a');
    nodes[1] = node('cl-a2', { facts: facts({ 'net.ipv4.ip_forward': '0' }) }, { pool: 'pool-a' });
    const d = poolDiff(nodes);
    expect(d.differences).toEqual([
      { pool: 'pool-a', fact: 'sysctl:net.ipv4.ip_forward', label: 'ip_forward', numeric: false, majority: { value: '1', count: 9 }, outliers: [{ node: 'cl-a2', value: '0' }], nodes: 10 },
    ]);
    expect([...d.problems.keys()]).toEqual(['cl-a2']);
    expect(d.problems.get('cl-a2')).toEqual([
      expect.objectContaining({ severity: 'warn', code: 'pool-outlier', subject: 'sysctl:net.ipv4.ip_forward', message: 'ip_forward 0 on cl-a2; 1 on the other 9 nodes of pool-a' }),
    ]);
  });

  it('is quiet when every node agrees', () => {
    const d = poolDiff(pool(10));
    expect(d.differences).toEqual([]);
    expect(d.problems.size).toBe(0);
  });

  it('without pool labels all nodes are one group, and the text says so', () => {
    const nodes = pool(5);
    nodes[4] = node('cl-a5', { interfaces: [iface({ name: 'eth0', mtu: 1400 })] });
    const d = poolDiff(nodes);
    expect(d.differences.map((x) => [x.pool, x.fact, x.majority, x.outliers])).toEqual([[null, 'mtu:primary', { value: 1500, count: 4 }, [{ node: 'cl-a5', value: 1400 }]]]);
    expect(d.problems.get('cl-a5')![0]!.message).toBe('primary NIC MTU 1400 on cl-a5; 1500 on the other 4 nodes shown');
  });

  it('compares each pool only within itself; unlabelled nodes form their own group', () => {
    const a = pool(3, 'a', 'pool-a');
    const b = pool(3, 'b', 'pool-b').map((n) => node(n.name, { facts: facts({ 'net.ipv4.ip_forward': '0' }) }, { pool: 'pool-b' }));
    // pool-b agrees on 0 within itself: no outlier although pool-a says 1
    expect(poolDiff([...a, ...b]).differences).toEqual([]);
    const loose = [node('x1'), node('x2'), node('x3', { facts: facts({ 'net.ipv4.tcp_timestamps': '0' }) }), node('x4', { facts: facts({ 'net.ipv4.tcp_timestamps': '1' }) }), node('x5', { facts: facts({ 'net.ipv4.tcp_timestamps': '1' }) })];
    const d = poolDiff([...a, ...loose]);
    // tcp_timestamps: 3 nodes have it, 2 say 1
    expect(d.differences.map((x) => [x.pool, x.fact, x.outliers.map((o) => o.node)])).toEqual([[null, 'sysctl:net.ipv4.tcp_timestamps', ['x3']]]);
    expect(d.problems.get('x3')![0]!.message).toBe('tcp_timestamps 0 on x3; 1 on the other 2 nodes without a pool label');
  });

  it('small pools: fewer than 3 nodes with the fact is no majority; 2 of 3 is', () => {
    expect(poolDiff([node('a'), node('b', { facts: facts({ 'net.ipv4.ip_forward': '0' }) })]).differences).toEqual([]);
    const d = poolDiff([node('a'), node('b'), node('c', { facts: facts({ 'net.ipv4.ip_forward': '0' }) })]);
    expect(d.differences.map((x) => x.outliers)).toEqual([[{ node: 'c', value: '0' }]]);
  });

  it('ties and weak majorities flag nobody', () => {
    // 2 vs 2: a tie
    const tie = [node('a'), node('b'), node('c', { facts: facts({ 'net.ipv4.ip_forward': '0' }) }), node('d', { facts: facts({ 'net.ipv4.ip_forward': '0' }) })];
    expect(poolDiff(tie).differences).toEqual([]);
    // 3 of 5 is under 2/3
    const weak = [node('a'), node('b'), node('c'), node('d', { facts: facts({ 'net.ipv4.ip_forward': '0' }) }), node('e', { facts: facts({ 'net.ipv4.ip_forward': '0' }) })];
    expect(poolDiff(weak).differences).toEqual([]);
    // 4 of 6 is 2/3: both others are flagged, each with its own value
    const two = [...pool(4), node('x', { facts: facts({ 'net.ipv4.ip_forward': '0' }) }), node('y', { facts: facts({ 'net.ipv4.ip_forward': '2' }) })];
    const d = poolDiff(two);
    expect(d.differences[0]!.outliers).toEqual([{ node: 'x', value: '0' }, { node: 'y', value: '2' }]);
    expect(d.problems.get('x')![0]!.message).toBe('ip_forward 0 on x; 1 on 4 of the other 5 nodes shown');
  });

  it('nodes without the fact are neither counted nor flagged: not live, collector not ok, sysctl absent', () => {
    const nodes = pool(4);
    // not live: its (old) ip_forward 0 does not count
    nodes.push(node('down', { facts: facts({ 'net.ipv4.ip_forward': '0' }) }, { kind: 'reconnecting' }));
    // the facts collector failed after a good read: its last value does not count
    const err = node('err', { facts: facts({ 'net.ipv4.ip_forward': '0' }) });
    err.model.facts = { ...err.model.facts, status: 'error', text: 'timeout' };
    nodes.push(err);
    // no conntrack module: no conntrack-max, no flag
    const noct = node('noct');
    noct.model.conntrack = { periodMs: 1000, status: 'nodata', statusAt: AT, text: 'no nf_conntrack' };
    nodes.push(noct);
    // a sysctl only one node has is no fact of the pool
    nodes.push(node('extra', { facts: facts({ 'net.ipv4.tcp_tw_recycle': '1' }) }));
    expect(nodeFacts(nodes[4]!).size).toBe(0);
    expect(nodeFacts(err).has('sysctl:net.ipv4.ip_forward')).toBe(false);
    expect(nodeFacts(noct).has('conntrack-max')).toBe(false);
    expect(poolDiff(nodes).differences).toEqual([]);
  });

  it('kernel, OS, conntrack max, hairpin, backend and agents are facts of their own', () => {
    const br = (hairpins: boolean[]) => [
      iface({ name: 'eth0' }),
      iface({ name: 'cbr0', kind: 'bridge' }),
      ...hairpins.map((h, i) => iface({ name: `veth${i}`, kind: 'veth', master: 'cbr0', hairpin: h, linkNetnsId: 0 })),
    ];
    const agents = (...names: string[]) => names.map((name, i) => ({ name, pid: 100 + i }));
    const base = { interfaces: br([true, true]), iptables: iptables(5), agents: agents('kube-proxy', 'calico-node') };
    const nodes = Array.from({ length: 6 }, (_, i) => node(`n${i}`, base));
    nodes[1] = node('n1', { ...base, facts: facts({}, { kernel: '5.15.0' }) });
    nodes[2] = node('n2', { ...base, interfaces: br([true, false]) });
    nodes[3] = node('n3', { ...base, agents: agents('kube-proxy') });
    nodes[4] = node('n4', { ...base, iptables: iptables(5, 5, 'legacy'), conntrack: { count: 1, max: 65536 } });
    const d = poolDiff(nodes);
    const got = Object.fromEntries(d.differences.map((x) => [x.fact, x.outliers]));
    expect(got).toEqual({
      kernel: [{ node: 'n1', value: '5.15.0' }],
      hairpin: [{ node: 'n2', value: 'mixed' }],
      agents: [{ node: 'n3', value: 'kube-proxy' }],
      'iptables-backend': [{ node: 'n4', value: 'legacy' }],
      'conntrack-max': [{ node: 'n4', value: 65536 }],
    });
    expect(d.differences.find((x) => x.fact === 'agents')!.majority).toEqual({ value: 'calico-node, kube-proxy', count: 5 });
    expect(nodeFacts(nodes[0]!).get('hairpin')).toBe('on');
  });

  it('rule counts are numeric: within 10% of the median agree; far fewer KUBE-SVC-* chains is flagged', () => {
    // peers sync at slightly different times: 100, 104, 97, … all within 10% of the median
    const counts = [100, 104, 97, 100, 101, 99, 103, 100, 98, 12];
    const nodes = counts.map((c, i) => node(`cl-a${i + 1}`, { iptables: iptables(c, c) }, { pool: 'pool-a' }));
    const d = poolDiff(nodes);
    const svc = d.differences.find((x) => x.fact === 'kube-svc-chains')!;
    expect(svc.numeric).toBe(true);
    expect(svc.majority).toEqual({ value: 100, count: 9 });
    expect(svc.outliers).toEqual([{ node: 'cl-a10', value: 12 }]);
    expect(d.differences.map((x) => x.fact).sort()).toEqual(['kube-sep-chains', 'kube-svc-chains', 'nat-rules']);
    expect([...d.problems.keys()]).toEqual(['cl-a10']);
    expect(d.problems.get('cl-a10')!.find((p) => p.subject === 'kube-svc-chains')!.message).toBe(
      'KUBE-SVC-* chains 12 on cl-a10; 100 (median, within 10%) on the other 9 nodes of pool-a',
    );
  });

  it('rule counts that spread widely have no majority; at exactly 90% of the median a node still agrees', () => {
    const spread = [10, 50, 100, 150, 200].map((c, i) => node(`n${i}`, { iptables: iptables(c, c) }));
    expect(poolDiff(spread).differences.filter((x) => x.fact === 'kube-svc-chains')).toEqual([]);
    const edge = [100, 100, 100, 90].map((c, i) => node(`n${i}`, { iptables: iptables(c, c) }));
    expect(poolDiff(edge).differences.filter((x) => x.fact === 'kube-svc-chains')).toEqual([]);
    const zero = [0, 0, 0, 4].map((c, i) => node(`n${i}`, { iptables: iptables(c, c) }));
    expect(poolDiff(zero).differences.find((x) => x.fact === 'kube-svc-chains')!.outliers).toEqual([{ node: 'n3', value: 4 }]);
  });

  it('a node whose iptables backend could not be read has no rule counts', () => {
    const nodes = [100, 100, 100].map((c, i) => node(`n${i}`, { iptables: iptables(c, c) }));
    nodes.push(node('n3', { iptables: { mode: 'nft', backends: { nft: { status: 'error', error: 'iptables-nft-save: permission denied' } } } }));
    expect(nodeFacts(nodes[3]!).has('kube-svc-chains')).toBe(false);
    expect(nodeFacts(nodes[3]!).get('iptables-backend')).toBe('nft');
    expect(poolDiff(nodes).differences).toEqual([]);
  });
});
