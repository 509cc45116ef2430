/**
 * Replay's cursor over a Timeline (state/timeline.ts) and the replica store the App reads: the
 * state shown is always timeline.stateAt(the cursor). No terminal here; the App hands it the
 * replay keys (keys.ts scope 'replay') and draws what `lines(width)` returns (timebar.ts).
 *
 * Seeking: stateAt is async (a file read). One read at a time; while it runs, later seeks only
 * replace the wanted time (rapid key presses coalesce: only the latest matters), and a read's
 * answer is dropped when a later seek was made meanwhile, so the screen never goes back to an
 * older request's state. A seek within the state shown (same tick) applies at once.
 *
 * The time bar's problems (the worst severity of any node per column) come from a pre-pass that
 * runs in the background after the first frame, a bounded number of samples per column, yielding
 * to the event loop between samples and waiting while a seek reads.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { StreamState } from '../../state/stream.js';
import { indexAt, type Timeline, type TimelineMark } from '../../state/timeline.js';
import type { Severity } from '../../state/types.js';
import type { StyledLine } from '../ansi.js';
import type { Command } from '../keys.js';
import { parseSeek } from './seek.js';
import { timeBarLines } from './timebar.js';

/** the playback clock (tests drive it by hand) */
export interface ReplayClock {
  now(): number;
  /** calls fn every ms until the returned stop is called */
  every(ms: number, fn: () => void): () => void;
}

export const realClock: ReplayClock = {
  now: () => Date.now(),
  every: (ms, fn) => {
    const t = setInterval(fn, ms);
    return () => clearInterval(t);
  },
};

export const SPEEDS = [1, 2, 4, 8, 16, 32, 64] as const;

/** what a column of the time bar says: the worst of any node in its slice ('down': a node not answering) */
export type Level = 'ok' | Severity | 'down';
const LEVEL_RANK: Record<Level, number> = { ok: 0, info: 1, warn: 2, crit: 3, down: 4 };

export function levelOf(st: StreamState): Level {
  let worst: Level = 'ok';
  const up = (l: Level) => {
    if (LEVEL_RANK[l] > LEVEL_RANK[worst]) worst = l;
  };
  for (const name of st.order ?? []) {
    const n = st.nodes?.[name];
    if (!n) continue;
    for (const p of n.problems ?? []) up(p.severity);
    const k = n.status?.kind;
    if (k === 'failed' || k === 'reconnecting') up('down');
    else if (k === 'stale') up('warn');
  }
  return worst;
}

export interface BarData {
  /** one level per column; undefined: not known yet */
  cols: (Level | undefined)[];
  done: boolean;
  /** some columns hold more ticks than were read */
  sampled: boolean;
}

export interface ReplayOptions {
  /** the recording's name, for the header */
  name?: string;
  /** where to start: ms since the epoch, or what `t` takes (03:12:00, 5m); default the start */
  at?: number | string;
  clock?: ReplayClock;
  /** start playing at once (default true) */
  play?: boolean;
  /** playback step, ms (default 100) */
  stepMs?: number;
  /** states read per time-bar column at most (default 2) */
  samplesPerColumn?: number;
}

const EMPTY: StreamState = { order: [], nodes: {}, interval: 1, kube: { kind: 'off' }, ticks: 0, startedAt: 0, readonly: true, differences: [], marks: [] };

const REFUSED: Partial<Record<Command, string>> = {
  capture: 'recording: no live node to capture on',
  captureAll: 'recording: no live node to capture on',
  processes: 'recording: no live node to list processes on',
  readSlow: 'recording: no live node to re-read',
  kill: 'recording: no live node to kill a process on',
  mark: 'recording: marks are made in the live view (m there)',
  viewerCapture: "recording: no attached viewer's capture to watch",
};

export type PromptAction = { type: 'type'; text: string } | { type: 'erase' | 'clear' | 'accept' | 'close' };

export class ReplayController {
  readonly store: StoreApi<StreamState>;
  readonly name: string;
  /** the time asked for (moves at once) */
  cursor: number;
  /** the time of the state shown: the App's `now` */
  at: number;
  playing = false;
  speed = 1;
  notice?: { text: string; tone: 'warn' | 'bad' };
  private promptText?: string;
  private promptError?: string;
  private shownIdx = -1;
  private req = 0;
  private want?: { id: number; t: number; idx: number };
  private loading?: Promise<void>;
  private stopPlay?: () => void;
  private lastTick = 0;
  private bars = new Map<number, BarData>();
  private barWidth = -1;
  private levels = new Map<number, Level>();
  private stopped = false;
  private listeners = new Set<() => void>();
  private version = 0;
  private linesCache?: { version: number; width: number; lines: StyledLine[] };
  private readonly clock: ReplayClock;

  constructor(
    readonly timeline: Timeline,
    private readonly opts: ReplayOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.name = opts.name ?? timeline.hello.meta?.file ?? 'recording';
    this.store = createStore<StreamState>()(() => EMPTY);
    let at = timeline.start;
    if (typeof opts.at === 'number') at = opts.at;
    else if (typeof opts.at === 'string') {
      const r = parseSeek(opts.at, { start: timeline.start, end: timeline.end, cursor: timeline.start });
      if ('error' in r) throw new Error(r.error);
      at = r.at;
    }
    this.cursor = this.clamp(at);
    this.at = this.cursor;
  }

  /** reads the first state, then plays (unless told not to) */
  async start(): Promise<void> {
    this.seek(this.cursor);
    await this.settled();
    if (this.opts.play ?? true) this.setPlaying(true);
  }

  /** resolves when no read is running or wanted */
  async settled(): Promise<void> {
    while (this.loading) await this.loading;
  }

  stop(): void {
    this.stopped = true;
    this.setPlaying(false);
    this.listeners.clear();
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  getVersion = (): number => this.version;

  private emit(): void {
    this.version++;
    for (const fn of this.listeners) fn();
  }

  private clamp(t: number): number {
    return Math.min(this.timeline.end, Math.max(this.timeline.start, t));
  }

  /* ---------- seeking ---------- */

  seek(t: number): void {
    const target = this.clamp(t);
    this.cursor = target;
    const id = ++this.req;
    const idx = indexAt(this.timeline.times, target);
    if (idx === this.shownIdx) {
      this.want = undefined;
      this.at = target;
    } else {
      this.want = { id, t: target, idx };
      this.loading ??= this.load();
    }
    this.emit();
  }

  private async load(): Promise<void> {
    try {
      while (this.want && !this.stopped) {
        const w = this.want;
        this.want = undefined;
        let st: StreamState;
        try {
          st = await this.timeline.stateAt(w.t);
        } catch (e) {
          this.notice = { text: `cannot read the recording: ${e instanceof Error ? e.message : String(e)}`, tone: 'bad' };
          this.emit();
          continue;
        }
        // a later seek was made while this one read: its answer (or the state in place) is what counts
        if (w.id !== this.req || this.stopped) continue;
        this.shownIdx = w.idx;
        this.at = w.t;
        this.store.setState(st.readonly ? st : { ...st, readonly: true }, true);
        this.emit();
      }
    } finally {
      this.loading = undefined;
    }
  }

  /* ---------- playback ---------- */

  private setPlaying(on: boolean): void {
    if (on === this.playing && (!on || this.stopPlay)) return;
    this.stopPlay?.();
    this.stopPlay = undefined;
    this.playing = on;
    if (!on || this.stopped) return;
    this.lastTick = this.clock.now();
    this.stopPlay = this.clock.every(this.opts.stepMs ?? 100, () => this.step());
  }

  private step(): void {
    const now = this.clock.now();
    const dt = now - this.lastTick;
    this.lastTick = now;
    if (!this.playing || dt <= 0) return;
    const next = this.cursor + dt * this.speed;
    if (next >= this.timeline.end) {
      this.setPlaying(false);
      this.seek(this.timeline.end);
      return;
    }
    this.seek(next);
  }

  /* ---------- keys ---------- */

  command(cmd: Command): void {
    this.notice = undefined;
    const { times, start, end } = this.timeline;
    const i = indexAt(times, this.cursor);
    switch (cmd) {
      case 'playPause':
        // at the end, play starts again from the start
        if (!this.playing && this.cursor >= end && end > start) this.seek(start);
        this.setPlaying(!this.playing);
        break;
      case 'tickBack':
        this.setPlaying(false);
        this.seek(times[i]! < this.cursor ? times[i]! : times[Math.max(0, i - 1)]!);
        return;
      case 'tickForward':
        this.setPlaying(false);
        this.seek(times[Math.min(times.length - 1, i + 1)]!);
        return;
      case 'minuteBack':
      case 'minuteForward':
        this.seek(this.cursor + (cmd === 'minuteBack' ? -60_000 : 60_000));
        return;
      case 'prevMark':
      case 'nextMark': {
        const m = this.markFrom(cmd === 'prevMark' ? -1 : 1);
        if (m) this.seek(m.at);
        else this.notice = { text: this.timeline.marks.length ? `no mark ${cmd === 'prevMark' ? 'before' : 'after'} this point` : 'no marks in this recording', tone: 'warn' };
        break;
      }
      case 'gotoTime':
        this.promptText = '';
        this.promptError = undefined;
        break;
      case 'slower':
      case 'faster': {
        const k = SPEEDS.indexOf(this.speed as (typeof SPEEDS)[number]);
        this.speed = SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, k + (cmd === 'faster' ? 1 : -1)))]!;
        break;
      }
      default: {
        const why = REFUSED[cmd];
        if (why) this.notice = { text: why, tone: 'warn' };
      }
    }
    this.emit();
  }

  /** a key that needs a live node: refused, and the status line says why */
  refuse(cmd: Command): void {
    this.notice = { text: REFUSED[cmd] ?? 'recording: not on a recording', tone: 'warn' };
    this.emit();
  }

  private markFrom(dir: -1 | 1): TimelineMark | undefined {
    const marks = this.timeline.marks;
    if (dir > 0) return marks.find((m) => m.at > this.cursor);
    for (let k = marks.length - 1; k >= 0; k--) if (marks[k]!.at < this.cursor) return marks[k];
    return undefined;
  }

  /** the mark the cursor is on (made within the last interval before it), if any */
  markHere(): TimelineMark | undefined {
    const within = Math.max(1000, (this.timeline.hello.interval || 1) * 1000);
    return this.timeline.marks.filter((m) => m.at <= this.cursor && m.at > this.cursor - within).pop();
  }

  prompt(): string | undefined {
    return this.promptText;
  }

  promptKey(a: PromptAction): void {
    if (this.promptText === undefined) return;
    switch (a.type) {
      case 'type':
        this.promptText += a.text;
        this.promptError = undefined;
        break;
      case 'erase':
        this.promptText = Array.from(this.promptText).slice(0, -1).join('');
        break;
      case 'clear':
        this.promptText = '';
        break;
      case 'close':
        this.promptText = undefined;
        break;
      case 'accept': {
        const r = parseSeek(this.promptText, { start: this.timeline.start, end: this.timeline.end, cursor: this.cursor });
        if ('error' in r) {
          this.promptError = r.error;
          break;
        }
        this.promptText = undefined;
        this.seek(r.at);
        return;
      }
    }
    this.emit();
  }

  /* ---------- the time bar ---------- */

  /** the problems per column for this width: what the pre-pass knows so far (it starts on the first ask) */
  bar(width: number): BarData {
    const w = Math.max(1, width);
    let b = this.bars.get(w);
    if (!b) {
      // one width at a time: an unfinished pass for another width is dropped
      for (const [k, v] of this.bars) if (!v.done) this.bars.delete(k);
      b = { cols: new Array<Level | undefined>(w).fill(undefined), done: false, sampled: false };
      this.bars.set(w, b);
      const data = b;
      setImmediate(() => void this.prepass(w, data));
    }
    this.barWidth = w;
    return b;
  }

  private async prepass(width: number, b: BarData): Promise<void> {
    const { times, start, end } = this.timeline;
    const span = Math.max(1, end - start);
    const per = Math.max(1, this.opts.samplesPerColumn ?? 2);
    let lastEmit = 0;
    for (let c = 0; c < width; c++) {
      if (this.stopped || this.bars.get(width) !== b) return;
      const t0 = start + (c * span) / width;
      const t1 = c === width - 1 ? end + 1 : start + ((c + 1) * span) / width;
      // the ticks in the column's slice, or the state that holds over it
      let i0 = indexAt(times, t0);
      if (times[i0]! < t0 && i0 + 1 < times.length && times[i0 + 1]! < t1) i0++;
      let i1 = indexAt(times, t1 - 1e-6);
      if (i1 < i0) i1 = i0;
      const n = i1 - i0 + 1;
      const picks = n <= per ? Array.from({ length: n }, (_, k) => i0 + k) : Array.from({ length: per }, (_, k) => i0 + Math.round((k * (n - 1)) / Math.max(1, per - 1)));
      if (n > per) b.sampled = true;
      let worst: Level = 'ok';
      for (const idx of picks) {
        let l = this.levels.get(idx);
        if (l === undefined) {
          // a seek reads first; then give the event loop a turn (keys, frames)
          while (this.loading) await this.loading;
          await new Promise<void>((r) => setImmediate(r));
          if (this.stopped) return;
          try {
            l = levelOf(await this.timeline.stateAt(times[idx]!));
          } catch {
            l = 'ok';
          }
          this.levels.set(idx, l);
        }
        if (LEVEL_RANK[l] > LEVEL_RANK[worst]) worst = l;
      }
      b.cols[c] = worst;
      if (c - lastEmit >= 16) {
        lastEmit = c;
        if (this.barWidth === width) this.emit();
      }
    }
    b.done = true;
    if (this.barWidth === width) this.emit();
  }

  /** the time bar and the status line, for the App to draw under its header */
  lines(width: number): StyledLine[] {
    const c = this.linesCache;
    if (c && c.version === this.version && c.width === width) return c.lines;
    const barW = width >= 40 ? width - 18 : width;
    const lines = timeBarLines({
      width,
      barWidth: barW,
      start: this.timeline.start,
      end: this.timeline.end,
      cursor: this.cursor,
      marks: this.timeline.marks,
      bar: this.bar(barW),
      playing: this.playing,
      speed: this.speed,
      loading: !!this.want || (!!this.loading && this.cursor !== this.at),
      notice: this.notice,
      prompt: this.promptText,
      promptError: this.promptError,
      markHere: this.markHere(),
    });
    this.linesCache = { version: this.version, width, lines };
    return lines;
  }
}
