// One place for remote commands: every script that runs on a node is a .sh file in
// src/sources/remote, loaded through remote/load.ts, copied into dist by the build, and no other
// module sends a script of its own (the first argument of every spawn/exec is a *_SH constant).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const src = join(root, 'src');
const remote = join(src, 'sources', 'remote');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('remote scripts', () => {
  const all = files(src);
  const code = all.filter((p) => /\.tsx?$/.test(p));

  it('every .sh lives in src/sources/remote and is loaded from there', () => {
    const sh = all.filter((p) => p.endsWith('.sh'));
    expect(sh.filter((p) => !p.startsWith(remote + '/')).map((p) => relative(root, p))).toEqual([]);
    const loaders = code.filter((p) => p.startsWith(remote + '/')).map((p) => readFileSync(p, 'utf8')).join('\n');
    for (const p of sh) expect(loaders, relative(root, p)).toContain(`loadScript('${relative(remote, p)}')`);
    const outside = code.filter((p) => !p.startsWith(remote + '/') && readFileSync(p, 'utf8').includes('loadScript('));
    expect(outside.map((p) => relative(root, p))).toEqual([]);
  });

  it('no module builds a script in a template string', () => {
    const hits = code.filter((p) => /String\.raw`|\.(spawn|exec)\(\s*[`'"]/.test(readFileSync(p, 'utf8').replace(/\bclient\.exec\(command/g, '')));
    expect(hits.map((p) => relative(root, p))).toEqual([]);
    // the transports' first argument is always a named script constant
    const calls = code.flatMap((p) => [...readFileSync(p, 'utf8').matchAll(/\b(?:transport|t|e\.transport|this\.transport)\s*\.\s*(?:spawn|exec)\(\s*([A-Za-z_][\w.]*)/g)].map((m) => `${relative(root, p)}: ${m[1]}`));
    expect(calls.length).toBeGreaterThan(5);
    for (const c of calls) expect(c).toMatch(/: [A-Z_]+_SH$/);
  });

  it('the build copies every script next to the compiled modules', () => {
    const dist = join(root, 'dist', 'sources', 'remote');
    if (!existsSync(join(dist, 'load.js'))) throw new Error('run npm run build first');
    for (const f of readdirSync(remote).filter((n) => n.endsWith('.sh'))) {
      expect(readFileSync(join(dist, f), 'utf8'), f).toBe(readFileSync(join(remote, f), 'utf8'));
    }
  });
});
