// Store fold benchmark: the per-tick cost of applying one tick of N nodes to the store
// (foldOutcome: rates, node model, pod links, rules), from real sampler frames of a lab node
// (test/fixtures/node/sampler-frames.lab-n1: a full tick then fast ticks), without the UI.
// Run: npm run build && node bench/fold.mjs [DIST_ROOT]   (DIST_ROOT: another build to compare)
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const dist = resolve(process.argv[2] ?? join(root, 'dist'));
const { createAppStore } = await import(join(dist, 'state/store.js'));
const { Assembler } = await import(join(dist, 'sources/parsers/assemble.js'));
const { parseFrame } = await import(join(dist, 'sources/parsers/frame.js'));

const lines = readFileSync(join(root, 'test/fixtures/node/sampler-frames.lab-n1'), 'utf8').split('\n');
const frames = [];
let cur;
for (const l of lines) {
  if (l.startsWith('@@NW B ')) cur = [];
  else if (l.startsWith('@@NW E ')) frames.push(cur);
  else cur?.push(l);
}
const [full, fast] = frames;

function run(nodes, ticks) {
  let t = 1_000_000;
  const store = createAppStore({ interval: 1, now: () => t });
  const asm = [];
  for (let i = 0; i < nodes; i++) {
    store.getState().addNode(`n${i}`);
    asm.push(new Assembler());
  }
  const times = [];
  for (let k = 0; k < ticks; k++) {
    t += 1000;
    // the full frame every 15th tick (as an r/s tick would), fast frames between
    const body = k % 15 === 0 ? full : fast;
    const outcomes = asm.map((a, i) => [`n${i}`, { kind: 'sample', sample: a.assemble(parseFrame(k, body), t, 1, []) }]);
    const a = performance.now();
    store.getState().applyTick(outcomes);
    times.push(performance.now() - a);
  }
  return times.slice(20).sort((x, y) => x - y);
}

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
for (const n of [1, 10, 50]) {
  run(n, 100); // warm-up
  const xs = run(n, Number(process.env.TICKS ?? 600));
  console.log(`${dist}: ${String(n).padStart(2)} nodes: fold per tick p50 ${pct(xs, 50).toFixed(3)} ms p95 ${pct(xs, 95).toFixed(3)} ms`);
}
