/**
 * Which stale process is the cause of a pod's trouble. Pure.
 *
 * A stale process is flagged when it holds a listening socket on a port that a container of the
 * same pod declares (same protocol), or when a container of the pod last terminated with a bind
 * error ("address already in use") and the process holds a listener on the port named in that
 * error (or any listener, when the message names no port).
 */
import type { ContainerInfo, PodInfo } from '../types.js';
import type { Listener, ProcessRecord } from './types.js';

const BIND_ERROR = /address already in use|EADDRINUSE/i;

export interface BindError {
  container: string;
  message: string;
  /** ports named in the message (":8080: bind", "port 8080"); empty when none */
  ports: number[];
}

/** How servers word it: Go, Node.js, nginx, "port 8080" (Spring, many others). */
const PORT_PATTERNS = [
  /:(\d{1,5}):?\s*bind\b/gi,
  /in use\s*\S*:(\d{1,5})\b/gi,
  /bind\(\) to \S*:(\d{1,5})\b/gi,
  /\bport\s+(\d{1,5})\b/gi,
];

/** Ports a bind-error message names, e.g. "listen tcp 0.0.0.0:8080: bind: address already in use". */
export function portsInMessage(message: string): number[] {
  const ports = new Set<number>();
  for (const re of PORT_PATTERNS) for (const m of message.matchAll(re)) ports.add(Number(m[1]));
  return [...ports].filter((p) => p > 0 && p < 65536);
}

export function bindErrors(pod: PodInfo): BindError[] {
  const out: BindError[] = [];
  for (const c of pod.containers) {
    const t = c.lastTerminated;
    const text = [t?.reason, t?.message].filter(Boolean).join(': ');
    if (t && BIND_ERROR.test(text)) out.push({ container: c.name, message: text, ports: portsInMessage(text) });
  }
  return out;
}

function declaredBy(pod: PodInfo, l: Listener): ContainerInfo | undefined {
  return pod.containers.find((c) =>
    c.ports.some((p) => p.containerPort === l.port && (p.protocol || 'TCP').toLowerCase() === l.proto),
  );
}

/** The cause text for a stale process, or undefined when it is not the cause. */
export function causeOf(proc: ProcessRecord, held: readonly Listener[], pod: PodInfo, errors: readonly BindError[]): string | undefined {
  if (proc.owner !== 'stale') return undefined;
  for (const l of held) {
    const c = declaredBy(pod, l);
    if (c) return `holds ${l.proto.toUpperCase()} port ${l.port}, declared by container ${c.name}`;
  }
  for (const l of held) {
    const e = errors.find((b) => b.ports.length === 0 || b.ports.includes(l.port));
    if (e) return `holds ${l.proto.toUpperCase()} port ${l.port} while container ${e.container} fails: ${e.message}`;
  }
  return undefined;
}

/** Lines for the view about the pod: containers failing on bind. */
export function podNotes(pod: PodInfo, errors: readonly BindError[]): string[] {
  return errors.map((e) => {
    const c = pod.containers.find((x) => x.name === e.container);
    const restarts = c ? `, ${c.restartCount} restarts` : '';
    return `container ${e.container} (${c?.state ?? '?'}${restarts}): ${e.message}`;
  });
}
