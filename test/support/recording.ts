/**
 * A two-minute recording of three nodes made the way `netwatch record` makes one: a real
 * StreamProducer on a real store fed samples. n2's eth0 MTU changes, n1's conntrack fills for a
 * while, the third node (a hostile name) goes down; names with ESC, BEL and newlines; two marks.
 * Used by test/ui/replay.test.tsx and test/e2e/replay-ui.test.ts.
 */
import { createAppStore } from '../../src/state/store.js';
import { type Frame, StreamProducer } from '../../src/state/stream.js';
import type { Timeline, TimelineMark } from '../../src/state/timeline.js';
import { memoryTimeline } from '../../src/state/timeline-memory.js';
import type { Iface, NodeSample } from '../../src/sources/types.js';

export const T0 = Date.UTC(2025, 0, 15, 3, 0, 0);
export const TICKS = 120;
/** tick i of the recording is at T0 + (i + 1) s; the first state (nodes connecting) at T0 */
export const tickAt = (i: number) => T0 + (i + 1) * 1000;
export const MTU_CHANGE = 60; // n2's eth0: 1500 before this tick, 1400 from it on
export const CT_FROM = 30; // n1's conntrack at 99 % for ticks 30–44
export const CT_TO = 45;
export const DOWN_AT = 90; // n3 stops answering
export const EVIL_NODE = 'n3\u001b]0;pwned\u0007\u001b[2J';
export const EVIL_IFACE = 'veth\u001b[31mred\nx';

function iface(name: string, mtu: number, rx: number): Iface {
  return {
    ifindex: 2, iflink: 2, kind: 'veth', mtu, operstate: 'up', flags: 0x1003, adminUp: true, promisc: false, name,
    counters: { rxBytes: rx, rxPackets: rx / 100, rxErrors: 0, rxDropped: 0, txBytes: rx * 2, txPackets: 1, txErrors: 0, txDropped: 0 },
  };
}

function sample(at: number, mtu: number, conntrack: number): NodeSample {
  return {
    at,
    seq: at,
    uptime: at / 1000,
    conntrack: { status: 'ok', data: { count: conntrack, max: 131072 } },
    interfaces: { status: 'ok', data: [iface('eth0', mtu, at), iface(EVIL_IFACE, 1500, at * 2)] },
    routes4: { status: 'ok', data: [{ dst: 'default', dev: 'eth0', gateway: '198.18.0.1', family: 4 }] },
    tcpCounters: { status: 'ok', data: { activeOpens: 0, passiveOpens: 0, attemptFails: 0, estabResets: 0, currEstab: 0, retransSegs: 0, outRsts: 0, inErrs: 0 } },
    facts: { status: 'ok', data: { kernel: '6.1.0', sysctl: { 'net.ipv4.ip_forward': '1' } } },
    kernelEvents: [],
    latencyMs: 1,
  };
}

export const MARKS: TimelineMark[] = [
  { at: tickAt(40) + 300, note: 'raised nf_conntrack_max\u001b[2J on n1', by: 'alice' },
  { at: tickAt(100), note: 'restarted kube-proxy\non n3\u0007' },
];

/** the frames of two minutes of three nodes, recorded through a real producer */
export function recordFrames(): Frame[] {
  let t = T0;
  const store = createAppStore({ now: () => t });
  const nodes = ['n1', 'n2', EVIL_NODE];
  for (const n of nodes) store.getState().addNode(n);
  const producer = new StreamProducer(store, { now: () => t, producer: 'recording' });
  const frames: Frame[] = [];
  producer.subscribe((f) => frames.push(f));
  for (let i = 0; i < TICKS; i++) {
    t = tickAt(i);
    if (i === DOWN_AT) store.getState().setStatus(EVIL_NODE, { kind: 'failed', since: t, reason: 'connection lost' });
    const up = nodes.filter((n) => !(n === EVIL_NODE && i >= DOWN_AT));
    store.getState().applyTick(up.map((n) => [n, { kind: 'sample', sample: sample(t, n === 'n2' && i >= MTU_CHANGE ? 1400 : 1500, n === 'n1' && i >= CT_FROM && i < CT_TO ? 130_000 : 1000) }] as const));
    producer.flush();
  }
  producer.stop();
  return frames;
}

export function recording(): Timeline {
  return { ...memoryTimeline(recordFrames()), marks: MARKS };
}
