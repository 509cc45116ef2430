/** Node samples for store-level tests (stream, recording): interfaces whose counters move with time. */
import type { Iface, NodeSample } from '../../src/sources/types.js';

export function iface(name: string, mtu: number, rx: number): Iface {
  return {
    ifindex: 2, iflink: 2, kind: 'veth', mtu, operstate: 'up', flags: 0x1003, adminUp: true, promisc: false, name,
    counters: { rxBytes: rx, rxPackets: Math.floor(rx / 100), rxErrors: 0, rxDropped: 0, txBytes: rx * 2, txPackets: 1, txErrors: 0, txDropped: 0 },
  };
}

/** a sample at `at` with these interfaces; the one at `mtuIndex` has MTU `mtu`, the others 1500 */
export function sample(at: number, names: string[], mtu = 1500, mtuIndex = 0): NodeSample {
  return {
    at, seq: at, uptime: at / 1000,
    conntrack: { status: 'ok', data: { count: at % 97, max: 131072 } },
    interfaces: { status: 'ok', data: names.map((n, i) => iface(n, i === mtuIndex ? mtu : 1500, at * (i + 1))) },
    routes4: { status: 'ok', data: [{ dst: 'default', dev: names[0]!, gateway: '198.18.0.1', family: 4 }] },
    tcpCounters: { status: 'ok', data: { activeOpens: 0, passiveOpens: 0, attemptFails: at % 7, estabResets: 0, currEstab: 0, retransSegs: 0, outRsts: 0, inErrs: 0 } },
    facts: { status: 'ok', data: { kernel: '6.1.0', sysctl: { 'net.ipv4.ip_forward': '1' } } },
    kernelEvents: [],
    latencyMs: 1,
  };
}

/** structural equality that tells Maps, Sets, undefined in arrays and non-finite numbers apart */
export function canon(v: unknown): unknown {
  if (v instanceof Map) return { map: [...v].map(([k, x]) => [canon(k), canon(x)]) };
  if (v instanceof Set) return { set: [...v].map(canon) };
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? '<undefined>' : canon(x)));
  if (typeof v === 'number' && !Number.isFinite(v)) return `<${v}>`;
  if (v && typeof v === 'object') return Object.entries(v).filter(([, x]) => x !== undefined && typeof x !== 'function').sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, canon(x)]);
  return v;
}
