/**
 * The live view's `y`: the screen's data as Markdown (markdown.ts, the renderer of -o markdown)
 * to a file and to the terminal's clipboard with OSC 52, which works through SSH and tmux.
 *
 * OSC 52 is `ESC ] 52 ; c ; BASE64 BEL`. Inside tmux ($TMUX set), tmux 3.3 acts on it only with
 * `set -g set-clipboard on` (it keeps a tmux buffer and passes it on to the outer terminal; the
 * default, external, ignores applications' OSC 52), and passes a DCS passthrough
 * (`ESC P tmux; …ESC doubled… ESC \`) to the outer terminal only with `set -g allow-passthrough on`
 * (off by default): both forms are written, each is dropped silently where it is not allowed.
 * The sequences move no cursor and print nothing, so they are written between Ink's frames
 * without disturbing them. The payload is capped (MAX_OSC52_BYTES of base64: hterm's and some
 * terminals' limit is about 100 kB): a longer summary is cut at a line and says so; the file always
 * holds all of it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppState } from '../state/types.js';
import type { YankRequest, YankResult } from '../ui/types.js';
import { markdownReport } from './markdown.js';

export type { YankRequest, YankResult };

/** base64 bytes at most in one OSC 52 (74 999 bytes of text) */
export const MAX_OSC52_BYTES = 100_000;

const ESC = '\u001b';
const BEL = '\u0007';

export interface Osc52 {
  /** what to write to the terminal */
  seq: string;
  /** the text that went in (cut when it was too long) */
  text: string;
  cut: boolean;
}

/** the text cut at a line so that its base64 fits `maxBytes`, with a last line saying so */
export function clipForOsc52(text: string, maxBytes = MAX_OSC52_BYTES, note = 'cut here: the clipboard holds a part; the file holds all'): { text: string; cut: boolean } {
  const room = Math.floor(maxBytes / 4) * 3;
  if (Buffer.byteLength(text) <= room) return { text, cut: false };
  const tail = `\n\n… ${note}`;
  const budget = room - Buffer.byteLength(tail);
  const lines = text.split('\n');
  let used = 0;
  let n = 0;
  for (; n < lines.length; n++) {
    const add = Buffer.byteLength(lines[n]!) + (n ? 1 : 0);
    if (used + add > budget) break;
    used += add;
  }
  // one line longer than the budget: its first bytes, on a character boundary
  const head = n > 0 ? lines.slice(0, n).join('\n') : Buffer.from(text).subarray(0, budget).toString('utf8').replace(/\ufffd$/, '');
  return { text: head + tail, cut: true };
}

/** OSC 52 for the clipboard ("c"); inside tmux also wrapped for tmux's passthrough */
export function osc52(text: string, o: { tmux?: boolean; maxBytes?: number; note?: string } = {}): Osc52 {
  const { text: t, cut } = clipForOsc52(text, o.maxBytes, o.note);
  const plain = `${ESC}]52;c;${Buffer.from(t).toString('base64')}${BEL}`;
  const seq = o.tmux ? `${plain}${ESC}Ptmux;${plain.replaceAll(ESC, ESC + ESC)}${ESC}\\` : plain;
  return { seq, text: t, cut };
}

export interface YankerOptions {
  getState: () => AppState;
  /** where the files go (the log directory); the working directory when that fails */
  dir: string;
  /** the terminal (the OSC 52 sequence) */
  write: (s: string) => unknown;
  /** $TMUX is set */
  tmux: boolean;
  now?: () => number;
  maxBytes?: number;
  cwd?: string;
}

const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');

/** a new file (never overwrites one), mode 0600: the summary may name internal hosts */
function writeNew(dir: string, base: string, text: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (let i = 1; ; i++) {
    const path = join(dir, `${base}${i === 1 ? '' : `-${i}`}.md`);
    try {
      writeFileSync(path, text, { flag: 'wx', mode: 0o600 });
      return path;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || i >= 100) throw e;
    }
  }
}

/** `y`'s action for the App's onYank prop */
export function yanker(o: YankerOptions): (req: YankRequest) => YankResult {
  return (req) => {
    const now = (o.now ?? Date.now)();
    const md = `${markdownReport(o.getState(), now, { nodes: req.nodes, scope: req.scope })}\n`;
    const base = `netwatch-${stamp(now)}`;
    let path: string | undefined;
    let error: string | undefined;
    for (const dir of [o.dir, o.cwd ?? process.cwd()]) {
      try {
        path = writeNew(dir, base, md);
        break;
      } catch (e) {
        error = (e as Error).message;
      }
    }
    const clip = osc52(md, { tmux: o.tmux, maxBytes: o.maxBytes, note: path ? `cut here for the clipboard; all of it is in ${path}` : undefined });
    o.write(clip.seq);
    return { path, cut: clip.cut, bytes: Buffer.byteLength(md), ...(path ? {} : { error }) };
  };
}
