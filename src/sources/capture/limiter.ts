/**
 * Per-node bookkeeping shared by every capture: at most a few at once on a node. Process tags
 * (instance id, connection epochs) are in ../remote/tags.ts.
 */
import type { Transport } from '../transport/types.js';

export const MAX_CAPTURES_PER_NODE = 3;

export class CaptureLimitError extends Error {}

const nodes = new WeakMap<Transport, Map<symbol, string>>();

function slots(t: Transport): Map<symbol, string> {
  let s = nodes.get(t);
  if (!s) {
    s = new Map();
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
  if (s.size >= limit) {
    throw new CaptureLimitError(
      `${t.name} already runs ${s.size} captures (${[...s.values()].join('; ')}); ` + `at most ${limit} per node: stop one first`,
    );
  }
  const id = Symbol(what);
  s.set(id, what);
  return () => void s.delete(id);
}

/** what runs on the node now (descriptions given to acquireCaptureSlot) */
export function activeCaptures(t: Transport): string[] {
  return [...slots(t).values()];
}
