/**
 * The stream: netwatch's state as a sequence of frames, the one thing the UI can be fed from
 * besides the live store. Three producers write it (the live monitor through a StreamProducer,
 * a recording file, a shared session's socket); one consumer reads it (a replica store the UI
 * reads like the live one). Pure apart from the producer's subscription and timer.
 *
 * A frame is one JSON text (one line: no raw newline survives JSON.stringify):
 *   {"t":"hello","v":1,...}   first frame of every stream: version, producer, interval
 *   {"t":"snap","at":…,"seq":…,"s":STATE}   the whole state (encodeValue)
 *   {"t":"delta","at":…,"seq":…,"p":PATCH}  the change since the frame before (diff)
 *   {"t":"event","at":…,"kind":…,"data":…}  what is not state: a capture's summary, a request's answer
 * A delta applies only to the state of the frame before it (seq - 1); a consumer that missed one
 * (a viewer that dropped frames) waits for the next snap.
 *
 * Values and patches (their JSON forms, diff, applyPatch): patch.ts.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AppState } from './types.js';
import { applyPatch, decodeValue, deltaText, diffWithShared, encodeValue, isPlain, setKey, StreamError, type Patch } from './patch.js';

export { applyPatch, decodeParsed, decodeValue, diff, encodeValue, StreamError, type KeyedItem, type Patch } from './patch.js';

/** 2: keyed array patches (`i`); a v2 reader reads v1 streams */
export const STREAM_VERSION = 2;

export type Producer = 'live' | 'recording' | 'share';

export interface Hello {
  t: 'hello';
  v: number;
  producer: Producer;
  /** when the producing session started (ms since the epoch) */
  startedAt: number;
  /** the sampling interval, seconds */
  interval: number;
  /** free-form, e.g. the command line, the host */
  meta?: Record<string, string>;
}
export interface SnapFrame {
  t: 'snap';
  at: number;
  seq: number;
  s: unknown;
}
export interface DeltaFrame {
  t: 'delta';
  at: number;
  seq: number;
  p: Patch;
}
export interface EventFrame {
  t: 'event';
  at: number;
  kind: string;
  data: unknown;
}
export type Frame = Hello | SnapFrame | DeltaFrame | EventFrame;


/** the state a stream carries: AppState without the store's actions */
export type StreamState = AppState;


/* ---------- frames ---------- */

/** the data of a store's state: its actions left out */
export function dataOf(st: AppState): StreamState {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(st)) if (typeof v !== 'function') setKey(out, k, v);
  return out as unknown as StreamState;
}

export const frameText = (f: Frame): string => JSON.stringify(f);

/** one frame from its text; throws StreamError on anything that is not one */
export function parseFrame(text: string): Frame {
  let f: unknown;
  try {
    f = JSON.parse(text);
  } catch {
    throw new StreamError('not a frame (bad JSON)');
  }
  if (!isPlain(f) || typeof f.t !== 'string') throw new StreamError('not a frame');
  if (f.t === 'hello') {
    if (typeof f.v !== 'number') throw new StreamError('hello without a version');
    if (f.v > STREAM_VERSION) throw new StreamError(`stream version ${f.v} is newer than this netwatch reads (${STREAM_VERSION}): upgrade netwatch`);
  } else if (f.t === 'snap' || f.t === 'delta') {
    if (typeof f.at !== 'number' || typeof f.seq !== 'number') throw new StreamError(`${f.t} frame without at/seq`);
  } else if (f.t === 'event') {
    if (typeof f.at !== 'number' || typeof f.kind !== 'string') throw new StreamError('event frame without at/kind');
  } else throw new StreamError(`unknown frame type ${JSON.stringify(f.t).slice(0, 40)}`);
  return f as unknown as Frame;
}

/* ---------- the producer: a live store → frames ---------- */

export interface ProducerOptions {
  producer?: Producer;
  /** frames are coalesced: at most one delta per this many ms (default 50) */
  coalesceMs?: number;
  now?: () => number;
  meta?: Record<string, string>;
}

/**
 * A frame to a sink: the frame, its text, and its line (text + newline as UTF-8), made once for
 * every sink that asks (a share server writes the same Buffer to every viewer).
 */
export type FrameSink = (frame: Frame, text: string, line: () => Buffer) => void;

const lineOf = (text: string): (() => Buffer) => {
  let b: Buffer | undefined;
  return () => (b ??= Buffer.from(text + '\n', 'utf8'));
};

/**
 * Watches a store and turns its updates into frames: one diff per coalesced update, whatever the
 * number of sinks (a recorder, a share server: with --record and --share both, one producer);
 * each frame is serialized once. The diff is a walk of what changed (shared structure skipped),
 * a pair met twice is diffed once, and the text writes such a patch once.
 */
export class StreamProducer {
  private last: StreamState;
  private seq = 0;
  private lastAt: number;
  private sinks = new Set<FrameSink>();
  private timer: NodeJS.Timeout | undefined;
  private unsub: () => void;
  private readonly now: () => number;
  /** the snapshot of the last frame, made once for however many ask (viewers attaching, resyncing) */
  private snap: { seq: number; frame: SnapFrame; text: string; line: () => Buffer } | undefined;
  readonly hello: Hello;

  constructor(
    private readonly store: Pick<StoreApi<AppState>, 'getState' | 'subscribe'>,
    private readonly opts: ProducerOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    const st = store.getState();
    this.last = dataOf(st);
    this.lastAt = this.now();
    this.hello = { t: 'hello', v: STREAM_VERSION, producer: opts.producer ?? 'live', startedAt: st.startedAt, interval: st.interval, ...(opts.meta ? { meta: opts.meta } : {}) };
    this.unsub = store.subscribe(() => this.schedule());
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.opts.coalesceMs ?? 50);
  }

  /** emits the delta since the last frame now (if anything changed) */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const next = dataOf(this.store.getState());
    const { patch: p, shared } = diffWithShared(this.last, next);
    if (p === undefined) return;
    this.last = next;
    this.lastAt = this.now();
    const f: DeltaFrame = { t: 'delta', at: this.lastAt, seq: ++this.seq, p };
    if (!this.sinks.size) return;
    const text = deltaText(f, shared);
    const line = lineOf(text);
    for (const s of this.sinks) s(f, text, line);
  }

  /** the whole state as of the last frame (a new viewer, a recording's periodic snapshot) */
  snapshot(): SnapFrame {
    return this.snapshotFrame().frame;
  }

  /** the snapshot with its text and line, made once per seq */
  snapshotFrame(): { frame: SnapFrame; text: string; line: () => Buffer } {
    if (this.snap?.seq !== this.seq) {
      const frame: SnapFrame = { t: 'snap', at: this.lastAt, seq: this.seq, s: encodeValue(this.last) };
      const text = frameText(frame);
      this.snap = { seq: this.seq, frame, text, line: lineOf(text) };
    }
    return this.snap;
  }

  /** a frame that is not state (a capture's summary, …): to every sink, in order with the deltas */
  event(kind: string, data: unknown): void {
    this.flush();
    if (!this.sinks.size) return;
    const f: EventFrame = { t: 'event', at: this.now(), kind, data: encodeValue(data) };
    const text = frameText(f);
    const line = lineOf(text);
    for (const s of this.sinks) s(f, text, line);
  }

  /**
   * Frames from now on; the sink gets hello (its own, when given: a share server's on a recorder's
   * producer) and a snapshot first. Returns the unsubscribe.
   */
  subscribe(sink: FrameSink, opts: { hello?: Hello } = {}): () => void {
    this.flush();
    const hello = opts.hello ?? this.hello;
    const ht = frameText(hello);
    sink(hello, ht, lineOf(ht));
    const snap = this.snapshotFrame();
    sink(snap.frame, snap.text, snap.line);
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  get sinkCount(): number {
    return this.sinks.size;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.unsub();
    this.sinks.clear();
  }
}

/* ---------- the consumer: frames → a store the UI reads ---------- */

export interface Replica {
  store: StoreApi<StreamState>;
  /** applies one frame; returns false when a delta could not apply (a gap: wait for a snap) */
  apply(f: Frame): boolean;
  /** the time of the state shown (the last snap/delta applied), ms since the epoch */
  at(): number | undefined;
  hello(): Hello | undefined;
  /** waiting for a snap after a gap (or before the first one) */
  waiting(): boolean;
}

const EMPTY: StreamState = {
  order: [],
  nodes: {},
  interval: 1,
  kube: { kind: 'off' },
  ticks: 0,
  startedAt: 0,
  readonly: true,
  differences: [],
  marks: [],
};

export function createReplica(opts: { readonly?: boolean } = {}): Replica {
  const store = createStore<StreamState>()(() => EMPTY);
  let seq: number | undefined;
  let at: number | undefined;
  let hello: Hello | undefined;
  const fix = (s: StreamState): StreamState => (opts.readonly && !s.readonly ? { ...s, readonly: true } : s);
  return {
    store,
    apply(f) {
      if (f.t === 'hello') {
        hello = f;
        return true;
      }
      if (f.t === 'event') return true;
      if (f.t === 'snap') {
        store.setState(fix(decodeValue(f.s) as StreamState), true);
        seq = f.seq;
        at = f.at;
        return true;
      }
      if (seq === undefined || f.seq !== seq + 1) {
        seq = undefined;
        return false;
      }
      store.setState(fix(applyPatch(store.getState(), f.p) as StreamState), true);
      seq = f.seq;
      at = f.at;
      return true;
    },
    at: () => at,
    hello: () => hello,
    waiting: () => seq === undefined,
  };
}
