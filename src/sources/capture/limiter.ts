/**
 * Per-node bookkeeping shared by every capture: at most a few at once on a node, and the
 * process tag that marks this netwatch instance's captures there.
 *
 * Tag: `nw-cap-<instance>-<epoch>`, passed as $0 of `sh -c`, so it is argv[3] of the script's
 * process on the node. <instance> is random per netwatch process (two people pairing on the same
 * nodes have different ones); <epoch> grows with every reconnect sweep of that node, so a sweep
 * ends what earlier connections left and spares what the current one runs.
 */
import { randomBytes } from 'node:crypto';
import type { Transport } from '../transport/types.js';

export const MAX_CAPTURES_PER_NODE = 3;

/** this netwatch process's capture instance id: 8 lowercase hex digits */
export const CAPTURE_INSTANCE_ID = randomBytes(4).toString('hex');

const INSTANCE_RE = /^[a-z0-9]{4,32}$/;

export function validInstanceId(id: string): string {
  if (!INSTANCE_RE.test(id)) throw new Error(`bad capture instance id ${JSON.stringify(id)}`);
  return id;
}

export class CaptureLimitError extends Error {}

interface NodeSlots {
  active: Map<symbol, string>;
  epoch: number;
}

const nodes = new WeakMap<Transport, NodeSlots>();

function slots(t: Transport): NodeSlots {
  let s = nodes.get(t);
  if (!s) {
    s = { active: new Map(), epoch: 0 };
    nodes.set(t, s);
  }
  return s;
}

/**
 * Takes one of the node's capture slots; returns the function that gives it back.
 * Throws CaptureLimitError naming what runs there.
 */
export function acquireCaptureSlot(t: Transport, what: string, limit = MAX_CAPTURES_PER_NODE): () => void {
  const s = slots(t);
  if (s.active.size >= limit) {
    throw new CaptureLimitError(
      `${t.name} already runs ${s.active.size} captures (${[...s.active.values()].join('; ')}); ` +
        `at most ${limit} per node: stop one first`,
    );
  }
  const id = Symbol(what);
  s.active.set(id, what);
  return () => void s.active.delete(id);
}

/** what runs on the node now (descriptions given to acquireCaptureSlot) */
export function activeCaptures(t: Transport): string[] {
  return [...slots(t).active.values()];
}

export function captureTag(t: Transport, instance = CAPTURE_INSTANCE_ID): string {
  return `nw-cap-${validInstanceId(instance)}-${slots(t).epoch}`;
}

/** starts a new epoch for the node; returns the tag of the new epoch */
export function nextCaptureEpoch(t: Transport, instance = CAPTURE_INSTANCE_ID): string {
  slots(t).epoch++;
  return captureTag(t, instance);
}
