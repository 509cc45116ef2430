/**
 * The JSON Schema of `--once --json`: the TypeScript report type fits the schema's type, real
 * reports validate (this machine through the binary, needs npm run build; a node with pods, a
 * failed node and problems from the store), a changed report is refused, and the published
 * docs/*.schema.json files are what the code generates.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { jsonReport, type differencesReport, type nodeReport } from '../../src/cli/report.js';
import { Difference, NodeReport, onceJsonSchema } from '../../src/cli/report-schema.js';
import { SCHEMA_DOCS, schemaText, withSettingsTable } from '../../src/cli/schemas-doc.js';
import { SETTINGS } from '../../src/cli/schema.js';
import { createAppStore } from '../../src/state/store.js';

const ROOT = join(import.meta.dirname, '../..');
const schema = onceJsonSchema();

// compile-time: every report nodeReport() can produce is of the schema's type
const fits = (r: ReturnType<typeof nodeReport>): Static<typeof NodeReport> => r;
void fits;
const fitsDiff = (r: ReturnType<typeof differencesReport>[number]): Static<typeof Difference> => r;
void fitsDiff;

function errors(doc: unknown): string[] {
  return [...Value.Errors(schema, doc)].slice(0, 10).map((e) => `${e.path}: ${e.message}`);
}

describe('--once --json schema', () => {
  it('validates a real report of this machine (the binary)', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/netwatch.js'), '--once', '--json'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, XDG_CONFIG_HOME: '/nonexistent' } });
    expect([0, 1], r.stderr).toContain(r.status);
    const doc = JSON.parse(r.stdout);
    expect(doc.nodes.length).toBe(1);
    expect(doc.nodes[0].interfaces.status).toBe('ok');
    expect(errors(doc)).toEqual([]);
    // a field the schema does not know, or a wrong type, is refused
    expect(errors({ ...doc, extra: 1 }).length).toBeGreaterThan(0);
    expect(errors({ ...doc, nodes: [{ ...doc.nodes[0], latencyMs: 'slow' }] }).length).toBeGreaterThan(0);
  });

  it('validates reports of failed and reconnecting nodes and a forbidden pod list (from the store)', () => {
    const store = createAppStore();
    const s = store.getState();
    s.addNode('a');
    s.setStatus('a', { kind: 'failed', since: 0, reason: 'authentication failed for root@a:22' });
    s.addNode('b');
    s.setStatus('b', { kind: 'reconnecting', since: 0, attempt: 2, nextAttemptAt: 5, reason: 'connection refused' });
    s.setKube({ kind: 'ok' });
    s.setPods('b', [], { kind: 'forbidden', message: 'pods is forbidden' });
    const doc = JSON.parse(jsonReport(store.getState(), { b: { error: 'not connected' } }));
    expect(doc.nodes[1].pods.status.kind).toBe('forbidden');
    expect(doc.nodes).toHaveLength(2);
    expect(errors(doc)).toEqual([]);
  });

  it('validates the pool differences (a pool and the unlabelled group), and refuses a difference without its majority', () => {
    const st = {
      ...createAppStore().getState(),
      differences: [
        { pool: 'pool-a', fact: 'sysctl:net.ipv4.ip_forward', label: 'ip_forward', numeric: false, nodes: 10, majority: { value: '1', count: 9 }, outliers: [{ node: 'cl-a2', value: '0' }] },
        { pool: null, fact: 'kube-svc-chains', label: 'KUBE-SVC-* chains', numeric: true, nodes: 4, majority: { value: 100.5, count: 3 }, outliers: [{ node: 'x', value: 3 }] },
      ],
    };
    const doc = JSON.parse(jsonReport(st));
    expect(doc.differences).toHaveLength(2);
    expect(errors(doc)).toEqual([]);
    const { majority: _m, ...noMajority } = doc.differences[0];
    expect(errors({ ...doc, differences: [noMajority] }).length).toBeGreaterThan(0);
  });

  it('publishes docs/once-json.schema.json and docs/config.schema.json as generated (node scripts/schemas.mjs)', () => {
    for (const file of Object.keys(SCHEMA_DOCS)) {
      expect(readFileSync(join(ROOT, file), 'utf8'), `${file} is stale: npm run build && node scripts/schemas.mjs`).toBe(schemaText(file));
    }
  });

  it('docs/config.md carries the current settings table, naming every setting', () => {
    const md = readFileSync(join(ROOT, 'docs/config.md'), 'utf8');
    expect(md, 'stale: npm run build && node scripts/schemas.mjs').toBe(withSettingsTable(md));
    for (const s of Object.values(SETTINGS)) if (s.env) expect(md).toContain(`\`${s.env}\``);
  });
});
