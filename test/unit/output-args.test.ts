/**
 * `-o json|markdown|wide` (kubectl's flag): parsed and checked, --json its synonym, only with
 * --once (or what only knows JSON), in --help; the binary prints each format of this machine
 * with the usual exit status (needs npm run build).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCli, USAGE, UsageError } from '../../src/cli/args.js';
import { BIN } from '../e2e/run.js';

const problem = (argv: string[]) => {
  try {
    parseCli(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
};

describe('-o FORMAT', () => {
  it('takes json, markdown and wide with --once; text by default; --json is -o json', () => {
    expect(parseCli(['--once'])).toMatchObject({ output: 'text', json: false });
    expect(parseCli(['--once', '-o', 'markdown'])).toMatchObject({ output: 'markdown', json: false });
    expect(parseCli(['--once', '-owide'])).toMatchObject({ output: 'wide', json: false });
    expect(parseCli(['--once', '--output=json'])).toMatchObject({ output: 'json', json: true });
    expect(parseCli(['--once', '--json'])).toMatchObject({ output: 'json', json: true });
    expect(parseCli(['--once', '--json', '-o', 'json'])).toMatchObject({ output: 'json', json: true });
    // what only knows text or JSON takes -o json as it takes --json
    expect(parseCli(['checks', '-o', 'json'])).toMatchObject({ command: 'checks', json: true });
    expect(parseCli(['--nodes', 'p', '--service', 'ns/web', '-o', 'json'])).toMatchObject({ output: 'json', json: true, once: true });
  });

  it('refuses other values, a second format, and -o without --once, each in one line', () => {
    expect(problem(['--once', '-o', 'yaml'])).toBe('-o must be one of json, markdown, wide, not "yaml"');
    expect(problem(['--once', '-o', 'Markdown'])).toMatch(/^-o must be one of/);
    expect(problem(['--once', '-o'])).toBe('-o needs a value');
    expect(problem(['--once', '--json', '-o', 'markdown'])).toBe('--json is -o json; it does not go with -o markdown');
    expect(problem(['-o', 'markdown'])).toBe('-o goes with --once (the live view has y for Markdown)');
    expect(problem(['checks', '-o', 'wide'])).toBe('checks prints text or JSON, not wide');
    expect(problem(['--nodes', 'p', '--service', 'ns/web', '-o', 'markdown'])).toBe('--service prints text or JSON (-o json), not markdown');
    expect(problem(['capture', 'n1', '-w', 'x.pcap', '-o', 'json'])).toBe('-o does not go with capture (it writes a pcap)');
    expect(problem(['--once', '--ouptut', 'json'])).toBe('unknown option --ouptut (did you mean --output?)');
  });

  it('is in --help', () => {
    expect(USAGE).toMatch(/^ {2}-o, --output FORMAT {5}with --once: json \(as --json\), markdown/m);
    expect(USAGE).toContain('wide (the text');
  });
});

describe('the binary with -o (this machine)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nw-out-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (args: string[]) => spawnSync(process.execPath, [BIN, '--once', '--window', '0', '--log', join(dir, 'nw.log'), ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, XDG_CONFIG_HOME: '/nonexistent' } });

  it('markdown: the header, the table of the one node, exit 0', () => {
    const r = run(['-o', 'markdown']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^\*\*netwatch\*\* · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · 1 node, [01] with problems \(\d+ crit, \d+ warn\)$/);
    expect(lines.slice(2, 4)).toEqual(['| node | status | worst problem |', '|---|---|---|']);
    expect(lines[4]).toMatch(/^\| \S+ \| live \| .+ \|$/);
  });

  it('wide: the text table with more columns; json: the same document as --json', () => {
    const w = run(['-o', 'wide']);
    expect(w.status, w.stderr).toBe(0);
    expect(w.stdout.split('\n')[0]).toMatch(/^NODE +STATUS +ADDRESS +KERNEL +PRIMARY MTU +CONNTRACK +CT% +IFACES +PODS +AGE +WORST PROBLEM$/);
    const j = run(['-o', 'json']);
    expect(j.status, j.stderr).toBe(0);
    const doc = JSON.parse(j.stdout);
    expect(doc.version).toBe(1);
    expect(doc.marks).toEqual([]);
    expect(doc.windowSec).toBe(0);
    expect(Object.keys(JSON.parse(run(['--json']).stdout))).toEqual(Object.keys(doc));
  });

  it('a bad value exits 2 with the message on stderr', () => {
    const r = run(['-o', 'yaml']);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('netwatch: -o must be one of json, markdown, wide, not "yaml"');
    expect(r.stdout).toBe('');
  });
});
