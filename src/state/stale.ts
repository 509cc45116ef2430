/**
 * The stale-process check (issue 10): from the node's stale-process view (sources/processes, the
 * same collection the `s` view runs) to what the node model keeps (`node.stale`) and to the
 * `stale-process` problem. Pure.
 *
 * A problem is raised for a process nobody's runtime or pod status knows (owner 'stale') that
 * holds a listening port in the netns of a pod the API lists, while a container of that pod
 * crash-loops or is not ready: the new container cannot bind. It needs both the API (which pod,
 * its containers' state) and a runtime that answered (else "not a container the runtime knows"
 * cannot be said): without them the check is "cannot tell", with the reason, and raises nothing.
 */
import type { ProcessView } from '../sources/processes/types.js';
import type { PodInfo } from '../sources/types.js';
import type { Problem } from './types.js';

export interface StaleProc {
  pid: number;
  comm: string;
  proto: 'tcp' | 'udp';
  port: number;
  namespace: string;
  pod: string;
  /** why the pod needs the port: its container crash-loops, or is not ready */
  why: 'crashloop' | 'not-ready';
  /** the container that crash-loops or is not ready */
  container: string;
}

export interface StaleCheck {
  /** ok: the check could tell (procs may be empty); cannot-tell: collection failed, no API or no runtime */
  status: 'ok' | 'cannot-tell';
  /** local time (ms) the collection finished or failed */
  at: number;
  /** why it cannot tell */
  reason?: string;
  /** stale processes holding a port of a pod in trouble */
  procs: StaleProc[];
}

export const STALE_REMEDY =
  'kill PID (netwatch: s, then K), after nsenter -t PID --net ss -ltnp confirms the listener; then find why the runtime forgot it: runtime crash or bug, zombies exhausting the PID namespace, OOM/resource pressure';

function trouble(pod: PodInfo): { why: StaleProc['why']; container: string } | undefined {
  const cs = pod.containers.filter((c) => c.kind === 'container');
  const loop = cs.find((c) => /CrashLoopBackOff/i.test(c.state));
  if (loop) return { why: 'crashloop', container: loop.name };
  const notReady = cs.find((c) => !c.ready);
  if (notReady) return { why: 'not-ready', container: notReady.name };
  return undefined;
}

/** the check from one collection; `pods`: the node's pods from the API (undefined: no API) */
export function staleCheckOf(view: ProcessView, pods: readonly PodInfo[] | undefined): StaleCheck {
  if (!pods) return { status: 'cannot-tell', at: view.at, reason: 'no Kubernetes API: which pod needs a port is not known', procs: [] };
  if (view.basis !== 'api+runtime') return { status: 'cannot-tell', at: view.at, reason: view.basisNote, procs: [] };
  const byUid = new Map(pods.map((p) => [p.uid.toLowerCase(), p]));
  const procs: StaleProc[] = [];
  for (const ns of view.namespaces) {
    if (ns.pod?.from !== 'api') continue;
    const pod = byUid.get(ns.pod.uid.toLowerCase());
    if (!pod) continue;
    const t = trouble(pod);
    if (!t) continue;
    for (const r of ns.processes) {
      if (r.owner !== 'stale') continue;
      for (const l of ns.listeners) {
        if (!r.listening.includes(l.inode)) continue;
        procs.push({ pid: r.pid, comm: r.comm, proto: l.proto, port: l.port, namespace: pod.namespace, pod: pod.name, ...t });
      }
    }
  }
  // one entry per process and port (a socket listed for v4 and v6 counts once)
  const seen = new Set<string>();
  const unique = procs.filter((p) => {
    const k = `${p.pid}/${p.proto}/${p.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { status: 'ok', at: view.at, procs: unique };
}

/** the check when the collection itself failed */
export function staleCheckFailed(reason: string, at = Date.now()): StaleCheck {
  return { status: 'cannot-tell', at, reason, procs: [] };
}

/** the problems of the last check (none when it cannot tell) */
export function staleProblems(check: StaleCheck | undefined): Problem[] {
  if (!check || check.status !== 'ok') return [];
  return check.procs.map((p) => ({
    severity: 'crit' as const,
    code: 'stale-process',
    subject: `${p.namespace}/${p.pod}`,
    message: `pid ${p.pid} (${p.comm}) holds :${p.port}${p.proto === 'udp' ? '/udp' : ''} of pod ${p.namespace}/${p.pod} — not a container the runtime knows; the new container cannot bind`,
    remedy: STALE_REMEDY,
  }));
}
