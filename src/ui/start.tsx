/**
 * Starts the Ink UI on the terminal. Production settings: redraws bounded by maxFps, console left
 * alone (log to a file), ctrl-c handled by the App (it quits through Ink's exit, which restores
 * the terminal; the CLI ends the process after waitUntilExit).
 */
import { render, type RenderOptions } from 'ink';
import { App } from './App.js';
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
  /** rewrite only changed lines (Ink ≥ 6.5); default true */
  incrementalRendering?: boolean;
  /** Ink's per-frame callback (benchmarks) */
  onRender?: RenderOptions['onRender'];
}

export const DEFAULT_MAX_FPS = 20;

export function startUi(store: AppStoreReader, props: Omit<AppProps, 'store'> = {}, opts: StartOptions = {}): UiHandle {
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
  const instance = render(<App store={store} {...props} />, options);
  return {
    waitUntilExit: () => instance.waitUntilExit(),
    unmount: () => instance.unmount(),
  };
}
