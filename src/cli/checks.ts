/**
 * `netwatch checks`: the check catalogue (state/catalogue.ts) as plain text (through printable),
 * as JSON, and as the Markdown of docs/checks.md (scripts/checks-doc.mjs writes it;
 * test/unit/checks-doc.test.ts fails when it is stale). Pure apart from `checksCommand`'s write.
 */
import { CATALOGUE, type CheckDef, severityText } from '../state/catalogue.js';
import { printable } from './printable.js';
import { safeJson } from './report.js';

/** one row per check: ID  SEVERITY  READS  SOURCE, columns padded, the last one free */
export function checksText(list: readonly CheckDef[] = CATALOGUE): string {
  const head = ['ID', 'SEVERITY', 'READS', 'SOURCE'];
  const rows = list.map((c) => [c.id, severityText(c), c.reads, c.source]);
  const w = [0, 1, 2].map((i) => Math.min([30, 24, 56][i]!, Math.max(...[head, ...rows].map((r) => r[i]!.length))));
  const cell = (s: string, i: number) => (s.length > w[i]! ? `${s.slice(0, w[i]! - 1)}…` : s.padEnd(w[i]!));
  return [head, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : cell(c, i))).join('  ')).join('\n');
}

export function checksJson(list: readonly CheckDef[] = CATALOGUE): string {
  return safeJson({ version: 1, checks: list }, 2);
}

const md = (s: string) => s.replace(/\|/g, '\\|');

/** docs/checks.md */
export function checksMarkdown(list: readonly CheckDef[] = CATALOGUE): string {
  const rows = list.map(
    (c) =>
      `| \`${c.id}\` | ${md(c.title)} | ${md(severityText(c))} | ${md(c.reads)} | ${md(c.healthy)} | ${md(c.flag)} | ${c.remedy ? md(c.remedy) : '—'} | ${md(c.source)}${c.evaluatedBy ? ` (${c.evaluatedBy})` : ''} |`,
  );
  return [
    '# Checks',
    '',
    '<!-- generated from src/state/catalogue.ts by scripts/checks-doc.mjs (npm run build first); do not edit -->',
    '',
    'Every check netwatch makes on a node, as `netwatch checks` lists it. The id is the problem code',
    "in `--once --json` (`problems[].code`) and in each node's `checks[]`, where every check has a verdict:",
    '`ok`, `flagged`, `n/a` (does not apply here: no bridge, no kube-proxy, no IPVS) or `cannot-tell`',
    '(with why: a tool missing, no permission, no Kubernetes API, a collector failed or has not read',
    'yet, the node is not live). Sources: the field guide (`shared/field-guide.md`) and its seed documents.',
    '',
    '| id | check | severity | reads | healthy | flagged when | remedy | source |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

export function checksCommand(json: boolean, out: { write(s: string): unknown } = process.stdout): number {
  out.write(json ? `${checksJson()}\n` : printable(`${checksText()}\n`));
  return 0;
}
