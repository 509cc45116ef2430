/**
 * --once --window: the two-sample path. The monitor takes a second sample of every sampled node
 * (Monitor.again, here over the local transport: the real sampler on this machine), the store
 * computes rates from the pair, the rate-based problems follow, and the report carries the rates
 * (validated against the published schema). Drops come from two recorded samples whose counters
 * rose.
 */
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { jsonReport, nodeReport, textReport } from '../../src/cli/report.js';
import { onceJsonSchema } from '../../src/cli/report-schema.js';
import { parseCli } from '../../src/cli/args.js';
import { Monitor } from '../../src/sources/monitor.js';
import { LocalTransport } from '../../src/sources/transport/local.js';
import type { NodeSample } from '../../src/sources/types.js';
import { createAppStore } from '../../src/state/store.js';
import { iface } from '../ui/fixtures.js';

const counters = (rxDropped: number) => ({ rxBytes: 1000, rxPackets: 10, rxErrors: 0, rxDropped, txBytes: 1000, txPackets: 10, txErrors: 0, txDropped: 0 });
const sample = (at: number, uptime: number, drops: number, ctDrop: number, fails: number): NodeSample => ({
  at,
  seq: 0,
  uptime,
  conntrack: { status: 'ok', data: { count: 10, max: 1000, stats: { found: 0, invalid: 0, insert: 0, insertFailed: 0, drop: ctDrop, earlyDrop: 0, error: 0, searchRestart: 0 } } },
  interfaces: { status: 'ok', data: [iface('eth0', 'device', { counters: counters(0) }), iface('veth1', 'veth', { ifindex: 4, counters: counters(drops) })] },
  tcpCounters: { status: 'ok', data: { activeOpens: 0, passiveOpens: 0, attemptFails: fails, estabResets: 0, currEstab: 3, retransSegs: 2 * fails, outRsts: 0, inErrs: 0 } },
  kernelEvents: [],
  latencyMs: 1,
});

describe('--once --window', () => {
  it('is a seconds setting from 0 to 60, default 2, only with --once', () => {
    expect(parseCli(['--once']).windowMs).toBe(2000);
    expect(parseCli(['--once', '--window', '0']).windowMs).toBe(0);
    expect(parseCli(['--once', '--window', '500ms']).windowMs).toBe(500);
    expect(() => parseCli(['--once', '--window', '61'])).toThrow(/--window must be a number of seconds from 0 to 60/);
    expect(() => parseCli(['--once', '--window', '-1'])).toThrow(/--window must be/);
    expect(() => parseCli(['--window', '2'])).toThrow(/--window goes with --once/);
    expect(parseCli(['--once'], { env: { NETWATCH_WINDOW: '5' } }).windowMs).toBe(5000);
    expect(parseCli(['--once'], { file: { window: 3 } }).windowMs).toBe(3000);
  });

  it('two samples give drop rates, their problems, and the report carries them (schema-valid)', () => {
    const store = createAppStore({ now: () => 1_000_000 });
    store.getState().addNode('n1');
    store.getState().applyTick([['n1', { kind: 'sample', sample: sample(1_000_000, 100, 5, 7, 1) }]]);
    let n = store.getState().nodes['n1']!;
    expect(nodeReport(n).rates).toBeUndefined(); // one sample: no rates, no rate problems
    expect(n.problems.map((p) => p.code)).not.toContain('iface-drops');
    store.getState().applyTick([['n1', { kind: 'sample', sample: sample(1_002_000, 102, 45, 17, 13) }]]);
    n = store.getState().nodes['n1']!;
    expect(n.rates.ifaces['veth1']!.dropsPerSec).toBe(20);
    expect(n.rates.conntrackDropsPerSec).toBe(5);
    expect(n.rates.tcpAttemptFailsPerSec).toBe(6);
    expect(n.rates.tcpRetransPerSec).toBe(12);
    const codes = n.problems.map((p) => `${p.code}${p.subject ? `:${p.subject}` : ''}`);
    expect(codes).toEqual(expect.arrayContaining(['iface-drops:veth1', 'conntrack-drops', 'tcp-attempt-fails']));
    expect(textReport(store.getState())).toContain('n1: rates/s: conntrack drops 5.0, TCP attempt fails 6.0, retrans 12.0; interfaces: veth1 20.0 drops/s');
    const doc = { ...JSON.parse(jsonReport(store.getState())), windowSec: 2 };
    expect(doc.nodes[0].rates.ifaces.veth1.dropsPerSec).toBe(20);
    expect([...Value.Errors(onceJsonSchema(), doc)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
  });

  it('Monitor.again takes the second sample of a sampled node (real sampler, this machine): rates over the window', async () => {
    const store = createAppStore();
    const monitor = new Monitor(store, { intervalMs: 1000 });
    monitor.add('here', new LocalTransport('here'));
    try {
      await monitor.once(20_000);
      const first = store.getState().nodes['here']!;
      expect(first.samplesOk).toBe(1);
      expect(first.rates.ifaces).toEqual({});
      await new Promise((r) => setTimeout(r, 500));
      expect(await monitor.again()).toEqual([]);
      const n = store.getState().nodes['here']!;
      expect(n.samplesOk).toBe(2);
      expect(n.sample!.at - first.sample!.at).toBeGreaterThanOrEqual(500);
      // loopback exists everywhere: its rate is measured (a number, maybe 0)
      expect(typeof n.rates.ifaces['lo']!.dropsPerSec).toBe('number');
      expect(nodeReport(n).rates).toBe(n.rates);
    } finally {
      monitor.stop();
    }
  }, 30_000);
});
