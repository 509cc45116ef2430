/**
 * Starts the Ink UI on the terminal. Production settings: redraws bounded by maxFps, whole frames
 * (incremental rendering off unless asked: docs/decisions.md), console left alone (log to a file),
 * ctrl-c handled by the App (it quits through Ink's exit; the CLI ends the process after
 * waitUntilExit). On a terminal the view runs on the alternate screen with bracketed paste, both
 * restored however netwatch ends (terminal.ts).
 */
import { render, type RenderOptions } from 'ink';
import type { ReactElement } from 'react';
import { App } from './App.js';
import { enterTerminal, repaintingStdout, type TerminalSession } from './terminal.js';
import type { AppProps, AppStoreReader } from './types.js';

export interface UiHandle {
  /** resolves when the user quits (or unmount is called) */
  waitUntilExit(): Promise<unknown>;
  unmount(): void;
}

export interface StartOptions {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
  /** redraws per second at most; default 20 */
  maxFps?: number;
  /** rewrite only changed lines (Ink ≥ 6.5); default false (whole frames) */
  incrementalRendering?: boolean;
  /** alternate screen + bracketed paste, restored on exit; default: when stdout is a terminal */
  fullscreen?: boolean;
  /** Ink's per-frame callback (benchmarks) */
  onRender?: RenderOptions['onRender'];
}

export const DEFAULT_MAX_FPS = 20;

export function startUi(store: AppStoreReader, props: Omit<AppProps, 'store'> = {}, opts: StartOptions = {}): UiHandle {
  return startRoot(<App store={store} {...props} />, opts);
}

/** the same start for another root around the App (replay's: ui/replay.tsx) */
export function startRoot(root: ReactElement, opts: StartOptions = {}): UiHandle {
  const options: RenderOptions = {
    maxFps: opts.maxFps ?? DEFAULT_MAX_FPS,
    incrementalRendering: opts.incrementalRendering ?? false,
    patchConsole: false,
    exitOnCtrlC: false,
  };
  // an explicit undefined would replace Ink's defaults (process.stdout, …)
  if (opts.stdout) options.stdout = opts.stdout;
  if (opts.stdin) options.stdin = opts.stdin;
  if (opts.stderr) options.stderr = opts.stderr;
  if (opts.onRender) options.onRender = opts.onRender;
  const out = opts.stdout ?? process.stdout;
  const input = opts.stdin ?? process.stdin;
  const term: TerminalSession | undefined = (opts.fullscreen ?? !!out.isTTY) ? enterTerminal(out, input) : undefined;
  if (term) options.stdout = repaintingStdout(out);
  const instance = render(root, options);
  const exited = instance.waitUntilExit();
  // Ink has written its last frame and released stdin: the shell's screen comes back
  exited.then(
    () => term?.restore(),
    () => term?.restore(),
  );
  return {
    waitUntilExit: () => exited,
    unmount: () => {
      instance.unmount();
      term?.restore();
    },
  };
}
