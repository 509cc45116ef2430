/**
 * `netwatch replay FILE`: the same App over recorded time. A ReplayController (replay/controller.ts)
 * holds the cursor and a replica store set to timeline.stateAt(cursor); the App reads that store
 * with the cursor as its clock, takes the replay keys (keys.ts scope 'replay'), refuses what needs
 * a live node, and draws the time bar under its header (replay/timebar.ts).
 */
import { useSyncExternalStore } from 'react';
import type { Timeline } from '../state/timeline.js';
import type { AppProps } from './types.js';
import type { AppState } from '../state/types.js';
import { App } from './App.js';
import { ReplayController, type ReplayOptions } from './replay/controller.js';
import { startRoot } from './start.js';

export { ReplayController } from './replay/controller.js';

export interface ReplayAppProps {
  controller: ReplayController;
  logPath?: string;
  onQuit?: () => void;
  /** `y`: the state shown as Markdown (cli/yank.ts), as in the live view; without it `y` says so */
  onYank?: AppProps['onYank'];
}

/** the App on a replay's store: it re-renders when the cursor, the play state or the bar change */
export function ReplayApp({ controller, logPath, onQuit, onYank }: ReplayAppProps) {
  useSyncExternalStore(controller.subscribe, controller.getVersion);
  const at = controller.at;
  return <App store={controller.store} now={() => at} replay={controller} readonly logPath={logPath} onQuit={onQuit} onYank={onYank} />;
}

export interface ReplayUiOptions extends Pick<ReplayOptions, 'at' | 'name' | 'clock'> {
  logPath?: string;
  onYank?: AppProps['onYank'];
  /** `y` over the state at the cursor, its ages as of the cursor (cli/record.ts gives cli/yank.ts's) */
  yankOf?: (at: { getState: () => AppState; now: () => number }) => AppProps['onYank'];
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
}

/**
 * Replays a timeline in the terminal; resolves when the user quits. `at`: where to start (ms since
 * the epoch, or what `t` takes: 03:12:00, 5m); `name`: the header's (default hello.meta.file).
 */
export async function startReplayUi(timeline: Timeline, opts: ReplayUiOptions = {}): Promise<void> {
  const controller = new ReplayController(timeline, { at: opts.at, name: opts.name, clock: opts.clock });
  // the first state before the first frame (one read); playback starts with it
  await controller.start();
  const onYank = opts.onYank ?? opts.yankOf?.({ getState: () => controller.store.getState() as AppState, now: () => controller.at });
  const ui = startRoot(<ReplayApp controller={controller} logPath={opts.logPath} onYank={onYank} />, { stdout: opts.stdout, stdin: opts.stdin, stderr: opts.stderr });
  try {
    await ui.waitUntilExit();
  } finally {
    controller.stop();
  }
}
