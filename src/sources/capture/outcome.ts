/**
 * How a capture ended, from what the remote script said on stderr (markers, tcpdump's own
 * messages), its exit code, whether netwatch asked it to stop, and the connection. Pure.
 */
import { missingTcpdumpMessage, type StderrReport } from './script.js';
import type { CaptureStatus, StopReason } from './source.js';

export interface EndFacts {
  report: StderrReport;
  /** exit code of the script; null when the channel went away first */
  code: number | null;
  /** why netwatch asked it to stop, if it did */
  stopReason: StopReason | null;
  packets: number;
  count: number;
  /** the transport is still connected */
  connected: boolean;
  node: string;
  idleSeconds: number;
  since: number;
}

export function captureOutcome(f: EndFacts): CaptureStatus {
  const r = f.report;
  const message = r.messages.join('\n');
  const since = f.since;
  if (r.missing !== undefined || f.code === 127) {
    return { kind: 'error', since, cause: 'missing-tcpdump', message: missingTcpdumpMessage(f.node, r.missing ?? 'tcpdump') };
  }
  if (r.unprotected !== undefined) {
    const message = `${f.node}: refusing to capture: netwatch's own SSH connection cannot be told on the node (${r.unprotected}), and a capture would record the session that carries it`;
    return { kind: 'error', since, cause: 'unprotected', message };
  }
  if (r.rejected) return { kind: 'error', since, cause: 'rejected', message: message || 'tcpdump refused the filter or interface' };
  if (r.exit !== undefined && r.exit !== 0) {
    return { kind: 'error', since, cause: 'tcpdump', message: message || `tcpdump exited with code ${r.exit}` };
  }
  if (f.stopReason) return { kind: 'stopped', since, reason: f.stopReason };
  if (r.exit === 0) return { kind: 'stopped', since, reason: f.packets >= f.count ? 'count' : 'ended', message: message || undefined };
  if (!f.connected) {
    const message = `connection to ${f.node} lost; the node ends tcpdump by itself within ${f.idleSeconds + 2} s`;
    return { kind: 'stopped', since, reason: 'connection-lost', message };
  }
  if (!r.started && (f.code ?? 0) !== 0) {
    return { kind: 'error', since, cause: 'start', message: message || `the capture script exited with code ${f.code}` };
  }
  return { kind: 'stopped', since, reason: 'ended', message: message || undefined };
}
