/** `netwatch record` / `replay` on the command line (args.ts) and --at (cli/record.ts parseAt). */
import { describe, expect, it } from 'vitest';
import { parseCli, parseSize, UsageError } from '../../src/cli/args.js';
import { parseAt } from '../../src/cli/record.js';

describe('record and replay arguments', () => {
  it('record FILE with --duration, --max-size, --snapshot-every; no capture summaries unless asked', () => {
    const o = parseCli(['record', 'out.nwrec', '--nodes', 'pool-a', '--duration', '2h', '--max-size', '200M', '--snapshot-every', '30']);
    expect(o.command).toBe('record');
    expect(o.file).toBe('out.nwrec');
    expect(o.durationMs).toBe(2 * 3600_000);
    expect(o.maxSize).toBe(200 * 1024 ** 2);
    expect(o.snapshotEveryMs).toBe(30_000);
    expect(o.captureSummary).toBe(false);
    expect(parseCli(['record', 'f', '--capture-summary']).captureSummary).toBe(true);
    expect(parseCli(['--hosts', 'a', '--record', 'f']).recordFile).toBe('f');
    expect(parseCli(['--hosts', 'a']).captureSummary).toBe(true);
  });

  it('replay FILE --at … --once -o json, --marks; a replay is read-only', () => {
    const o = parseCli(['replay', 'f', '--at', '5m', '--once', '-o', 'json']);
    expect([o.command, o.file, o.at, o.once, o.output, o.readonly]).toEqual(['replay', 'f', '5m', true, 'json', true]);
    expect(parseCli(['replay', 'f', '--marks']).marks).toBe(true);
    expect(parseCli(['replay', 'f', '--marks', '--json']).json).toBe(true);
  });

  it.each([
    [['record'], /record takes one FILE/],
    [['replay', 'a', 'b'], /replay takes one FILE, not also "b"/],
    [['replay', 'f', '--at', '5m'], /replay --at goes with --once/],
    [['replay', 'f', '--marks', '--once'], /does not go with --once/],
    [['replay', 'f', '--nodes', 'x', '--once'], /replay reads a recording/],
    [['replay', 'f', '-o', 'json'], /go with replay --once/],
    [['record', 'f', '--once'], /record does not go with --once/],
    [['record', 'f', '--json'], /record writes a recording/],
    [['--duration', '5m'], /--duration goes with netwatch record/],
    [['--max-size', '5M'], /--max-size goes with netwatch record or --record/],
    [['--at', '5m', '--once'], /--at goes with netwatch replay/],
    [['--once', '--record', 'f'], /--record goes with the live view/],
    [['record', 'f', '--duration', '0'], /--duration must be more than 0/],
    [['record', 'f', '--duration', 'soon'], /request-timeout|duration/],
    [['record', 'f', '--max-size', '12'], /--max-size must be a size such as 200M/],
    [['record', 'f', '--snapshot-every', '0'], /--snapshot-every must be seconds from 1 to 3600/],
  ])('%j is refused: %s', (argv, msg) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(msg);
  });

  it('sizes: bytes, K, M, G (powers of 1024)', () => {
    expect(parseSize('65536')).toBe(65536);
    expect(parseSize('64K')).toBe(65536);
    expect(parseSize('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('200MB')).toBe(200 * 1024 ** 2);
    expect(() => parseSize('-1M')).toThrow(UsageError);
  });
});

describe('--at', () => {
  // a recording from 23:58:30 local time to 00:03:30 the next day
  const start = new Date(2026, 11, 2, 23, 58, 30).getTime();
  const end = start + 5 * 60_000;
  it('an offset from the start', () => {
    expect(parseAt('90s', start, end)).toBe(start + 90_000);
    expect(parseAt('1m30s', start, end)).toBe(start + 90_000);
    expect(parseAt('120', start, end)).toBe(start + 120_000);
  });
  it('a clock time: the first such moment at or after the start (across midnight: the next day)', () => {
    expect(parseAt('23:59', start, end)).toBe(new Date(2026, 11, 2, 23, 59, 0).getTime());
    expect(parseAt('00:01:15', start, end)).toBe(new Date(2026, 11, 3, 0, 1, 15).getTime());
    expect(parseAt('23:58:30', start, end)).toBe(start);
  });
  it('an ISO date', () => {
    expect(parseAt(new Date(start + 1000).toISOString(), start, end)).toBe(start + 1000);
  });
  it('outside the recording or not a time: a usage error with the span', () => {
    expect(() => parseAt('10m', start, end)).toThrow(/--at 10m is after the recording: the recording runs from .* \(300 s\)/);
    expect(() => parseAt('12:00', start, end)).toThrow(/after the recording/);
    expect(() => parseAt(new Date(start - 60_000).toISOString(), start, end)).toThrow(/before the recording/);
    expect(() => parseAt('25:00', start, end)).toThrow(/no clock time/);
    expect(() => parseAt('yesterday', start, end)).toThrow(/--at takes an offset/);
  });
});
