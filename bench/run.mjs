// Runs every benchmark one after the other and prints their figures (root; after `npm run build`).
//   npm run bench                 all of them
//   npm run bench -- ui capture   only those named (file names in bench/ without .mjs)
//   npm run bench -- soak         the 2 h soak (and fault-soak, 1 h) run only when named
// Each bench is its own process: one failing does not stop the others; the exit code says if any did.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const helpers = new Set(['run', 'lab', 'fake-tty', 'nw', 'heap']);
// long-running soaks only when named: npm run bench -- soak fault-soak
const long = new Set(['soak', 'fault-soak', 'soak-fast']);
const all = readdirSync(dir).filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -4)).filter((n) => !helpers.has(n)).sort();
const asked = process.argv.slice(2);
const unknown = asked.filter((n) => !all.includes(n));
if (unknown.length) {
  console.error(`bench/run.mjs: no such bench: ${unknown.join(', ')} (there are: ${all.join(', ')})`);
  process.exit(2);
}
let failed = 0;
for (const name of asked.length ? asked : all.filter((n) => !long.has(n))) {
  console.log(`\n== ${name} ==`);
  const r = spawnSync(process.execPath, [`${dir}${name}.mjs`], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`(${name} exited ${r.status ?? r.signal})`);
  }
}
process.exit(failed ? 1 : 0);
