/**
 * The one reconnect sweep: after a connection to a node comes back, end everything this
 * netwatch's earlier connections left running there (the sampler, captures and traffic
 * summaries whose guard has not fired yet, collectors, lookups) before starting anything new.
 * Only this instance's tags of other epochs are touched (./tags.ts): a pairing partner's
 * netwatch (another instance id) and what the current connection runs are spared. The script
 * is ./sweep.sh.
 */
import type { Transport, TransportState } from '../transport/types.js';
import { SWEEP_SH } from './scripts.js';
import { connectionEpoch, INSTANCE_ID, nextEpoch, processTag, validInstanceId } from './tags.js';

export interface SweptProcess {
  pid: number;
  tag: string;
}

/**
 * Ends every process of this instance on the node that the current connection did not start.
 * With `newEpoch`, a new epoch starts first, so everything started so far is swept too.
 */
export async function sweepEarlier(
  t: Transport,
  opts: { instance?: string; newEpoch?: boolean; timeoutMs?: number } = {},
): Promise<SweptProcess[]> {
  const instance = validInstanceId(opts.instance ?? INSTANCE_ID);
  const keep = opts.newEpoch ? nextEpoch(t) : connectionEpoch(t);
  const r = await t.exec(SWEEP_SH, [instance, String(keep)], {
    privileged: true,
    tag: processTag('sweep', t, instance),
    timeoutMs: opts.timeoutMs ?? 15_000,
  });
  if (r.code !== 0) throw new Error(`reconnect sweep on ${t.name} failed: ${r.stderr.trim() || `exit ${r.code ?? r.signal ?? 'none'}`}`);
  return parseSweep(r.stdout);
}

export function parseSweep(stdout: string): SweptProcess[] {
  const out: SweptProcess[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^swept (\d+) (nw-[a-z0-9-]+)$/.exec(line);
    if (m) out.push({ pid: Number(m[1]), tag: m[2]! });
  }
  return out;
}

/**
 * Keeps a node swept: when its connection drops a new epoch starts (what is started from then
 * on belongs to the next connection); when it is ready again, what earlier epochs left is
 * swept. Returns the unsubscribe function. Errors go to `onError` (a failed sweep is retried at
 * the next reconnect; the guards end leftovers within their idle limit anyway). The Monitor
 * does the same itself, holding its sampler back until the sweep is done.
 */
export function watchReconnects(
  t: Transport,
  opts: { instance?: string; onSwept?: (swept: SweptProcess[]) => void; onError?: (e: Error) => void } = {},
): () => void {
  let wasReady = t.state().kind === 'ready';
  let dropped = false;
  return t.onState((s: TransportState) => {
    if (s.kind === 'ready') {
      if (dropped) {
        dropped = false;
        sweepEarlier(t, { instance: opts.instance }).then(
          (swept) => opts.onSwept?.(swept),
          (e: Error) => opts.onError?.(e),
        );
      }
      wasReady = true;
    } else if (wasReady) {
      wasReady = false;
      dropped = true;
      nextEpoch(t);
    }
  });
}
