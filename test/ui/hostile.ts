/**
 * Hostile strings for the display tests: what a container, a CNI or an API object can name things,
 * and the frame check. A frame may hold the renderer's own SGR codes (ansi.ts) and newlines; no
 * other C0 control, no ESC, DEL, C1 control, bidi control or line separator.
 */
import { expect } from 'vitest';
import { sanitize } from '../../src/ui/sanitize.js';

/** each one is a way to take over a terminal or to mislead its reader */
export const HOSTILE = {
  /** OSC 0: sets the window title */
  osc: '\u001b]0;pwned\u0007',
  /** CSI 2J: clears the screen */
  clear: '\u001b[2J',
  /** an 8-bit CSI (C1) */
  c1: '\u009b31m',
  /** a right-to-left override: "abdc" read backwards */
  bidi: 'ab\u202ecd',
  /** U+FFFD, as invalid UTF-8 decodes */
  fffd: 'x\ufffd\ufffdy',
  /** DEL, backspace, carriage return, tab, newline */
  c0: 'a\u007f\b\rb\tc\nd',
  /** an OSC 8 hyperlink opener, ST-terminated */
  link: '\u001b]8;;http://x/\u001b\\',
  /** isolate + line separator */
  iso: 'p\u2066q\u2028r',
} as const;

export type HostileKey = keyof typeof HOSTILE;

// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;
// eslint-disable-next-line no-control-regex
const BAD = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|[\ud800-\udfff]/u;

/** the frame without the renderer's SGR codes */
export const withoutSgr = (frame: string) => frame.replace(SGR, '');

/** asserts that nothing but SGR and newlines among the controls reaches the frame */
export function expectClean(frame: string | undefined, what: string): string {
  expect(frame, `${what}: a frame`).toBeTruthy();
  const f = withoutSgr(frame!);
  const m = BAD.exec(f);
  if (m) {
    const at = m.index;
    throw new Error(`${what}: control U+${m[0].codePointAt(0)!.toString(16).padStart(4, '0')} reaches the frame at ${at}: ${JSON.stringify(f.slice(Math.max(0, at - 40), at + 40))}`);
  }
  return f;
}

/** the visible escapes the hostile strings become ("\x1b]0;pwned\x07") */
export const shown = (k: HostileKey) => sanitize(HOSTILE[k]);
