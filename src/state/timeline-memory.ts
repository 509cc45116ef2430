/** A timeline over frames kept in memory (a test's producer, a short buffer): state/timeline.ts. */
import { applyPatch, decodeValue, type Frame, type Hello, type StreamState } from './stream.js';
import { indexAt, type Timeline, type TimelineMark } from './timeline.js';

export function memoryTimeline(frames: readonly Frame[]): Timeline {
  const hello = frames.find((f): f is Hello => f.t === 'hello');
  if (!hello) throw new Error('no hello frame');
  const states: { at: number; state: StreamState }[] = [];
  let cur: StreamState | undefined;
  let seq: number | undefined;
  for (const f of frames) {
    if (f.t === 'snap') {
      cur = decodeValue(f.s) as StreamState;
      seq = f.seq;
    } else if (f.t === 'delta' && cur && seq !== undefined && f.seq === seq + 1) {
      cur = applyPatch(cur, f.p) as StreamState;
      seq = f.seq;
    } else continue;
    // the same moment twice (a snapshot after a delta): the later frame wins
    if (states.length && states[states.length - 1]!.at === f.at) states[states.length - 1] = { at: f.at, state: cur };
    else states.push({ at: f.at, state: cur });
  }
  if (!states.length) throw new Error('no state in the frames');
  const times = states.map((s) => s.at);
  const last = states[states.length - 1]!.state;
  return {
    hello,
    start: times[0]!,
    end: times[times.length - 1]!,
    times,
    marks: last.marks.map((m): TimelineMark => ({ at: m.at, note: m.note, ...(m.by ? { by: m.by } : {}) })),
    stateAt: async (t) => states[indexAt(times, t)]!.state,
    close: async () => {},
  };
}
