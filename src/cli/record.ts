/**
 * `netwatch record FILE` (headless), `--record FILE` (the live view records too) and
 * `netwatch replay FILE` (--once, --marks, or the replay view). The format: sources/record/.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { AppState } from '../state/types.js';
import { StreamProducer } from '../state/stream.js';
import { basename, dirname } from 'node:path';
import { Recorder } from '../sources/record/writer.js';
import { openRecording } from '../sources/record/reader.js';
import { RecordingError } from '../sources/record/format.js';
import type { Options } from './args.js';
import { UsageError } from './usage.js';
import { parseTime } from '../ui/replay/seek.js';
import type { Logger } from './log.js';
import { printable } from './printable.js';
import { renderReport, safeJson } from './report.js';
import { fmtClock } from '../ui/format.js';

export { RecordingError };

/** a recorder on a live store; errors are said through `onError` once and stop only the recording */
export function startRecorder(store: Pick<StoreApi<AppState>, 'getState' | 'subscribe'>, file: string, opts: Options, log: Logger, onError: (e: Error) => void, argv: readonly string[]) {
  const producer = new StreamProducer(store, { producer: 'recording', meta: { argv: argv.join(' ').slice(0, 2000) } });
  const rec = new Recorder(file, producer, { maxSize: opts.maxSize, snapshotEveryMs: opts.snapshotEveryMs, log, onError, state: store.getState });
  try {
    rec.start();
  } catch (e) {
    producer.stop();
    const err = e as NodeJS.ErrnoException;
    throw new RecordingError(err.code === 'EEXIST' ? `${file} exists: replay it, move it away or pick another name (a recording is never overwritten)` : `cannot write ${file}: ${err.message}`);
  }
  log(`record: writing ${file}`);
  return {
    recorder: rec,
    /** with --share too, the share server serves this producer's frames: one diff per update for both */
    producer,
    stop(): void {
      if (!rec.error) producer.flush();
      rec.stop();
      producer.stop();
    },
  };
}

/**
 * what the live view's status line says once --record stopped on a write error (the view goes on):
 * "recording stopped: writing FILE failed (ENOSPC: …); it replays up to 03:12:07"
 */
export function recordErrorSegs(file: string, e: Error, lastAt: number | undefined): Array<{ text: string; tone?: 'bad' | 'dim' }> {
  const upTo = lastAt === undefined ? 'its start' : fmtClock(lastAt);
  return [
    { text: `recording stopped: writing ${file} failed (${e.message})`, tone: 'bad' },
    { text: `; it replays up to ${upTo}`, tone: 'dim' },
  ];
}

/** resolves after --duration, or at SIGINT/SIGTERM, or when `stopped` resolves */
export function recordUntil(opts: Options, stopped: Promise<unknown>): Promise<string> {
  return new Promise((resolve) => {
    const timer = opts.durationMs !== undefined ? setTimeout(() => done('--duration'), opts.durationMs) : undefined;
    const onSig = (sig: string) => () => done(sig);
    const int = onSig('SIGINT');
    const term = onSig('SIGTERM');
    process.on('SIGINT', int);
    process.on('SIGTERM', term);
    void stopped.then(() => done('write error'));
    function done(why: string) {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', int);
      process.off('SIGTERM', term);
      resolve(why);
    }
  });
}

/**
 * --at: what replay's `t` takes (ui/replay/seek.ts parseTime, the one reader of times): an offset
 * from the recording's start (5m, 90s, 1h30m, plain seconds), a clock time (HH:MM[:SS], local
 * time zone: the first such moment at or after the start) or an ISO date. The time it names, ms
 * since the epoch; a UsageError outside the recording.
 */
export function parseAt(at: string, start: number, end: number): number {
  const r = parseTime(at, { start });
  if ('error' in r) {
    if (r.kind === 'clock') throw new UsageError(`--at ${JSON.stringify(at)} is no clock time (HH:MM or HH:MM:SS)`);
    if (r.kind === 'date') throw new UsageError(`--at ${JSON.stringify(at)} is not a date netwatch reads (2026-12-02T03:12:00Z)`);
    throw new UsageError(`--at takes an offset (5m, 90s), a clock time (03:12:00) or an ISO date, not ${JSON.stringify(at)}`);
  }
  const t = r.at;
  const span = `the recording runs from ${new Date(start).toISOString()} to ${new Date(end).toISOString()} (${Math.round((end - start) / 1000)} s)`;
  // a second's slack either way: the first and last states are a tick's time from the edges a person names
  if (t < start - 1000) throw new UsageError(`--at ${at} is before the recording: ${span}`);
  if (t > end + 1000) throw new UsageError(`--at ${at} is after the recording: ${span}`);
  return t;
}

const fmtOffset = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

export async function replayCommand(opts: Options, logPath: string, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const tl = await openRecording(opts.file!);
  try {
    if (tl.files.length > 1) process.stderr.write(printable(`netwatch: reading ${tl.files.join(' then ')} (rotated by --max-size)\n`));
    if (tl.tornBytes) process.stderr.write(`netwatch: the last ${tl.tornBytes} bytes of the file are an incomplete record (the recorder stopped while writing): ignored\n`);
    if (opts.marks) {
      if (opts.json) out(safeJson(tl.marks.map((m) => ({ at: new Date(m.at).toISOString(), offsetSec: Math.round((m.at - tl.start) / 1000), note: m.note, ...(m.by ? { by: m.by } : {}) })), 2) + '\n');
      else if (!tl.marks.length) out('no marks in this recording\n');
      else out(printable(tl.marks.map((m) => `${new Date(m.at).toISOString()}  +${fmtOffset(m.at - tl.start)}  ${m.by ?? '-'}  ${m.note}`).join('\n')) + '\n');
      return 0;
    }
    if (opts.once) {
      const t = opts.at === undefined ? tl.end : parseAt(opts.at, tl.start, tl.end);
      const st = (await tl.stateAt(t)) as AppState;
      // the report's ages and takenAt as of that moment: the state's own time, not now
      out(renderReport(st, opts.output, { now: Math.max(t, tl.times[0]!) }) + '\n');
      return 0;
    }
    if (!process.stdin.isTTY || !process.stdout.isTTY) throw new UsageError('the replay view needs a terminal; use replay --once [--at WHEN] [-o json] in scripts');
    // the replay view (src/ui/replay.tsx): Ink and React load only when it opens
    const { startReplayUi } = await import('../ui/replay.js');
    // y: the state at the cursor as Markdown, to a file beside the log and the clipboard (as live)
    const { yanker } = await import('./yank.js');
    const yankOf = (at: { getState: () => AppState; now: () => number }) => yanker({ ...at, dir: dirname(logPath), write: (s) => process.stdout.write(s), tmux: !!process.env.TMUX });
    await startReplayUi(tl, { logPath, name: basename(opts.file!), yankOf });
    return 0;
  } finally {
    await tl.close();
  }
}
