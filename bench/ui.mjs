#!/usr/bin/env node
/**
 * UI benchmark: prints figures, asserts nothing. Run after `npm run build`:
 *   node bench/ui.mjs            (NODE_ENV=production is set here, as bin/netwatch.js does)
 * Drives the real App (dist/ui) on the real store (dist/state) with synthetic samples, writing to
 * a fake TTY of a given size, and measures:
 *  - frame cost: one store update (applyTick of every node) until Ink has written the frame,
 *    with 50 and 250 node rows on screen, and 250 nodes paged to a 60-row terminal; beside it
 *    "Ink floor", a bare Ink <Text> with the same characters, as the reference on this machine;
 *  - heap growth over 1000 frames;
 *  - keypress to screen: a key written to stdin until the frame showing the moved selection;
 *  - sample to screen: applyTick until the frame showing the new tick number;
 *    both measured together, ticks and keys interleaved, with the production maxFps;
 *  - keypress to screen while pasting: `/` and 200 characters of filter in one write (a
 *    bracketed paste, and the same text as plain fast typing), until the frame showing the
 *    filtered list, 50 nodes ticking every second.
 */
import { performance } from 'node:perf_hooks';
import { FakeStdin, FakeStdout } from './fake-tty.mjs';

process.env.NODE_ENV ??= 'production';
// Ink writes nothing but the last frame when it believes it runs in CI
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;

const { startUi, DEFAULT_MAX_FPS } = await import('../dist/ui/start.js');
const React = (await import('react')).default;
/** NW_BENCH_FPS=30 node bench/ui.mjs compares another redraw bound */
const FPS = Number(process.env.NW_BENCH_FPS) || DEFAULT_MAX_FPS;
const { render, Text } = await import('ink');
const { createAppStore } = await import('../dist/state/store.js');

// eslint-disable-next-line no-control-regex
const CSI = /\u001b\[[0-9;?]*[A-Za-z]/g;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const VETHS = 20;
const PODS = 10;

function counters(k) {
  return { rxBytes: k * 1500, rxPackets: k, rxErrors: 0, rxDropped: k >> 12, txBytes: k * 900, txPackets: k, txErrors: 0, txDropped: 0 };
}

function iface(name, kind, i, t, extra = {}) {
  return { name, ifindex: i + 2, iflink: i + 2, kind, mtu: 1460, operstate: 'up', flags: 0x1003, adminUp: true, promisc: false, counters: counters((i + 1) * 1000 * t), ...extra };
}

/** a sample like a bridge node's: eth0, cbr0, 20 veths, lo */
function sample(node, t) {
  const ifaces = [iface('lo', 'loopback', -1, t, { operstate: 'unknown', mtu: 65536 }), iface('eth0', 'device', 0, t), iface('cbr0', 'bridge', 1, t)];
  for (let v = 0; v < VETHS; v++) ifaces.push(iface(`veth${node}x${v}`, 'veth', v + 2, t, { master: 'cbr0', hairpin: true, linkNetnsId: v }));
  const count = 20_000 + ((node * 997 + t * 131) % 200_000);
  return {
    at: Date.now(),
    seq: t,
    uptime: 10_000 + t,
    conntrack: { status: 'ok', data: { count, max: 262_144, stats: { found: 0, invalid: t, insert: 0, insertFailed: t >> 3, drop: t >> 4, earlyDrop: 0, error: 0, searchRestart: t } } },
    interfaces: { status: 'ok', data: ifaces },
    tcpCounters: { status: 'ok', data: { activeOpens: t, passiveOpens: t, attemptFails: t >> 2, estabResets: t >> 3, currEstab: 50, retransSegs: t, outRsts: t >> 2, inErrs: 0 } },
    routes4: t === 0 ? { status: 'ok', data: [{ dst: 'default', dev: 'eth0', gateway: '10.0.0.1', family: 4 }] } : undefined,
    kernelEvents: [],
    latencyMs: 5 + (t % 7),
  };
}

function pods(node) {
  return Array.from({ length: PODS }, (_, p) => ({
    namespace: 'default',
    name: `web-${node}-${p}`,
    uid: `uid-${node}-${p}`,
    nodeName: `node-${node}`,
    phase: 'Running',
    podIPs: [`10.${64 + (node >> 8)}.${node & 255}.${p + 2}`],
    hostNetwork: false,
    containers: [],
  }));
}

const name = (i) => `gke-bench-pool-a-${String(i).padStart(4, '0')}`;

function setup(nodes, columns, rows) {
  const store = createAppStore({ interval: 1 });
  for (let i = 0; i < nodes; i++) store.getState().addNode(name(i), `10.0.${i >> 8}.${i & 255}`);
  store.getState().setKube({ kind: 'ok' });
  for (let i = 0; i < nodes; i++) store.getState().setPods(name(i), pods(i), { kind: 'ok' });
  const stdout = new FakeStdout(columns, rows);
  const stdin = new FakeStdin();
  let t = 0;
  const tick = () => {
    t++;
    const outcomes = [];
    for (let i = 0; i < nodes; i++) outcomes.push([name(i), { kind: 'sample', sample: sample(i, t) }]);
    store.getState().applyTick(outcomes);
  };
  return { store, stdout, stdin, tick, ticks: () => store.getState().ticks };
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const f = (ms) => `${ms.toFixed(2)} ms`;

/**
 * frame cost: one tick with the UI, from applyTick until Ink has written the frame (React renders
 * in a microtask after the update), minus the same tick's store work measured on a store nobody
 * renders. Ticks are spaced past the redraw throttle, so every tick is a frame.
 */
async function frameCost(label, nodes, columns, rows) {
  const ui = setup(nodes, columns, rows);
  const bare = setup(nodes, columns, rows);
  const inkTimes = [];
  const handle = startUi(ui.store, {}, { maxFps: FPS, stdout: ui.stdout, stdin: ui.stdin, stderr: ui.stdout, onRender: (m) => inkTimes.push(m.renderTime) });
  await sleep(100);
  for (let i = 0; i < 10; i++) {
    ui.tick();
    bare.tick();
    await sleep(1000 / FPS + 15);
  }
  const frames = [];
  const totals = [];
  const folds = [];
  const cpu = [];
  const screen = await probeScreen(ui, columns, rows);
  const chars = screen.reduce((a, l) => a + l.length, 0);
  let wroteAt = 0;
  ui.stdout.onWrite = () => {
    if (!wroteAt) wroteAt = performance.now();
  };
  inkTimes.length = 0;
  for (let i = 0; i < 60; i++) {
    let a = performance.now();
    bare.tick();
    const fold = performance.now() - a;
    wroteAt = 0;
    const c0 = process.cpuUsage();
    a = performance.now();
    ui.tick();
    await new Promise((r) => setImmediate(r)); // the microtask render and its write are done
    const c = process.cpuUsage(c0);
    if (!wroteAt) continue; // not written (throttled): not a frame
    folds.push(fold);
    totals.push(wroteAt - a);
    frames.push(wroteAt - a - fold);
    cpu.push((c.user + c.system) / 1000 - fold);
    await sleep(1000 / FPS + 15);
  }
  const lines = Math.min(nodes + 3, rows - 1);
  console.log(
    `${label.padEnd(30)} frame p50 ${f(pct(frames, 50))} p95 ${f(pct(frames, 95))} (Ink output ${f(pct(inkTimes, 50))}, CPU ${f(pct(cpu, 50))}) | store update ${f(pct(folds, 50))} | ${lines} lines, ${chars} chars, ${frames.length} frames`,
  );
  handle.unmount();
  await sleep(50);
  return screen.map((l) => l.length);
}

/** the screen as text: a second, non-incremental UI on the same store writes whole frames */
async function probeScreen(ui, columns, rows) {
  const out = new FakeStdout(columns, rows);
  let last = '';
  out.onWrite = (s) => {
    if (s.includes('\n')) last = s;
  };
  const h = startUi(ui.store, {}, { stdout: out, stdin: new FakeStdin(), incrementalRendering: false });
  await sleep(100);
  h.unmount();
  await sleep(20);
  return last.replace(CSI, '').split('\n').filter((l) => l.trim());
}

/** Ink's own floor: a bare <Text> with as many plain ASCII characters per line, changing each frame */
async function inkFloor(label, lengths, columns) {
  const stdout = new FakeStdout(columns, lengths.length + 5);
  const lineOf = (len, t, i) => `${t} ${i} `.repeat(Math.ceil(len / 6)).slice(0, len);
  const App = ({ t }) => React.createElement(Text, null, lengths.map((len, i) => lineOf(len, t, i)).join('\n'));
  const inst = render(React.createElement(App, { t: 0 }), { stdout, stdin: new FakeStdin(), patchConsole: false, maxFps: 1000 });
  const times = [];
  let wroteAt = 0;
  stdout.onWrite = () => {
    if (!wroteAt) wroteAt = performance.now();
  };
  for (let t = 1; t <= 70; t++) {
    wroteAt = 0;
    const a = performance.now();
    inst.rerender(React.createElement(App, { t }));
    await new Promise((r) => setImmediate(r));
    if (t > 10 && wroteAt) times.push(wroteAt - a);
    await sleep(5);
  }
  inst.unmount();
  console.log(`${label.padEnd(30)} frame p50 ${f(pct(times, 50))} p95 ${f(pct(times, 95))} (bare Ink <Text>, same characters, ASCII)`);
}

/** ticks and keys interleaved: latency from each to the frame that shows it */
async function latencies(nodes, columns, rows, tickMs, seconds) {
  const ui = setup(nodes, columns, rows);
  const handle = startUi(ui.store, {}, { maxFps: FPS, stdout: ui.stdout, stdin: ui.stdin, stderr: ui.stdout });
  await sleep(100);
  ui.tick();
  await sleep(100);
  const waiting = []; // { match(text) -> bool, at, kind }
  const keyLat = [];
  const sampleLat = [];
  let bytes = 0;
  ui.stdout.onWrite = (s) => {
    bytes += s.length;
    if (!waiting.length) return;
    const text = s.replace(CSI, '');
    const now = performance.now();
    for (let i = waiting.length - 1; i >= 0; i--) {
      const w = waiting[i];
      if (w.match(text)) {
        (w.kind === 'key' ? keyLat : sampleLat).push(now - w.at);
        waiting.splice(i, 1);
      }
    }
  };
  let cursor = 0;
  const end = performance.now() + seconds * 1000;
  const ticker = setInterval(() => {
    const at = performance.now();
    ui.tick();
    const n = ui.ticks();
    // the header's tick counter: a frame showing tick n or later shows this sample
    waiting.push({ kind: 'sample', at, match: (t) => Number(/#(\d+)/.exec(t)?.[1] ?? -1) >= n });
  }, tickMs);
  let presses = 0;
  while (performance.now() < end) {
    await sleep(80 + Math.random() * 240);
    const down = cursor < Math.min(nodes, rows - 4) - 1 && (cursor === 0 || Math.random() < 0.5);
    cursor += down ? 1 : -1;
    const want = `> ${name(cursor)}`;
    const at = performance.now();
    waiting.push({ kind: 'key', at, match: (t) => t.includes(want) });
    ui.stdin.write(down ? 'j' : 'k');
    presses++;
  }
  clearInterval(ticker);
  await sleep(300);
  handle.unmount();
  const lost = waiting.length;
  console.log(
    `keypress → screen (${presses} keys):   p50 ${f(pct(keyLat, 50))} p95 ${f(pct(keyLat, 95))} max ${f(Math.max(...keyLat))}`,
  );
  console.log(
    `sample → screen (${sampleLat.length} ticks every ${tickMs} ms): p50 ${f(pct(sampleLat, 50))} p95 ${f(pct(sampleLat, 95))} max ${f(Math.max(...sampleLat))}` +
      (lost ? ` (${lost} never seen)` : ''),
  );
  console.log(`bytes written: ${(bytes / (seconds * 1024)).toFixed(1)} KB/s`);
}

/** `/` + 200 characters in one write (bracketed paste or plain text), until the filtered frame; esc clears between */
async function pasteLatency(nodes, columns, rows, trials) {
  const ui = setup(nodes, columns, rows);
  const handle = startUi(ui.store, {}, { maxFps: FPS, stdout: ui.stdout, stdin: ui.stdin, stderr: ui.stdout });
  await sleep(100);
  ui.tick();
  const ticker = setInterval(() => ui.tick(), 1000);
  await sleep(100);
  let want = null;
  ui.stdout.onWrite = (s) => {
    if (want && want.match(s.replace(CSI, ''))) {
      want.done(performance.now());
      want = null;
    }
  };
  const until = (match) => new Promise((done) => (want = { match, done }));
  const result = {};
  for (const mode of ['bracketed paste', 'plain text']) {
    const lat = [];
    for (let i = 0; i < trials; i++) {
      const k = (i * 7) % nodes;
      // words of the node's name, repeated to 200 characters: every word must match, one node does
      const filter = `${name(k)} `.repeat(20).slice(0, 200);
      const shown = until((t) => t.includes(`> ${name(k)}`) && t.includes('nodes 1–1 of 1'));
      const at = performance.now();
      ui.stdin.write(mode === 'plain text' ? `/${filter}` : `/\u001b[200~${filter}\u001b[201~`);
      lat.push((await shown) - at);
      const cleared = until((t) => t.includes(`nodes 1–${Math.min(nodes, rows - 4)} of ${nodes}`) && !t.includes('█'));
      ui.stdin.write('\u001b');
      await cleared;
      await sleep(20 + Math.random() * 80);
    }
    result[mode] = lat;
    console.log(`keypress → screen, / + 200 chars ${mode.padEnd(15)} (${nodes} nodes, ${trials} writes): p50 ${f(pct(lat, 50))} p95 ${f(pct(lat, 95))} max ${f(Math.max(...lat))}`);
  }
  clearInterval(ticker);
  handle.unmount();
  return result;
}

/** heap after many frames: Ink caches text measurements without eviction, netwatch's lines must not feed it */
async function heapGrowth(nodes, frames) {
  const v8 = await import('node:v8');
  const vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const ui = setup(nodes, 200, 60);
  const handle = startUi(ui.store, {}, { maxFps: 1000, stdout: ui.stdout, stdin: ui.stdin, stderr: ui.stdout });
  const step = async (n) => {
    for (let i = 0; i < n; i++) {
      ui.tick();
      await new Promise((r) => setImmediate(r));
    }
  };
  await step(200);
  gc();
  const before = process.memoryUsage().heapUsed;
  await step(frames);
  gc();
  const after = process.memoryUsage().heapUsed;
  handle.unmount();
  console.log(`heap after ${frames} more frames (${nodes} nodes): ${((after - before) / 1048576).toFixed(1)} MB growth; RSS ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB`);
}

const os = await import('node:os');
console.log(`netwatch UI benchmark · NODE_ENV=${process.env.NODE_ENV} · maxFps ${FPS} · incremental rendering off (as netwatch runs)`);
console.log(`machine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (other work on the machine inflates every figure)`);
console.log(`each node: ${VETHS + 3} interfaces, ${PODS} pods; terminal 200 columns`);
const lengths = await frameCost('50 nodes, all on screen', 50, 200, 60);
await inkFloor('  Ink floor for that screen', lengths, 200);
await frameCost('50 nodes, 80x24 terminal', 50, 80, 24);
await frameCost('250 nodes, all on screen', 250, 200, 260);
await frameCost('250 nodes, paged to 60 rows', 250, 200, 60);
await heapGrowth(50, 1000);
await latencies(50, 200, 60, 1000, 20);
await latencies(50, 200, 60, 250, 10);
await pasteLatency(50, 200, 60, 40);
