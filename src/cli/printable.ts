/**
 * Text for a terminal from the CLI's plain writers (stderr messages, `netwatch capture`'s live
 * line and pcap summary, --once text): every line sanitized (ui/sanitize.ts), line breaks kept.
 * The one control netwatch writes itself there, the live line's "\r ESC[K" (back to the start of
 * the line, erase it), is kept at the start of a write; nothing from a node, a pcap or the API
 * reaches the terminal raw.
 */
import { sanitize } from '../ui/sanitize.js';

const REWRITE = '\r\u001b[K';

/** each line of `text` sanitized, the line breaks kept */
export function printable(text: string): string {
  const lead = text.startsWith(REWRITE) ? REWRITE : '';
  return lead + text.slice(lead.length).split('\n').map(sanitize).join('\n');
}

export interface TextOut {
  write(s: string): unknown;
  isTTY?: boolean;
}

/** a writer that passes everything through `printable` (isTTY as the stream says) */
export function printableOut(out: TextOut): TextOut {
  return {
    write: (s: string) => out.write(printable(s)),
    get isTTY() {
      return out.isTTY;
    },
  };
}
