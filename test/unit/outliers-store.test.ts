import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../src/state/store.js';
import type { Iface, NodeInfo, NodeSample } from '../../src/sources/types.js';

function iface(p: Partial<Iface> & { name: string }): Iface {
  return { ifindex: 1, iflink: 1, kind: 'device', mtu: 1500, operstate: 'up', flags: 0x1003, adminUp: true, promisc: false, ...p };
}

function sample(at: number, o: { ipForward?: string; mtu?: number; max?: number } = {}): NodeSample {
  return {
    at,
    seq: at,
    uptime: at / 1000,
    conntrack: { status: 'ok', data: { count: at % 97, max: o.max ?? 131072 } },
    interfaces: { status: 'ok', data: [iface({ name: 'eth0', mtu: o.mtu ?? 1500, counters: { rxBytes: at, rxPackets: 1, rxErrors: 0, rxDropped: 0, txBytes: at, txPackets: 1, txErrors: 0, txDropped: 0 } })] },
    routes4: { status: 'ok', data: [{ dst: 'default', dev: 'eth0', gateway: '198.18.0.1', family: 4 }] },
    tcpCounters: { status: 'ok', data: { activeOpens: 0, passiveOpens: 0, attemptFails: 0, estabResets: 0, currEstab: 0, retransSegs: 0, outRsts: 0, inErrs: 0 } },
    facts: { status: 'ok', data: { kernel: '6.1.0', sysctl: { 'net.ipv4.ip_forward': o.ipForward ?? '1' } } },
    kernelEvents: [],
    latencyMs: 1,
  };
}

const info = (name: string, pool: string): NodeInfo => ({ name, addresses: [], labels: {}, podCIDRs: [], ready: true, pool });

describe('store: the pool outlier diff', () => {
  it('adds pool-outlier problems to the odd node only, keeps them across ticks, and drops them when the node agrees again', () => {
    let t = 1000;
    const store = createAppStore({ now: () => t });
    const names = Array.from({ length: 10 }, (_, i) => `cl-a${i + 1}`);
    for (const n of names) {
      store.getState().addNode(n);
      store.getState().setNodeInfo(n, info(n, 'pool-a'));
    }
    const tick = (odd: { ipForward?: string; mtu?: number }) => {
      t += 1000;
      store.getState().applyTick(names.map((n) => [n, { kind: 'sample', sample: sample(t, n === 'cl-a2' ? odd : {}) }] as const));
    };
    tick({ ipForward: '0', mtu: 1400 });
    let st = store.getState();
    const pool = (n: string) => st.nodes[n]!.problems.filter((p) => p.code === 'pool-outlier');
    expect(pool('cl-a2').map((p) => p.subject).sort()).toEqual(['mtu:primary', 'sysctl:net.ipv4.ip_forward']);
    expect(pool('cl-a2').find((p) => p.subject === 'sysctl:net.ipv4.ip_forward')!.message).toBe('ip_forward 0 on cl-a2; 1 on the other 9 nodes of pool-a');
    for (const n of names.filter((x) => x !== 'cl-a2')) expect(pool(n)).toEqual([]);
    expect(st.differences.map((d) => [d.pool, d.fact, d.outliers])).toEqual([
      ['pool-a', 'mtu:primary', [{ node: 'cl-a2', value: 1400 }]],
      ['pool-a', 'sysctl:net.ipv4.ip_forward', [{ node: 'cl-a2', value: '0' }]],
    ]);
    // the node's own checks still run beside them (ip_forward 0 on a node with the API: ip-forward)
    expect(st.nodes['cl-a2']!.problems.map((p) => p.code)).toContain('ip-forward');

    // another tick with the same facts (counters and conntrack count moved): same differences, problems kept
    const before = st.differences;
    tick({ ipForward: '0', mtu: 1400 });
    st = store.getState();
    expect(st.differences).toBe(before);
    expect(pool('cl-a2')).toHaveLength(2);

    // an update that recomputes the node's own problems (needs-root) keeps its pool problems
    store.getState().setNeedsRoot('cl-a2', [{ what: 'kernel log', path: '/dev/kmsg', code: 'kmsg' } as never]);
    st = store.getState();
    expect(pool('cl-a2')).toHaveLength(2);
    expect(st.nodes['cl-a2']!.problems.map((p) => p.code)).toContain('needs-root');

    // fixed: the problems go
    tick({});
    st = store.getState();
    expect(pool('cl-a2')).toEqual([]);
    expect(st.differences).toEqual([]);
  });

  it('a node that stops answering is not counted: with 2 of 3 left there is no pool', () => {
    let t = 1000;
    const store = createAppStore({ now: () => t });
    for (const n of ['a', 'b', 'c']) store.getState().addNode(n);
    t += 1000;
    store.getState().applyTick([
      ['a', { kind: 'sample', sample: sample(t) }],
      ['b', { kind: 'sample', sample: sample(t) }],
      ['c', { kind: 'sample', sample: sample(t, { ipForward: '0' }) }],
    ]);
    expect(store.getState().nodes['c']!.problems.some((p) => p.code === 'pool-outlier')).toBe(true);
    expect(store.getState().differences[0]!.pool).toBeNull();
    store.getState().setStatus('a', { kind: 'failed', since: t, reason: 'gone' });
    expect(store.getState().nodes['c']!.problems.some((p) => p.code === 'pool-outlier')).toBe(false);
    expect(store.getState().differences).toEqual([]);
    store.getState().removeNode('a');
    expect(store.getState().differences).toEqual([]);
  });
});
