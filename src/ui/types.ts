/** Types the UI shell shares with the views that plug into it (capture, stale processes). */
import type { ReactNode } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import type { PodInfo } from '../sources/types.js';
import type { AppState } from '../state/types.js';

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
  /** shown full-screen after `s` until it calls onClose */
  renderProcesses?: (node: string, pod: PodInfo | undefined, onClose: () => void) => ReactNode;
  /** `q` or ctrl-c: called just before Ink exits */
  onQuit?: () => void;
  /** read-only even if the store says otherwise (either one makes the UI read-only) */
  readonly?: boolean;
  /** where netwatch logs; shown in the help overlay */
  logPath?: string;
  /** the clock (tests pin it) */
  now?: () => number;
}
