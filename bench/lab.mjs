// Compiles the namespace lab (TypeScript, test/lab) with the project's tsc and loads it, as
// test/lab/demo.js does. Benchmarks need root.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function loadLab() {
  if (process.getuid?.() !== 0) {
    console.error('benchmarks use the namespace lab and need root');
    process.exit(1);
  }
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'test/lab/tsconfig.json')], { stdio: 'inherit' });
  return import(join(root, 'dist/test-lab/lab.js'));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** utime+stime+cutime+cstime of a pid in ms (USER_HZ 100) */
export function cpuMs(stat) {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 10;
}
