/**
 * A CaptureSource for the view tests: the real CaptureModel fed a fixture pcap step by step,
 * with the status set by the test. (The live sources, CaptureSession and FanOut, are tested on
 * real captures in session.test.ts and commands.test.ts.)
 */
import { EventEmitter } from 'node:events';
import { CaptureModel } from '../../src/sources/capture/model.js';
import type { CaptureSnapshot, CaptureSource, CaptureStatus } from '../../src/sources/capture/source.js';
import type { KeptFile } from '../../src/sources/capture/store.js';
import { join } from 'node:path';
import { fixture } from './fixtures.js';

export class ReplaySource extends EventEmitter implements CaptureSource {
  readonly model = new CaptureModel();
  status: CaptureStatus = { kind: 'running', since: Date.now() };
  stops = 0;
  /** what the node would report as the filter tcpdump runs with */
  appliedFilter: string | undefined;
  private readonly bytes: Buffer;
  private records: number[] = [];
  private fed = 0;

  constructor(
    name: string,
    readonly title = `node-a:eth0`,
  ) {
    super();
    this.bytes = fixture(name);
    // record boundaries, so tests can feed whole packets
    let off = 24;
    while (off + 16 <= this.bytes.length) {
      off += 16 + this.bytes.readUInt32LE(off + 8);
      this.records.push(off);
    }
    this.model.push(this.bytes.subarray(0, 24));
    this.fed = 24;
  }

  /** feeds the next n packets (all when n is absent) */
  feed(n = this.records.length): void {
    const done = this.model.packets;
    const end = this.records[Math.min(this.records.length, done + n) - 1] ?? this.fed;
    this.model.push(this.bytes.subarray(this.fed, end));
    this.fed = end;
    this.emit('change');
  }

  setStatus(s: CaptureStatus): void {
    this.status = s;
    this.emit('change');
  }

  snapshot(maxLines = 500): CaptureSnapshot {
    const recent = this.model.recent();
    return {
      title: this.title,
      filter: '',
      appliedFilter: this.appliedFilter,
      status: this.status,
      parts: [{ node: 'node-a', iface: 'eth0', status: this.status, packets: this.model.packets, file: this.model.store.file(), stats: null, droppedFromMemory: 0 }],
      summary: this.model.summary(),
      packets: this.model.packets,
      lines: recent.slice(Math.max(0, recent.length - maxLines)).map((packet) => ({ id: String(packet.n), packet })),
    };
  }

  subscribe(listener: () => void): () => void {
    this.on('change', listener);
    return () => void this.off('change', listener);
  }

  async keep(dir = '.'): Promise<KeptFile[]> {
    const f = await this.model.store.keepTo(join(dir, 'node-a_eth0_replay.pcap'));
    this.emit('change');
    return [f];
  }

  async stop(): Promise<void> {
    this.stops++;
    this.setStatus({ kind: 'stopped', since: Date.now(), reason: 'user' });
  }
}
