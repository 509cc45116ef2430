/**
 * The public call of the stale-process view: run collect.sh on a node, parse, decide ownership.
 * `processViewFromOutput` is the same without the transport (tests, recorded output).
 */
import type { Transport } from '../transport/types.js';
import type { PodInfo } from '../types.js';
import { buildOwnership } from './ownership.js';
import { parseCollectOutput } from './parse.js';
import { COLLECT_CAP_S, COLLECT_SH } from './script.js';
import { processTag } from '../remote/tags.js';
import type { ProcessView } from './types.js';

export interface CollectOptions {
  /** local give-up time; the script's own guard ends it on the node after COLLECT_CAP_S */
  timeoutMs?: number;
}

export class ProcessCollectError extends Error {}

/**
 * Builds the view from collect.sh's output. `pods`: every pod bound to the node, from the API;
 * undefined when there is no API (ownership then comes from the runtime alone).
 */
export function processViewFromOutput(
  node: string,
  stdout: string,
  pods: readonly PodInfo[] | undefined,
  cost: { wallMs: number } = { wallMs: 0 },
): ProcessView {
  const snap = parseCollectOutput(stdout);
  const own = buildOwnership(snap, pods);
  return {
    node,
    at: Date.now(),
    basis: own.basis,
    basisNote: own.basisNote,
    runtimes: snap.runtimes.map((r) => ({
      name: r.name,
      status: r.status,
      ...(r.error ? { error: r.error } : {}),
      containers: r.containers.length,
    })),
    namespaces: own.namespaces,
    others: own.others,
    processCount: own.processCount,
    clkTck: snap.clkTck,
    ...(snap.uptimeSec !== undefined ? { uptimeSec: snap.uptimeSec } : {}),
    cost: {
      wallMs: Math.round(cost.wallMs),
      ...(snap.cpuMs !== undefined ? { remoteCpuMs: snap.cpuMs } : {}),
      bytes: Buffer.byteLength(stdout),
    },
    warnings: snap.warnings,
  };
}

/**
 * Collects the stale-process view of one node. Rejects (ProcessCollectError) when the script
 * could not run at all (sudo needs a password, no /proc); the caller shows that on the node's
 * panel. The result is plain JSON-serializable data.
 */
export async function collectProcesses(
  transport: Transport,
  pods?: readonly PodInfo[],
  opts: CollectOptions = {},
): Promise<ProcessView> {
  const t0 = performance.now();
  const res = await transport.exec(COLLECT_SH, [], {
    privileged: true,
    tag: processTag('collect', transport),
    timeoutMs: opts.timeoutMs ?? (COLLECT_CAP_S + 5) * 1000,
  });
  if (!res.stdout.includes('@@nw-processes')) {
    const why = res.stderr.trim().split('\n').slice(-2).join(' ') || `exit ${res.code ?? res.signal ?? '?'}`;
    throw new ProcessCollectError(`process listing failed on ${transport.name}: ${why}`);
  }
  return processViewFromOutput(transport.name, res.stdout, pods, { wallMs: performance.now() - t0 });
}

/** The view narrowed to one pod (the `s` key on a pod): its netns only, by pod UID. */
export function onlyPod(view: ProcessView, podUid: string): ProcessView {
  const uid = podUid.toLowerCase().replace(/_/g, '-');
  const namespaces = view.namespaces.filter((n) => n.pod?.uid.toLowerCase() === uid || n.processes.some((p) => p.podUid === uid));
  return { ...view, namespaces, others: [] };
}
