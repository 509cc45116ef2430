/**
 * Bytes from a node as strings, losslessly. Interface names (and cgroup paths, command output)
 * are bytes: usually UTF-8, but any byte but NUL, '/', ':', '%' and blanks (to the kernel's ctype
 * also 0xa0) is legal in a name, invalid UTF-8 included. Lines
 * are decoded as UTF-8 where they are valid UTF-8; every byte that is not part of a valid
 * sequence becomes the lone surrogate U+DC80–U+DCFF ("surrogateescape", as Python does), so two
 * different names never decode to the same string and `nameBytes` gives back the exact bytes
 * (for a command argument such as `tcpdump -i NAME`). Display goes through ui/sanitize, which
 * shows lone surrogates visibly. Pure.
 */
import { isUtf8 } from 'node:buffer';

export function decodeBytes(b: Uint8Array): string {
  if (isUtf8(b)) return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  let out = '';
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    const n = seqLength(b, i);
    if (n === 0) {
      out += String.fromCharCode(0xdc00 + c);
      i++;
      continue;
    }
    out += Buffer.from(b.subarray(i, i + n)).toString('utf8');
    i += n;
  }
  return out;
}

/** length of the valid UTF-8 sequence starting at b[i] (0 when there is none) */
function seqLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  const cont = (j: number, lo = 0x80, hi = 0xbf) => i + j < b.length && b[i + j]! >= lo && b[i + j]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    // no overlongs (E0 80–9F) and no surrogates (ED A0–BF)
    const ok = c === 0xe0 ? cont(1, 0xa0) : c === 0xed ? cont(1, 0x80, 0x9f) : cont(1);
    return ok && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const ok = c === 0xf0 ? cont(1, 0x90) : c === 0xf4 ? cont(1, 0x80, 0x8f) : cont(1);
    return ok && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** the bytes a string from decodeBytes came from */
export function nameBytes(s: string): Buffer {
  const parts: Buffer[] = [];
  let run = '';
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    if (u >= 0xdc80 && u <= 0xdcff && !(i > 0 && isHigh(s.charCodeAt(i - 1)))) {
      if (run) parts.push(Buffer.from(run, 'utf8'));
      run = '';
      parts.push(Buffer.of(u - 0xdc00));
    } else run += s[i];
  }
  if (run) parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

const isHigh = (u: number) => u >= 0xd800 && u <= 0xdbff;

/** Splits a byte stream into decoded lines (without the newline), across chunk boundaries. */
export class ByteLineSplitter {
  private rest: Buffer = Buffer.alloc(0);
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    const buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const last = buf.lastIndexOf(0x0a);
    let start = 0;
    if (last >= 0 && isUtf8(buf.subarray(0, last))) {
      // the usual case: all of it is UTF-8 (a newline byte never sits inside a sequence)
      for (const line of buf.toString('utf8', 0, last).split('\n')) this.onLine(line);
      start = last + 1;
    } else {
      for (;;) {
        const nl = buf.indexOf(0x0a, start);
        if (nl < 0) break;
        this.onLine(decodeBytes(buf.subarray(start, nl)));
        start = nl + 1;
      }
    }
    // a runaway line without newline would grow forever; cut it
    this.rest = buf.length - start > 1 << 20 ? Buffer.alloc(0) : Buffer.from(buf.subarray(start));
  }
}
