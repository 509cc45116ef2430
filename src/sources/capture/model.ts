/**
 * One capture's data, fed with the pcap byte stream as it arrives: parser > decoder > recent
 * packets (a bounded ring), running summary, pcap store. No transport, no timers: a
 * CaptureSession feeds it from a node; tests and benchmarks feed it fixture bytes.
 */
import { PcapStreamParser, type PcapHeader } from './pcap.js';
import { decodePacket } from './decode.js';
import type { Packet } from './packet.js';
import { SummaryTracker, type CaptureSummary, type SummaryOptions } from './summary.js';
import { PcapStore } from './store.js';

export interface ModelOptions {
  /** recent packets kept for display (default 2000) */
  ringSize?: number;
  /** memory for the pcap before it is kept (default 64 MiB; 0: keep nothing) */
  bufferBytes?: number;
  summary?: SummaryOptions;
}

export class PacketRing {
  private readonly buf: (Packet | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.buf = new Array<Packet | undefined>(Math.max(1, capacity));
  }

  push(p: Packet): void {
    this.buf[this.next] = p;
    this.next = (this.next + 1) % this.buf.length;
    if (this.size < this.buf.length) this.size++;
  }

  get length(): number {
    return this.size;
  }

  /** oldest first */
  toArray(): Packet[] {
    const out: Packet[] = [];
    const start = (this.next - this.size + this.buf.length) % this.buf.length;
    for (let i = 0; i < this.size; i++) out.push(this.buf[(start + i) % this.buf.length]!);
    return out;
  }
}

export class CaptureModel {
  readonly parser = new PcapStreamParser();
  readonly ring: PacketRing;
  readonly tracker: SummaryTracker;
  readonly store: PcapStore;
  private count = 0;

  constructor(opts: ModelOptions = {}) {
    this.ring = new PacketRing(opts.ringSize ?? 2000);
    this.tracker = new SummaryTracker(opts.summary);
    this.store = new PcapStore(opts.bufferBytes ?? 64 * 1024 * 1024);
  }

  get header(): PcapHeader | null {
    return this.parser.header;
  }

  /** packets decoded so far */
  get packets(): number {
    return this.count;
  }

  /** feeds stream bytes; returns the packets they completed. Throws PcapFormatError on garbage. */
  push(chunk: Buffer): Packet[] {
    const hadHeader = this.parser.header !== null;
    const records = this.parser.push(chunk);
    const h = this.parser.header;
    if (!h) return [];
    if (!hadHeader) this.store.setHeader(h.raw);
    const out: Packet[] = [];
    for (const r of records) {
      const p = decodePacket(h.linktype, r, this.count++);
      this.ring.push(p);
      this.tracker.add(p);
      this.store.add(r.raw);
      out.push(p);
    }
    return out;
  }

  /** `start`: when the capture started, on the packets' clock (default: its first packet) */
  summary(now?: number, start?: number): CaptureSummary {
    return this.tracker.snapshot(now, start);
  }

  recent(): Packet[] {
    return this.ring.toArray();
  }
}
