/** Rates from two consecutive samples of a node. Pure. */
import type { NodeSample } from '../sources/types.js';
import type { IfaceRates, NodeRates } from './types.js';

/** seconds between two samples: node uptime when both have it (no network jitter), else arrival */
export function elapsed(prev: NodeSample, cur: NodeSample): number {
  if (prev.uptime !== undefined && cur.uptime !== undefined && cur.uptime > prev.uptime) return cur.uptime - prev.uptime;
  return Math.max((cur.at - prev.at) / 1000, 0.001);
}

const perSec = (a: number, b: number, dt: number) => (b >= a ? (b - a) / dt : 0); // counters reset: 0

/** with `ifaces` false, the rates without the per-interface ones (rateSums gives what a node's history keeps of those) */
export function computeRates(prev: NodeSample | undefined, cur: NodeSample, ifaces = true): NodeRates {
  const rates: NodeRates = { ifaces: {} };
  if (!prev) return rates;
  const dt = elapsed(prev, cur);
  if (ifaces && prev.interfaces.status === 'ok' && cur.interfaces.status === 'ok') {
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

/** "4294967294" and below, as a canonical decimal: a key objects enumerate first, in numeric order */
const isIndex = (k: string): boolean => {
  const n = Number(k) >>> 0;
  return String(n) === k && n !== 4294967295;
};

/**
 * Σ rxBps and Σ dropsPerSec of computeRates(prev, cur).ifaces, added up in the order
 * Object.values gives them (index-like names first, ascending; a name seen twice keeps its first
 * place and its last value; `__proto__` is no own key there), so the very same numbers come out:
 * what foldSample keeps of them in a node's history, without making the rates (a recording's seek
 * makes the rates only for the state it returns).
 */
/** a and b list the same names in the same places, each once, none `__proto__` nor one that may be index-like */
function sameNames(a: readonly { name: string }[], b: readonly { name: string }[]): boolean {
  if (a.length !== b.length) return false;
  const seen = new Set<string>();
  for (let k = 0; k < a.length; k++) {
    const n = b[k]!.name;
    if (a[k]!.name !== n || n === '__proto__' || seen.has(n)) return false;
    const c = n.charCodeAt(0);
    if (!(c < 48 || c > 57) || n.length === 0) return false;
    seen.add(n);
  }
  return true;
}

export function rateSums(prev: NodeSample | undefined, cur: NodeSample): { rxBps: number; dropsPerSec: number } {
  if (!prev || prev.interfaces.status !== 'ok' || cur.interfaces.status !== 'ok') return { rxBps: 0, dropsPerSec: 0 };
  const dt = elapsed(prev, cur);
  const fast = sameNames(prev.interfaces.data, cur.interfaces.data);
  if (fast) {
    // the same distinct names in the same places, none index-like: the loop below in cur's order
    const pa = prev.interfaces.data;
    const ca = cur.interfaces.data;
    let rxBps = 0;
    let dropsPerSec = 0;
    for (let k = 0; k < ca.length; k++) {
      const a = pa[k]!.counters;
      const b = ca[k]!.counters;
      if (a && b) rxBps += perSec(a.rxBytes, b.rxBytes, dt);
    }
    for (let k = 0; k < ca.length; k++) {
      const a = pa[k]!.counters;
      const b = ca[k]!.counters;
      if (a && b) dropsPerSec += perSec(a.rxDropped + a.txDropped, b.rxDropped + b.txDropped, dt);
    }
    return { rxBps, dropsPerSec };
  }
  const before = new Map(prev.interfaces.data.map((i) => [i.name, i.counters]));
  const at = new Map<string, number>();
  const names: string[] = [];
  const rx: number[] = [];
  const drops: number[] = [];
  let index = false;
  for (const i of cur.interfaces.data) {
    const a = before.get(i.name);
    const b = i.counters;
    if (!a || !b || i.name === '__proto__') continue;
    let k = at.get(i.name);
    if (k === undefined) {
      k = names.length;
      at.set(i.name, k);
      names.push(i.name);
      if (!index && isIndex(i.name)) index = true;
    }
    rx[k] = perSec(a.rxBytes, b.rxBytes, dt);
    drops[k] = perSec(a.rxDropped + a.txDropped, b.rxDropped + b.txDropped, dt);
  }
  let order = names.map((_, k) => k);
  if (index) {
    const idx = order.filter((k) => isIndex(names[k]!)).sort((x, y) => Number(names[x]) - Number(names[y]));
    order = [...idx, ...order.filter((k) => !isIndex(names[k]!))];
  }
  let rxBps = 0;
  let dropsPerSec = 0;
  for (const k of order) rxBps += rx[k]!;
  for (const k of order) dropsPerSec += drops[k]!;
  return { rxBps, dropsPerSec };
}
