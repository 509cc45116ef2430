/** Shared small pieces of the Kubernetes source: status, logger, timing and backoff. */

export type StatusKind = 'ok' | 'error' | 'forbidden' | 'unreachable';

/** State of the node watch ('nodes') or of one node's pod watch. */
export interface SourceStatus {
  kind: StatusKind;
  /** one line for the screen, e.g. 'forbidden: cannot list pods', 'API unreachable (retrying)' */
  message?: string;
  /** the underlying error, e.g. the API server's Status message or 'ECONNREFUSED 127.0.0.1:6443' */
  detail?: string;
}

/** The source never writes to the console; it logs through this. */
export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export const noopLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export interface Timing {
  /** first retry after an error, doubled on each failure (with jitter) up to maxBackoffMs */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** retry interval after 401, 403 or 400: those do not fix themselves quickly */
  slowRetryMs: number;
  /** a list that takes longer is aborted (--request-timeout; 0 = never) */
  listTimeoutMs: number;
  /** a watch request without a response by then is abandoned (--request-timeout; 0 = never) */
  watchConnectTimeoutMs: number;
  /** timeoutSeconds asked of the server per watch: random in [min, max] (client-go: 5-10 min) */
  watchTimeoutSeconds: [number, number];
  /** a connected watch silent for timeoutSeconds + this is taken as dead (a lost connection) */
  watchIdleGraceMs: number;
  /** a watch that ends before this without any event counts as a failure (no hot loop) */
  minWatchMs: number;
}

export const DEFAULT_TIMING: Timing = {
  initialBackoffMs: 1_000,
  maxBackoffMs: 30_000,
  slowRetryMs: 60_000,
  listTimeoutMs: 30_000,
  watchConnectTimeoutMs: 30_000,
  watchTimeoutSeconds: [300, 600],
  watchIdleGraceMs: 30_000,
  minWatchMs: 1_000,
};

/** Exponential backoff with equal jitter: half fixed, half random. failures >= 1. */
export function backoffDelay(failures: number, t: Timing, random: () => number = Math.random): number {
  const base = Math.min(t.maxBackoffMs, t.initialBackoffMs * 2 ** Math.max(0, failures - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}

/** The slow retry interval, ±20 % so that many watches do not retry in step. */
export function slowDelay(t: Timing, random: () => number = Math.random): number {
  return Math.round(t.slowRetryMs * (0.8 + 0.4 * random()));
}

export function sameStatus(a: SourceStatus | undefined, b: SourceStatus): boolean {
  return !!a && a.kind === b.kind && a.message === b.message && a.detail === b.detail;
}
