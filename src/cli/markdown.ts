/**
 * `--once -o markdown` and the live view's `y`: a short summary for an incident channel. A header
 * line (when, how many nodes, how many with problems), a table of the nodes (node | status | worst
 * problem), then the problems with their remedies (by node, worst first), the pool differences
 * and the marks. Pure.
 *
 * Every string from outside (node names, reasons, messages, pool facts, notes) goes through
 * `mdText`: one line, controls shown as visible escapes (ui/format.ts oneLine → sanitize.ts), then
 * the characters Markdown would act on escaped with a backslash (`|` would end a table cell, a
 * backtick open code, `*` `_` `~` emphasis, `[` `]` `<` `>` links and HTML, `\` itself so an
 * escape in a name cannot undo ours). No outside string starts a line: each line begins with
 * netwatch's own text (`| `, `- `, `**`), so none can become a heading, a list or a quote.
 */
import type { AppState, Mark, NodeState, Problem, Severity } from '../state/types.js';
import { oneLine } from '../ui/format.js';

const MD_META = /[\\`*_~[\]<>|]/g;

/** outside text for Markdown: one line, controls visible, Markdown's characters escaped, at most `max` characters */
export function mdText(s: string, max = 300): string {
  const one = oneLine(s);
  const cps = Array.from(one);
  const cut = cps.length > max ? `${cps.slice(0, max - 1).join('')}…` : one;
  return cut.replace(MD_META, (c) => `\\${c}`);
}

export interface MarkdownOptions {
  /** only these nodes (the live view's filtered overview, or the one node of the detail); default all */
  nodes?: readonly string[];
  /** what the summary is of, after "netwatch" in the header (e.g. "node n3"); default none */
  scope?: string;
  /** problems listed at most (the rest counted); default 60 */
  maxProblems?: number;
  /** marks listed at most (the newest); default 10 */
  maxMarks?: number;
}

const RANK: Record<Severity, number> = { crit: 0, warn: 1, info: 2 };

/** "2025-01-15 10:30:00 UTC": unambiguous for readers in other time zones */
export function utcStamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function statusText(n: NodeState): string {
  const s = n.status;
  if (s.kind === 'failed' || s.kind === 'reconnecting' || s.kind === 'stale') return `${s.kind}: ${s.reason}`;
  if (s.kind === 'live') return 'live';
  return n.sample ? s.kind : 'no sample';
}

/** the node's worst problem, or why it has no sample */
function worstText(n: NodeState): string {
  const p = n.problems[0];
  if (p) return `**${p.severity}** ${mdText(p.message, 160)}`;
  if (!n.sample && n.lastError) return mdText(n.lastError, 160);
  return n.sample ? 'none' : '–';
}

/** a node that could not be sampled counts as a problem for the header (its status says why) */
const hasProblem = (n: NodeState) => n.problems.some((p) => p.severity !== 'info') || !n.sample;

function problemLine(p: Problem): string[] {
  const about = p.subject ? ` (${mdText(p.subject, 80)})` : '';
  const line = `- **${p.severity}** ${mdText(p.code, 40)}${about}: ${mdText(p.message)}`;
  return p.remedy ? [line, `  - remedy: ${mdText(p.remedy)}`] : [line];
}

function markLine(m: Mark): string {
  return `- ${utcStamp(m.at).slice(11, 19)} ${m.note ? mdText(m.note) : '(no note)'}${m.by ? ` (${mdText(m.by, 64)})` : ''}`;
}

export function markdownReport(st: AppState, now: number, o: MarkdownOptions = {}): string {
  const names = (o.nodes ?? st.order).filter((n) => st.nodes[n]);
  const nodes = names.map((n) => st.nodes[n]!);
  const withProblems = nodes.filter(hasProblem);
  const count = (sev: Severity) => nodes.reduce((a, n) => a + n.problems.filter((p) => p.severity === sev).length, 0);
  const sev = [`${count('crit')} crit`, `${count('warn')} warn`].join(', ');
  const failed = nodes.filter((n) => !n.sample).length;
  const kube = st.kube.kind === 'off' ? '' : ` · kube ${st.kube.kind}${st.kube.message ? `: ${mdText(st.kube.message, 120)}` : ''}`;
  const head =
    `**netwatch${o.scope ? ` · ${mdText(o.scope, 80)}` : ''}** · ${utcStamp(now)} · ${nodes.length} node${nodes.length === 1 ? '' : 's'}, ` +
    `${withProblems.length} with problems (${sev}${failed ? `, ${failed} not sampled` : ''})${kube}`;
  const out = [head, ''];
  if (!nodes.length) out.push('no nodes');
  else {
    out.push('| node | status | worst problem |', '|---|---|---|');
    for (const n of nodes) out.push(`| ${mdText(n.name, 80)} | ${mdText(statusText(n), 120)} | ${worstText(n)} |`);
  }
  // the problems, by node: the nodes with the worst problem first (then the most problems), each node's worst first
  const byNode = nodes
    .filter((n) => n.problems.length)
    .sort((a, b) => RANK[a.problems[0]!.severity] - RANK[b.problems[0]!.severity] || b.problems.length - a.problems.length);
  if (byNode.length) {
    const max = o.maxProblems ?? 60;
    const total = byNode.reduce((a, n) => a + n.problems.length, 0);
    out.push('', '**Problems**');
    let shown = 0;
    for (const n of byNode) {
      if (shown >= max) break;
      out.push('', `**${mdText(n.name, 80)}**`);
      const ps = [...n.problems].sort((a, b) => RANK[a.severity] - RANK[b.severity]).slice(0, max - shown);
      for (const p of ps) out.push(...problemLine(p));
      shown += ps.length;
    }
    if (total > shown) out.push('', `… and ${total - shown} more problem${total - shown === 1 ? '' : 's'} (netwatch --once -o json has them all)`);
  }
  // pool differences that concern the nodes shown
  const shownSet = new Set(names);
  const diffs = (st.differences ?? []).filter((d) => !o.nodes || d.outliers.some((x) => shownSet.has(x.node)));
  if (diffs.length) {
    out.push('', '**Pool differences**', '');
    for (const d of diffs) {
      const group = d.pool === null ? 'nodes without a pool label' : d.pool;
      const maj = `${d.numeric ? 'median ' : ''}${d.majority.value} on ${d.majority.count} of ${d.nodes}${d.numeric ? ' (within 10%)' : ''}`;
      const odd = d.outliers.map((x) => `${mdText(x.node, 80)} ${mdText(String(x.value), 80)}`).join(', ');
      out.push(`- ${mdText(group, 80)}: ${mdText(d.label, 80)} (${mdText(d.fact, 80)}): ${mdText(maj, 120)}; ${odd}`);
    }
  }
  const marks = st.marks ?? [];
  if (marks.length) {
    const max = o.maxMarks ?? 10;
    out.push('', `**Marks** (UTC${marks.length > max ? `, the last ${max} of ${marks.length}` : ''})`, '');
    for (const m of marks.slice(-max)) out.push(markLine(m));
  }
  return out.join('\n');
}
