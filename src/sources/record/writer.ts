/**
 * The recorder: a FrameSink on a StreamProducer that appends the stream to a file in the format
 * of format.ts. Every frame is written when it comes (one delta per tick), compressed on its own
 * with the previous record as dictionary, with one write; a periodic full snapshot
 * (producer.snapshot(), taken in the sink so it is the state of the frame it replaces) starts a
 * new segment. A size cap rotates FILE to FILE.1 (the older FILE.1 is replaced) and starts FILE
 * again with a header, the hello and a snapshot. A write error (ENOSPC, EIO, …) stops the
 * recorder: it says so once (onError) and writes nothing more; what was written stays readable.
 */
import { closeSync, fdatasyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Frame, Hello, SnapFrame, StreamProducer, StreamState } from '../../state/stream.js';
import { stripDerived, stripSnapshot } from './derived.js';
import { encodeColumns } from './columns.js';
import { frameText, STREAM_VERSION } from '../../state/stream.js';
import type { Packer } from './columns.js';
import { checksum, fileHeader, FILE_HEADER, KIND, RECORD_HEADER, recordHeader, SegmentWriter, SNAPSHOT_EVERY_MS, type Kind } from './format.js';

export interface RecorderOptions {
  /** bytes; FILE is rotated to FILE.1 before a record would take it past this (0/undefined: no cap) */
  maxSize?: number;
  /** a full snapshot every this much stream time, ms (default SNAPSHOT_EVERY_MS) */
  snapshotEveryMs?: number;
  /** fdatasync after every snapshot (default true) */
  sync?: boolean;
  log?: (m: string) => void;
  /** the recorder stopped on a write error (said once) */
  onError?: (e: Error) => void;
  /**
   * the live state (the store's getState): with it, a node's rates and model are left out of a
   * delta when the reader computes them identically (derived.ts); without it every field is written
   */
  state?: () => StreamState;
  /** the file exists: 'fail' (default) or 'replace' */
  exists?: 'fail' | 'replace';
}

export class Recorder {
  private fd: number | undefined;
  private unsub: (() => void) | undefined;
  private hello: Hello | undefined;
  /** what the next record is compressed against (the segment so far) */
  private readonly codec = new SegmentWriter();
  private segmentAt = -Infinity;
  /** the live state of the last frame (for derived.ts) */
  private prevState: StreamState | undefined;
  /** the last state frame written (a rotation's snapshot must not go back) */
  private size = 0;
  private readonly id = randomUUID();
  /** bytes in the current file */
  get bytes(): number {
    return this.size;
  }
  /** the time of the last state written, ms */
  lastAt: number | undefined;
  records = 0;
  rotations = 0;
  error: Error | undefined;

  constructor(
    readonly path: string,
    private readonly producer: Pick<StreamProducer, 'subscribe' | 'snapshot'>,
    private readonly opts: RecorderOptions = {},
  ) {}

  /** opens FILE (refusing an existing one unless exists: 'replace') and starts recording; throws when FILE cannot be opened */
  start(): void {
    this.fd = openSync(this.path, this.opts.exists === 'replace' ? 'w' : 'wx', 0o600);
    this.size = 0;
    this.unsub = this.producer.subscribe((f, text) => this.onFrame(f, text));
  }

  private onFrame(f: Frame, text: string): void {
    if (this.fd === undefined || this.error) return;
    try {
      if (f.t === 'hello') {
        this.hello = { ...f, meta: { ...(f.meta ?? {}), recording: this.id } };
        this.writeHead();
        return;
      }
      if (f.t === 'snap') return this.writeSnap(f);
      if (f.t === 'delta' && f.at - this.segmentAt >= (this.opts.snapshotEveryMs ?? SNAPSHOT_EVERY_MS)) return this.writeSnap(this.producer.snapshot());
      let body: Buffer;
      const pack = f.t === 'delta' ? this.codec.packer() : undefined;
      if (f.t === 'delta' && this.opts.state && this.prevState) {
        const cur = this.opts.state();
        const { p, d } = stripDerived(f.p, this.prevState, cur);
        this.prevState = cur;
        body = Buffer.from(JSON.stringify({ ...f, p: encodeColumns(p, pack), ...(d ? { d } : {}) }));
      } else if (f.t === 'delta') body = Buffer.from(JSON.stringify({ ...f, p: encodeColumns(f.p, pack) }));
      else body = Buffer.from(text);
      const payload = this.codec.encode(body, pack);
      const cap = this.opts.maxSize ?? 0;
      if (cap > 0 && this.size + RECORD_HEADER + payload.length > cap && this.size > this.headSize) {
        this.rotate();
        if (f.t === 'delta') return this.writeSnap(this.producer.snapshot());
        // an event: after the new file's snapshot, compressed again on that one
        this.writeSnap(this.producer.snapshot());
        return this.append(KIND.event, f.at, body, this.codec.encode(body));
      }
      this.append(f.t === 'delta' ? KIND.delta : KIND.event, f.at, body, payload, pack);
      if (f.t === 'delta') this.lastAt = f.at;
    } catch (e) {
      this.fail(e as Error);
    }
  }

  private headSize = FILE_HEADER;

  private writeHead(): void {
    const hello = Buffer.from(frameText(this.hello!));
    this.write(fileHeader(STREAM_VERSION));
    this.write(Buffer.concat([recordHeader(hello.length, this.hello!.startedAt, KIND.hello, checksum(hello)), hello]));
    this.headSize = this.size;
    this.codec.reset();
  }

  private writeSnap(s: SnapFrame): void {
    if (this.opts.state) this.prevState = this.opts.state();
    const slim = stripSnapshot(s.s);
    const body = Buffer.from(frameText(slim.d ? ({ ...s, s: slim.s, d: slim.d } as SnapFrame) : s));
    const payload = this.codec.encodeSnap(body);
    const cap = this.opts.maxSize ?? 0;
    if (cap > 0 && this.size > this.headSize && this.size + RECORD_HEADER + payload.length > cap) this.rotate();
    if (cap > 0 && this.headSize + RECORD_HEADER + payload.length > cap) this.opts.log?.(`record: one snapshot (${payload.length} bytes) is more than --max-size; each file holds one segment`);
    this.append(KIND.snap, s.at, body, payload);
    this.segmentAt = s.at;
    this.lastAt = s.at;
    if (this.opts.sync !== false) fdatasyncSync(this.fd!);
  }

  private append(kind: Kind, at: number, body: Buffer, payload: Buffer, pack?: Packer): void {
    this.write(Buffer.concat([recordHeader(payload.length, at, kind, checksum(payload)), payload]));
    this.codec.commit(kind === KIND.snap, body, pack);
    this.records++;
  }

  private rotate(): void {
    closeSync(this.fd!);
    this.fd = undefined;
    renameSync(this.path, this.path + '.1');
    this.fd = openSync(this.path, 'wx', 0o600);
    this.size = 0;
    this.rotations++;
    this.opts.log?.(`record: ${this.path} reached --max-size; the older part is now ${this.path}.1`);
    this.writeHead();
  }

  private write(b: Buffer): void {
    let off = 0;
    while (off < b.length) {
      const n = writeSync(this.fd!, b, off, b.length - off);
      off += n;
      this.size += n;
    }
  }

  private fail(e: Error): void {
    this.error = e;
    this.unsub?.();
    this.unsub = undefined;
    this.opts.log?.(`record: writing ${this.path} failed (${e.message}); recording stopped, the file replays up to ${this.lastAt === undefined ? 'its start' : new Date(this.lastAt).toISOString()}`);
    this.opts.onError?.(e);
  }

  /** stops: no more frames; flushes to disk and closes */
  stop(): void {
    this.unsub?.();
    this.unsub = undefined;
    if (this.fd === undefined) return;
    try {
      if (!this.error && this.opts.sync !== false) fdatasyncSync(this.fd);
    } catch {
      /* the error was said, or the disk is gone: closing is all that is left */
    }
    try {
      closeSync(this.fd);
    } catch {
      /* as above */
    }
    this.fd = undefined;
  }
}
