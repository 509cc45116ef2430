/**
 * Fuzz of the store: long random sequences of sample outcomes (samples with interfaces coming and
 * going, counters jumping and wrapping, conntrack filling, kernel lines), errors, busy ticks,
 * transport statuses (reconnects, failures), pod lists and pod peers, for several nodes. After
 * every step the store's invariants must hold: bounded history, problems that are exactly the
 * rules applied to the node's state, a status the last events explain, and a state whose size
 * stops growing once every name the fuzz can produce has been seen.
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/state/rules.js';
import { poolDiff } from '../../src/state/outliers.js';
import { createAppStore, HISTORY, type Store } from '../../src/state/store.js';
import type { SampleOutcome } from '../../src/sources/sampler.js';
import type { Iface, NodeSample, PodInfo } from '../../src/sources/types.js';
import type { NodeStatus } from '../../src/state/types.js';

/** mulberry32: a seeded PRNG, so a failure names its seed and can be replayed */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NODES = ['a', 'b', 'c'];
const IFACES = ['eth0', 'cbr0', 'veth1', 'veth2', 'veth3', 'cali9', 'vxlan0'];
const UIDS = ['u1', 'u2', 'u3', 'u4'];

function fuzzer(seed: number) {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (n: number) => Math.floor(r() * n);
  const counters = new Map<string, number>();
  const iface = (name: string, i: number): Iface => {
    // counters mostly grow, sometimes reset (a re-created interface) or wrap
    const c0 = counters.get(name) ?? 0;
    const c = r() < 0.05 ? 0 : c0 + int(1e7);
    counters.set(name, c);
    return {
      name, ifindex: i + 1, iflink: name.startsWith('veth') ? 100 + i : i + 1,
      kind: name.startsWith('veth') || name.startsWith('cali') ? 'veth' : name === 'cbr0' ? 'bridge' : name === 'vxlan0' ? 'vxlan' : 'device',
      master: name.startsWith('veth') && r() < 0.8 ? 'cbr0' : undefined,
      mtu: pick([1500, 1500, 1450, 9000]), operstate: pick(['up', 'up', 'up', 'down', 'lowerlayerdown']),
      flags: 0x1003, adminUp: r() < 0.9, promisc: r() < 0.1,
      counters: { rxBytes: c, txBytes: c / 2, rxPackets: c / 1000, txPackets: c / 2000, rxDropped: int(50), txDropped: int(5), rxErrors: 0, txErrors: 0 },
    } as Iface;
  };
  const sample = (at: number, seq: number): NodeSample => {
    const names = ['eth0', ...IFACES.slice(1).filter(() => r() < 0.6)];
    const max = pick([0, 1000, 65536]);
    return {
      at, seq, uptime: at / 1000 + 100,
      conntrack: r() < 0.1 ? { status: 'error', error: 'Permission denied' } : { status: 'ok', data: { count: int(max + 1), max, stats: { found: 0, invalid: int(3), insert: 0, insertFailed: int(2), drop: int(10), earlyDrop: 0, error: 0, searchRestart: 0 } } },
      interfaces: r() < 0.05 ? { status: 'error', error: 'ip: command not found' } : { status: 'ok', data: names.map(iface) },
      routes4: r() < 0.3 ? { status: 'ok', data: [{ dst: 'default', dev: 'eth0', gateway: '198.18.0.1', family: 4 }] } : undefined,
      tcpCounters: { status: 'ok', data: { activeOpens: seq, passiveOpens: seq, attemptFails: int(3), estabResets: 0, currEstab: int(100), retransSegs: seq * int(3), outRsts: 0, inErrs: 0 } },
      podCgroups: r() < 0.3 ? { status: 'ok', data: UIDS.filter(() => r() < 0.5).map((uid, i) => ({ uid, pids: [1000 + i], containerIds: [`c${i}`] })) } : undefined,
      kernelEvents: r() < 0.05 ? Array.from({ length: 1 + int(30) }, (_, i) => ({ seq: seq * 100 + i, usec: (at / 1000 + 100) * 1e6 - int(1e6), text: 'nf_conntrack: table full, dropping packet' })) : [],
      latencyMs: int(3000),
    } as NodeSample;
  };
  const status = (at: number): NodeStatus =>
    pick<NodeStatus>([
      { kind: 'connecting', since: at },
      { kind: 'reconnecting', since: at, reason: 'connection reset', attempt: 2, nextAttemptAt: at + 1000 } as NodeStatus,
      { kind: 'failed', since: at, reason: 'host key changed' } as NodeStatus,
    ]);
  const pods = (node: string): PodInfo[] =>
    UIDS.filter(() => r() < 0.5).map((uid) => ({ uid, name: `p-${uid}`, namespace: 'ns', node, podIPs: ['198.19.1.5'], phase: 'Running', hostNetwork: false, containers: [] }) as unknown as PodInfo);
  return { r, pick, int, sample, status, pods };
}

/** every broken invariant of the store as it is now, as text (empty: all hold) */
function violations(store: Store, counts: Map<string, { ok: number; failed: number }>, last: Map<string, string>): string[] {
  const bad: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) bad.push(what);
  };
  const st = store.getState();
  check(new Set(st.order).size === st.order.length, 'order has duplicates');
  check(isDeepStrictEqual([...st.order].sort(), Object.keys(st.nodes).sort()), 'order differs from nodes');
  // the pool outlier diff over the nodes as they are now (it needs all of them: the store adds it)
  const pool = poolDiff(st.order.map((x) => st.nodes[x]!));
  check(isDeepStrictEqual(st.differences, pool.differences), 'differences are not poolDiff(nodes)');
  for (const name of st.order) {
    const n = st.nodes[name]!;
    for (const [k, h] of Object.entries(n.history)) {
      check(h.length <= HISTORY, `${name}: history.${k} holds ${h.length} > ${HISTORY}`);
      check(h.every(Number.isFinite), `${name}: history.${k} holds a non-finite value`);
    }
    check(n.tableFull.recent.length <= 20, `${name}: tableFull.recent holds ${n.tableFull.recent.length}`);
    // problems are the rules applied to the node as it is now: nothing stale, nothing invented
    check(isDeepStrictEqual(n.problems.filter((p) => p.code !== 'pool-outlier'), evaluate(n)), `${name}: problems are not evaluate(node)`);
    check(isDeepStrictEqual(n.problems.filter((p) => p.code === 'pool-outlier'), pool.problems.get(name) ?? []), `${name}: pool problems are not poolDiff(nodes)'s`);
    const codes = n.problems.map((p) => p.code);
    check(codes.includes('node-failed') === (n.status.kind === 'failed'), `${name}: node-failed vs status ${n.status.kind}`);
    check(codes.includes('node-unreachable') === (n.status.kind === 'reconnecting'), `${name}: node-unreachable vs status ${n.status.kind}`);
    check(codes.includes('node-stale') === (n.status.kind === 'stale'), `${name}: node-stale vs status ${n.status.kind}`);
    if (n.status.kind !== 'live' && n.status.kind !== 'stale') check(!codes.some((c) => c.startsWith('pod-')), `${name}: pod problems while ${n.status.kind}`);
    const c = counts.get(name)!;
    check(n.samplesOk === c.ok && n.samplesFailed === c.failed, `${name}: samples ${n.samplesOk}/${n.samplesFailed}, want ${c.ok}/${c.failed}`);
    // the last event explains the status: a sample makes it live; a busy tick or an error on a
    // live node makes it stale with that reason
    const l = last.get(name);
    if (l === 'sample') check(n.status.kind === 'live', `${name}: ${n.status.kind} after a sample`);
    if (l === 'busy' && n.status.kind === 'stale') check(n.status.reason === 'node slow to answer', `${name}: stale after busy says ${n.status.reason}`);
    if (l === 'error' && n.status.kind === 'stale') check(n.status.reason === n.lastError, `${name}: stale after error says ${n.status.reason}`);
    // rates only for interfaces of the current sample
    const ifs = n.sample?.interfaces.status === 'ok' ? new Set(n.sample.interfaces.data.map((i) => i.name)) : undefined;
    if (ifs) for (const k of Object.keys(n.rates.ifaces)) check(ifs.has(k), `${name}: rate for ${k}, not in the sample`);
  }
  return bad;
}

function run(seed: number, steps: number, onStep?: (i: number, store: Store) => void) {
  const f = fuzzer(seed);
  let now = 1_000_000;
  const store = createAppStore({ interval: 0.2, now: () => now });
  const counts = new Map<string, { ok: number; failed: number }>();
  const last = new Map<string, string>();
  const add = (n: string) => {
    store.getState().addNode(n, '198.18.0.11');
    counts.set(n, { ok: 0, failed: 0 });
    last.delete(n);
  };
  for (const n of NODES) add(n);
  const seq = new Map<string, number>();
  for (let i = 0; i < steps; i++) {
    now += 200;
    const x = f.r();
    const node = f.pick(NODES);
    if (!store.getState().nodes[node]) {
      add(node);
    } else if (x < 0.75) {
      // one tick: every node gets an outcome
      const outcomes: [string, SampleOutcome][] = [];
      for (const n of store.getState().order) {
        const y = f.r();
        const s = (seq.get(n) ?? 0) + 1;
        seq.set(n, s);
        const o: SampleOutcome = y < 0.7 ? { kind: 'sample', sample: f.sample(now, s) } : y < 0.85 ? { kind: 'error', error: f.pick(['timed out after 3000 ms', 'not connected', 'sampler exited 127']) } : { kind: 'busy' };
        outcomes.push([n, o]);
        const c = counts.get(n)!;
        if (o.kind === 'sample') c.ok++;
        if (o.kind === 'error') c.failed++;
        last.set(n, o.kind);
      }
      store.getState().applyTick(outcomes);
    } else if (x < 0.85) {
      const s = f.status(now);
      store.getState().setStatus(node, s);
      last.set(node, s.kind);
    } else if (x < 0.93) {
      store.getState().setPods(node, f.pods(node), f.pick([{ kind: 'ok' }, { kind: 'forbidden', message: 'pods is forbidden' }] as const));
    } else if (x < 0.98) {
      store.getState().setPodPeers(node, Object.fromEntries(UIDS.filter(() => f.r() < 0.5).map((u, k) => [u, f.r() < 0.2 ? 'host' : { peer: 100 + k, eth0Index: 2 }])));
    } else {
      store.getState().removeNode(node);
    }
    const bad = violations(store, counts, last);
    if (bad.length) expect(bad, `seed ${seed}, step ${i}`).toEqual([]);
    onStep?.(i, store);
  }
  return store;
}

describe('store fuzz: random samples, errors, busy ticks, reconnects, pods', () => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    it(`holds its invariants over 1500 random steps (seed ${seed})`, () => {
      let steps = 0;
      const store = run(seed, 1500, () => steps++);
      expect(steps).toBe(1500);
      expect(store.getState().ticks).toBeGreaterThan(1000);
    });
  }

  it('stops growing: the state after 6000 steps is no bigger than after 3000 (same names)', () => {
    const sizes: number[] = [];
    run(7, 6000, (i, store) => {
      if (i === 2999 || i === 5999) {
        // the size of what the store holds, every node present (a removed node is re-added)
        sizes.push(JSON.stringify(store.getState(), (_k, v) => (typeof v === 'function' ? undefined : v)).length);
      }
    });
    expect(sizes).toHaveLength(2);
    // the same bounded set of names: the state may differ by what one tick holds, never by history
    expect(sizes[1]!).toBeLessThan(sizes[0]! * 1.5);
  });
});

describe('store under pod churn', () => {
  it('keeps pod peers only for pods the node still has (1000 pods come and go, 3 at a time)', () => {
    let now = 1_000_000;
    const store = createAppStore({ interval: 0.2, now: () => now });
    store.getState().addNode('a');
    const f = fuzzer(9);
    for (let k = 0; k < 1000; k++) {
      now += 200;
      const uids = [`p${k}`, `p${k + 1}`, `p${k + 2}`];
      const s = f.sample(now, k + 1);
      s.podCgroups = { status: 'ok', data: uids.map((uid, i) => ({ uid, pids: [100 + i], containerIds: [`c${i}`] })) };
      store.getState().applyTick([['a', { kind: 'sample', sample: s }]]);
      // the monitor looks up the peer of a pod it has not seen (src/sources/monitor.ts lookupPeers)
      store.getState().setPodPeers('a', { [`p${k + 2}`]: { peer: 100 + k, eth0Index: 2 } });
    }
    const peers = store.getState().nodes.a!.podPeers;
    expect(Object.keys(peers).sort()).toEqual(['p1000', 'p1001'].concat(['p999']).sort());
  });
});
