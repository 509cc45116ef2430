/**
 * The one table of process tags. Every script netwatch starts on a node runs as
 * `sh -c SCRIPT TAG ARGS...`, so TAG is argv[3] of its process there: `ps` on the node shows what
 * netwatch runs, and the reconnect sweep (./sweep.ts) finds what an earlier connection left.
 *
 *   nw-<code>-<instance>-<epoch>   per-connection kinds (captures, checks, lookups, collectors…)
 *   nw-<code>-<instance>           the sampler: NodeSampler takes one fixed tag, and the monitor
 *                                  starts it only after the sweep, so every one found is old
 *
 * <instance> is random per netwatch process (two people pairing on the same nodes have
 * different ones: a sweep never touches the other's). <epoch> is the transport's connection
 * number, drawn from one process-wide counter when the transport is first used and again each
 * time its connection drops (trackConnections), so a sweep ends what earlier connections left
 * and spares what the current one runs.
 */
import { randomBytes } from 'node:crypto';
import type { Transport, TransportState } from '../transport/types.js';

export const PROCESS_TAGS = {
  /** the long-lived per-node sampler (sampler.sh) */
  sampler: { code: 's', perConnection: false },
  /** a capture the user started (capture.sh, tcpdump) */
  capture: { code: 'cap', perConnection: true },
  /** a short bounded capture for the overview's traffic summary (capture.sh) */
  traffic: { code: 'traf', perConnection: true },
  /** a filter check, tcpdump -d (check.sh) */
  check: { code: 'chk', perConnection: true },
  /** the reconnect sweep itself (sweep.sh) */
  sweep: { code: 'sweep', perConnection: true },
  /** pods' eth0 peer lookups (podpeer.sh) */
  peer: { code: 'peer', perConnection: true },
  /** the stale-process view's reader (collect.sh) */
  collect: { code: 'procs', perConnection: true },
  /** ending one stale process (kill.sh) */
  kill: { code: 'kill', perConnection: true },
} as const;

export type TagKind = keyof typeof PROCESS_TAGS;

/** this netwatch process's instance id: 8 lowercase hex digits */
export const INSTANCE_ID = randomBytes(4).toString('hex');

const INSTANCE_RE = /^[a-z0-9]{4,32}$/;

export function validInstanceId(id: string): string {
  if (!INSTANCE_RE.test(id)) throw new Error(`bad instance id ${JSON.stringify(id)}`);
  return id;
}

let lastEpoch = 0;
const epochs = new WeakMap<Transport, number>();

/** the transport's current connection number */
export function connectionEpoch(t: Transport): number {
  let e = epochs.get(t);
  if (e === undefined) {
    e = ++lastEpoch;
    epochs.set(t, e);
  }
  return e;
}

/** a new connection number for the transport (its connection dropped); returns it */
export function nextEpoch(t: Transport): number {
  const e = ++lastEpoch;
  epochs.set(t, e);
  return e;
}

/** the tag for a process of `kind` on the node behind `t` */
export function processTag(kind: TagKind, t: Transport, instance: string = INSTANCE_ID): string {
  const { code, perConnection } = PROCESS_TAGS[kind];
  const base = `nw-${code}-${validInstanceId(instance)}`;
  return perConnection ? `${base}-${connectionEpoch(t)}` : base;
}

/**
 * A new epoch each time the transport leaves `ready` after having been ready, so that what is
 * started from the next connection on is told apart from what the dropped one left. Returns the
 * unsubscribe function.
 */
export function trackConnections(t: Transport): () => void {
  let wasReady = t.state().kind === 'ready';
  return t.onState((s: TransportState) => {
    if (s.kind === 'ready') wasReady = true;
    else if (wasReady) {
      wasReady = false;
      nextEpoch(t);
    }
  });
}
