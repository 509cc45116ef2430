/**
 * Table columns that fit the terminal: each column has a width, a priority (0 = always shown,
 * higher = dropped first on narrow terminals) and may grow into the space left. Rows render to
 * colored segments (pure, tested), which one Ink <Text> per line prints.
 */
import { cols, cutCols, fit } from './format.js';
import { sanitize } from './sanitize.js';
import type { Tone } from './select.js';

export interface Seg {
  text: string;
  tone?: Tone;
  bold?: boolean;
  inverse?: boolean;
}

export interface Cell {
  text: string;
  tone?: Tone;
}

export interface Column<R> {
  id: string;
  header: string;
  width: number;
  /** a growing column takes what is left, from this minimum */
  grow?: boolean;
  align?: 'left' | 'right';
  /** names are cut in the middle, so their unique end stays visible */
  cut?: 'end' | 'middle';
  priority: number;
  cell: (row: R, width: number) => Cell | string;
}

export interface Placed<R> extends Column<R> {
  w: number;
}

/** the columns that fit in `total` columns (one space between them), in their declared order */
export function fitColumns<R>(cols: readonly Column<R>[], total: number): Placed<R>[] {
  const order = cols.map((c, i) => ({ c, i })).sort((a, b) => a.c.priority - b.c.priority || a.i - b.i);
  const chosen = new Set<number>();
  let used = 0;
  for (const { c, i } of order) {
    const need = c.width + (chosen.size > 0 ? 1 : 0);
    if (used + need <= total) {
      chosen.add(i);
      used += need;
    } else if (c.priority === 0 && used + (chosen.size > 0 ? 1 : 0) + 1 <= total) {
      // a column that must show shrinks into what is left
      chosen.add(i);
      used = total;
    }
  }
  const placed: Placed<R>[] = cols.flatMap((c, i) => (chosen.has(i) ? [{ ...c, w: c.width }] : []));
  let spare = total - placed.reduce((a, p) => a + p.w, 0) - Math.max(0, placed.length - 1);
  if (spare < 0) {
    // shrink the last must-show column that overflowed
    for (let k = placed.length - 1; k >= 0 && spare < 0; k--) {
      const cut = Math.min(-spare, placed[k]!.w - 1);
      placed[k]!.w -= cut;
      spare += cut;
    }
  }
  const grower = placed.find((p) => p.grow);
  if (grower && spare > 0) grower.w += spare;
  return placed;
}

function cellOf<R>(p: Placed<R>, row: R): Cell {
  const c = p.cell(row, p.w);
  return typeof c === 'string' ? { text: c } : c;
}

/** one row: exactly the columns' width, adjacent segments of the same tone merged */
export function rowSegs<R>(placed: readonly Placed<R>[], row: R): Seg[] {
  const segs: Seg[] = [];
  placed.forEach((p, k) => {
    const c = cellOf(p, row);
    const text = (k > 0 ? ' ' : '') + fit(c.text, p.w, p.align, p.cut);
    const last = segs[segs.length - 1];
    if (last && last.tone === c.tone) last.text += text;
    else if (c.tone && k > 0) {
      // the separating space stays uncolored
      if (last && last.tone === undefined) last.text += ' ';
      else segs.push({ text: ' ' });
      segs.push({ text: fit(c.text, p.w, p.align, p.cut), tone: c.tone });
    } else segs.push({ text, tone: c.tone });
  });
  return segs;
}

export function headerText<R>(placed: readonly Placed<R>[]): string {
  return placed.map((p) => fit(p.header, p.w, p.align)).join(' ');
}

/** the line's text as it is drawn (sanitized) */
export function segsText(segs: readonly Seg[]): string {
  return segs.map((s) => sanitize(s.text)).join('');
}

/** the columns a line takes when drawn: text from outside is measured as it is shown (sanitized) */
export function segsWidth(segs: readonly Seg[]): number {
  return segs.reduce((a, s) => a + cols(sanitize(s.text)), 0);
}

/** a width that fits the longest value as drawn (sanitized), within bounds */
export function widthFor(values: Iterable<string>, header: string, min: number, max: number): number {
  let w = header.length;
  for (const v of values) {
    const n = cols(sanitize(v));
    if (n > w) w = n;
  }
  return Math.min(max, Math.max(min, w));
}

/**
 * Cut a line of segments to `width` columns, marking a cut with "…". Every segment's text is
 * sanitized first (sanitize.ts): this is the one place every drawn line passes (ansi.ts
 * renderLine), so no string from a node or the API reaches the terminal with a control in it,
 * and the cut is measured on what is shown.
 */
export function clipSegs(segs: readonly Seg[], width: number): Seg[] {
  const kept = segs.filter((s) => s.text).map((s) => ({ ...s, text: sanitize(s.text) }));
  const total = kept.reduce((a, s) => a + cols(s.text), 0);
  if (total <= width) return kept;
  const out: Seg[] = [];
  let room = Math.max(0, width - 1);
  for (const s of kept) {
    if (room <= 0) break;
    const text = cutCols(s.text, room);
    out.push({ ...s, text });
    room -= Math.max(1, cols(text));
  }
  if (width > 0) {
    const last = out[out.length - 1];
    if (last) last.text += '…';
    else out.push({ text: '…' });
  }
  return out;
}
