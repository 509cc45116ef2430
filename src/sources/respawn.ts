/**
 * When to start a node's remote sampler again after it ended by itself, and what to say on the
 * node's row meanwhile. A sampler that ends before its first frame (no awk, a shell error, sudo
 * refusing) will do the same again: it is retried after 30 s, then every 60 s. One that ended
 * after giving frames is retried after 5 s, doubling to 60 s. A sampler that gave good frames for
 * a minute, or lived out its planned life (the guard's cap), is restarted at once and clears the
 * count. Pure apart from its own counters; times are passed in.
 */
export const RESPAWN = { firstFrameless: 30_000, first: 5_000, max: 60_000, goodFor: 60_000 } as const;

export interface SamplerEnd {
  code: number | null;
  signal: string | null;
  startedAt: number;
  /** when the first frame of this process arrived; undefined when none did */
  firstFrameAt?: number;
  endedAt: number;
  /** the process's last stderr lines (not kernel events), oldest first */
  notes: readonly string[];
  /** the planned life (the remote guard's cap), ms */
  maxLifeMs: number;
}

export class Respawn {
  private failures = 0;
  private retryAt = 0;
  private why = '';

  /** records an end the sampler did not ask for; returns the reason when it counts as a failure */
  ended(e: SamplerEnd): string | undefined {
    const planned = e.endedAt - e.startedAt >= e.maxLifeMs - 2000;
    const goodLong = e.firstFrameAt !== undefined && e.endedAt - e.firstFrameAt >= RESPAWN.goodFor;
    if (planned || goodLong) {
      this.failures = 0;
      this.retryAt = 0;
      return undefined;
    }
    this.failures++;
    const base = e.firstFrameAt === undefined ? RESPAWN.firstFrameless : RESPAWN.first;
    this.retryAt = e.endedAt + Math.min(RESPAWN.max, base * 2 ** (this.failures - 1));
    this.why = samplerEndReason(e);
    return this.why;
  }

  /** undefined when a start may happen now; otherwise the text for the row */
  blocked(now: number): string | undefined {
    if (now >= this.retryAt) return undefined;
    return `${this.why}; next try in ${Math.ceil((this.retryAt - now) / 1000)}s`;
  }

  /** failed starts in a row (a minute of good frames, or a planned end, starts it over) */
  get failureCount(): number {
    return this.failures;
  }
}

/** "sampler: awk not found (exit 127)", "sampler: sudo: a password is required (exit 1)" */
export function samplerEndReason(e: Pick<SamplerEnd, 'code' | 'signal' | 'notes'>): string {
  const how = e.code !== null ? `exit ${e.code}` : e.signal ? `signal ${e.signal}` : 'channel closed';
  let note = [...e.notes].reverse().find((n) => !n.startsWith('N ')) ?? '';
  // the script's own error lines start with "E "; a shell's "sh: 12: exec: awk: not found" is
  // said as "awk not found"
  if (note.startsWith('E ')) note = note.slice(2);
  const nf = /(?:^|: )([^\s:]+): not found$/.exec(note);
  if (nf) note = `${nf[1]} not found`;
  return note ? `sampler: ${note} (${how})` : `sampler ended before answering (${how})`;
}
