// Seek CPU time, A/B: the same random points of one recording sought fresh (a new timeline each time) with each
// build given, alternating, measured by process.cpuUsage (user + system: the GC's threads count too), and one tick on
// from each (replay's step key). Build the old and new dist into copies inside the repo (node_modules must resolve).
// Run: node bench/seek-cpu.mjs FILE POINTS DIST_A [DIST_B …]  (e.g. node bench/seek-cpu.mjs rec.nwrec 30 $PWD/.ab/old $PWD/dist)
// usage: node ab.mjs FILE N distA distB ...  : per dist, CPU ms per fresh seek at the same N points, alternating
const [file, N, ...dists] = process.argv.slice(2);
const mods = [];
for (const d of dists) mods.push(await import(d + '/sources/record/reader.js'));
const probe = await mods[0].openRecording(file);
const { start, end } = probe; await probe.close();
let s = 12345; const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
const pts = Array.from({ length: +N }, () => start + r() * (end - start));
const res = dists.map(() => []); const step = dists.map(() => []);
for (const at of pts) for (let j = 0; j < dists.length; j++) {
  const tl = await mods[j].openRecording(file);
  const c0 = process.cpuUsage();
  await tl.stateAt(at);
  const c1 = process.cpuUsage(c0);
  res[j].push((c1.user + c1.system) / 1000);
  const c2 = process.cpuUsage();
  await tl.stateAt(at + 1000);
  const c3 = process.cpuUsage(c2);
  step[j].push((c3.user + c3.system) / 1000);
  await tl.close();
}
const q = (a, p) => { const b = [...a].sort((x, y) => x - y); return b[Math.floor(p * (b.length - 1))].toFixed(0); };
dists.forEach((d, j) => console.log(`${d}: seek CPU median ${q(res[j], 0.5)} ms p90 ${q(res[j], 0.9)} mean ${(res[j].reduce((a, b) => a + b, 0) / res[j].length).toFixed(0)}; step median ${q(step[j], 0.5)} ms`));
