/**
 * The capture's pcap bytes on the jump host: held in memory (up to a cap) until the user keeps
 * the capture, then written to a file that starts with the pcap header and holds every packet
 * since the capture started, and from then on streamed as packets arrive.
 *
 * Past the memory cap the oldest packets are let go (the file then starts later; `skipped`
 * says how many), so the file stays a valid pcap whatever happens.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

export interface KeptFile {
  /** file path, or '-' for a stream */
  path: string;
  /** bytes handed to the file so far, header included */
  bytes: number;
  packets: number;
  /** packets captured before the file's first packet that the memory cap had let go */
  skipped: number;
  /** everything written and the file closed */
  closed: boolean;
  error?: string;
}

export class PcapStore {
  private header: Buffer | null = null;
  private records: Buffer[] = [];
  private head = 0;
  private bufferedBytes = 0;
  private dropped = 0;
  private out: Writable | null = null;
  /** a file we opened (closed at the end), not a stream we were given */
  private ownsOut = false;
  private info: KeptFile | null = null;
  private ended = false;
  private closing: Promise<void> | null = null;
  /** called when the kept file's size or state changes */
  onChange: (f: KeptFile) => void = () => {};

  /** capBytes: memory for packets before keep(); 0 keeps nothing (keep() is refused) */
  constructor(readonly capBytes: number) {}

  setHeader(raw: Buffer): void {
    this.header = Buffer.from(raw);
    if (this.out) this.write(this.header, 0);
  }

  add(raw: Buffer): void {
    if (this.out) return this.write(raw, 1);
    if (this.capBytes <= 0) return;
    this.records.push(raw);
    this.bufferedBytes += raw.length;
    while (this.bufferedBytes > this.capBytes && this.head < this.records.length) {
      this.bufferedBytes -= this.records[this.head]!.length;
      this.records[this.head++] = EMPTY;
      this.dropped++;
    }
    if (this.head > 4096 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }

  /** packets and bytes waiting in memory, and how many the cap let go */
  buffered(): { packets: number; bytes: number; dropped: number } {
    return { packets: this.records.length - this.head, bytes: this.bufferedBytes, dropped: this.dropped };
  }

  file(): KeptFile | null {
    return this.info ? { ...this.info } : null;
  }

  /**
   * Starts the file: `target` is a path (created; `exclusive` refuses an existing file) or a
   * stream (not closed at the end). Resolves once the file is open and the buffer is written.
   */
  async keepTo(target: string | Writable, opts: { exclusive?: boolean } = {}): Promise<KeptFile> {
    if (this.info) throw new Error(`already kept as ${this.info.path}`);
    if (this.capBytes <= 0) throw new Error('this capture keeps no packets');
    let out: Writable;
    if (typeof target === 'string') {
      const ws = createWriteStream(target, { flags: opts.exclusive ? 'wx' : 'w' });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      out = ws;
    } else {
      out = target;
    }
    this.info = { path: typeof target === 'string' ? target : '-', bytes: 0, packets: 0, skipped: this.dropped, closed: false };
    out.on('error', (e: Error) => this.fail(e));
    this.out = out;
    this.ownsOut = typeof target === 'string';
    if (this.header) this.write(this.header, 0);
    for (let i = this.head; i < this.records.length; i++) this.write(this.records[i]!, 1);
    this.records = [];
    this.head = 0;
    this.bufferedBytes = 0;
    if (this.ended) await this.end();
    return this.file()!;
  }

  private write(b: Buffer, packets: number): void {
    if (!this.info || this.info.error) return;
    this.out!.write(b);
    this.info.bytes += b.length;
    this.info.packets += packets;
  }

  private fail(e: Error): void {
    if (!this.info || this.info.error) return;
    this.info.error = e.message;
    this.onChange(this.file()!);
  }

  /** no more packets: flushes and closes the file if there is one */
  end(): Promise<void> {
    this.ended = true;
    if (!this.out || !this.info) return Promise.resolve();
    this.closing ??= new Promise<void>((resolve) => {
      const done = () => {
        if (this.info) this.info.closed = true;
        this.onChange(this.file()!);
        resolve();
      };
      if (this.ownsOut) {
        this.out!.once('close', done);
        this.out!.once('error', done);
        this.out!.end();
      } else {
        done();
      }
    });
    return this.closing;
  }
}

const EMPTY = Buffer.alloc(0);

/** `<node>_<iface>_<YYYYmmdd-HHMMSS><suffix>.pcap` in local time; unsafe characters become '_' */
export function captureFileName(node: string, iface: string, d: Date, suffix = ''): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${safe(node)}_${safe(iface)}_${stamp}${suffix}.pcap`;
}
