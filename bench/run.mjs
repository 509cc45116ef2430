// Runs every benchmark one after the other and prints their figures (root; after `npm run build`).
//   npm run bench                 all of them
//   npm run bench -- ui capture   only those named (file names in bench/ without .mjs)
// Each bench is its own process: one failing does not stop the others; the exit code says if any did.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const helpers = new Set(['run', 'lab', 'fake-tty']);
const all = readdirSync(dir).filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -4)).filter((n) => !helpers.has(n)).sort();
const asked = process.argv.slice(2);
const unknown = asked.filter((n) => !all.includes(n));
if (unknown.length) {
  console.error(`bench/run.mjs: no such bench: ${unknown.join(', ')} (there are: ${all.join(', ')})`);
  process.exit(2);
}
let failed = 0;
for (const name of asked.length ? asked : all) {
  console.log(`\n== ${name} ==`);
  const r = spawnSync(process.execPath, [`${dir}${name}.mjs`], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`(${name} exited ${r.status ?? r.signal})`);
  }
}
process.exit(failed ? 1 : 0);
