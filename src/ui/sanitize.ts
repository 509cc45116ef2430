/**
 * Strings from outside (a node's interface names and process arguments, the API's object names,
 * tcpdump's and the kernel's text) made safe to print: nothing in them can move the cursor, set
 * the title, clear the screen or reorder the line. Every control or invisible-reordering code
 * point is shown as an escape the reader can see and report:
 *   C0 controls and DEL          \x1b  \x07  \x7f   (tab too: it would break column widths)
 *   C1 controls (U+0080–U+009F)  \x9b  (a CSI on terminals that take 8-bit controls)
 *   bidi embeddings, overrides, isolates and marks, line/paragraph separators   \u202e  \u2028
 *   every other format character (Cf: zero-width space and joiners, soft hyphen, BOM, tags):
 *   invisible, so two names that differ only by one would look the same   \u200b  \u{e0041}
 *   lone surrogates (not text)   \ud800; U+DC80–U+DCFF, a raw byte kept by parsers/bytes.ts, as \xNN
 * Printable text, including non-ASCII letters and U+FFFD from invalid UTF-8, is left alone;
 * `visibleUtf8` decodes bytes with each invalid byte shown as \xNN instead of U+FFFD. Pure.
 */

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|\p{Cf}|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/gu;

function escapeOne(ch: string): string {
  const c = ch.codePointAt(0)!;
  // a byte that was not UTF-8, as parsers/bytes.ts keeps it (surrogateescape): shown as the byte
  if (c >= 0xdc80 && c <= 0xdcff) return `\\x${(c - 0xdc00).toString(16)}`;
  if (c <= 0xff) return `\\x${c.toString(16).padStart(2, '0')}`;
  return c <= 0xffff ? `\\u${c.toString(16).padStart(4, '0')}` : `\\u{${c.toString(16)}}`;
}

/**
 * Common printable text: nothing to look at (most names, every line netwatch writes itself, with
 * its box, block, braille and arrow glyphs). These ranges hold no control, format (Cf) or bidi
 * code point; anything else takes the full check.
 */
const COMMON = /^[\x20-\x7e\u00a0-\u00ac\u00ae-\u05ff\u2010-\u2027\u2030-\u205f\u2070-\u28ff]*$/;

/** the string with every unsafe code point written as a visible escape (see the header) */
export function sanitize(s: string): string {
  if (COMMON.test(s)) return s;
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(s) ? s.replace(UNSAFE, escapeOne) : s;
}

/** true when `s` would print exactly as it is */
export function isSafe(s: string): boolean {
  UNSAFE.lastIndex = 0;
  return !UNSAFE.test(s);
}

/**
 * Bytes as text: valid UTF-8 decoded, every byte of an invalid sequence shown as \xNN, then
 * sanitized. For names read from a node as raw bytes (an interface name is any bytes but / and NUL).
 */
export function visibleUtf8(b: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n === 0 || i + n > b.length) {
      out += `\\x${c.toString(16).padStart(2, '0')}`;
      i++;
      continue;
    }
    let ok = true;
    for (let k = 1; k < n; k++) if ((b[i + k]! & 0xc0) !== 0x80) ok = false;
    // overlongs and surrogates (E0 80–9F, ED A0–BF) and code points past U+10FFFF (F0 80–8F, F4 90+)
    const c1 = b[i + 1] ?? 0;
    if (ok && n === 3 && ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f))) ok = false;
    if (ok && n === 4 && ((c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f))) ok = false;
    if (!ok) {
      out += `\\x${c.toString(16).padStart(2, '0')}`;
      i++;
      continue;
    }
    out += Buffer.from(b.subarray(i, i + n)).toString('utf8');
    i += n;
  }
  return sanitize(out);
}
