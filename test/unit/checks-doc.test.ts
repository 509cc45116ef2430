/**
 * `netwatch checks` and docs/checks.md: both from the one catalogue (src/state/catalogue.ts).
 * The committed docs/checks.md must be what the code generates (node scripts/checks-doc.mjs after
 * npm run build); the plain listing names every check, the JSON carries the whole catalogue.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli/args.js';
import { checksCommand, checksJson, checksMarkdown, checksText } from '../../src/cli/checks.js';
import { CATALOGUE } from '../../src/state/catalogue.js';

const ROOT = join(import.meta.dirname, '../..');

describe('netwatch checks', () => {
  it('docs/checks.md is what the catalogue generates', () => {
    expect(readFileSync(join(ROOT, 'docs/checks.md'), 'utf8'), 'docs/checks.md is stale: npm run build && node scripts/checks-doc.mjs').toBe(checksMarkdown());
  });
  it('lists every check with its severity, what it reads and its source, one line each', () => {
    const lines = checksText().split('\n');
    expect(lines[0]).toMatch(/^ID +SEVERITY +READS +SOURCE$/);
    expect(lines).toHaveLength(CATALOGUE.length + 1);
    for (const c of CATALOGUE) expect(lines.find((l) => l.startsWith(`${c.id} `)), c.id).toContain(c.source);
    expect(lines.find((l) => l.startsWith('ipvs-syn-recv '))).toMatch(/warn \(crit: ≥ 100\)/);
  });
  it('--json carries the whole catalogue; the command line takes `checks [--json]` and nothing more', () => {
    expect(JSON.parse(checksJson()).checks).toEqual(JSON.parse(JSON.stringify(CATALOGUE)));
    const out: string[] = [];
    expect(checksCommand(true, { write: (s: string) => out.push(s) })).toBe(0);
    expect(JSON.parse(out.join('')).checks.map((c: { id: string }) => c.id)).toEqual(CATALOGUE.map((c) => c.id));
    const env = {};
    expect(parseCli(['checks', '--json'], { env }).command).toBe('checks');
    expect(parseCli(['checks'], { env })).toMatchObject({ command: 'checks', json: false });
    expect(() => parseCli(['checks', 'extra'], { env })).toThrow(/checks takes no argument/);
  });
  it('the binary prints it (needs npm run build): plain text by default, JSON with --json, exit 0', () => {
    const run = (...a: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/netwatch.js'), 'checks', ...a], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, XDG_CONFIG_HOME: '/nonexistent' } });
    const plain = run();
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stdout).toBe(`${checksText()}\n`);
    const json = run('--json');
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).checks).toHaveLength(CATALOGUE.length);
  });
});
