/** Types the UI shell shares with the views that plug into it (capture, stale processes). */
import type { ReactNode } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import type { PodInfo } from '../sources/types.js';
import type { AppState } from '../state/types.js';
import type { StyledLine } from './ansi.js';
import type { Command } from './keys.js';
import type { Notices } from './notices.js';

/**
 * What `c` captures on: a node (iface = its primary interface when known), one interface of a
 * node, or a pod (iface = its host-side veth when mapped).
 */
export interface CaptureTarget {
  /** 'all': the same capture on every node shown (`C`), each on its primary interface */
  kind: 'node' | 'interface' | 'pod' | 'all';
  node: string;
  iface?: string;
  pod?: PodInfo;
  /** kind 'all': the nodes, in display order */
  nodes?: string[];
}

/** what `y` copies: the nodes the screen shows (the overview after its filter, or the detail's node) */
export interface YankRequest {
  nodes: readonly string[];
  /** what it is of, for the summary's header ("node n3", "2 of 6 nodes, filter /web") */
  scope?: string;
}

/** what `y` did (cli/yank.ts), for the status line */
export interface YankResult {
  /** where the Markdown was written (absent when no file could be written) */
  path?: string;
  /** the clipboard got a cut summary (too long for OSC 52) */
  cut: boolean;
  /** bytes of Markdown */
  bytes: number;
  /** why the file could not be written */
  error?: string;
}
/**
 * A replay (ui/replay/controller.ts): the App reads a replica store set to the recording's state
 * at the cursor, takes the replay keys, refuses what needs a live node, and draws the time bar.
 */
export interface ReplaySession {
  /** the recording's name, for the header */
  readonly name: string;
  /** a key of scope 'replay' (keys.ts) */
  command(cmd: Command): void;
  /** a key that needs a live node (capture, processes, re-read, kill): refused, with the reason shown */
  refuse(cmd: Command): void;
  /** the go-to-time prompt's text while it is open */
  prompt(): string | undefined;
  promptKey(a: { type: 'type'; text: string } | { type: 'erase' | 'clear' | 'accept' | 'close' }): void;
  /** the lines under the header (time bar, status), fitted to the width */
  lines(width: number): readonly StyledLine[];
}

/** lines a replay adds under the header */
export const REPLAY_LINES = 2;

/** the store as the UI sees it: read and subscribe, never write */
export type AppStoreReader = Pick<StoreApi<AppState>, 'getState' | 'getInitialState' | 'subscribe'>;

export interface AppProps {
  store: AppStoreReader;
  /** `c` pressed: called before the capture view (if any) is shown */
  onCapture?: (target: CaptureTarget) => void;
  /** `s` pressed: called before the process view (if any) is shown */
  onProcesses?: (node: string, pod?: PodInfo) => void;
  /** `R` pressed: re-read the slow collectors now, on this node (detail) or every node (overview: undefined) */
  onReadSlow?: (node?: string) => void;
  /** shown full-screen after `c` until it calls onClose; it handles its own keys (esc → onClose) */
  renderCapture?: (target: CaptureTarget, onClose: () => void) => ReactNode;
  /** `V` (an owner with --share): the capture an attached viewer started here, full-screen until onClose; without it `V` says so */
  renderViewerCapture?: (onClose: () => void) => ReactNode;
  /** shown full-screen after `s` until it calls onClose */
  renderProcesses?: (node: string, pod: PodInfo | undefined, onClose: () => void) => ReactNode;
  /**
   * `m` then enter: add a mark with this note. main.ts gives the store's addMark; an attached
   * viewer sends it to the owner's session instead. Without it `m` says marks are not available.
   */
  onMark?: (note: string) => void;
  /** `y`: the screen's nodes as Markdown to a file and the clipboard (cli/yank.ts); without it `y` says so */
  onYank?: (req: YankRequest) => YankResult;
  /** `q` or ctrl-c: called just before Ink exits */
  onQuit?: () => void;
  /** read-only even if the store says otherwise (either one makes the UI read-only) */
  readonly?: boolean;
  /** where netwatch logs; shown in the help overlay */
  logPath?: string;
  /** the clock (tests pin it); a replay's is its cursor */
  now?: () => number;
  /** lines the session says on its own (ui/notices.ts), in the status line while no key's status is shown */
  notices?: Notices;
  /** over recorded time (netwatch replay): read-only, no live node */
  replay?: ReplaySession;
}
