/**
 * Continuous traffic summaries for the overview: every `intervalMs` a short, bounded capture
 * (headers only, `seconds` or `count` packets, nothing kept) on each node's primary interface,
 * giving packets/s, SYNs without reply and RSTs per node. One sampling capture per node at a
 * time; it takes one of the node's capture slots, and a node whose slots are full is skipped
 * for that round. Events: 'sample' (TrafficSample).
 */
import { EventEmitter } from 'node:events';
import type { Transport } from '../transport/types.js';
import { CaptureSession } from './session.js';
import { CaptureLimitError } from './limiter.js';

export interface SamplerTarget {
  node: string;
  transport: Transport;
  /** the node's primary interface */
  iface: string;
}

export interface SamplerOptions {
  /** time between samples of a node (default 10 s) */
  intervalMs?: number;
  /** length of one sampling capture (default 1 s) */
  seconds?: number;
  /** packet cap of one sampling capture (default 2000) */
  count?: number;
  /** bytes kept per packet (default 96); 0: whole packets */
  snaplen?: number;
  tcpdump?: string;
  /** a SYN counts as unanswered when older than this at the end of the sample (default 0.5 s) */
  synAge?: number;
  idleSeconds?: number;
  instanceId?: string;
}

export interface TrafficSample {
  node: string;
  iface: string;
  /** wall clock (ms) when the sample ended */
  at: number;
  status: 'ok' | 'skipped' | 'error';
  /** why skipped or failed */
  reason?: string;
  packets: number;
  /** seconds the sample covered */
  seconds: number;
  pps: number;
  synUnanswered: number;
  rsts: number;
  /** the sample hit its packet cap: the rate is at least `pps` */
  capped: boolean;
}

export class SummarySampler extends EventEmitter {
  private targets: SamplerTarget[] = [];
  private readonly busy = new Set<string>();
  private readonly lastRun = new Map<string, number>();
  private readonly latestByNode = new Map<string, TrafficSample>();
  private readonly running = new Set<CaptureSession>();
  private timer: NodeJS.Timeout | null = null;
  private readonly o: Required<Omit<SamplerOptions, 'instanceId' | 'idleSeconds'>> & SamplerOptions;

  constructor(opts: SamplerOptions = {}) {
    super();
    this.o = { intervalMs: 10_000, seconds: 1, count: 2000, snaplen: 96, tcpdump: 'tcpdump', synAge: 0.5, ...opts };
  }

  /** the nodes to sample (replaces the previous list; nodes that left are forgotten) */
  setTargets(targets: readonly SamplerTarget[]): void {
    this.targets = [...targets];
    const names = new Set(targets.map((t) => t.node));
    for (const n of this.latestByNode.keys()) if (!names.has(n)) this.latestByNode.delete(n);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.round(), Math.min(1000, this.o.intervalMs));
    this.round();
  }

  /** stops sampling and ends the captures in flight */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all([...this.running].map((s) => s.stop()));
  }

  latest(): ReadonlyMap<string, TrafficSample> {
    return this.latestByNode;
  }

  private round(): void {
    const now = Date.now();
    for (const t of this.targets) {
      if (this.busy.has(t.node)) continue;
      if (now - (this.lastRun.get(t.node) ?? 0) < this.o.intervalMs) continue;
      if (t.transport.state().kind !== 'ready') continue;
      this.lastRun.set(t.node, now);
      void this.sample(t);
    }
  }

  private async sample(t: SamplerTarget): Promise<void> {
    const base = { node: t.node, iface: t.iface, packets: 0, seconds: 0, pps: 0, synUnanswered: 0, rsts: 0, capped: false };
    const s = new CaptureSession({
      bufferBytes: 0,
      ringSize: 1,
      summaryIntervalMs: 60_000,
      summary: { synAge: this.o.synAge, rateWindow: this.o.seconds + 1 },
      idleSeconds: this.o.idleSeconds,
      instanceId: this.o.instanceId,
      tagKind: 'traffic',
    });
    try {
      s.start(t.transport, { node: t.node, iface: t.iface, seconds: this.o.seconds, count: this.o.count, snaplen: this.o.snaplen, tcpdump: this.o.tcpdump });
    } catch (e) {
      const skipped = e instanceof CaptureLimitError;
      return this.report({ ...base, at: Date.now(), status: skipped ? 'skipped' : 'error', reason: (e as Error).message });
    }
    this.busy.add(t.node);
    this.running.add(s);
    let runningAt = 0;
    s.on('status', (st: { kind: string }) => {
      if (st.kind === 'running') runningAt = Date.now();
    });
    const st = await s.done();
    this.running.delete(s);
    this.busy.delete(t.node);
    const at = Date.now();
    if (st.kind === 'error') return this.report({ ...base, at, status: 'error', reason: st.message });
    const sum = s.summary();
    const capped = st.kind === 'stopped' && st.reason === 'count';
    const span = capped && sum.first !== undefined && sum.last !== undefined ? sum.last - sum.first : (at - (runningAt || at)) / 1000;
    const seconds = Math.max(span, 0.001);
    this.report({ ...base, at, status: 'ok', packets: sum.packets, seconds, pps: sum.packets / seconds, synUnanswered: sum.syn.unanswered, rsts: sum.rsts, capped });
  }

  private report(s: TrafficSample): void {
    if (!this.targets.some((t) => t.node === s.node)) return;
    this.latestByNode.set(s.node, s);
    this.emit('sample', s);
  }
}
