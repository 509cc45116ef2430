// Recording size and seek time (netwatch record / replay: src/sources/record/).
// 1. Size: one node with 50 interfaces (eth0, cbr0, 48 veths) and 30 pods on them, sampled at 1 s
//    with counters that move like traffic (bytes and packets per interface at varying rates,
//    conntrack and TCP counters, TCP states, neighbours and routes re-read every 5 ticks), fed to
//    a real store, through the real StreamProducer and Recorder, on a fake clock, for --minutes
//    (default 10) simulated minutes; extrapolated to an hour. Also: which state fields the deltas
//    carry (share of the uncompressed delta bytes).
// 2. Seek: a --hours (default 2) recording of --nodes (default 50) such nodes, generated faster
//    than real time with a fake clock; openRecording's index time, then stateAt at --seeks
//    (default 40) random points of it (a fresh timeline each time: no cache of the segment before),
//    and one tick on from each (replay's step key: that timeline keeps the segment).
// Run: npm run build && node bench/record.mjs [--minutes 10] [--nodes 50] [--hours 2] [--seeks 40] [--skip-seek]
//      [--snapshot-every SECONDS (default 60)] [--keep FILE: keep the seek recording there] [--file FILE: seek in this recording instead of making one]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppStore } from '../dist/state/store.js';
import { StreamProducer } from '../dist/state/stream.js';
import { Recorder } from '../dist/sources/record/writer.js';
import { openRecording } from '../dist/sources/record/reader.js';
import { stripDerived } from '../dist/sources/record/derived.js';
import { deflateRawSync } from 'node:zlib';

const arg = (name, d) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const MINUTES = arg('minutes', 10);
const NODES = arg('nodes', 50);
const HOURS = arg('hours', 2);
const SEEKS = arg('seeks', 40);
const opt = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const dir = mkdtempSync(join(tmpdir(), 'nwrec-bench-'));

/** a deterministic random */
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

function makeNode(k) {
  const r = rng(k + 7);
  const names = ['eth0', 'cbr0', ...Array.from({ length: 48 }, (_, j) => `veth${(k * 48 + j).toString(16).padStart(8, '0')}`)];
  // bytes/s per interface: a few busy, most quiet, each with its own mean
  const mean = names.map((n, i) => (i === 0 ? 40e6 : i === 1 ? 30e6 : r() < 0.2 ? 2e6 + r() * 8e6 : r() * 2e5));
  const counters = names.map(() => ({ rxBytes: Math.floor(r() * 1e12), rxPackets: Math.floor(r() * 1e9), rxErrors: 0, rxDropped: Math.floor(r() * 100), txBytes: Math.floor(r() * 1e12), txPackets: Math.floor(r() * 1e9), txErrors: 0, txDropped: 0 }));
  const tcp = { activeOpens: 1e6, passiveOpens: 2e6, attemptFails: 1000, estabResets: 500, currEstab: 400, retransSegs: 1e5, outRsts: 2000, inErrs: 3 };
  const pods = Array.from({ length: 30 }, (_, j) => ({
    namespace: ['shop', 'kube-system', 'payments'][j % 3], name: `web-${k}-${j}-7c9d8f6b5-x${j}`, uid: `0a1b2c3d-${String(k).padStart(4, '0')}-4e5f-8a9b-${String(j).padStart(12, '0')}`,
    nodeName: `gke-prod-pool-a-7f3c9d2e-${String(k).padStart(4, '0')}`, phase: 'Running', podIPs: [`10.${k % 250}.${j}.${(j * 7) % 250 + 2}`], hostNetwork: false,
    containers: [{ name: 'app', containerID: `containerd://${(k * 1000 + j).toString(16).padStart(64, 'a')}`, kind: 'container', ready: true, restartCount: 0 }],
    hostIP: `10.128.0.${k % 250}`,
  }));
  let ct = 50_000 + Math.floor(r() * 50_000);
  return {
    name: pods[0].nodeName,
    pods,
    sample(at, seq) {
      for (let i = 0; i < names.length; i++) {
        const c = counters[i];
        const rx = Math.floor(mean[i] * (0.6 + 0.8 * r()));
        const tx = Math.floor(mean[i] * (0.4 + 0.8 * r()));
        const size = 400 + Math.floor(r() * 1000);
        c.rxBytes += rx; c.txBytes += tx; c.rxPackets += Math.floor(rx / size); c.txPackets += Math.floor(tx / size);
        if (r() < 0.02) c.rxDropped += 1 + Math.floor(r() * 3);
      }
      ct = Math.max(1000, ct + Math.floor((r() - 0.5) * 400));
      tcp.activeOpens += Math.floor(r() * 50); tcp.passiveOpens += Math.floor(r() * 80); tcp.retransSegs += Math.floor(r() * 20);
      tcp.currEstab = 380 + Math.floor(r() * 40); if (r() < 0.1) tcp.attemptFails += 1; tcp.outRsts += Math.floor(r() * 3);
      const interfaces = names.map((n, i) => ({ ifindex: i + 1, iflink: i === 0 ? 1 : i + 1, kind: i === 0 ? 'device' : i === 1 ? 'bridge' : 'veth', mtu: 1460, operstate: 'up', flags: 0x1003, adminUp: true, promisc: false, name: n, ...(i > 1 ? { master: 'cbr0' } : {}), counters: { ...counters[i] } }));
      const reread = seq % 5 === 0;
      return {
        at, seq, uptime: 86400 + seq,
        conntrack: { status: 'ok', data: { count: ct, max: 262144 } },
        interfaces: { status: 'ok', data: interfaces },
        tcpCounters: { status: 'ok', data: { ...tcp } },
        tcp: { status: 'ok', data: { ESTAB: tcp.currEstab, TIME_WAIT: 200 + Math.floor(r() * 50), LISTEN: 12, SYN_SENT: Math.floor(r() * 3) } },
        ...(reread
          ? {
              routes4: { status: 'ok', data: [{ dst: 'default', dev: 'eth0', gateway: '10.128.0.1', family: 4 }, ...pods.map((p, j) => ({ dst: p.podIPs[0], dev: names[2 + j], family: 4, scope: 'link' }))] },
              neighbours: { status: 'ok', data: pods.map((p, j) => ({ ip: p.podIPs[0], dev: 'cbr0', mac: `0a:58:0a:00:00:${j.toString(16).padStart(2, '0')}`, state: r() < 0.5 ? 'REACHABLE' : 'STALE' })) },
              facts: { status: 'ok', data: { kernel: '6.1.0-28-cloud-amd64', sysctl: { 'net.ipv4.ip_forward': '1', 'net.netfilter.nf_conntrack_max': '262144' } } },
            }
          : {}),
        kernelEvents: [],
        latencyMs: 2 + Math.round(r() * 300) / 100,
      };
    },
  };
}

/** records `ticks` 1 s ticks of `nodes` nodes; returns the file's size and the delta bytes per field */
function recordRun(file, nodeCount, ticks, fields) {
  let t = Date.UTC(2026, 11, 2, 3, 0, 0);
  const store = createAppStore({ now: () => t });
  const nodes = Array.from({ length: nodeCount }, (_, k) => makeNode(k));
  for (const n of nodes) store.getState().addNode(n.name, `10.128.0.${nodes.indexOf(n) % 250}`);
  store.getState().setKube?.({ kind: 'ok' });
  for (const n of nodes) store.getState().setPods(n.name, n.pods, { kind: 'ok' });
  const producer = new StreamProducer(store, { now: () => t, producer: 'recording' });
  const rec = new Recorder(file, producer, { sync: false, state: store.getState, snapshotEveryMs: arg('snapshot-every', 60) * 1000 });
  rec.start();
  let prevSt = store.getState();
  let prevDigits;
  if (fields) producer.subscribe((f) => {
    if (f.t !== 'delta') return;
    const cur = store.getState();
    const { p } = stripDerived(f.p, prevSt, cur);
    // the floor: only the counters' changes, as decimal digits, deflated with the tick before as dictionary
    const digits = Buffer.from(
      Object.values(cur.nodes).flatMap((n) => {
        const a = prevSt.nodes[n.name]?.sample?.interfaces;
        const b = n.sample?.interfaces;
        if (a?.status !== 'ok' || b?.status !== 'ok') return [];
        return b.data.map((x, i) => Object.keys(x.counters).map((k) => x.counters[k] - (a.data[i]?.counters[k] ?? 0)).join(' '));
      }).join('\n'),
    );
    fields.floor = (fields.floor ?? 0) + deflateRawSync(digits, { level: 9, ...(prevDigits ? { dictionary: prevDigits } : {}) }).length;
    prevDigits = digits;
    prevSt = cur;
    const perNode = p.k?.nodes?.k ?? {};
    for (const p of Object.values(perNode)) for (const [k, v] of Object.entries(p.k ?? {})) fields.set(k, (fields.get(k) ?? 0) + JSON.stringify(v).length);
    for (const [k, v] of Object.entries(f.p.k ?? {})) if (k !== 'nodes') fields.set(`(state) ${k}`, (fields.get(`(state) ${k}`) ?? 0) + JSON.stringify(v).length);
  });
  const t0 = performance.now();
  for (let i = 1; i <= ticks; i++) {
    t += 1000;
    store.getState().applyTick(nodes.map((n) => [n.name, { kind: 'sample', sample: n.sample(t - 5, i) }]));
    producer.flush();
  }
  const ms = performance.now() - t0;
  rec.stop();
  producer.stop();
  if (rec.error) throw rec.error;
  return { size: statSync(file).size, ms, start: Date.UTC(2026, 11, 2, 3, 0, 0) };
}

// 1. size per node per hour
if (!opt('file')) {
  const ticks = MINUTES * 60;
  const fields = new Map();
  const { size, ms } = recordRun(join(dir, 'size.nwrec'), 1, ticks, fields);
  const perHour = (size * 3600) / ticks;
  console.log(`size: 1 node, 50 interfaces, 30 pods, 1 s ticks, ${MINUTES} simulated min: ${size} bytes → ${(perHour / 1e6).toFixed(2)} MB/node/h (target ≤ 2 MB); recorder+store ${(ms / ticks).toFixed(2)} ms/tick`);
  const total = [...fields.values()].reduce((a, b) => a + b, 0);
  console.log(`  floor: the interface counters' changes alone (digits, deflated tick by tick): ${((fields.floor * 3600) / ticks / 1e6).toFixed(2)} MB/node/h`);
  console.log('  share of the uncompressed delta bytes per node field, as written (rates, model, kube left out when the reader recomputes them):');
  for (const [k, v] of [...fields].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`    ${k.padEnd(24)} ${((100 * v) / total).toFixed(1).padStart(5)} %  ${(v / ticks).toFixed(0).padStart(6)} B/tick`);
}

// 2. seek
if (!process.argv.includes('--skip-seek')) {
  const ticks = Math.round(HOURS * 3600);
  const file = opt('file') ?? opt('keep') ?? join(dir, 'seek.nwrec');
  if (!opt('file')) {
    const { size, ms } = recordRun(file, NODES, ticks);
    console.log(`seek: ${NODES} nodes, ${HOURS} h at 1 s (generated in ${(ms / 1000).toFixed(0)} s): ${(size / 1e6).toFixed(1)} MB (${(size / NODES / HOURS / 1e6).toFixed(2)} MB/node/h)`);
  } else console.log(`seek: ${file}: ${(statSync(file).size / 1e6).toFixed(1)} MB`);
  const r = rng(42);
  const t1 = performance.now();
  const probe = await openRecording(file);
  const openMs = performance.now() - t1;
  const { start, end } = probe;
  await probe.close();
  const times = [];
  const steps = [];
  for (let i = 0; i < SEEKS; i++) {
    const tl = await openRecording(file);
    const at = start + r() * (end - start);
    const s0 = performance.now();
    const st = await tl.stateAt(at);
    times.push(performance.now() - s0);
    if (st.order.length !== NODES) throw new Error('wrong state');
    // replay's step key: one tick on from the state shown (the reader keeps the segment it read)
    if (at + 1000 <= end) {
      const s1 = performance.now();
      await tl.stateAt(at + 1000);
      steps.push(performance.now() - s1);
    }
    await tl.close();
  }
  steps.sort((a, b) => a - b);
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(0);
  console.log(`  open (index ${probe.times.length} states + the last state for the marks): ${openMs.toFixed(0)} ms; stateAt at ${SEEKS} random points: median ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${times.at(-1).toFixed(0)} ms (target ≤ 200 ms)`);
  if (steps.length) console.log(`  a tick on from there (replay's step key, the segment kept): median ${steps[steps.length >> 1].toFixed(0)} ms, max ${steps.at(-1).toFixed(0)} ms`);
}
if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true }); else console.log(dir);
