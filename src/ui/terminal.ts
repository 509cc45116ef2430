/**
 * The terminal around the live view: the alternate screen (the shell's screen comes back as it
 * was), bracketed paste (a paste arrives marked, as one event: input/keypress.ts) and the cursor,
 * ALWAYS restored: on a normal exit, q, ctrl-c, an uncaught exception or unhandled rejection,
 * SIGTERM, SIGHUP and SIGINT. Also what a resize writes before the frame is drawn again.
 */

import { sanitize } from './sanitize.js';

const CSI = '\u001b[';
export const ALT_SCREEN_ON = `${CSI}?1049h`;
export const ALT_SCREEN_OFF = `${CSI}?1049l`;
export const PASTE_ON = `${CSI}?2004h`;
export const PASTE_OFF = `${CSI}?2004l`;
export const CURSOR_SHOW = `${CSI}?25h`;
/** whole screen cleared, cursor home: a resize then draws the frame from the top, nothing half-drawn left */
export const CLEAR_SCREEN = `${CSI}2J${CSI}H`;

/**
 * `out` for Ink, with a clean redraw on resize: for a moment after each resize, every write that
 * draws (a frame, Ink's erase of the last one) starts by clearing the whole screen. Why: after the
 * terminal narrows it rewraps (or crops) the frame on screen, so Ink's erase-by-line-count misses
 * rows and the next frame lands below leftovers of the last (the header twice). Ink's resize
 * handler runs after this one (it is registered later), so its writes are covered.
 */
export function repaintingStdout(out: NodeJS.WriteStream, windowMs = 300, now: () => number = Date.now): NodeJS.WriteStream {
  let until = 0;
  out.on('resize', () => {
    until = now() + windowMs;
  });
  const write = (chunk: unknown, ...rest: unknown[]) => {
    const draws = typeof chunk === 'string' && (chunk.includes('\n') || chunk.includes(`${CSI}2K`));
    return (out.write as (...a: unknown[]) => boolean)(draws && now() < until ? CLEAR_SCREEN + chunk : chunk, ...rest);
  };
  return new Proxy(out, {
    get(target, prop) {
      if (prop === 'write') return write;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export interface TerminalSession {
  /** leave the alternate screen, paste mode off, cursor shown, raw mode off (once; later calls do nothing) */
  restore(): void;
}

type Out = Pick<NodeJS.WriteStream, 'write'>;
type In = { isTTY?: boolean; setRawMode?: (on: boolean) => unknown };

const SIGNALS = { SIGTERM: 15, SIGHUP: 1, SIGINT: 2 } as const;

/**
 * Enters the alternate screen and paste mode on `out` and installs the handlers that restore them.
 * `onFatal` reports what killed the process (after the terminal is restored, so it can be read).
 */
export function enterTerminal(out: Out, input: In, proc: NodeJS.Process = process, onFatal: (e: unknown) => void = defaultFatal): TerminalSession {
  let done = false;
  const restore = () => {
    if (done) return;
    done = true;
    for (const [sig, fn] of handlers) proc.off(sig as never, fn);
    try {
      if (input.isTTY) input.setRawMode?.(false);
    } catch {
      // stdin already closed
    }
    out.write(PASTE_OFF + CURSOR_SHOW + ALT_SCREEN_OFF);
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const handlers: [string, (...a: any[]) => void][] = [
    ['exit', () => restore()],
    [
      'uncaughtException',
      (e: unknown) => {
        restore();
        onFatal(e);
        proc.exit(1);
      },
    ],
    [
      'unhandledRejection',
      (e: unknown) => {
        restore();
        onFatal(e);
        proc.exit(1);
      },
    ],
    ...Object.entries(SIGNALS).map(([sig, n]): [string, () => void] => [
      sig,
      () => {
        restore();
        proc.exit(128 + n);
      },
    ]),
  ];
  for (const [sig, fn] of handlers) proc.on(sig as never, fn);
  out.write(ALT_SCREEN_ON + CLEAR_SCREEN + PASTE_ON);
  return { restore };
}

function defaultFatal(e: unknown): void {
  // the message may carry a node's strings: each line sanitized
  const text = `netwatch: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  process.stderr.write(`${text.split('\n').map(sanitize).join('\n')}\n`);
}
