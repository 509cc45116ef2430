/**
 * Number, duration and text-fitting helpers for the UI. Pure. Every glyph netwatch prints
 * (ASCII, box/braille/block characters, arrows) is one column wide, so widths are string lengths.
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

/** the first `n` UTF-16 units of `s`, one fewer rather than half a surrogate pair */
export function cutAt(s: string, n: number): string {
  if (n <= 0) return '';
  if (n >= s.length) return s;
  const c = s.charCodeAt(n - 1);
  return s.slice(0, c >= 0xd800 && c <= 0xdbff ? n - 1 : n);
}

/** the last `n` UTF-16 units of `s`, one fewer rather than half a surrogate pair */
function tailOf(s: string, n: number): string {
  if (n <= 0) return '';
  if (n >= s.length) return s;
  const c = s.charCodeAt(s.length - n);
  return s.slice(c >= 0xdc00 && c <= 0xdfff ? s.length - n + 1 : s.length - n);
}

/** sanitized, cut to `width` columns, marking a cut with "…" */
export function truncate(raw: string, width: number): string {
  if (width <= 0) return '';
  const s = sanitize(raw);
  if (s.length <= width) return s;
  if (width === 1) return '…';
  return `${cutAt(s, width - 1)}…`;
}

/** cut in the middle: names keep their distinguishing end (gke-pool-a-…-x7k2, web-7d9f…-abcde) */
export function truncateMiddle(raw: string, width: number): string {
  const s = sanitize(raw);
  if (s.length <= width) return s;
  if (width < 5) return truncate(s, width);
  const tail = Math.floor((width - 1) / 2);
  return `${cutAt(s, width - 1 - tail)}…${tailOf(s, tail)}`;
}

/** exactly `width` columns: truncated (at the end, or in the middle for names), then padded */
export function fit(s: string, width: number, align: 'left' | 'right' = 'left', cut: 'end' | 'middle' = 'end'): string {
  const t = cut === 'middle' ? truncateMiddle(s, width) : truncate(s, width);
  return align === 'left' ? t.padEnd(width) : t.padStart(width);
}

/**
 * One line, safe to print (kernel lines, reasons and messages come from outside): line breaks
 * and tabs become one space, every other control is shown as an escape (sanitize.ts).
 */
export function oneLine(s: string): string {
  return sanitize(s.replace(/[\t\n\v\f\r\u0085\u2028\u2029]+/g, ' ').trim());
}
