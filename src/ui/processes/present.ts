/**
 * What the stale-process view shows, as plain rows. Pure: no React, tested on ProcessView data.
 * Per network namespace: a header (pod or "leaked netns N", counts), one row per process, its
 * listeners, then notes (bind errors). Only process rows are selectable.
 */
import type { Listener, NetnsView, ProcessRecord, ProcessView } from '../../sources/processes/types.js';
import { podLabel } from '../../sources/processes/kill.js';
import { cols, cutCols } from '../format.js';
import { sanitize } from '../sanitize.js';

export type Tone = 'normal' | 'dim' | 'stale' | 'cause' | 'warn' | 'title';

export type Row =
  | { kind: 'ns'; ns: NetnsView; text: string; tone: Tone }
  | { kind: 'proc'; ns: NetnsView; proc: ProcessRecord; text: string; tone: Tone }
  | { kind: 'info'; text: string; tone: Tone };

const OWNER_LABEL: Record<ProcessRecord['owner'], string> = {
  pod: 'pod',
  sandbox: 'sandbox',
  runtime: 'runtime',
  stale: 'STALE',
  host: 'host',
  unverified: '?',
};

export const commandOf = (p: ProcessRecord): string => (p.args.length ? p.args.join(' ') : `[${p.comm}]`);

/** a fixed-width field, measured as drawn (a container ID from a cgroup path is outside text) */
const pad = (raw: string, n: number): string => {
  const s = sanitize(raw);
  const w = cols(s);
  return w >= n ? cutCols(s, n) + ' '.repeat(n - cols(cutCols(s, n))) : s + ' '.repeat(n - w);
};

export function nsTitle(ns: NetnsView): string {
  const where = ns.pod?.name ? `  netns ${ns.inode}${ns.pod.from === 'runtime' ? ' (named by the runtime)' : ''}` : '';
  const bits = [
    `${ns.processes.length} proc`,
    ns.stale ? `${ns.stale} stale` : '',
    ns.causes.length ? `CAUSE: pid ${ns.causes.join(', ')}` : '',
    ns.zombies ? `${ns.zombies} zombie${ns.zombies > 1 ? 's' : ''}` : '',
  ].filter(Boolean);
  return `${podLabel(ns)}${where}  ${bits.join(' · ')}`;
}

export const PROC_HEADER = `  ${pad('PID', 8)}${pad('PPID', 8)}S ${pad('OWNER', 8)}${pad('CONTAINER', 13)}COMMAND`;

export function procText(p: ProcessRecord): string {
  const mark = p.cause ? '✗ ' : p.owner === 'stale' ? '! ' : '  ';
  const who = p.containerName ? `${commandOf(p)}  (${p.containerName})` : commandOf(p);
  const cause = p.cause ? `  ← cause: ${p.cause}` : '';
  return `${mark}${pad(String(p.pid), 8)}${pad(String(p.ppid), 8)}${p.state} ${pad(OWNER_LABEL[p.owner], 8)}${pad(p.containerId?.slice(0, 12) ?? '-', 13)}${who}${cause}`;
}

export function listenerText(l: Listener): string {
  const addr = l.family === 6 ? `[${l.address}]` : l.address;
  const who = l.pids.length ? `pid ${l.pids.join(',')}` : 'no process';
  return `${l.proto}${l.family === 6 ? '6' : ''} ${addr}:${l.port} (${who})`;
}

export function buildRows(view: ProcessView): Row[] {
  const rows: Row[] = [];
  for (const ns of view.namespaces) {
    const tone: Tone = ns.causes.length ? 'cause' : ns.stale || ns.kind === 'leaked' ? 'stale' : 'title';
    rows.push({ kind: 'ns', ns, text: nsTitle(ns), tone });
    for (const p of ns.processes) {
      rows.push({ kind: 'proc', ns, proc: p, text: procText(p), tone: p.cause ? 'cause' : p.owner === 'stale' ? 'stale' : 'normal' });
    }
    const listen = !ns.listenersRead
      ? 'listening: not read'
      : ns.listeners.length
        ? `listening: ${ns.listeners.map(listenerText).join('  ')}`
        : 'listening: nothing';
    rows.push({ kind: 'info', text: `    ${listen}`, tone: 'dim' });
    for (const n of ns.notes) rows.push({ kind: 'info', text: `    ${n}`, tone: 'warn' });
  }
  if (view.others.length) {
    const list = view.others.map((o) => `${o.inode} (${o.comms.join(',')})`).join('  ');
    rows.push({ kind: 'info', text: `${view.others.length} other netns without container processes: ${list}`, tone: 'dim' });
  }
  if (!view.namespaces.length) rows.push({ kind: 'info', text: 'no pod network namespaces on this node', tone: 'dim' });
  return rows;
}

/** indexes (into rows) of the selectable process rows */
export function selectable(rows: readonly Row[]): number[] {
  return rows.flatMap((r, i) => (r.kind === 'proc' ? [i] : []));
}

/** the process to select first: the first cause, else the first stale, else the first */
export function initialPid(view: ProcessView): number | undefined {
  const all = view.namespaces.flatMap((n) => n.processes);
  return (all.find((p) => p.cause) ?? all.find((p) => p.owner === 'stale') ?? all[0])?.pid;
}

export function summaryLine(view: ProcessView): string {
  const stale = view.namespaces.reduce((n, ns) => n + ns.stale, 0);
  const causes = view.namespaces.reduce((n, ns) => n + ns.causes.length, 0);
  const leaked = view.namespaces.filter((n) => n.kind === 'leaked').length;
  const procs = view.namespaces.reduce((n, ns) => n + ns.processes.length, 0);
  const cpu = view.cost.remoteCpuMs !== undefined ? `, node CPU ${view.cost.remoteCpuMs} ms` : '';
  return (
    `Stale processes on ${view.node}: ${view.namespaces.length} pod netns, ${procs} processes, ` +
    `${stale} stale, ${causes} cause${causes === 1 ? '' : 's'}${leaked ? `, ${leaked} leaked netns` : ''}` +
    `  (read in ${(view.cost.wallMs / 1000).toFixed(1)} s${cpu})`
  );
}

/** the window of rows to show: keeps the selected row in view, a few rows of context above it */
export function windowRows(total: number, selectedRow: number, rows: number): { start: number; end: number } {
  if (total <= rows) return { start: 0, end: total };
  const start = Math.max(0, Math.min(selectedRow - Math.floor(rows / 3), total - rows));
  return { start, end: start + rows };
}
