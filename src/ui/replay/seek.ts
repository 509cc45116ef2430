/**
 * Where `t` in a replay goes, from what was typed. Pure.
 *   03:12:00, 03:12   a clock time (local, as the header shows it): the first moment of the
 *                     recording at that clock time (a recording over midnight: the next day's)
 *   5m, 90s, 1h2m3s   an offset from the start of the recording (as `replay --at 5m`)
 *   +90s, -2m         from the cursor
 * The result is clamped to the recording; an answer that is not a time says why.
 */
export type SeekResult = { at: number } | { error: string };

const UNIT: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** "1h2m3s", "90s", "5m", "2.5s", a bare number (seconds): ms, or undefined */
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

/** the first moment at or after `from` whose local clock reads h:m:s */
function clockAfter(from: number, h: number, m: number, s: number): number {
  const d = new Date(from);
  d.setHours(h, m, s, 0);
  // the recording's first second counts as "at" its clock time
  if (d.getTime() < from - (from % 1000)) d.setDate(d.getDate() + 1);
  return d.getTime();
}

export function parseSeek(text: string, range: { start: number; end: number; cursor: number }): SeekResult {
  const t = text.trim();
  if (!t) return { error: 'type a time: 03:12:00, 5m, +90s' };
  const clamp = (at: number) => ({ at: Math.min(range.end, Math.max(range.start, at)) });
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(t);
  if (clock) {
    const [h, m, s] = [Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0)];
    if (h > 23 || m > 59 || s > 59) return { error: `not a clock time: ${t}` };
    const at = clockAfter(range.start, h, m, s);
    if (at > range.end) return { error: `${t} is not in the recording` };
    return clamp(at);
  }
  const sign = t[0] === '+' ? 1 : t[0] === '-' ? -1 : 0;
  const d = parseDuration(sign ? t.slice(1) : t);
  if (d === undefined) return { error: `not a time: ${t} (03:12:00, 5m, +90s)` };
  return clamp(sign ? range.cursor + sign * d : range.start + d);
}
