#!/usr/bin/env node
/**
 * Replay UI benchmark: prints figures, asserts nothing. Run after `npm run build`:
 *   node bench/replay-ui.mjs            (NODE_ENV=production, as bin/netwatch.js sets)
 * Records NODES nodes (23 interfaces each) for MINUTES minutes at 1 s through the real store and
 * StreamProducer into an in-memory timeline (the file-backed one is helper "record"'s: add its
 * stateAt figure to these), then drives the real replay UI (dist/ui/replay.js) on a fake TTY:
 *  - first frame: start until Ink's first write, and whether the time bar's pre-pass was still
 *    running then (it must not hold the first frame back);
 *  - the pre-pass: time until the bar is complete, states read;
 *  - seek to screen: `.`, `]` and a pasted `t` time written to stdin until the frame showing
 *    the new clock (paused; presses spaced past the redraw bound);
 *  - key repeat: 30 `.` in one write: states read and time to the last one's frame.
 */
import { performance } from 'node:perf_hooks';
import { FakeStdin, FakeStdout } from './fake-tty.mjs';

process.env.NODE_ENV ??= 'production';
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;

const NODES = Number(process.env.NW_BENCH_NODES) || 50;
const MINUTES = Number(process.env.NW_BENCH_MINUTES) || 20;
const COLUMNS = 200;
const ROWS = 60;

const React = (await import('react')).default;
const { createAppStore } = await import('../dist/state/store.js');
const { StreamProducer } = await import('../dist/state/stream.js');
const { memoryTimeline } = await import('../dist/state/timeline-memory.js');
const { ReplayApp, ReplayController } = await import('../dist/ui/replay.js');
const { startRoot } = await import('../dist/ui/start.js');
const { fmtClock } = await import('../dist/ui/format.js');

// eslint-disable-next-line no-control-regex
const CSI = /\u001b\[[0-9;?]*[A-Za-z]/g;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const f = (ms) => `${ms.toFixed(1)} ms`;

function iface(name, kind, i, t, mtu = 1460) {
  const k = (i + 1) * 1000 * t;
  return { name, ifindex: i + 2, iflink: i + 2, kind, mtu, operstate: 'up', flags: 0x1003, adminUp: true, promisc: false, counters: { rxBytes: k * 1500, rxPackets: k, rxErrors: 0, rxDropped: 0, txBytes: k * 900, txPackets: k, txErrors: 0, txDropped: 0 } };
}
function sample(node, t, at) {
  const ifaces = [iface('eth0', 'device', 0, t), iface('cbr0', 'bridge', 1, t)];
  for (let v = 0; v < 21; v++) ifaces.push(iface(`veth${node}x${v}`, 'veth', v + 2, t, node === 3 && t > 600 ? 1500 : 1460));
  // a conntrack fill on some nodes for a few minutes: problems for the bar
  const full = node % 10 === 0 && t > 300 && t < 500;
  return {
    at, seq: t, uptime: 10_000 + t,
    conntrack: { status: 'ok', data: { count: full ? 255_000 : 20_000 + ((node * 997 + t * 131) % 100_000), max: 262_144 } },
    interfaces: { status: 'ok', data: ifaces },
    tcpCounters: { status: 'ok', data: { activeOpens: t, passiveOpens: t, attemptFails: 0, estabResets: 0, currEstab: 50, retransSegs: t, outRsts: 0, inErrs: 0 } },
    routes4: { status: 'ok', data: [{ dst: 'default', dev: 'eth0', gateway: '10.0.0.1', family: 4 }] },
    kernelEvents: [],
    latencyMs: 5,
  };
}

const T0 = Date.UTC(2025, 0, 15, 3, 0, 0);
let t = T0;
const store = createAppStore({ interval: 1, now: () => t });
const name = (i) => `gke-bench-pool-a-${String(i).padStart(4, '0')}`;
for (let i = 0; i < NODES; i++) store.getState().addNode(name(i), `10.0.0.${i}`);
const producer = new StreamProducer(store, { now: () => t, producer: 'recording' });
const frames = [];
producer.subscribe((fr) => frames.push(fr));
let a = performance.now();
for (let k = 1; k <= MINUTES * 60; k++) {
  t = T0 + k * 1000;
  store.getState().applyTick(Array.from({ length: NODES }, (_, i) => [name(i), { kind: 'sample', sample: sample(i, k, t) }]));
  producer.flush();
}
producer.stop();
const base = memoryTimeline(frames);
let reads = 0;
const timeline = { ...base, stateAt: (x) => (reads++, base.stateAt(x)) };
console.log(`recording: ${NODES} nodes × 23 interfaces, ${MINUTES} min at 1 s, ${base.times.length} states (made in ${((performance.now() - a) / 1000).toFixed(1)} s)`);

const stdout = new FakeStdout(COLUMNS, ROWS);
const stdin = new FakeStdin();
const c = new ReplayController(timeline, { name: 'bench.nwrec', play: false });
let firstWrite = 0;
let barDoneAtFirst;
let waiter;
stdout.onWrite = (s) => {
  if (!firstWrite) {
    firstWrite = performance.now();
    barDoneAtFirst = c.bar(COLUMNS - 18).done;
  }
  waiter?.(s);
};
a = performance.now();
await c.start();
const handle = startRoot(React.createElement(ReplayApp, { controller: c }), { stdout, stdin, stderr: stdout, fullscreen: false });
while (!firstWrite) await sleep(1);
console.log(`first frame: ${f(firstWrite - a)} (first state read + first render); pre-pass done then: ${barDoneAtFirst}`);
const readsBefore = reads;
while (!c.bar(COLUMNS - 18).done) await sleep(5);
console.log(`pre-pass (${COLUMNS - 18} columns, ≤ 2 states a column): ${f(performance.now() - firstWrite)}, ${reads - readsBefore} states read, sampled: ${c.bar(COLUMNS - 18).sampled}`);

/** writes keys, resolves with the ms until a frame contains `text` (bounded: 5 s, then it says what it saw) */
let lastFrame = '';
function toScreen(keys, text) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const bound = setTimeout(() => reject(new Error(`no frame with ${JSON.stringify(text)} 5 s after ${JSON.stringify(keys)}; last frame:\n${lastFrame.split('\n').slice(0, 4).join('\n')}`)), 5000);
    waiter = (raw) => {
      const s = raw.replace(CSI, '');
      lastFrame = s;
      // the header's clock: " 03:12:00 #1234"
      if (s.includes(`${text} #`)) {
        clearTimeout(bound);
        waiter = undefined;
        resolve(performance.now() - t0);
      }
    };
    stdin.write(keys);
  });
}
for (const [label, keys, step] of [
  ['. (tick forward)', '.', 1000],
  [', (tick back)', ',', -1000],
  ['] (+1 min)', ']', 60_000],
]) {
  const xs = [];
  c.seek(label.startsWith(']') ? base.start : base.start + (base.end - base.start) / 2);
  await sleep(120);
  for (let k = 0; k < 15; k++) {
    const target = Math.min(base.end - 1000, Math.max(base.start, c.cursor + step));
    xs.push(await toScreen(keys, fmtClock(target)));
    await sleep(80);
  }
  console.log(`seek to screen ${label}: p50 ${f(pct(xs, 50))}, p95 ${f(pct(xs, 95))}, max ${f(Math.max(...xs))}`);
}
{
  const xs = [];
  for (let k = 0; k < 10; k++) {
    const target = base.start + Math.floor(((k * 7919) % (MINUTES * 60)) / 1) * 1000;
    const text = fmtClock(target);
    xs.push(await toScreen(`t\u001b[200~${text}\u001b[201~\r`, text));
    await sleep(80);
  }
  console.log(`seek to screen t + pasted clock time + enter: p50 ${f(pct(xs, 50))}, p95 ${f(pct(xs, 95))}`);
}
{
  c.seek(base.start);
  await sleep(120);
  const r0 = reads;
  const ms = await toScreen('.'.repeat(30), fmtClock(base.start + 30_000));
  console.log(`key repeat: 30 × . in one write: ${reads - r0} states read, last one on screen after ${f(ms)}`);
}
handle.unmount();
c.stop();
process.exit(0);
