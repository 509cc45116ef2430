/**
 * Ending a stale process: the only destructive action of the view.
 *
 * Refused in read-only mode. Otherwise kill.sh (script.ts) re-reads /proc/PID/stat on the node
 * and refuses when the start time differs from the one collected (the pid was reused), sends
 * SIGTERM, polls for the grace period, then SIGKILL. Every attempt, refused ones included, is
 * appended to the local audit log (JSON lines); when the log cannot be written the kill is
 * refused before anything is sent.
 */
import { homedir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { appendFile, mkdir, open } from 'node:fs/promises';
import { validPid } from '../shell.js';
import type { Transport } from '../transport/types.js';
import { KILL_SH } from './script.js';
import { processTag } from '../remote/tags.js';
import type { NetnsView, ProcessRecord, ProcessView } from './types.js';

export interface KillTarget {
  node: string;
  /** "namespace/name", or "leaked netns INODE" */
  pod: string;
  pid: number;
  /** /proc/PID/stat field 22 when the view was collected */
  startTicks: number;
  /** command and arguments, as shown */
  command: string;
  containerId?: string;
  /** listening ports the process holds ("tcp/8080") */
  ports: string[];
}

export type KillOutcome =
  /** ended within the grace period after SIGTERM */
  | { kind: 'terminated' }
  /** still running after the grace period; SIGKILL ended it */
  | { kind: 'killed' }
  /** already gone (or a zombie) before any signal */
  | { kind: 'gone' }
  | { kind: 'refused'; reason: string }
  /** still running after SIGKILL, or the node could not be asked */
  | { kind: 'failed'; reason: string };

export interface KillOptions {
  /** --readonly / config: refuse without contacting the node */
  readOnly: boolean;
  /** SIGTERM -> SIGKILL delay; default 5000, at most 60000 */
  graceMs?: number;
  /** default ~/.local/state/netwatch/audit.log ($XDG_STATE_HOME honoured) */
  auditPath?: string;
  /** the local user in the audit line; default the OS user name */
  user?: string;
}

export interface KillResult {
  outcome: KillOutcome;
  /** one line for the user */
  message: string;
}

export function defaultAuditPath(): string {
  const state = process.env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state');
  return join(state, 'netwatch', 'audit.log');
}

const cmdline = (p: ProcessRecord): string => (p.args.length ? p.args.join(' ') : `[${p.comm}]`);

/** The kill target for a process of the view. */
export function killTarget(view: ProcessView, ns: NetnsView, p: ProcessRecord): KillTarget {
  const listeners = ns.listeners.filter((l) => p.listening.includes(l.inode));
  return {
    node: view.node,
    pod: podLabel(ns),
    pid: p.pid,
    startTicks: p.startTicks,
    command: cmdline(p),
    ...(p.containerId ? { containerId: p.containerId } : {}),
    ports: [...new Set(listeners.map((l) => `${l.proto}/${l.port}`))],
  };
}

/** "namespace/name", or "leaked netns INODE (pod uid U)" when no pod name is known */
export function podLabel(ns: NetnsView): string {
  if (ns.pod?.name) return `${ns.pod.namespace ?? '?'}/${ns.pod.name}`;
  const uid = ns.pod ? ` (pod uid ${ns.pod.uid})` : '';
  return `${ns.kind === 'leaked' ? 'leaked ' : ''}netns ${ns.inode}${uid}`;
}

function describe(t: KillTarget, o: KillOutcome): string {
  const who = `process ${t.pid} on ${t.node}`;
  switch (o.kind) {
    case 'terminated': return `${who} ended after SIGTERM`;
    case 'killed': return `${who} ignored SIGTERM; ended by SIGKILL`;
    case 'gone': return `${who} was already gone`;
    case 'refused': return `kill refused: ${o.reason}`;
    case 'failed': return `kill of ${who} failed: ${o.reason}`;
  }
}

/** Maps kill.sh's one line to an outcome. */
export function parseKillReply(pid: number, expected: number, line: string): KillOutcome {
  const [word, ...rest] = line.trim().split(' ');
  const arg = rest.join(' ');
  switch (word) {
    case 'terminated': return { kind: 'terminated' };
    case 'killed': return { kind: 'killed' };
    case 'gone': return { kind: 'gone' };
    case 'refused':
      return { kind: 'refused', reason: `process ${pid} is no longer the same process (start time ${rest[1] ?? '?'}, expected ${expected})` };
    case 'alive': return { kind: 'failed', reason: `still running after SIGKILL (state ${arg || '?'})` };
    case 'error': return { kind: 'failed', reason: arg || 'error' };
    default: return { kind: 'failed', reason: `unexpected reply ${JSON.stringify(line.slice(0, 100))}` };
  }
}

async function auditWritable(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const fh = await open(path, 'a', 0o600);
  await fh.close();
}

async function audit(path: string, user: string, t: KillTarget, o: KillOutcome): Promise<void> {
  const line = {
    time: new Date().toISOString(),
    user,
    node: t.node,
    pod: t.pod,
    pid: t.pid,
    startTicks: t.startTicks,
    command: t.command,
    containerId: t.containerId ?? null,
    port: t.ports[0] ?? null,
    ports: t.ports,
    outcome: o.kind,
    ...('reason' in o ? { reason: o.reason } : {}),
  };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await appendFile(path, JSON.stringify(line) + '\n', { mode: 0o600 });
}

export async function killProcess(transport: Transport, target: KillTarget, opts: KillOptions): Promise<KillResult> {
  const auditPath = opts.auditPath ?? defaultAuditPath();
  const user = opts.user ?? safeUser();
  const finish = async (outcome: KillOutcome): Promise<KillResult> => {
    let message = describe(target, outcome);
    try {
      await audit(auditPath, user, target, outcome);
    } catch (e) {
      message += ` (audit log not written: ${(e as Error).message})`;
    }
    return { outcome, message };
  };

  if (opts.readOnly) return finish({ kind: 'refused', reason: 'read-only mode' });
  try {
    validPid(target.pid);
    if (!Number.isSafeInteger(target.startTicks) || target.startTicks < 0) throw new Error('bad start time');
  } catch (e) {
    return finish({ kind: 'refused', reason: (e as Error).message });
  }
  try {
    await auditWritable(auditPath);
  } catch (e) {
    // nothing is sent when the attempt cannot be recorded
    return { outcome: { kind: 'refused', reason: `audit log ${auditPath} not writable: ${(e as Error).message}` }, message: `kill refused: audit log ${auditPath} not writable` };
  }
  const graceDs = Math.min(600, Math.max(0, Math.round((opts.graceMs ?? 5000) / 100)));
  let outcome: KillOutcome;
  try {
    const res = await transport.exec(KILL_SH, [String(target.pid), String(target.startTicks), String(graceDs)], {
      privileged: true,
      tag: processTag('kill', transport),
      timeoutMs: graceDs * 100 + 15_000,
    });
    const line = res.stdout.trim().split('\n').pop() ?? '';
    outcome = line
      ? parseKillReply(target.pid, target.startTicks, line)
      : { kind: 'failed', reason: res.stderr.trim().split('\n').pop() || `no reply (exit ${res.code ?? res.signal ?? '?'})` };
  } catch (e) {
    outcome = { kind: 'failed', reason: (e as Error).message };
  }
  return finish(outcome);
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? 'unknown';
  }
}
