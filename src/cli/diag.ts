/**
 * Diagnostics for the soak benchmarks (bench/soak.mjs, bench/fault-soak.mjs) and the fault tests,
 * off unless asked for by environment:
 * - NETWATCH_DIAG_FILE=<path>: every NETWATCH_DIAG_MS (default 30 000) ms, and once at start,
 *   appends one JSON line: { t, memory: process.memoryUsage(), resources: counts of
 *   process.getActiveResourcesInfo() by type (Timeout, TCPSocketWrap, …), and once a state source
 *   is given (the returned setter, fed storeDiag(store)): nodes: { name: status kind }, kube: the
 *   API status kind, pods: { name: the node's pod-list status kind } }.
 * - NETWATCH_HEAP_SNAPSHOT_DIR=<dir>: SIGUSR2 writes a V8 heap snapshot there (after a GC when
 *   node runs with --expose-gc) and appends {"snapshot": path} to the diag file if any.
 * The timer is unref'd: it never keeps netwatch alive.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import type { Store } from '../state/store.js';

function resourceCounts(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

export type StateSource = () => Record<string, unknown>;

/** what the soak benchmarks watch in the store: statuses of the nodes, the API and pod lists */
export function storeDiag(store: Store): StateSource {
  return () => {
    const st = store.getState();
    const nodes = Object.values(st.nodes);
    return {
      nodes: Object.fromEntries(nodes.map((n) => [n.name, n.status.kind])),
      kube: st.kube.kind,
      pods: Object.fromEntries(nodes.flatMap((n) => (n.kube ? [[n.name, n.kube.status.kind]] : []))),
    };
  };
}

/** starts what the environment asks for; returns a setter for the node-status source */
export function startDiagnostics(env: NodeJS.ProcessEnv = process.env): (source: StateSource) => void {
  let state: StateSource | undefined;
  const file = env.NETWATCH_DIAG_FILE;
  const snapDir = env.NETWATCH_HEAP_SNAPSHOT_DIR;
  const write = (o: object): void => {
    if (!file) return;
    try {
      appendFileSync(file, JSON.stringify({ t: Date.now(), ...o }) + '\n');
    } catch {
      /* a diagnostics file that cannot be written never stops netwatch */
    }
  };
  if (file) {
    const ms = Math.max(100, Number(env.NETWATCH_DIAG_MS) || 30_000);
    const tick = (): void => write({ memory: process.memoryUsage(), resources: resourceCounts(), ...state?.() });
    tick();
    setInterval(tick, ms).unref();
  }
  if (snapDir) {
    let n = 0;
    process.on('SIGUSR2', () => {
      (globalThis as { gc?: () => void }).gc?.();
      const path = writeHeapSnapshot(join(snapDir, `netwatch-${process.pid}-${++n}.heapsnapshot`));
      write({ snapshot: path });
    });
  }
  return (fn) => {
    state = fn;
  };
}
