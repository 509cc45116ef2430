/**
 * Number, duration and text-fitting helpers for the UI. Pure. Every glyph netwatch itself prints
 * (ASCII, box/braille/block characters, arrows) is one column wide; names from outside may hold
 * wide characters (CJK, emoji), so text is measured in columns (`cols`), not string length.
 * Text is fitted as it is shown: sanitized first (sanitize.ts), so an escape in a name is
 * measured as the visible "\x1b" it becomes.
 */
import { sanitize } from './sanitize.js';

const UNITS = ['', 'k', 'M', 'G', 'T'];

/** 950 → "950", 12_345 → "12.3k", 262_144 → "262k", 1_048_576 → "1.05M" */
export function fmtCount(n: number): string {
  if (!Number.isFinite(n)) return '?';
  const neg = n < 0;
  let v = Math.abs(n);
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  let s: string;
  if (u === 0) s = String(Math.round(v));
  else if (v >= 100) s = `${Math.round(v)}${UNITS[u]}`;
  else if (v >= 10) s = `${v.toFixed(1)}${UNITS[u]}`;
  else s = `${v.toFixed(2)}${UNITS[u]}`;
  return neg ? `-${s}` : s;
}

/** a per-second rate: 0 → "0", 0.25 → "0.25", 3.5 → "3.5", 1234 → "1.23k" */
export function fmtRate(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  if (n === 0) return '0';
  const a = Math.abs(n);
  if (a < 0.01) return n < 0 ? '-0.01' : '<0.01';
  if (a < 1) return n.toFixed(2);
  if (a < 10) return n.toFixed(1).replace(/\.0$/, '');
  return fmtCount(n);
}

const BYTE_UNITS = ['B', 'K', 'M', 'G', 'T'];

/** bytes per second, binary units: 512 → "512B", 1_500_000 → "1.4M" */
export function fmtBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  let v = Math.max(0, n);
  let u = 0;
  while (v >= 1024 && u < BYTE_UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const digits = u === 0 || v >= 100 ? 0 : 1;
  return `${v.toFixed(digits)}${BYTE_UNITS[u]}`;
}

/** 4_200 → "4s", 125_000 → "2m5s", 7_500_000 → "2h5m", 3 days → "3d2h" */
export function fmtAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
}

export function fmtPct(p: number | undefined): string {
  if (p === undefined || !Number.isFinite(p)) return '–';
  if (p > 0 && p < 0.1) return '<0.1%';
  return p < 10 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}

/** HH:MM:SS in local time */
export function fmtClock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// code points terminals draw two columns wide (East Asian Wide and Fullwidth, emoji shown as
// emoji), from U+1100 on; every character from U+10000 on is counted as two (never narrower than
// drawn, so a line with a wide name can come out a column short, never wrapped)
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x23e9, 0x23ec], [0x23f0, 0x23f0], [0x23f3, 0x23f3],
  [0x25fd, 0x25fe], [0x2614, 0x2615], [0x2630, 0x2637], [0x2648, 0x2653], [0x267f, 0x267f], [0x268a, 0x268f], [0x2693, 0x2693], [0x26a1, 0x26a1],
  [0x26aa, 0x26ab], [0x26bd, 0x26be], [0x26c4, 0x26c5], [0x26ce, 0x26ce], [0x26d4, 0x26d4], [0x26ea, 0x26ea],
  [0x26f2, 0x26f3], [0x26f5, 0x26f5], [0x26fa, 0x26fa], [0x26fd, 0x26fd], [0x2705, 0x2705], [0x270a, 0x270b],
  [0x2728, 0x2728], [0x274c, 0x274c], [0x274e, 0x274e], [0x2753, 0x2755], [0x2757, 0x2757], [0x2795, 0x2797],
  [0x27b0, 0x27b0], [0x27bf, 0x27bf], [0x2b1b, 0x2b1c], [0x2b50, 0x2b50], [0x2b55, 0x2b55], [0x2e80, 0x303e],
  [0x3041, 0x33ff], [0x3400, 0x9fff], [0xa000, 0xa4cf], [0xa960, 0xa97f], [0xac00, 0xd7a3],
  [0xf900, 0xfaff], [0xfe10, 0xfe19], [0xfe30, 0xfe6f], [0xff00, 0xff60], [0xffe0, 0xffe6],
];

function wideBmp(c: number): boolean {
  if (c < 0x1100) return false;
  for (const [a, b] of WIDE) {
    if (c < a) return false;
    if (c <= b) return true;
  }
  return false;
}

// text made only of one-column code points (ASCII, Latin, box/block/braille, arrows, math): its length
// eslint-disable-next-line no-control-regex
const NARROW = /^[\u0000-\u02ff\u2010-\u2319\u2500-\u25fc\u2800-\u28ff]*$/;
/** combining marks: drawn on the character before them, no column of their own */
const ZERO = /^[\p{Mn}\p{Me}]$/u;

/** columns of the code point at `i` and its UTF-16 units (a surrogate pair is 2 units) */
function step(s: string, i: number): [number, number] {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return [ZERO.test(s.slice(i, i + 2)) ? 0 : 2, 2];
  }
  if (c >= 0x0300 && ZERO.test(s[i]!)) return [0, 1];
  return [wideBmp(c) ? 2 : 1, 1];
}

/** the columns `s` takes on a terminal (ASCII and most scripts: its length) */
export function cols(s: string): number {
  if (NARROW.test(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; ) {
    const [w, u] = step(s, i);
    n += w;
    i += u;
  }
  return n;
}

/** the longest start of `s` that fits in `n` columns (never half a surrogate pair or half a wide character) */
export function cutCols(s: string, n: number): string {
  if (n <= 0) return '';
  if (NARROW.test(s)) return s.slice(0, n);
  let used = 0;
  let i = 0;
  while (i < s.length) {
    const [w, u] = step(s, i);
    if (used + w > n) break;
    used += w;
    i += u;
  }
  return s.slice(0, i);
}

/** the longest end of `s` that fits in `n` columns */
function tailCols(s: string, n: number): string {
  if (n <= 0) return '';
  if (NARROW.test(s)) return s.slice(Math.max(0, s.length - n));
  const starts: number[] = [];
  for (let i = 0; i < s.length; ) {
    starts.push(i);
    i += step(s, i)[1];
  }
  let used = 0;
  let from = s.length;
  for (let k = starts.length - 1; k >= 0; k--) {
    const w = step(s, starts[k]!)[0];
    if (used + w > n) break;
    used += w;
    from = starts[k]!;
  }
  return s.slice(from);
}

/** sanitized, cut to `width` columns, marking a cut with "…" */
export function truncate(raw: string, width: number): string {
  if (width <= 0) return '';
  const s = sanitize(raw);
  if (cols(s) <= width) return s;
  if (width === 1) return '…';
  return `${cutCols(s, width - 1)}…`;
}

/** cut in the middle: names keep their distinguishing end (gke-pool-a-…-x7k2, web-7d9f…-abcde) */
export function truncateMiddle(raw: string, width: number): string {
  const s = sanitize(raw);
  if (cols(s) <= width) return s;
  if (width < 5) return truncate(s, width);
  const tail = Math.floor((width - 1) / 2);
  return `${cutCols(s, width - 1 - tail)}…${tailCols(s, tail)}`;
}

/** exactly `width` columns: truncated (at the end, or in the middle for names), then padded */
export function fit(s: string, width: number, align: 'left' | 'right' = 'left', cut: 'end' | 'middle' = 'end'): string {
  const t = cut === 'middle' ? truncateMiddle(s, width) : truncate(s, width);
  const pad = ' '.repeat(Math.max(0, width - cols(t)));
  return align === 'left' ? t + pad : pad + t;
}

/**
 * One line, safe to print (kernel lines, reasons and messages come from outside): line breaks
 * and tabs become one space, every other control is shown as an escape (sanitize.ts).
 */
export function oneLine(s: string): string {
  return sanitize(s.replace(/[\t\n\v\f\r\u0085\u2028\u2029]+/g, ' ').trim());
}
