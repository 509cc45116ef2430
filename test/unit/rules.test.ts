import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/state/rules.js';
import { createAppStore, foldOutcome, newNode } from '../../src/state/store.js';
import type { Iface, NodeSample } from '../../src/sources/types.js';

function iface(p: Partial<Iface> & { name: string }): Iface {
  return { ifindex: 1, iflink: 1, kind: 'device', mtu: 1500, operstate: 'up', flags: 0x1003, adminUp: true, promisc: false, ...p };
}

function sample(p: Partial<NodeSample> = {}, at = 1000): NodeSample {
  return {
    at,
    seq: 0,
    uptime: at / 1000,
    conntrack: { status: 'ok', data: { count: 100, max: 1000, stats: { found: 0, invalid: 0, insert: 0, insertFailed: 0, drop: 0, earlyDrop: 0, error: 0, searchRestart: 0 } } },
    interfaces: { status: 'ok', data: [iface({ name: 'eth0' })] },
    routes4: { status: 'ok', data: [{ dst: 'default', dev: 'eth0', gateway: '198.18.0.1', family: 4 }] },
    tcpCounters: { status: 'ok', data: { activeOpens: 0, passiveOpens: 0, attemptFails: 0, estabResets: 0, currEstab: 0, retransSegs: 0, outRsts: 0, inErrs: 0 } },
    kernelEvents: [],
    latencyMs: 1,
    ...p,
  };
}

const fold = (s: NodeSample, n = newNode('n1')) => foldOutcome(n, { kind: 'sample', sample: s }, s.at);

describe('rules', () => {
  it('is quiet on a healthy node', () => {
    expect(fold(sample()).problems).toEqual([]);
  });
  it('warns at 80 % conntrack and is critical at 95 %, with time to full from the trend', () => {
    const ct = (count: number) => ({ status: 'ok' as const, data: { count, max: 1000 } });
    expect(fold(sample({ conntrack: ct(850) })).problems[0]).toMatchObject({ severity: 'warn', code: 'conntrack-fill' });
    const a = fold(sample({ conntrack: ct(900) }, 1000));
    const b = fold(sample({ conntrack: ct(960) }, 2000), a);
    expect(b.problems[0]).toMatchObject({ severity: 'crit', code: 'conntrack-fill' });
    expect(b.problems[0]!.message).toMatch(/full in ~1s/);
  });
  it('flags conntrack drops per tick', () => {
    const st = (drop: number) => ({ status: 'ok' as const, data: { count: 1, max: 1000, stats: { found: 0, invalid: 0, insert: 0, insertFailed: 0, drop, earlyDrop: 0, error: 0, searchRestart: 0 } } });
    const a = fold(sample({ conntrack: st(5) }, 1000));
    expect(a.problems).toEqual([]);
    const b = fold(sample({ conntrack: st(9) }, 2000), a);
    expect(b.problems.map((p) => p.code)).toContain('conntrack-drops');
  });
  it('counts table-full kernel lines after start as events, earlier ones as history', () => {
    const ev = (usec: number) => ({ seq: 1, usec, text: 'nf_conntrack: table full, dropping packet' });
    const a = fold(sample({ kernelEvents: [ev(500_000)] }, 1000)); // before netwatch's first sample (uptime 1 s)
    expect(a.problems.map((p) => p.code)).toEqual(['conntrack-table-full-past']);
    const b = fold(sample({ kernelEvents: [ev(1_500_000)] }, 2000), a);
    expect(b.problems[0]).toMatchObject({ code: 'conntrack-table-full', severity: 'crit' });
  });
  it('flags a veth whose MTU differs from the NIC, a bridge down, and a bridge MTU dragged down', () => {
    const s = sample({
      interfaces: {
        status: 'ok',
        data: [
          iface({ name: 'eth0' }),
          iface({ name: 'cbr0', kind: 'bridge', mtu: 1400, operstate: 'down' }),
          iface({ name: 'vethA', kind: 'veth', master: 'cbr0', mtu: 1400 }),
          iface({ name: 'vethB', kind: 'veth', master: 'cbr0', mtu: 1500 }),
        ],
      },
    });
    const codes = fold(s).problems.map((p) => `${p.code}:${p.subject}`);
    expect(codes).toContain('bridge-down:cbr0');
    expect(codes).toContain('veth-mtu:vethA');
    expect(codes).not.toContain('veth-mtu:vethB');
    expect(codes).toContain('bridge-mtu:cbr0');
  });
  it('compares pod veths with the overlay device when there is one', () => {
    const s = sample({
      interfaces: { status: 'ok', data: [iface({ name: 'eth0' }), iface({ name: 'flannel.1', kind: 'vxlan', mtu: 1450 }), iface({ name: 'veth1', kind: 'veth', mtu: 1450 })] },
    });
    expect(fold(s).problems).toEqual([]);
  });
  it('orders problems worst first', () => {
    const n = fold(sample({ conntrack: { status: 'ok', data: { count: 990, max: 1000 } }, interfaces: { status: 'ok', data: [iface({ name: 'eth0' }), iface({ name: 'v', kind: 'veth', mtu: 9000 })] } }));
    expect(evaluate(n).map((p) => p.severity)).toEqual(['crit', 'warn']);
  });
});

describe('store', () => {
  it('applies one tick of many nodes in one update', () => {
    const store = createAppStore();
    for (const n of ['a', 'b', 'c']) store.getState().addNode(n);
    let updates = 0;
    store.subscribe(() => updates++);
    store.getState().applyTick([
      ['a', { kind: 'sample', sample: sample() }],
      ['b', { kind: 'error', error: 'boom' }],
      ['c', { kind: 'sample', sample: sample() }],
    ]);
    expect(updates).toBe(1);
    const st = store.getState();
    expect(st.nodes.a!.status.kind).toBe('live');
    expect(st.nodes.b!.samplesFailed).toBe(1);
    expect(st.ticks).toBe(1);
  });
  it('keeps bounded histories', () => {
    let n = newNode('x');
    for (let i = 0; i < 300; i++) n = fold(sample({}, 1000 + i * 1000), n);
    expect(n.history.conntrackPct).toHaveLength(120);
  });
});
