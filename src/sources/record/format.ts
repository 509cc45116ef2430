/**
 * The recording file format (docs/recording.md): a 16-byte file header, then records, each a
 * 20-byte uncompressed header and a payload. Pure: bytes in, numbers out.
 *
 *   file header  "NWREC\0" | u16 format version | u16 stream version | u16 0 | u32 0
 *   record       u32 payload length | f64 time (ms since the epoch) | u8 kind | u8 0 | u16 0 |
 *                u32 FNV-1a of the payload | payload
 *
 * Payloads: hello = the hello frame's JSON text, uncompressed. snap = deflateRaw of the frame's
 * text (no dictionary): it starts a segment. delta and event = deflateRaw of the frame's text with
 * the previous record of its segment's text (its last 32 KiB) as the preset dictionary, so a
 * segment reads from its snapshot forward and no record needs a record of another segment.
 * All numbers little-endian.
 */
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';

export const FORMAT_VERSION = 1;
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
