// Copies the remote sh scripts next to the compiled modules (tsc copies only .ts output).
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.sh')) cpSync(p, p.replace(/^src/, 'dist'));
  }
}
walk('src');
