/**
 * The recording file format (docs/recording.md): a 16-byte file header, then records, each a
 * 20-byte uncompressed header and a payload. Pure: bytes in, numbers out.
 *
 *   file header  "NWREC\0" | u16 format version | u16 stream version | u16 0 | u32 0
 *   record       u32 payload length | f64 time (ms since the epoch) | u8 kind | u8 0 | u16 0 |
 *                u32 FNV-1a of the payload | payload
 *
 * Payloads (format 2): hello = the hello frame's JSON text, uncompressed. snap = brotli of the
 * frame's text: it starts a segment. delta and event = varint n | n bytes: deflateRaw of the
 * frame's text with the segment's text so far (its last 32 KiB: the snapshot and the records
 * after it) as the preset dictionary | when the delta has packed columns (columns.ts): varint m |
 * m bytes: deflateRaw of their `hi` stream | the rest: their raw `lo` bits. A segment reads from its
 * snapshot forward and no record needs a record of another segment.
 * Format 1 (still read): snap = deflateRaw of the text; delta and event = deflateRaw of the text
 * with the previous record's text as the dictionary, no binary section.
 * All numbers little-endian.
 */
import { brotliCompressSync, brotliDecompressSync, constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { Predictor, type Packer, type Unpacker } from './columns.js';

export const FORMAT_VERSION = 2;
export const MAGIC = Buffer.from('NWREC\0', 'latin1');
export const FILE_HEADER = 16;
export const RECORD_HEADER = 20;
/** deflate's window: a dictionary longer than this is of no use */
export const DICT_MAX = 32 * 1024;
/** a periodic full snapshot every this much stream time (netwatch record --snapshot-every) */
export const SNAPSHOT_EVERY_MS = 60_000;

export const KIND = { hello: 1, snap: 2, delta: 3, event: 4 } as const;
export type Kind = (typeof KIND)[keyof typeof KIND];

export class RecordingError extends Error {}

export function fileHeader(streamVersion: number): Buffer {
  const b = Buffer.alloc(FILE_HEADER);
  MAGIC.copy(b, 0);
  b.writeUInt16LE(FORMAT_VERSION, 6);
  b.writeUInt16LE(streamVersion, 8);
  return b;
}

/** the versions of a file header; throws RecordingError on anything that is not one this netwatch reads */
export function readFileHeader(b: Buffer, knownStream: number, name = 'the file'): { format: number; stream: number } {
  if (b.length < FILE_HEADER || !b.subarray(0, MAGIC.length).equals(MAGIC)) throw new RecordingError(`${name} is not a netwatch recording (no NWREC header)`);
  const format = b.readUInt16LE(6);
  const stream = b.readUInt16LE(8);
  if (format > FORMAT_VERSION) throw new RecordingError(`${name}: recording format version ${format} is newer than this netwatch reads (${FORMAT_VERSION}): upgrade netwatch`);
  if (stream > knownStream) throw new RecordingError(`${name}: stream version ${stream} is newer than this netwatch reads (${knownStream}): upgrade netwatch`);
  return { format, stream };
}

/** FNV-1a, 32 bits: tells a torn or zero-filled tail from a record (not a defence against tampering) */
export function checksum(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) {
    h ^= b[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface RecordHead {
  len: number;
  at: number;
  kind: number;
  check: number;
}

export function recordHeader(len: number, at: number, kind: Kind, check: number): Buffer {
  const b = Buffer.alloc(RECORD_HEADER);
  b.writeUInt32LE(len, 0);
  b.writeDoubleLE(at, 4);
  b.writeUInt8(kind, 12);
  b.writeUInt32LE(check, 16);
  return b;
}

export function readRecordHeader(b: Buffer, off = 0): RecordHead {
  return { len: b.readUInt32LE(off), at: b.readDoubleLE(off + 4), kind: b.readUInt8(off + 12), check: b.readUInt32LE(off + 16) };
}

const dictOf = (prev: Buffer | undefined): Buffer | undefined => (prev && prev.length ? (prev.length > DICT_MAX ? prev.subarray(prev.length - DICT_MAX) : prev) : undefined);

export function compress(text: Buffer, prev: Buffer | undefined): Buffer {
  const dictionary = dictOf(prev);
  return deflateRawSync(text, { level: constants.Z_BEST_COMPRESSION, ...(dictionary ? { dictionary } : {}) });
}

export function decompress(payload: Buffer, prev: Buffer | undefined): Buffer {
  const dictionary = dictOf(prev);
  return inflateRawSync(payload, dictionary ? { dictionary } : {});
}

/* ---------- format 2 ---------- */

/**
 * brotli for snapshots: its window (16 MiB) finds what a node's state repeats (a sample's interfaces
 * in its model, its pods' links) farther apart than deflate's 32 KiB. Quality 11 (~1 MB/s, −18 %
 * for one node) while the text is small (up to ~3 nodes: ≤ ~0.3 s of CPU per snapshot), 5
 * (~20 MB/s) above.
 */
const SNAP_SMALL = 256 * 1024;
const snapOptions = (len: number) => ({
  params: { [constants.BROTLI_PARAM_QUALITY]: len <= SNAP_SMALL ? 11 : 5, [constants.BROTLI_PARAM_LGWIN]: 24, [constants.BROTLI_PARAM_SIZE_HINT]: len },
});

function varint(x: number): Buffer {
  const out: number[] = [];
  while (x >= 128) {
    out.push((x % 128) | 128);
    x = Math.floor(x / 128);
  }
  out.push(x);
  return Buffer.from(out);
}

function readVarint(b: Buffer, pos: number): [number, number] {
  let x = 0;
  let mul = 1;
  for (;;) {
    if (pos >= b.length || mul > 2 ** 28) throw new RecordingError('a record cut short');
    const c = b[pos++]!;
    x += (c & 127) * mul;
    if (c < 128) return [x, pos];
    mul *= 128;
  }
}

/** the last DICT_MAX bytes of a segment's text, with `text` after it */
function windowOf(prev: Buffer | undefined, text: Buffer): Buffer {
  if (text.length >= DICT_MAX || !prev) return Buffer.from(text.length > DICT_MAX ? text.subarray(text.length - DICT_MAX) : text);
  const keep = Math.min(prev.length, DICT_MAX - text.length);
  return Buffer.concat([prev.subarray(prev.length - keep), text]);
}

/**
 * The writer's side of a segment (format 2): what the next record is compressed against. encode*
 * changes nothing; commit, once the record is written, moves the segment on (a record that is
 * replaced by a snapshot is never committed).
 */
export class SegmentWriter {
  private window: Buffer | undefined;
  private predictor = new Predictor();

  /** a packer for the next delta's columns (columns.ts encodeColumns) */
  packer(): Packer {
    return this.predictor.packer();
  }

  encodeSnap(text: Buffer): Buffer {
    return brotliCompressSync(text, snapOptions(text.length));
  }

  encode(text: Buffer, pack?: Packer): Buffer {
    const z = deflateRawSync(text, { level: constants.Z_BEST_COMPRESSION, ...(this.window ? { dictionary: this.window } : {}) });
    const parts = [varint(z.length), z];
    if (pack?.count) {
      const { hi, lo } = pack.sections();
      const hz = deflateRawSync(hi, { level: constants.Z_BEST_COMPRESSION });
      parts.push(varint(hz.length), hz, lo);
    }
    return Buffer.concat(parts);
  }

  commit(snap: boolean, text: Buffer, pack?: Packer): void {
    if (snap) {
      this.predictor = new Predictor();
      this.window = windowOf(undefined, text);
      return;
    }
    this.window = windowOf(this.window, text);
    pack?.commit();
  }

  /** a new file: nothing before */
  reset(): void {
    this.window = undefined;
    this.predictor = new Predictor();
  }
}

/** one record read: its text, and for a format-2 delta the unpacker of its packed columns (call end() after applyColumns or decodeColumns) */
export interface ReadRecord {
  text: Buffer;
  unpack?: Unpacker;
}

/** the reader's side of a segment, of either format: records in order from the snapshot */
export class SegmentReader {
  private prev: Buffer | undefined;
  private predictor = new Predictor();
  constructor(readonly format: number) {}

  read(kind: number, payload: Buffer): ReadRecord {
    const snap = kind === KIND.snap;
    if (this.format < 2) {
      const text = decompress(payload, snap ? undefined : this.prev);
      this.prev = text;
      return { text };
    }
    if (snap) {
      const text = brotliDecompressSync(payload);
      this.predictor = new Predictor();
      this.prev = windowOf(undefined, text);
      return { text };
    }
    const [n, at] = readVarint(payload, 0);
    if (at + n > payload.length) throw new RecordingError('a record cut short');
    const text = inflateRawSync(payload.subarray(at, at + n), this.prev ? { dictionary: this.prev } : {});
    this.prev = windowOf(this.prev, text);
    if (at + n === payload.length) return { text, unpack: this.predictor.unpacker(Buffer.alloc(0), Buffer.alloc(0)) };
    const [m, hat] = readVarint(payload, at + n);
    if (hat + m > payload.length) throw new RecordingError('a record cut short');
    const hi = inflateRawSync(payload.subarray(hat, hat + m));
    return { text, unpack: this.predictor.unpacker(hi, payload.subarray(hat + m)) };
  }
}
