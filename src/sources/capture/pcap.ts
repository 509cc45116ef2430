/**
 * The pcap savefile format as tcpdump writes it to `-w -`, read incrementally: chunks arrive
 * split at arbitrary offsets (SSH channel data), records are handed out as soon as they are
 * complete. Pure: no I/O.
 *
 * Format (https://www.tcpdump.org/manpages/pcap-savefile.5.html): a 24-byte global header
 * (magic, version, thiszone, sigfigs, snaplen, linktype) in the writer's byte order, then
 * records of a 16-byte header (seconds, fraction, captured length, original length) and the
 * captured bytes. Magic 0xa1b2c3d4: fractions are microseconds; 0xa1b23c4d: nanoseconds.
 */

export const PCAP_HEADER_LEN = 24;
export const RECORD_HEADER_LEN = 16;

/** Link types netwatch decodes (LINKTYPE_* numbers as written in savefiles). */
export const LINKTYPE = {
  EN10MB: 1,
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export interface PcapHeader {
  littleEndian: boolean;
  nanoseconds: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  /** lower 16 bits of the link-type field (the upper bits carry FCS information) */
  linktype: number;
  /** the 24 header bytes as received, for writing the same stream to a file */
  raw: Buffer;
}

export interface PcapRecord {
  /** seconds since the epoch, node clock */
  tsSec: number;
  /** fraction of the second in nanoseconds (microsecond files are scaled) */
  tsNsec: number;
  /** bytes present in `data` (at most the snap length) */
  caplen: number;
  /** length of the packet on the wire */
  len: number;
  /** the captured bytes (a view; do not keep it past the next push without copying) */
  data: Buffer;
  /** header + data exactly as received, for writing the same stream to a file */
  raw: Buffer;
}

export class PcapFormatError extends Error {}

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const MAGIC_PCAPNG = 0x0a0d0d0a;
/**
 * Largest captured length a record may claim: libpcap's MAXIMUM_SNAPLEN (262144), which tcpdump
 * never exceeds and libpcap itself refuses past ("invalid packet capture length"). A corrupt
 * header claiming more is refused at once instead of waiting for megabytes that never come.
 */
export const MAX_CAPLEN = 262_144;

export function parsePcapHeader(b: Buffer): PcapHeader {
  if (b.length < PCAP_HEADER_LEN) throw new PcapFormatError('short pcap header');
  const le = b.readUInt32LE(0);
  const be = b.readUInt32BE(0);
  let littleEndian: boolean;
  let nanoseconds: boolean;
  if (le === MAGIC_US || le === MAGIC_NS) {
    littleEndian = true;
    nanoseconds = le === MAGIC_NS;
  } else if (be === MAGIC_US || be === MAGIC_NS) {
    littleEndian = false;
    nanoseconds = be === MAGIC_NS;
  } else if (be === MAGIC_PCAPNG) {
    throw new PcapFormatError('pcapng stream: netwatch reads classic pcap (tcpdump -w writes it)');
  } else {
    throw new PcapFormatError(`not a pcap stream (magic 0x${be.toString(16).padStart(8, '0')})`);
  }
  const u16 = (o: number) => (littleEndian ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number) => (littleEndian ? b.readUInt32LE(o) : b.readUInt32BE(o));
  return {
    littleEndian,
    nanoseconds,
    versionMajor: u16(4),
    versionMinor: u16(6),
    snaplen: u32(16),
    linktype: u32(20) & 0xffff,
    raw: Buffer.from(b.subarray(0, PCAP_HEADER_LEN)),
  };
}

/**
 * Incremental reader. `push(chunk)` returns the records completed by that chunk. A record's
 * `data` and `raw` are views into the chunk (or into a joined buffer when the record spans
 * chunks); a view keeps its chunk alive, so keeping records keeps about their own bytes.
 */
export class PcapStreamParser {
  header: PcapHeader | null = null;
  /** bytes received, including the ones still waiting for the rest of their record */
  bytesIn = 0;
  /**
   * Chunks of an incomplete header or record, joined only once enough bytes are there: joining
   * on every chunk would copy a large record once per chunk (quadratic in its chunks).
   */
  private pending: Buffer[] = [];
  private pendingLen = 0;
  /** bytes the incomplete unit at the head of `pending` needs before it can be parsed */
  private need = PCAP_HEADER_LEN;

  push(chunk: Buffer): PcapRecord[] {
    this.bytesIn += chunk.length;
    if (this.pendingLen + chunk.length < this.need) {
      this.pending.push(chunk);
      this.pendingLen += chunk.length;
      return [];
    }
    const buf = this.pending.length ? Buffer.concat([...this.pending, chunk]) : chunk;
    this.pending = [];
    this.pendingLen = 0;
    let off = 0;
    if (!this.header) {
      this.header = parsePcapHeader(buf);
      off = PCAP_HEADER_LEN;
    }
    const h = this.header;
    const out: PcapRecord[] = [];
    this.need = RECORD_HEADER_LEN;
    while (buf.length - off >= RECORD_HEADER_LEN) {
      const u32 = (o: number) => (h.littleEndian ? buf.readUInt32LE(off + o) : buf.readUInt32BE(off + o));
      const caplen = u32(8);
      if (caplen > MAX_CAPLEN) throw new PcapFormatError(`record claims ${caplen} captured bytes (more than ${MAX_CAPLEN}): corrupt stream`);
      const end = off + RECORD_HEADER_LEN + caplen;
      if (end > buf.length) {
        this.need = RECORD_HEADER_LEN + caplen;
        break;
      }
      const frac = u32(4);
      out.push({
        tsSec: u32(0),
        tsNsec: h.nanoseconds ? frac : frac * 1000,
        caplen,
        len: u32(12),
        data: buf.subarray(off + RECORD_HEADER_LEN, end),
        raw: buf.subarray(off, end),
      });
      off = end;
    }
    if (off < buf.length) {
      // keep only the tail; copy it so a large chunk is not kept alive by a few bytes
      const tail = Buffer.from(buf.subarray(off));
      this.pending = [tail];
      this.pendingLen = tail.length;
    }
    return out;
  }

  /** bytes of an incomplete record at the end of the stream so far */
  pendingBytes(): number {
    return this.pendingLen;
  }
}
