/**
 * The same capture on several nodes at once (pairing during an outage): one CaptureSession per
 * (transport, interface), one pcap file per node, one combined summary and packet list.
 * A node that cannot start (full, bad name, not connected) shows as an error in its part; the
 * others run.
 */
import { EventEmitter } from 'node:events';
import type { Transport } from '../transport/types.js';
import { CaptureSession, type CaptureSpec, type SessionOptions } from './session.js';
import type { KeptFile } from './store.js';
import { top, type CaptureSummary } from './summary.js';
import type { CapturePart, CaptureSnapshot, CaptureSource, CaptureStatus, PacketLine } from './source.js';

export interface FanOutTarget {
  transport: Transport;
  iface: string;
  /** default: the transport's name */
  node?: string;
}

interface Part {
  node: string;
  iface: string;
  session: CaptureSession | null;
  /** set when the session could not start */
  error?: CaptureStatus;
}

export class FanOut extends EventEmitter implements CaptureSource {
  private parts: Part[] = [];
  filter = '';
  snaplen: number | undefined;

  constructor(private readonly opts: SessionOptions = {}) {
    super();
  }

  start(targets: readonly FanOutTarget[], spec: Omit<CaptureSpec, 'iface' | 'node'>): void {
    this.filter = spec.filter ?? '';
    this.snaplen = spec.snaplen;
    for (const t of targets) {
      const node = t.node ?? t.transport.name;
      const session = new CaptureSession(this.opts);
      try {
        session.start(t.transport, { ...spec, node, iface: t.iface });
        session.on('change', () => this.emit('change'));
        this.parts.push({ node, iface: t.iface, session });
      } catch (e) {
        const error: CaptureStatus = { kind: 'error', since: Date.now(), cause: 'start', message: (e as Error).message };
        this.parts.push({ node, iface: t.iface, session: null, error });
      }
    }
    this.emit('change');
  }

  sessions(): CaptureSession[] {
    return this.parts.flatMap((p) => (p.session ? [p.session] : []));
  }

  status(): CaptureStatus {
    return combinedStatus(this.parts.map((p) => p.session?.status() ?? p.error!));
  }

  summary(): CaptureSummary {
    return mergeSummaries(this.parts.flatMap((p) => (p.session ? [{ node: p.node, summary: p.session.summary() }] : [])));
  }

  snapshot(maxLines = 500): CaptureSnapshot {
    const lines: PacketLine[] = [];
    for (const p of this.parts) {
      if (!p.session) continue;
      const recent = p.session.model.recent();
      for (const packet of recent.slice(Math.max(0, recent.length - maxLines))) {
        lines.push({ id: `${p.node}#${packet.n}`, node: p.node, packet });
      }
    }
    lines.sort((a, b) => a.packet.ts - b.packet.ts);
    const parts: CapturePart[] = this.parts.map((p) =>
      p.session
        ? p.session.snapshot(0).parts[0]!
        : { node: p.node, iface: p.iface, status: p.error!, packets: 0, file: null, stats: null, droppedFromMemory: 0 },
    );
    return {
      title: `${this.parts.length} nodes${this.filter ? `  ${this.filter}` : ''}`,
      filter: this.filter,
      snaplen: this.sessions()[0]?.snaplen ?? this.snaplen,
      status: this.status(),
      parts,
      summary: this.summary(),
      packets: parts.reduce((a, p) => a + p.packets, 0),
      lines: lines.slice(Math.max(0, lines.length - maxLines)),
    };
  }

  subscribe(listener: () => void): () => void {
    this.on('change', listener);
    return () => void this.off('change', listener);
  }

  /** one file per node in `dir` */
  async keep(dir?: string): Promise<KeptFile[]> {
    const files = await Promise.all(this.sessions().map((s) => s.keep(dir)));
    return files.flat();
  }

  async stop(): Promise<void> {
    await Promise.all(this.sessions().map((s) => s.stop()));
  }

  /** resolves when every part has ended */
  async done(): Promise<CaptureStatus> {
    await Promise.all(this.sessions().map((s) => s.done()));
    return this.status();
  }
}

/** running if any part runs; validating if any validates; else the first stop, else an error */
export function combinedStatus(all: CaptureStatus[]): CaptureStatus {
  const kinds = ['running', 'validating', 'stopped', 'error', 'idle'] as const;
  for (const k of kinds) {
    const hit = all.find((s) => s.kind === k);
    if (hit) {
      if (hit.kind !== 'error' || all.length === 1) return hit;
      const msgs = all.map((s) => (s.kind === 'error' ? s.message : '')).filter(Boolean);
      return { ...hit, message: msgs.join('; ') };
    }
  }
  return { kind: 'idle' };
}

/** One summary over several nodes: counts add up, lists are merged and tagged with the node. */
export function mergeSummaries(parts: readonly { node: string; summary: CaptureSummary }[]): CaptureSummary {
  const n = Math.max(10, ...parts.map((p) => p.summary.talkers.length));
  const sum = (f: (s: CaptureSummary) => number) => parts.reduce((a, p) => a + f(p.summary), 0);
  const firsts = parts.map((p) => p.summary.first).filter((x): x is number => x !== undefined);
  const lasts = parts.map((p) => p.summary.last).filter((x): x is number => x !== undefined);
  const protos = new Map<string, CaptureSummary['protos'][number]>();
  const talkers = new Map<string, CaptureSummary['talkers'][number]>();
  for (const { node, summary } of parts) {
    for (const p of summary.protos) {
      const cur = protos.get(p.proto) ?? { proto: p.proto, packets: 0, bytes: 0, pps: 0 };
      protos.set(p.proto, { ...cur, packets: cur.packets + p.packets, bytes: cur.bytes + p.bytes, pps: cur.pps + p.pps });
    }
    for (const t of summary.talkers) {
      const cur = talkers.get(t.key) ?? { ...t, packets: 0, bytes: 0, nodes: [] };
      talkers.set(t.key, { ...cur, packets: cur.packets + t.packets, bytes: cur.bytes + t.bytes, nodes: [...(cur.nodes ?? []), node] });
    }
  }
  const tagged = <T>(f: (s: CaptureSummary) => T[]) => parts.flatMap(({ node, summary }) => f(summary).map((x) => ({ ...x, node })));
  return {
    packets: sum((s) => s.packets),
    bytes: sum((s) => s.bytes),
    first: firsts.length ? Math.min(...firsts) : undefined,
    last: lasts.length ? Math.max(...lasts) : undefined,
    pps: sum((s) => s.pps),
    avgPps: sum((s) => s.avgPps),
    protos: [...protos.values()],
    talkers: top([...talkers.values()], (t) => t.packets, n),
    syn: {
      started: sum((s) => s.syn.started),
      answered: sum((s) => s.syn.answered),
      refused: sum((s) => s.syn.refused),
      icmp: sum((s) => s.syn.icmp),
      unanswered: sum((s) => s.syn.unanswered),
      pending: sum((s) => s.syn.pending),
      retransmits: sum((s) => s.syn.retransmits),
      recentUnanswered: top(tagged((s) => s.syn.recentUnanswered), (x) => x.first, n),
    },
    rsts: sum((s) => s.rsts),
    rstSenders: top(tagged((s) => s.rstSenders), (x) => x.count, n),
    icmp: {
      unreachable: sum((s) => s.icmp.unreachable),
      fragNeeded: sum((s) => s.icmp.fragNeeded),
      packetTooBig: sum((s) => s.icmp.packetTooBig),
      timeExceeded: sum((s) => s.icmp.timeExceeded),
    },
    icmpEvents: top(tagged((s) => s.icmpEvents), (x) => x.count, n),
    retransmits: sum((s) => s.retransmits),
    retransmitFlows: top(tagged((s) => s.retransmitFlows), (x) => x.count, n),
    truncated: sum((s) => s.truncated),
  };
}
