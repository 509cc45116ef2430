/**
 * A node behind a slow link: its round trip (measured by the transport) keeps samples from coming
 * every tick. Such a node stays live while the round trip explains the wait, and its row says why
 * its values are older than the interval.
 */

/** a round trip of at least half the interval (at most 1 s) is a slow link */
export function isSlowLink(rttMs: number, intervalMs: number): boolean {
  return rttMs >= Math.min(1000, intervalMs / 2);
}

export const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** "slow link: RTT 3.1 s, sample 6.4 s old" */
export function slowLinkText(link: { rttMs: number; ageMs?: number }): string {
  return `slow link: RTT ${sec(link.rttMs)}${link.ageMs ? `, sample ${sec(link.ageMs)} old` : ''}`;
}
