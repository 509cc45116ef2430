// Soak benchmark: the real netwatch binary (live view in a pty) watching N lab nodes at a short
// interval for a long time; RSS and the JS heap every 30 s; after a warm-up, the least-squares RSS
// slope and the slope of the lowest RSS per window; with --heap-snapshots a heap snapshot after the
// warm-up's half-way point and at the end, and the growth per constructor between them.
//   npm run build && node bench/soak.mjs [--nodes 10] [--interval 0.2] [--minutes 120]
//        [--warmup 10] [--sample 30] [--heap-snapshots] [--no-capture-summary] [--csv file] (root)
// The capture summaries (short tcpdumps on every node) run as they do by default, unless
// --no-capture-summary.
// Targets (issue 9): after the warm-up RSS slope <= 2 MB/h; no retained growth in the heap diff.
// Writing a heap snapshot grows RSS by ~90 MB that glibc keeps (reused, not returned): take the
// RSS figure from a run without --heap-snapshots.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byConstructor, diff } from './heap.mjs';
import { loadLab, sleep } from './lab.mjs';
import { lastDiag, robustSlope, rssMb, slope, snapshots, socketCount, startNetwatch } from './nw.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : process.argv[i + 1];
};
const N = Number(arg('nodes', 10));
const interval = Number(arg('interval', 0.2));
const minutes = Number(arg('minutes', 120));
const warmup = Number(arg('warmup', Math.min(10, minutes / 3)));
const sampleS = Number(arg('sample', 30));
const heapSnaps = process.argv.includes('--heap-snapshots');
const csv = arg('csv', undefined);
const summaries = !process.argv.includes('--no-capture-summary');

const { startLab } = await loadLab();
const work = mkdtempSync(join(tmpdir(), 'nw-soak-'));
const diagFile = join(work, 'diag.jsonl');
const nodes = Array.from({ length: N }, (_, i) => ({ name: `s${i + 1}`, kind: i % 2 ? 'routed' : 'bridge', pods: 2 }));
const lab = await startLab({ nodes });
const rows = []; // { min, rss, heapUsed, heapTotal, external, arrayBuffers, sockets, timeouts }
let nw;
try {
  nw = await startNetwatch(
    ['-F', lab.sshConfigPath, '--hosts', nodes.map((n) => n.name).join(','), '--interval', String(interval), ...(summaries ? [] : ['--no-capture-summary'])],
    { NETWATCH_DIAG_FILE: diagFile, NETWATCH_DIAG_MS: String(sampleS * 1000), ...(heapSnaps ? { NETWATCH_HEAP_SNAPSHOT_DIR: work } : {}) },
    { exposeGc: heapSnaps },
  );
  const t0 = Date.now();
  const end = t0 + minutes * 60_000;
  let snapped = false;
  console.error(`soak: ${N} nodes at ${interval} s for ${minutes} min (warm-up ${warmup} min), netwatch pid ${nw.pid}, files in ${work}`);
  for (let next = t0 + sampleS * 1000; next <= end; next += sampleS * 1000) {
    await sleep(Math.max(0, next - Date.now()));
    const min = (Date.now() - t0) / 60_000;
    const d = lastDiag(diagFile);
    const m = d?.memory ?? {};
    const row = { min, rss: rssMb(nw.pid), heapUsed: m.heapUsed / 2 ** 20, heapTotal: m.heapTotal / 2 ** 20, external: m.external / 2 ** 20, arrayBuffers: m.arrayBuffers / 2 ** 20, sockets: socketCount(nw.pid), timeouts: d?.resources?.Timeout ?? 0 };
    rows.push(row);
    console.error(`  ${min.toFixed(1).padStart(6)} min  RSS ${row.rss.toFixed(1)} MB  heap used ${row.heapUsed.toFixed(1)} / total ${row.heapTotal.toFixed(1)} MB  external ${row.external.toFixed(1)} MB  sockets ${row.sockets}  timers ${row.timeouts}`);
    // the first snapshot half-way through the warm-up: writing one grows RSS by the snapshot's
    // buffers, which must not land in the measured span
    if (heapSnaps && !snapped && min >= warmup / 2) {
      snapped = true;
      process.kill(nw.pid, 'SIGUSR2');
    }
  }
  if (heapSnaps) {
    const before = snapshots(diagFile).length;
    process.kill(nw.pid, 'SIGUSR2');
    for (let i = 0; i < 600 && snapshots(diagFile).length <= before; i++) await sleep(100);
  }
} finally {
  await nw?.stop();
  await lab.stop();
}

if (csv) writeFileSync(csv, 'min,rss_mb,heap_used_mb,heap_total_mb,external_mb,array_buffers_mb,sockets,timeouts\n' + rows.map((r) => [r.min, r.rss, r.heapUsed, r.heapTotal, r.external, r.arrayBuffers, r.sockets, r.timeouts].map((v) => (typeof v === 'number' ? v.toFixed(2) : v)).join(',')).join('\n') + '\n');

const after = rows.filter((r) => r.min >= warmup);
const perH = (key) => slope(after.map((r) => r.min / 60), after.map((r) => r[key]));
// lowest reading per window: windows of 1/6 of the measured span, at least 2 samples each
const span = minutes - warmup;
const win = Math.max((2 * sampleS) / 60, span / 6);
const lows = (key) => {
  const out = [];
  for (let a = warmup; a + win <= minutes + 1e-9; a += win) {
    const w = after.filter((r) => r.min >= a && r.min < a + win);
    if (w.length) out.push({ min: a + win / 2, v: Math.min(...w.map((r) => r[key])) });
  }
  return out;
};
const mins = lows('rss').map((m) => ({ min: m.min, rss: m.v }));
// heap used is a sawtooth between collections: its lowest reading per window is what survives
const heapLows = lows('heapUsed');
const rssSlope = perH('rss');
const minSlope = slope(mins.map((m) => m.min / 60), mins.map((m) => m.rss));
const fmt = (x) => (Number.isFinite(x) ? (x >= 0 ? '+' : '') + x.toFixed(2) : 'n/a');
const range = (key) => `${Math.min(...after.map((r) => r[key])).toFixed(1)}–${Math.max(...after.map((r) => r[key])).toFixed(1)}`;
const out = [];
out.push(`soak: ${N} lab nodes at --interval ${interval} for ${minutes} min, live view in a pty, capture summaries ${summaries ? 'on' : 'off'}; ${after.length} readings every ${sampleS} s after ${warmup} min of warm-up`);
const rssRobust = robustSlope(after.map((r) => r.min / 60), after.map((r) => r.rss));
out.push(`RSS after warm-up ${range('rss')} MB; least-squares slope ${fmt(rssSlope)} MB/h (target <= 2 MB/h: ${rssSlope <= 2 ? 'met' : 'NOT met'}); Theil–Sen slope ${fmt(rssRobust)} MB/h`);
out.push(`lowest RSS per ${win.toFixed(1)}-min window: ${mins.map((m) => m.rss.toFixed(1)).join(', ')} MB; slope ${fmt(minSlope)} MB/h`);
out.push(`JS heap used after warm-up ${range('heapUsed')} MB; lowest per window ${heapLows.map((m) => m.v.toFixed(1)).join(', ')} MB, slope ${fmt(slope(heapLows.map((m) => m.min / 60), heapLows.map((m) => m.v)))} MB/h; external ${fmt(perH('external'))} MB/h; arrayBuffers ${fmt(perH('arrayBuffers'))} MB/h`);
out.push(`sockets ${range('sockets')}, active timers ${range('timeouts')} after warm-up`);
if (heapSnaps) {
  const snaps = snapshots(diagFile);
  if (snaps.length >= 2) {
    const d = diff(byConstructor(snaps[0]), byConstructor(snaps.at(-1)));
    const grown = d.totalB - d.totalA;
    // V8's compiled code grows while functions get optimized: reported, not counted as retained data
    const data = d.rows.filter((r) => r.key !== '(code)');
    const worst = data[0];
    out.push(`heap snapshots (after GC) at ${(warmup / 2).toFixed(1)} and ${minutes} min: ${(d.totalA / 2 ** 20).toFixed(2)} -> ${(d.totalB / 2 ** 20).toFixed(2)} MB self size (${fmt(grown / 2 ** 20)} MB, of which compiled code ${fmt((d.rows.find((r) => r.key === '(code)')?.size ?? 0) / 2 ** 20)} MB)`);
    out.push(`target no retained growth (no kind of object, compiled code aside, growing by more than 64 KB): ${worst && worst.size > 65536 ? `NOT met (${worst.key} ${fmt(worst.size / 1024)} KB)` : 'met'}`);
    out.push('top growth by constructor (self size, count):');
    for (const r of d.rows.slice(0, 12)) out.push(`  ${fmt(r.size / 1024).padStart(10)} KB  ${String((r.count >= 0 ? '+' : '') + r.count).padStart(8)}  ${r.key}  (now ${(r.sizeB / 1024).toFixed(0)} KB in ${r.countB})`);
  } else out.push(`heap snapshots: only ${snaps.length} written`);
}
console.log(out.join('\n'));
if (!process.argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
