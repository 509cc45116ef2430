/** Rates from two consecutive samples of a node. Pure. */
import type { NodeSample } from '../sources/types.js';
import type { IfaceRates, NodeRates } from './types.js';

/** seconds between two samples: node uptime when both have it (no network jitter), else arrival */
export function elapsed(prev: NodeSample, cur: NodeSample): number {
  if (prev.uptime !== undefined && cur.uptime !== undefined && cur.uptime > prev.uptime) return cur.uptime - prev.uptime;
  return Math.max((cur.at - prev.at) / 1000, 0.001);
}

const perSec = (a: number, b: number, dt: number) => (b >= a ? (b - a) / dt : 0); // counters reset: 0

export function computeRates(prev: NodeSample | undefined, cur: NodeSample): NodeRates {
  const rates: NodeRates = { ifaces: {} };
  if (!prev) return rates;
  const dt = elapsed(prev, cur);
  if (prev.interfaces.status === 'ok' && cur.interfaces.status === 'ok') {
    const before = new Map(prev.interfaces.data.map((i) => [i.name, i.counters]));
    for (const i of cur.interfaces.data) {
      const a = before.get(i.name);
      const b = i.counters;
      if (!a || !b) continue;
      const r: IfaceRates = {
        rxBps: perSec(a.rxBytes, b.rxBytes, dt),
        txBps: perSec(a.txBytes, b.txBytes, dt),
        rxPps: perSec(a.rxPackets, b.rxPackets, dt),
        txPps: perSec(a.txPackets, b.txPackets, dt),
        dropsPerSec: perSec(a.rxDropped + a.txDropped, b.rxDropped + b.txDropped, dt),
        errorsPerSec: perSec(a.rxErrors + a.txErrors, b.rxErrors + b.txErrors, dt),
      };
      rates.ifaces[i.name] = r;
    }
  }
  if (prev.conntrack.status === 'ok' && cur.conntrack.status === 'ok') {
    const a = prev.conntrack.data;
    const b = cur.conntrack.data;
    rates.conntrackGrowthPerSec = (b.count - a.count) / dt;
    if (a.stats && b.stats) {
      rates.conntrackDropsPerSec = perSec(a.stats.drop + a.stats.earlyDrop, b.stats.drop + b.stats.earlyDrop, dt);
      rates.conntrackInsertFailedPerSec = perSec(a.stats.insertFailed, b.stats.insertFailed, dt);
    }
  }
  if (prev.tcpCounters.status === 'ok' && cur.tcpCounters.status === 'ok') {
    const a = prev.tcpCounters.data;
    const b = cur.tcpCounters.data;
    rates.tcpAttemptFailsPerSec = perSec(a.attemptFails, b.attemptFails, dt);
    rates.tcpResetsPerSec = perSec(a.outRsts + a.estabResets, b.outRsts + b.estabResets, dt);
    rates.tcpRetransPerSec = perSec(a.retransSegs, b.retransSegs, dt);
  }
  return rates;
}
