/**
 * Reconnect delays: exponential with "equal jitter" (half the capped delay, plus a random part
 * of the other half). Spreads reconnects of many nodes after a shared outage, yet each delay is
 * at least as long as the one before until the cap, so the backoff visibly grows.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 30_000 };

/** Delay before attempt `failures + 1`, after `failures` (>= 1) failed ones in a row. */
export function backoffDelay(failures: number, b: BackoffOptions, random: () => number = Math.random): number {
  const cap = Math.min(b.maxMs, b.baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
  return Math.round(cap / 2 + (random() * cap) / 2);
}
