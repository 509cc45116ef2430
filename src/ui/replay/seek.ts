/**
 * The one reader of a time a person types or passes, for replay's `t` (parseSeek) and for
 * `replay --at` (cli/record.ts parseAt): both call parseTime. Pure.
 *   03:12:00, 03:12, 03:12:00.250   a clock time (local, as the header shows it): the first moment
 *                                   of the recording at that clock time (over midnight: the next day's)
 *   2026-12-02T03:12:00Z            an ISO date (Date.parse: without a zone, local time)
 *   5m, 90s, 1h30m, 2.5s, 120, 500ms an offset from the start of the recording
 *   +90s, -2m                       from the cursor (for --at the cursor is the start)
 * parseSeek clamps to the recording (a clock time after its end is an error); parseAt refuses a
 * time outside it. An answer that is not a time says why.
 */
export type SeekResult = { at: number } | { error: string };

/** what parseTime read: the time (ms since the epoch, not clamped), or why it is none */
export type TimeParse = { at: number; clock: boolean } | { error: string; kind: 'clock' | 'date' | 'syntax' };

const UNIT: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const CLOCK = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]|$)/;

/** "1h2m3s", "90s", "5m", "2.5s", "500ms", a bare number (seconds): ms, or undefined */
export function parseDuration(text: string): number | undefined {
  const s = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * UNIT[m[2]!]!;
    end = re.lastIndex;
  }
  return end > 0 && end === s.length ? total : undefined;
}

/** the first moment at or after `from` (its second counts as "at") whose local clock reads h:m:s.ms */
function clockAfter(from: number, h: number, m: number, s: number, ms: number): number {
  const d = new Date(from);
  d.setHours(h, m, s, ms);
  if (d.getTime() < from - (((from % 1000) + 1000) % 1000)) {
    d.setDate(d.getDate() + 1);
    d.setHours(h, m, s, ms);
  }
  return d.getTime();
}

/** a typed time in a recording starting at `start`, with the cursor at `cursor` (default: the start) */
export function parseTime(text: string, range: { start: number; cursor?: number }): TimeParse {
  const t = text.trim();
  if (!t) return { error: 'type a time: 03:12:00, 5m, +90s', kind: 'syntax' };
  const c = CLOCK.exec(t);
  if (c) {
    const [h, m, s, ms] = [Number(c[1]), Number(c[2]), Number(c[3] ?? 0), Number((c[4] ?? '0').padEnd(3, '0'))];
    if (h > 23 || m > 59 || s > 59) return { error: `not a clock time: ${t}`, kind: 'clock' };
    return { at: clockAfter(range.start, h, m, s, ms), clock: true };
  }
  if (ISO.test(t)) {
    const at = Date.parse(t);
    return Number.isFinite(at) ? { at, clock: false } : { error: `not a date: ${t} (2026-12-02T03:12:00Z)`, kind: 'date' };
  }
  const sign = t[0] === '+' ? 1 : t[0] === '-' ? -1 : 0;
  const d = parseDuration(sign ? t.slice(1) : t);
  if (d === undefined || !Number.isFinite(d)) return { error: `not a time: ${t} (03:12:00, 5m, +90s)`, kind: 'syntax' };
  return { at: sign ? (range.cursor ?? range.start) + sign * d : range.start + d, clock: false };
}

/** replay's `t`: where to go, clamped to the recording */
export function parseSeek(text: string, range: { start: number; end: number; cursor: number }): SeekResult {
  const r = parseTime(text, range);
  if ('error' in r) return { error: r.error };
  if (r.clock && r.at > range.end) return { error: `${text.trim()} is not in the recording` };
  return { at: Math.min(range.end, Math.max(range.start, r.at)) };
}
