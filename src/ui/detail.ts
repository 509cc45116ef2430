/** Pure pieces of the node detail: pane tabs and the checks list lines. */
import type { NodeState, Problem } from '../state/types.js';
import { brailleChart, type Scale } from './charts.js';
import { clipSegs, type Seg, segsWidth } from './columns.js';
import { oneLine, truncate } from './format.js';
import { type Pane, PANES } from './nav.js';
import { selected } from './ansi.js';
import { type CheckRow, podRows, podsProblem, type Tone, worstProblem } from './select.js';
import type { Verdict } from '../state/catalogue.js';
import { SEVERITY_TONE } from './tables.js';

const SEVERITY_LABEL = { crit: 'CRIT', warn: 'WARN', info: 'INFO' } as const;

/** " interfaces 12   pods 30   checks 2 " with the active pane marked by [ ] */
export function tabSegs(node: NodeState | undefined, active: Pane, width: number): Seg[] {
  const counts: Record<Pane, string> = {
    interfaces: String(node?.sample?.interfaces.status === 'ok' ? node.sample.interfaces.data.length : 0),
    // a failing pod list: its count is an old one
    pods: node?.kube ? `${podRows(node).length}${podsProblem(node) ? '?' : ''}` : '–',
    checks: String(node?.problems.length ?? 0),
  };
  const worst = node ? worstProblem(node.problems) : undefined;
  const segs: Seg[] = [];
  PANES.forEach((p, i) => {
    if (i > 0) segs.push({ text: ' ' });
    const tone = p === 'checks' && worst ? SEVERITY_TONE[worst.severity] : p === 'pods' && node && podsProblem(node) ? 'bad' : undefined;
    segs.push({ text: p === active ? `[${p} ${counts[p]}]` : ` ${p} ${counts[p]} `, tone, bold: p === active });
  });
  return clipSegs(segs, width);
}

const VERDICT_MARK: Record<Exclude<Verdict, 'flagged'>, { mark: string; tone: Tone; label: string }> = {
  ok: { mark: '✓', tone: 'ok', label: 'ok' },
  'n/a': { mark: '–', tone: 'dim', label: 'n/a' },
  'cannot-tell': { mark: '?', tone: 'warn', label: 'cannot tell' },
};

/** two lines per problem: ✗, severity, subject and message; then the remedy */
export function problemLines(p: Problem, width: number, isSelected: boolean): [Seg[], Seg[]] {
  const subject = p.subject && !p.message.includes(p.subject) ? `${p.subject}: ` : '';
  const first: Seg[] = [
    { text: isSelected ? '> ' : '  ' },
    { text: '✗ ', tone: SEVERITY_TONE[p.severity] },
    { text: SEVERITY_LABEL[p.severity], tone: SEVERITY_TONE[p.severity] },
    { text: ` ${oneLine(p.code)}  ${oneLine(subject + p.message)}` },
  ];
  const second: Seg[] = [{ text: `         → ${p.remedy ? oneLine(p.remedy) : 'no remedy recorded'}`, tone: 'dim' }];
  return [isSelected ? selected(clipSegs(first, width), width) : clipSegs(first, width), clipSegs(second, width)];
}

/** two lines per check: a flagged one as its problem; else ✓ ok, – n/a or ? cannot tell, the check, and why */
export function checkLines(r: CheckRow, width: number, isSelected: boolean): [Seg[], Seg[]] {
  if (r.problem) return problemLines(r.problem, width, isSelected);
  const m = VERDICT_MARK[r.verdict as Exclude<Verdict, 'flagged'>];
  const first: Seg[] = [
    { text: isSelected ? '> ' : '  ' },
    { text: `${m.mark} `, tone: m.tone },
    { text: m.label.toUpperCase().padEnd(4), tone: m.tone },
    { text: ` ${r.id}  ${oneLine(r.title)}` },
  ];
  const second: Seg[] = [{ text: `         ${r.reason ? oneLine(r.reason) : ''}`, tone: 'dim' }];
  return [isSelected ? selected(clipSegs(first, width), width) : clipSegs(first, width), clipSegs(second, width)];
}

/** a titled braille chart: the title, then `height` rows of dots */
export function chartBlock(title: string, values: readonly number[], width: number, height: number, scale: Scale, tone: Tone): Seg[][] {
  return [[{ text: truncate(title, width).padEnd(width), tone: 'dim' }], ...brailleChart(values, width, height, scale).map((l) => [{ text: l, tone }])];
}

/** blocks side by side: each block's lines padded to its width, one space between blocks */
export function besideEachOther(blocks: readonly { lines: readonly Seg[][]; width: number }[], height: number): Seg[][] {
  return Array.from({ length: height }, (_, i) =>
    blocks.flatMap((b, k) => {
      const line = clipSegs(b.lines[i] ?? [], b.width);
      const len = segsWidth(line);
      const pad: Seg[] = k < blocks.length - 1 ? [{ text: ' '.repeat(b.width - len + 1) }] : [];
      return [...line, ...pad];
    }),
  );
}
