/**
 * Segments to terminal strings: the few SGR codes netwatch uses (5 colors, bold, inverse), so the
 * screens can hand Ink finished lines (components/Lines.tsx). Colors follow NO_COLOR,
 * FORCE_COLOR=0 and TERM=dumb, like Ink's own chalk does.
 */
import { clipSegs, type Seg, segsWidth } from './columns.js';
import type { Tone } from './select.js';

export type StyledLine = readonly Seg[];

const ESC = '\u001b[';
const TONE: Record<Tone, string> = { ok: '32', warn: '33', bad: '31', dim: '90', accent: '36' };

function colorsWanted(env: NodeJS.ProcessEnv): boolean {
  if ('NO_COLOR' in env && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  return env.TERM !== 'dumb';
}

let color = colorsWanted(process.env);

/** tests and benchmarks switch colors explicitly */
export function setColor(on: boolean): void {
  color = on;
}

function style(s: Seg): string {
  if (!color || (!s.tone && !s.bold && !s.inverse)) return s.text;
  const open: string[] = [];
  const close: string[] = [];
  if (s.tone) {
    open.push(TONE[s.tone]);
    close.push('39');
  }
  if (s.bold) {
    open.push('1');
    close.push('22');
  }
  if (s.inverse) {
    open.push('7');
    close.push('27');
  }
  return `${ESC}${open.join(';')}m${s.text}${ESC}${close.join(';')}m`;
}

/**
 * One line, at most `width` columns, trailing blanks dropped (fewer characters for Ink). Every
 * line every view draws passes here: clipSegs sanitizes each segment's text (sanitize.ts), so the
 * only control sequences in the result are the SGR codes above.
 */
export function renderLine(segs: StyledLine, width: number): string {
  const clipped = clipSegs(segs, width);
  const last = clipped[clipped.length - 1];
  if (last && !last.inverse) clipped[clipped.length - 1] = { ...last, text: last.text.trimEnd() };
  return clipped.map(style).join('');
}

/** the same segments, marked as the selected row: inverse, padded to the width */
export function selected(segs: StyledLine, width: number): Seg[] {
  const len = segsWidth(segs);
  const out = segs.map((s) => ({ ...s, inverse: true }));
  if (len < width) out.push({ text: ' '.repeat(width - len), inverse: true });
  return out;
}

export function bold(segs: StyledLine): Seg[] {
  return segs.map((s) => ({ ...s, bold: true }));
}
