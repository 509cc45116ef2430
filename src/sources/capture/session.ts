/**
 * One capture on one node: runs CAPTURE_SH over the node's transport (privileged, tagged),
 * feeds the pcap stream into a CaptureModel, sends heartbeats, enforces the duration, and
 * reports status, packets and throttled summaries.
 *
 * Events: 'status' (CaptureStatus), 'packets' (Packet[] per chunk), 'summary' (CaptureSummary,
 * at most every summaryIntervalMs), 'file' (KeptFile), 'change' (any of these).
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { RemoteProcess, Transport } from '../transport/types.js';
import { CaptureModel, type ModelOptions } from './model.js';
import type { Packet } from './packet.js';
import { CAPTURE_DEFAULTS, CAPTURE_SH, captureArgs, parseStderr, type OwnSsh, type TcpdumpStats } from './script.js';
import { captureOutcome } from './outcome.js';
import { acquireCaptureSlot, MAX_CAPTURES_PER_NODE } from './limiter.js';
import { ownSshMode } from './plan.js';
import { INSTANCE_ID, processTag } from '../remote/tags.js';
import { captureFileName, type KeptFile } from './store.js';
import type { CaptureSummary } from './summary.js';
import { isFinal, type CaptureSnapshot, type CaptureSource, type CaptureStatus, type StopReason } from './source.js';

export interface CaptureSpec {
  /** node name for titles and file names (default: the transport's name) */
  node?: string;
  iface: string;
  /** tcpdump filter expression; '' or absent: everything */
  filter?: string;
  /** bytes kept per packet (tcpdump -s); 0: whole packets; default CAPTURE_DEFAULTS.snaplen */
  snaplen?: number;
  count?: number;
  seconds?: number;
  /** tcpdump program (path or name) on the node */
  tcpdump?: string;
}

export interface SessionOptions extends ModelOptions {
  /** seconds without a heartbeat before the node ends the capture by itself (default 10) */
  idleSeconds?: number;
  heartbeatMs?: number;
  summaryIntervalMs?: number;
  /** directory for keep() without one (default: the current directory) */
  keepDir?: string;
  instanceId?: string;
  maxPerNode?: number;
  /** the process tag kind on the node (default 'capture'; the overview's summaries: 'traffic') */
  tagKind?: 'capture' | 'traffic';
}

/** resolves when a stream has ended or closed, or after `ms` (a dropped channel may never end it) */
function ended(stream: NodeJS.ReadableStream & { readableEnded?: boolean; destroyed?: boolean }, ms = 2000): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(t);
      resolve();
    };
    stream.once('end', done);
    stream.once('close', done);
  });
}

export class CaptureSession extends EventEmitter implements CaptureSource {
  readonly model: CaptureModel;
  node = '';
  iface = '';
  filter = '';
  snaplen: number = CAPTURE_DEFAULTS.snaplen;
  /** the exact filter the node applied (the user's and the own-SSH exclusion), once it said */
  appliedFilter: string | undefined;
  /** netwatch's own SSH connection as the node found and excluded it */
  ownSsh: OwnSsh | undefined;
  count = 0;
  startedAt = 0;
  private st: CaptureStatus = { kind: 'idle' };
  private proc: RemoteProcess | null = null;
  private transport: Transport | null = null;
  private release: (() => void) | null = null;
  private stderr = '';
  private stopReason: StopReason | null = null;
  private timers: NodeJS.Timeout[] = [];
  private lastWall = 0;
  /** wall time the capture started running, and when its first packet came (for the average) */
  private runningWall = 0;
  private firstWall = 0;
  private dirty = false;
  private readonly finished: Promise<CaptureStatus>;
  private finish!: (s: CaptureStatus) => void;
  private tcpdumpStats: TcpdumpStats | null = null;

  constructor(private readonly opts: SessionOptions = {}) {
    super();
    this.model = new CaptureModel(opts);
    this.finished = new Promise((r) => (this.finish = r));
    this.model.store.onChange = (f) => this.emitChange('file', f);
  }

  /**
   * Starts the capture. Throws synchronously on bad values (InvalidNameError), a full node
   * (CaptureLimitError) or a transport that is not ready; everything later arrives as status.
   */
  start(transport: Transport, spec: CaptureSpec): void {
    if (this.st.kind !== 'idle') throw new Error('a CaptureSession runs once');
    const seconds = spec.seconds ?? CAPTURE_DEFAULTS.seconds;
    this.node = spec.node ?? transport.name;
    this.iface = spec.iface;
    this.filter = spec.filter ?? '';
    this.count = spec.count ?? CAPTURE_DEFAULTS.count;
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86400) throw new RangeError(`seconds must be above 0 and at most 86400, not ${seconds}`);
    const idle = this.opts.idleSeconds ?? CAPTURE_DEFAULTS.idleSeconds;
    this.snaplen = spec.snaplen ?? CAPTURE_DEFAULTS.snaplen;
    const args = captureArgs({
      tcpdump: spec.tcpdump ?? CAPTURE_DEFAULTS.tcpdump,
      iface: spec.iface,
      snaplen: this.snaplen,
      count: this.count,
      idleSeconds: idle,
      maxLifeSeconds: Math.ceil(seconds) + 30,
      filter: this.filter,
      ownSsh: ownSshMode(transport),
    });
    const tag = processTag(this.opts.tagKind ?? 'capture', transport, this.opts.instanceId ?? INSTANCE_ID);
    this.release = acquireCaptureSlot(transport, this.title(), this.opts.maxPerNode ?? MAX_CAPTURES_PER_NODE);
    try {
      this.proc = transport.spawn(CAPTURE_SH, args, { privileged: true, tag });
    } catch (e) {
      this.release();
      throw e;
    }
    this.transport = transport;
    this.startedAt = Date.now();
    this.setStatus({ kind: 'validating', since: this.startedAt });
    const proc = this.proc;
    proc.stdout.on('data', (b: Buffer) => this.onData(b, Math.ceil(seconds * 1000)));
    proc.stderr.on('data', (b: Buffer) => {
      // tcpdump says a few lines; a chatty wrapper is cut off at 64 KiB
      if (this.stderr.length < 65536) this.stderr += b.toString('utf8');
      if (this.appliedFilter === undefined) this.learnFilter();
    });
    proc.stdin.on('error', () => {});
    const hb = setInterval(() => this.write('hb\n'), this.opts.heartbeatMs ?? 2000);
    const tick = setInterval(() => this.tick(), this.opts.summaryIntervalMs ?? 250);
    this.timers.push(hb, tick);
    void proc.exit.then(async (e) => {
      // the channel's last data may still be on its way through the stdout/stderr streams
      await Promise.all([ended(proc.stdout), ended(proc.stderr)]);
      this.onExit(e.code);
    });
  }

  /** the node reports the filter it applies (and the SSH connection it excludes) before tcpdump starts */
  private learnFilter(): void {
    const r = parseStderr(this.stderr.slice(0, this.stderr.lastIndexOf('\n') + 1));
    if (r.appliedFilter === undefined) return;
    this.appliedFilter = r.appliedFilter;
    this.ownSsh = r.ownSsh;
    this.emitChange('filter', r.appliedFilter);
  }

  private write(s: string): void {
    const stdin = this.proc?.stdin;
    if (stdin && stdin.writable && !stdin.writableEnded) stdin.write(s);
  }

  private onData(b: Buffer, durationMs: number): void {
    if (isFinal(this.st) && this.st.kind === 'error') return;
    let packets: Packet[];
    try {
      packets = this.model.push(b);
    } catch (e) {
      this.fail('stream', `the capture stream is not pcap: ${(e as Error).message}`);
      return;
    }
    if (this.st.kind === 'validating' && this.model.header) {
      this.setStatus({ kind: 'running', since: Date.now() });
      this.runningWall = Date.now();
      const t = setTimeout(() => void this.stopWith('duration'), durationMs);
      this.timers.push(t);
    }
    if (packets.length) {
      this.lastWall = Date.now();
      this.firstWall ||= this.lastWall;
      this.dirty = true;
      this.emitChange('packets', packets);
    }
  }

  private tick(): void {
    if (!this.dirty && this.st.kind !== 'running') return;
    this.dirty = false;
    this.emitChange('summary', this.summary());
    const f = this.model.store.file();
    if (f) this.emitChange('file', f);
  }

  private fail(cause: 'stream', message: string): void {
    this.setStatus({ kind: 'error', since: Date.now(), cause, message });
    this.proc?.stdin.end('stop\n');
    this.proc?.close();
  }

  private onExit(code: number | null): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.release?.();
    this.release = null;
    const report = parseStderr(this.stderr);
    if (this.appliedFilter === undefined && report.appliedFilter !== undefined) {
      this.appliedFilter = report.appliedFilter;
      this.ownSsh = report.ownSsh;
    }
    if (report.stats.captured !== undefined) this.tcpdumpStats = report.stats;
    this.setStatus(
      captureOutcome({
        report,
        code,
        stopReason: this.stopReason,
        packets: this.model.packets,
        count: this.count,
        connected: this.transport?.state().kind === 'ready',
        node: this.node,
        idleSeconds: this.opts.idleSeconds ?? CAPTURE_DEFAULTS.idleSeconds,
        since: Date.now(),
      }),
    );
    this.emitChange('summary', this.summary());
    void this.model.store.end().then(() => this.finish(this.st));
  }

  private setStatus(s: CaptureStatus): void {
    if (isFinal(this.st)) return;
    this.st = s;
    this.emitChange('status', s);
  }

  private emitChange(event: string, value: unknown): void {
    this.emit(event, value);
    this.emit('change');
  }

  private stopWith(reason: StopReason): Promise<CaptureStatus> {
    if (!this.proc || isFinal(this.st)) return this.finished;
    this.stopReason ??= reason;
    this.proc.stdin.end('stop\n');
    const proc = this.proc;
    const t = setTimeout(() => proc.close(), 5000);
    this.timers.push(t);
    return this.finished;
  }

  /** ends the capture; resolves with the final status once the remote side has exited */
  async stop(): Promise<void> {
    await this.stopWith('user');
  }

  /** resolves with the final status */
  done(): Promise<CaptureStatus> {
    return this.finished;
  }

  status(): CaptureStatus {
    return this.st;
  }

  /** tcpdump's own counters (captured, received by filter, dropped by kernel) after it ended */
  stats(): TcpdumpStats | null {
    return this.tcpdumpStats;
  }

  /** summary with "now" on the node's packet clock (no clock skew between node and jump host) */
  summary(): CaptureSummary {
    const last = this.model.tracker.snapshot().last;
    const ended = this.st.kind === 'stopped' || this.st.kind === 'error' ? this.st.since : Date.now();
    const now = last === undefined ? undefined : last + Math.max(0, ended - this.lastWall) / 1000;
    // the capture's start on the packet clock: the average is over the whole capture, not only
    // since its first packet (2 packets after 25 s quiet are 0.07/s, not 2/s)
    const first = this.model.tracker.snapshot().first;
    const start = first === undefined || !this.runningWall ? undefined : first - Math.max(0, this.firstWall - this.runningWall) / 1000;
    return this.model.summary(now, start);
  }

  title(): string {
    return `${this.node}:${this.iface}${this.filter ? `  ${this.filter}` : ''}`;
  }

  file(): KeptFile | null {
    return this.model.store.file();
  }

  /** `<node>_<iface>_<YYYYmmdd-HHMMSS>.pcap` for the capture's start time */
  fileName(suffix = ''): string {
    return captureFileName(this.node, this.iface, new Date(this.startedAt || Date.now()), suffix);
  }

  /** keeps the capture in `dir` under fileName(); never overwrites (adds -1, -2, ...) */
  async keep(dir = this.opts.keepDir ?? process.cwd()): Promise<KeptFile[]> {
    const existing = this.model.store.file();
    if (existing) return [existing];
    for (let i = 0; ; i++) {
      try {
        return [await this.model.store.keepTo(join(dir, this.fileName(i ? `-${i}` : '')), { exclusive: true })];
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || i >= 99) throw e;
      }
    }
  }

  /** keeps the capture at exactly `target` (overwritten, like tcpdump -w) or into a stream */
  keepTo(target: string | Writable): Promise<KeptFile> {
    return this.model.store.keepTo(target);
  }

  snapshot(maxLines = 500): CaptureSnapshot {
    const recent = this.model.recent();
    const lines = recent.slice(Math.max(0, recent.length - maxLines)).map((packet) => ({ id: String(packet.n), packet }));
    return {
      title: this.title(),
      filter: this.filter,
      appliedFilter: this.appliedFilter,
      ownSsh: this.ownSsh,
      snaplen: this.snaplen,
      status: this.st,
      parts: [
        {
          node: this.node,
          iface: this.iface,
          status: this.st,
          appliedFilter: this.appliedFilter,
          ownSsh: this.ownSsh,
          packets: this.model.packets,
          file: this.file(),
          stats: this.tcpdumpStats,
          droppedFromMemory: this.model.store.buffered().dropped,
        },
      ],
      summary: this.summary(),
      packets: this.model.packets,
      lines,
    };
  }

  subscribe(listener: () => void): () => void {
    this.on('change', listener);
    return () => void this.off('change', listener);
  }
}
