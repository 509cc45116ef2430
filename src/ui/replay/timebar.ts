/**
 * Replay's two lines under the header, as segments (drawn by components/Lines.tsx). Pure.
 *   03:00:00 ──────▆▆▆██──◆───●────────────── 03:12:00     the time bar: start…end, per column the
 *                                                           worst problem then, marks ◆, the cursor ●
 *   ▶ 2×  +3:12 of 12:00  03:03:12  · mark: restarted kube-proxy      play state, offset, clock
 * While `t` is open the second line is the prompt.
 */
import type { StyledLine } from '../ansi.js';
import { clipSegs, type Seg } from '../columns.js';
import { fmtClock, oneLine } from '../format.js';
import type { TimelineMark } from '../../state/timeline.js';
import type { BarData, Level } from './controller.js';

export interface TimeBarSpec {
  width: number;
  /** columns of the bar itself (the rest: the start and end clocks) */
  barWidth: number;
  start: number;
  end: number;
  cursor: number;
  marks: readonly TimelineMark[];
  bar: BarData;
  playing: boolean;
  speed: number;
  loading: boolean;
  notice?: { text: string; tone: 'warn' | 'bad' };
  prompt?: string;
  promptError?: string;
  markHere?: TimelineMark;
}

const CELL: Record<Level, Seg> = {
  ok: { text: '─', tone: 'ok' },
  info: { text: '─', tone: 'accent' },
  warn: { text: '▆', tone: 'warn' },
  crit: { text: '█', tone: 'bad' },
  down: { text: '█', tone: 'bad' },
};
const UNKNOWN: Seg = { text: '·', tone: 'dim' };

/** +h:mm:ss or +m:ss */
export function fmtOffset(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const p = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${p(m)}:${p(s % 60)}` : `${m}:${p(s % 60)}`;
}

/** the column a time falls in */
export function columnOf(t: number, start: number, end: number, width: number): number {
  if (end <= start) return 0;
  return Math.max(0, Math.min(width - 1, Math.floor(((t - start) / (end - start)) * width)));
}

export function barSegs(s: Pick<TimeBarSpec, 'barWidth' | 'start' | 'end' | 'cursor' | 'marks' | 'bar'>): Seg[] {
  const w = Math.max(1, s.barWidth);
  const cells: Seg[] = Array.from({ length: w }, (_, c) => {
    const l = s.bar.cols[c];
    return l === undefined ? UNKNOWN : CELL[l];
  });
  for (const m of s.marks) cells[columnOf(m.at, s.start, s.end, w)] = { text: '◆', tone: 'accent', bold: true };
  cells[columnOf(s.cursor, s.start, s.end, w)] = { text: '●', tone: 'accent', bold: true, inverse: true };
  // neighbouring cells of one look as one segment
  const out: Seg[] = [];
  for (const c of cells) {
    const last = out[out.length - 1];
    if (last && last.tone === c.tone && !!last.bold === !!c.bold && !!last.inverse === !!c.inverse) out[out.length - 1] = { ...last, text: last.text + c.text };
    else out.push({ ...c });
  }
  return out;
}

export function timeBarLines(s: TimeBarSpec): StyledLine[] {
  const bar = barSegs(s);
  const line1: Seg[] = s.barWidth < s.width ? [{ text: `${fmtClock(s.start)} `, tone: 'dim' }, ...bar, { text: ` ${fmtClock(s.end)}`, tone: 'dim' }] : bar;
  let line2: Seg[];
  if (s.prompt !== undefined) {
    line2 = [
      { text: 'go to (03:12:00 · 5m from the start · +90s/-2m from here): ', tone: 'accent' },
      { text: oneLine(s.prompt), tone: 'accent' },
      { text: '█', tone: 'accent' },
      { text: ' enter goes · esc back', tone: 'dim' },
    ];
    if (s.promptError) line2.push({ text: `  ${oneLine(s.promptError)}`, tone: 'bad' });
  } else {
    line2 = [
      { text: s.playing ? `▶ ${s.speed}×` : `❚❚ paused${s.speed > 1 ? ` (${s.speed}×)` : ''}`, tone: s.playing ? 'ok' : 'warn', bold: true },
      { text: `  +${fmtOffset(s.cursor - s.start)} of ${fmtOffset(s.end - s.start)}  ` },
      { text: fmtClock(s.cursor), bold: true },
    ];
    if (s.loading) line2.push({ text: ' reading…', tone: 'dim' });
    if (s.markHere) line2.push({ text: `  ◆ ${oneLine(s.markHere.note)}${s.markHere.by ? ` (${oneLine(s.markHere.by)})` : ''}`, tone: 'accent' });
    else if (s.marks.length) line2.push({ text: `  ${s.marks.length} mark${s.marks.length === 1 ? '' : 's'} ({ })`, tone: 'dim' });
    if (!s.bar.done) line2.push({ text: '  problems: reading the recording…', tone: 'dim' });
    else if (s.bar.sampled) line2.push({ text: '  problems: sampled', tone: 'dim' });
    if (s.notice) line2.push({ text: `  ${oneLine(s.notice.text)}`, tone: s.notice.tone, bold: true });
  }
  return [clipSegs(line1, s.width), clipSegs(line2, s.width)];
}
