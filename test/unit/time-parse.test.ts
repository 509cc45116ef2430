/**
 * One reader of times (ui/replay/seek.ts parseTime) behind replay's `t` (parseSeek) and
 * `replay --at` (cli/record.ts parseAt): offsets (5m, 1h30m, 90s, 500ms, plain seconds), clock
 * times (03:12:00, 03:12, with milliseconds), ISO dates; both give the same moment for the same text.
 */
import { describe, expect, it } from 'vitest';
import { parseAt } from '../../src/cli/record.js';
import { UsageError } from '../../src/cli/usage.js';
import { parseDuration, parseSeek, parseTime } from '../../src/ui/replay/seek.js';

// a 2 h recording from 02:30:00.400 local time (not on a whole second)
const start = new Date(2026, 11, 3, 2, 30, 0, 400).getTime();
const end = start + 2 * 3_600_000;
const local = (h: number, m: number, s = 0, ms = 0) => new Date(2026, 11, 3, h, m, s, ms).getTime();

describe('parseTime', () => {
  it('offsets from the start', () => {
    expect(parseTime('5m', { start })).toEqual({ at: start + 300_000, clock: false });
    expect(parseTime('1h30m', { start })).toEqual({ at: start + 5_400_000, clock: false });
    expect(parseTime('90s', { start })).toEqual({ at: start + 90_000, clock: false });
    expect(parseTime('1h2m3s', { start })).toEqual({ at: start + 3_723_000, clock: false });
    expect(parseTime('2.5s', { start })).toEqual({ at: start + 2500, clock: false });
    expect(parseTime('500ms', { start })).toEqual({ at: start + 500, clock: false });
    expect(parseTime(' 120 ', { start })).toEqual({ at: start + 120_000, clock: false });
    expect(parseTime('1H', { start })).toEqual({ at: start + 3_600_000, clock: false });
  });
  it('from the cursor with a sign (the start when there is none)', () => {
    expect(parseTime('+90s', { start, cursor: start + 600_000 })).toEqual({ at: start + 690_000, clock: false });
    expect(parseTime('-2m', { start, cursor: start + 600_000 })).toEqual({ at: start + 480_000, clock: false });
    expect(parseTime('+90s', { start })).toEqual({ at: start + 90_000, clock: false });
  });
  it('clock times: the first such moment at or after the start (its second counts)', () => {
    expect(parseTime('03:12:00', { start })).toEqual({ at: local(3, 12), clock: true });
    expect(parseTime('03:12', { start })).toEqual({ at: local(3, 12), clock: true });
    expect(parseTime('3:12:07.25', { start })).toEqual({ at: local(3, 12, 7, 250), clock: true });
    expect(parseTime('02:30:00', { start })).toEqual({ at: local(2, 30), clock: true });
    // before the start's second on its day: the next day's
    expect(parseTime('02:29:59', { start })).toEqual({ at: new Date(2026, 11, 4, 2, 29, 59).getTime(), clock: true });
  });
  it('ISO dates', () => {
    expect(parseTime('2026-12-03T01:12:00Z', { start })).toEqual({ at: Date.UTC(2026, 11, 3, 1, 12), clock: false });
    expect(parseTime('2026-12-03T03:12:00', { start })).toEqual({ at: local(3, 12), clock: false });
  });
  it('what is no time says why, of which kind', () => {
    expect(parseTime('25:00', { start })).toEqual({ error: 'not a clock time: 25:00', kind: 'clock' });
    expect(parseTime('03:60', { start })).toMatchObject({ kind: 'clock' });
    expect(parseTime('2026-13-45T00:00', { start })).toMatchObject({ kind: 'date' });
    for (const bad of ['soon', '5 m', '1h30', 'm5', '', '1e3s', '--5m', '5m\u001b[2J']) expect(parseTime(bad, { start })).toMatchObject({ kind: 'syntax' });
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1h30')).toBeUndefined();
  });
});

describe('t and --at read the same', () => {
  const cursor = start;
  const same = ['5m', '1h30m', '90s', '120', '500ms', '03:12:00', '03:12', '3:12:07.250', new Date(local(3, 12)).toISOString(), '2026-12-03T03:12:00'];
  it.each(same)('%s', (text) => {
    const seek = parseSeek(text, { start, end, cursor });
    expect(seek).toEqual({ at: parseAt(text, start, end) });
    expect(seek).toEqual({ at: (parseTime(text, { start }) as { at: number }).at });
  });
  it("the start's own second: --at gives it (a second's slack), t clamps to the first state", () => {
    expect(parseAt('02:30', start, end)).toBe(local(2, 30));
    expect(parseSeek('02:30', { start, end, cursor })).toEqual({ at: start });
  });
  it('outside the recording: t clamps (a clock time after the end is an error), --at refuses', () => {
    expect(parseSeek('3h', { start, end, cursor })).toEqual({ at: end });
    expect(() => parseAt('3h', start, end)).toThrow(/--at 3h is after the recording/);
    expect(parseSeek('05:00', { start, end, cursor })).toEqual({ error: '05:00 is not in the recording' });
    expect(() => parseAt('05:00', start, end)).toThrow(/after the recording/);
    expect(() => parseAt('-1m', start, end)).toThrow(/before the recording/);
    expect(() => parseAt('25:00', start, end)).toThrow(UsageError);
    expect(() => parseAt('soon', start, end)).toThrow(/--at takes an offset/);
    expect(() => parseAt('2026-13-45T00:00', start, end)).toThrow(/not a date netwatch reads/);
  });
});
