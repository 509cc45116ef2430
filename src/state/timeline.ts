/**
 * A timeline: a stream (state/stream.ts) that can be read at any moment — a recording on disk
 * (sources/record/, `netwatch replay`) or frames kept in memory (tests). Replay's UI and
 * `replay --at … --once` read only this interface.
 */
import type { Hello, StreamState } from './stream.js';

export interface TimelineMark {
  at: number;
  note: string;
  by?: string;
}

export interface Timeline {
  readonly hello: Hello;
  /** the time of the first and the last state it holds (ms since the epoch) */
  readonly start: number;
  readonly end: number;
  /** the time of every state it holds (one per delta or snapshot), ascending */
  readonly times: readonly number[];
  /** the marks made during the recording, in time order */
  readonly marks: readonly TimelineMark[];
  /** the state as it was at time t (the last state at or before t; the first one if t < start) */
  stateAt(t: number): Promise<StreamState>;
  close(): Promise<void>;
}

/** index of the last time ≤ t in ascending `times` (0 when t is before all) */
export function indexAt(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length - 1;
  if (hi < 0 || t < times[0]!) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (times[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
