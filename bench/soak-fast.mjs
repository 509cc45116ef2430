// Accelerated soak of the store and the UI, in process, no lab: N nodes ticking as fast as Ink
// draws (frames bounded by its maxFps), with pods coming and going (new pod uids, cgroups, peers),
// kernel lines, errors and busy ticks, for --ticks ticks (default 54 000 = 3 h at 0.2 s). The heap
// after a full GC every --every ticks; after the first checkpoint, its slope per hour of ticks at
// --interval. What the lab soak (bench/soak.mjs) cannot resolve in minutes, this shows in hours
// of ticks; it covers only what runs in netwatch's process above the transports.
//   npm run build && node bench/soak-fast.mjs [--nodes 10] [--ticks 54000] [--every 6000] [--fps 1000] [--no-ui]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FakeStdin, FakeStdout } from './fake-tty.mjs';
import { slope } from './nw.mjs';

if (typeof globalThis.gc !== 'function') {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
process.env.NODE_ENV ??= 'production';
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : Number(process.argv[i + 1]);
};
const N = arg('nodes', 10);
const TICKS = arg('ticks', 54_000);
const EVERY = arg('every', 6000);
const interval = arg('interval', 0.2);
const noUi = process.argv.includes('--no-ui');
// Ink draws at most maxFps frames a second; high enough that (nearly) every tick is drawn
const fps = arg('fps', 1000);

const { startUi } = await import('../dist/ui/start.js');
const { createAppStore } = await import('../dist/state/store.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const cnt = (k) => ({ rxBytes: k * 1500, rxPackets: k, rxErrors: 0, rxDropped: k >> 12, txBytes: k * 900, txPackets: k, txErrors: 0, txDropped: 0 });
const iface = (name, kind, i, t, extra = {}) => ({ name, ifindex: i + 2, iflink: i + 2, kind, mtu: 1460, operstate: 'up', flags: 0x1003, adminUp: true, promisc: false, counters: cnt((i + 1) * 1000 * t), ...extra });
/** pods of node n at tick t: 6 at a time, one replaced every 50 ticks (a new uid, a new veth) */
const podIds = (n, t) => Array.from({ length: 6 }, (_, p) => Math.floor(t / 50) + p).map((k) => ({ uid: `u-${n}-${k}`, veth: `veth${n}k${k % 1000}` }));
function sample(n, t) {
  const ps = podIds(n, t);
  const ifaces = [iface('lo', 'loopback', -1, t, { operstate: 'unknown', mtu: 65536 }), iface('eth0', 'device', 0, t), iface('cbr0', 'bridge', 1, t)];
  ps.forEach((p, v) => ifaces.push(iface(p.veth, 'veth', v + 2, t, { master: 'cbr0', linkNetnsId: v })));
  const count = 20_000 + ((n * 997 + t * 131) % 200_000);
  return {
    at: Date.now(), seq: t, uptime: 10_000 + t * interval,
    conntrack: { status: 'ok', data: { count, max: 262_144, stats: { found: 0, invalid: t, insert: 0, insertFailed: t >> 3, drop: t >> 4, earlyDrop: 0, error: 0, searchRestart: t } } },
    interfaces: { status: 'ok', data: ifaces },
    tcpCounters: { status: 'ok', data: { activeOpens: t, passiveOpens: t, attemptFails: t >> 2, estabResets: t >> 3, currEstab: 50, retransSegs: t, outRsts: t >> 2, inErrs: 0 } },
    routes4: t % 5 === 0 ? { status: 'ok', data: [{ dst: 'default', dev: 'eth0', gateway: '198.18.0.1', family: 4 }] } : undefined,
    podCgroups: t % 5 === 0 ? { status: 'ok', data: ps.map((p, i) => ({ uid: p.uid, pids: [1000 + i], containerIds: [`c${p.uid}`] })) } : undefined,
    kernelEvents: t % 97 === 0 ? [{ seq: t, usec: (10_000 + t * interval) * 1e6, text: `nf_conntrack: table full, dropping packet ${t}` }] : [],
    latencyMs: 5 + (t % 7),
  };
}

const store = createAppStore({ interval });
const names = Array.from({ length: N }, (_, i) => `node-${i + 1}`);
for (const n of names) store.getState().addNode(n, '198.18.0.11');
const stdout = new FakeStdout(160, 50);
const handle = noUi ? { unmount() {} } : startUi(store, {}, { stdout, stdin: new FakeStdin(), stderr: stdout, maxFps: fps });
let frames = 0;
stdout.onWrite = () => frames++;
const points = [];
const t0 = Date.now();
for (let t = 1; t <= TICKS; t++) {
  store.getState().applyTick(names.map((n, i) => [n, (t + i) % 40 === 0 ? { kind: 'error', error: 'timed out after 3000 ms' } : (t + i) % 53 === 0 ? { kind: 'busy' } : { kind: 'sample', sample: sample(i, t) }]));
  if (t % 5 === 0) {
    for (const [i, n] of names.entries()) {
      const ps = podIds(i, t);
      store.getState().setPodPeers(n, Object.fromEntries(ps.map((p, v) => [p.uid, { peer: v + 4, eth0Index: 2 }])));
    }
  }
  await new Promise((r) => setImmediate(r)); // let Ink draw (throttled to its maxFps)
  if (t % EVERY === 0) {
    await sleep(50);
    globalThis.gc();
    const m = process.memoryUsage();
    points.push({ t, heap: m.heapUsed / 2 ** 20, rss: m.rss / 2 ** 20 });
    console.error(`  ${String(t).padStart(6)} ticks (${((t * interval) / 3600).toFixed(2)} h at ${interval} s)  heap after GC ${(m.heapUsed / 2 ** 20).toFixed(2)} MB  RSS ${(m.rss / 2 ** 20).toFixed(1)} MB  frames ${frames}`);
  }
}
handle.unmount();
const after = points.slice(1);
const perH = (k) => slope(after.map((p) => (p.t * interval) / 3600), after.map((p) => p[k]));
const fmt = (x) => (x >= 0 ? '+' : '') + x.toFixed(3);
console.log(`soak-fast: ${N} nodes, ${TICKS} ticks (${((TICKS * interval) / 3600).toFixed(1)} h at ${interval} s) in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${noUi ? 'no UI' : `${frames} frames written (maxFps ${fps})`}, pods replaced every 50 ticks`);
console.log(`heap after GC: ${after.map((p) => p.heap.toFixed(2)).join(', ')} MB; slope ${fmt(perH('heap'))} MB per hour of ticks (after the first ${EVERY} ticks)`);
console.log(`RSS: ${after.map((p) => p.rss.toFixed(1)).join(', ')} MB; slope ${fmt(perH('rss'))} MB per hour of ticks`);
process.exit(0);
