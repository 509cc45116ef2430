#!/usr/bin/env node
/**
 * Shared-session benchmark: prints figures, asserts nothing. Run after `npm run build`:
 *   node bench/share.mjs
 * The owner is a child process with the real store (dist/state) fed like the monitor feeds it
 * (applyTick of 50 bridge nodes with 20 veths and 10 pods each, every 250 ms: 4× the default rate,
 * so the figures are above noise), and, unless "off", the real StreamProducer and ShareServer
 * (dist/cli/share) on a Unix socket in a temporary $XDG_RUNTIME_DIR. Viewers are separate
 * processes with the real client (connectShare: SO_PEERCRED check, replica). Prints:
 *  - the owner's CPU (user+system: ms of CPU per minute and % of one core) over a window
 *    (NW_BENCH_WINDOW_S, default 15 s): no --share, --share with 0, 1 and 5 viewers; the owner runs
 *    the real App on a fake 160×50 TTY as the live view does (NW_BENCH_UI=0: no UI, the store and
 *    the share alone: the share's cost stands out more). The four are run interleaved, NW_BENCH_ROUNDS
 *    rounds (default 3) each in a rotated order, so a change in the machine's load falls on all of
 *    them; medians are compared. "--share, 0 viewers" is the owner as it runs with nobody attached
 *    (startShare as main.ts calls it): each owner says whether a producer ran during its window,
 *    and the CPU inside the producer's flush (diff + the frame's text) per flush;
 *  - attach to first frame: connect → first snapshot applied (in the viewer process), 10 attaches;
 *    and `netwatch attach --once --json` as a command, process start to exit (node start included).
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const BIN = fileURLToPath(new URL('../bin/netwatch.js', import.meta.url));
const NODES = 50;
const VETHS = 20;
const PODS = 10;
/** NW_BENCH_TICK_MS=1000: the default --interval (figures smaller, noise larger) */
const TICK_MS = Number(process.env.NW_BENCH_TICK_MS) || 250;
const WINDOW_MS = (Number(process.env.NW_BENCH_WINDOW_S) || 15) * 1000;
const ROUNDS = Number(process.env.NW_BENCH_ROUNDS) || 3;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const name = (i) => `gke-bench-pool-a-${String(i).padStart(4, '0')}`;

function counters(k) {
  return { rxBytes: k * 1500, rxPackets: k, rxErrors: 0, rxDropped: k >> 12, txBytes: k * 900, txPackets: k, txErrors: 0, txDropped: 0 };
}
function iface(n, kind, i, t, extra = {}) {
  return { name: n, ifindex: i + 2, iflink: i + 2, kind, mtu: 1460, operstate: 'up', flags: 0x1003, adminUp: true, promisc: false, counters: counters((i + 1) * 1000 * t), ...extra };
}
function sample(node, t) {
  const ifaces = [iface('lo', 'loopback', -1, t, { operstate: 'unknown', mtu: 65536 }), iface('eth0', 'device', 0, t), iface('cbr0', 'bridge', 1, t)];
  for (let v = 0; v < VETHS; v++) ifaces.push(iface(`veth${node}x${v}`, 'veth', v + 2, t, { master: 'cbr0', hairpin: true, linkNetnsId: v }));
  return {
    at: Date.now(),
    seq: t,
    uptime: 10_000 + t,
    conntrack: { status: 'ok', data: { count: 20_000 + ((node * 997 + t * 131) % 200_000), max: 262_144, stats: { found: 0, invalid: t, insert: 0, insertFailed: t >> 3, drop: t >> 4, earlyDrop: 0, error: 0, searchRestart: t } } },
    interfaces: { status: 'ok', data: ifaces },
    tcpCounters: { status: 'ok', data: { activeOpens: t, passiveOpens: t, attemptFails: t >> 2, estabResets: t >> 3, currEstab: 50, retransSegs: t, outRsts: t >> 2, inErrs: 0 } },
    routes4: t === 1 ? { status: 'ok', data: [{ dst: 'default', dev: 'eth0', gateway: '10.0.0.1', family: 4 }] } : undefined,
    kernelEvents: [],
    latencyMs: 5 + (t % 7),
  };
}
const pods = (node) =>
  Array.from({ length: PODS }, (_, p) => ({ namespace: 'default', name: `web-${node}-${p}`, uid: `uid-${node}-${p}`, nodeName: name(node), phase: 'Running', podIPs: [`10.64.${node}.${p + 2}`], hostNetwork: false, containers: [] }));

/* ---------- child: the owner ---------- */
async function owner(mode) {
  const { createAppStore } = await import('../dist/state/store.js');
  const store = createAppStore({ interval: TICK_MS / 1000 });
  for (let i = 0; i < NODES; i++) store.getState().addNode(name(i), `10.0.0.${i}`);
  store.getState().setKube({ kind: 'ok' });
  for (let i = 0; i < NODES; i++) store.getState().setPods(name(i), pods(i), { kind: 'ok' });
  let t = 0;
  const tick = () => {
    t++;
    store.getState().applyTick(Array.from({ length: NODES }, (_, i) => [name(i), { kind: 'sample', sample: sample(i, t) }]));
  };
  if (process.env.NW_BENCH_UI !== '0') {
    // the live view as netwatch runs it: the real App on a 160×50 terminal (a fake TTY)
    process.env.NODE_ENV ??= 'production';
    delete process.env.CI;
    const { FakeStdin, FakeStdout } = await import('./fake-tty.mjs');
    const { startUi } = await import('../dist/ui/start.js');
    const out = new FakeStdout(160, 50);
    startUi(store, {}, { stdout: out, stdin: new FakeStdin(), stderr: out });
  }
  let share;
  // the producer's own cost: CPU inside flush (diff + the frame's text), summed over the window
  const { StreamProducer } = await import('../dist/state/stream.js');
  const flush = StreamProducer.prototype.flush;
  const inFlush = { ms: 0, n: 0 };
  StreamProducer.prototype.flush = function () {
    const c = process.cpuUsage();
    flush.call(this);
    const d = process.cpuUsage(c);
    inFlush.ms += (d.user + d.system) / 1000;
    inFlush.n++;
  };
  if (mode === 'share') {
    const { startShare } = await import('../dist/cli/share/owner.js');
    share = await startShare(store, {}, () => {});
  }
  for (let i = 0; i < 8; i++) tick();
  setInterval(tick, TICK_MS);
  process.stdout.write(`ready ${share?.path ?? '-'}\n`);
  // measure when told (the viewers are attached by then)
  process.stdin.once('data', async () => {
    const dropped0 = share?.server.dropped ?? 0;
    inFlush.ms = inFlush.n = 0;
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await sleep(WINDOW_MS);
    const c = process.cpuUsage(c0);
    const wall = performance.now() - w0;
    process.stdout.write(`cpu ${(((c.user + c.system) / 1000 / wall) * 100).toFixed(3)} viewers ${share?.server.viewerCount ?? 0} producer ${share?.server.producing ? 'yes' : 'no'} dropped ${(share?.server.dropped ?? 0) - dropped0} flush ${inFlush.n ? (inFlush.ms / inFlush.n).toFixed(2) : '-'}\n`);
    share?.close();
    process.exit(0);
  });
}

/* ---------- child: a viewer ---------- */
async function viewer(path) {
  const { connectShare } = await import('../dist/cli/share/client.js');
  const c = await connectShare(path, { timeoutMs: 10_000 });
  process.stdout.write(`first ${c.firstFrameMs.toFixed(1)}\n`);
  if (process.argv[4] === 'once') process.exit(0);
  await c.ended;
  process.exit(0);
}

function lines(child, onLine) {
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}
const nextLine = (child, re) => new Promise((resolve) => lines(child, (l) => re.test(l) && resolve(l)));

async function run(mode, viewers, xdg) {
  // the owner's Ink writes cursor sequences on its stderr: not to this terminal
  const o = spawn(process.execPath, [SELF, 'owner', mode], { env: { ...process.env, XDG_RUNTIME_DIR: xdg }, stdio: ['pipe', 'pipe', 'ignore'] });
  const ready = await nextLine(o, /^ready /);
  const path = ready.split(' ')[1];
  const vs = [];
  for (let i = 0; i < viewers; i++) {
    const v = spawn(process.execPath, [SELF, 'viewer', path], { stdio: ['ignore', 'pipe', 'inherit'] });
    await nextLine(v, /^first /);
    vs.push(v);
  }
  await sleep(1000);
  const result = nextLine(o, /^cpu /);
  o.stdin.write('go\n');
  const line = await result;
  for (const v of vs) v.kill();
  const w = line.split(' ');
  if (Number(w[3]) !== viewers) throw new Error(`owner saw ${w[3]} viewers, not ${viewers}`);
  return { cpu: Number(w[1]), producer: w[5], dropped: Number(w[7]), flush: w[9] === '-' ? undefined : Number(w[9]) };
}

async function main() {
  const xdg = mkdtempSync(join(tmpdir(), 'nw-bench-share-'));
  try {
    console.log(`shared session: owner ${process.env.NW_BENCH_UI === '0' ? 'without UI' : 'with the live view (App on a fake 160×50 TTY)'}, ${NODES} nodes × ${VETHS} veths, ${PODS} pods, a tick every ${TICK_MS} ms; CPU over ${WINDOW_MS / 1000} s, % of one core`);
    const modes = [['no --share', 'off', 0], ['--share, 0 viewers', 'share', 0], ['--share, 1 viewer', 'share', 1], ['--share, 5 viewers', 'share', 5]];
    const got = modes.map(() => []);
    const producers = modes.map(() => new Set());
    const flushes = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order = modes.map((_, i) => (i + r) % modes.length);
      const line = [];
      for (const i of order) {
        const { cpu, producer, dropped, flush } = await run(modes[i][1], modes[i][2], xdg);
        got[i].push(cpu);
        if (flush !== undefined) flushes.push(flush);
        if (modes[i][1] === 'share') producers[i].add(producer);
        line.push(`${modes[i][0]} ${cpu.toFixed(2)} %${dropped ? ` (${dropped} deltas dropped for slow viewers)` : ''}`);
      }
      console.log(`  round ${r + 1}/${ROUNDS} (load ${loadavg()[0].toFixed(1)}): ${line.join(', ')}`);
    }
    const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const m = got.map(med);
    for (const [i, [label]] of modes.entries()) {
      const xs = [...got[i]].sort((a, b) => a - b);
      const pr = producers[i].size ? `; producer running: ${[...producers[i]].join('/')}` : '';
      console.log(`  ${label.padEnd(20)} median ${m[i].toFixed(2)} % = ${((m[i] / 100) * 60_000).toFixed(0)} ms CPU/min (min ${xs[0].toFixed(2)}, max ${xs[xs.length - 1].toFixed(2)})${pr}`);
    }
    if (flushes.length) console.log(`  the producer's flush (diff + text), CPU per flush: median ${med(flushes).toFixed(2)} ms (${flushes.length} windows with viewers)`);
    const pct = (a, b) => `${(((a - b) / b) * 100).toFixed(1)} %`;
    console.log(`  medians: 5 viewers vs 0: ${pct(m[3], m[1])} more (target ≤ 10 %); 1 viewer vs 0: ${pct(m[2], m[1])}; 5 vs 1: ${pct(m[3], m[2])}; --share with 0 viewers vs none: ${pct(m[1], m[0])}`);

    // attach to first frame
    const o = spawn(process.execPath, [SELF, 'owner', 'share'], { env: { ...process.env, XDG_RUNTIME_DIR: xdg }, stdio: ['pipe', 'pipe', 'ignore'] });
    const path = (await nextLine(o, /^ready /)).split(' ')[1];
    const firsts = [];
    for (let i = 0; i < 10; i++) {
      const v = spawn(process.execPath, [SELF, 'viewer', path, 'once'], { stdio: ['ignore', 'pipe', 'inherit'] });
      firsts.push(Number((await nextLine(v, /^first /)).split(' ')[1]));
    }
    firsts.sort((a, b) => a - b);
    console.log(`attach to first frame (connect → SO_PEERCRED check → snapshot applied), 10 attaches: median ${firsts[5].toFixed(0)} ms, max ${firsts[9].toFixed(0)} ms (target ≤ 300 ms)`);
    const cmd = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      execFileSync(process.execPath, [BIN, 'attach', '--once', '--json', '--log', '/dev/null'], { env: { ...process.env, XDG_RUNTIME_DIR: xdg }, stdio: ['ignore', 'ignore', 'inherit'] });
      cmd.push(performance.now() - t0);
    }
    cmd.sort((a, b) => a - b);
    console.log(`netwatch attach --once --json, process start to exit, 5 runs: median ${cmd[2].toFixed(0)} ms (node start and the 200 ms exit grace included)`);
    o.stdin.write('go\n');
    o.kill();
  } finally {
    rmSync(xdg, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'owner') await owner(process.argv[3]);
else if (process.argv[2] === 'viewer') await viewer(process.argv[3]);
else await main();
