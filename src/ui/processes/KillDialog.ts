/**
 * The confirmation before a kill: everything the user must see before ending a process on a
 * node (node, pod, pid, command, container ID, port) and what will happen, as a framed block of
 * lines (drawn with the other lines of the view through <Lines>).
 */
import type { KillTarget } from '../../sources/processes/kill.js';
import { clipSegs, type Seg, segsWidth } from '../columns.js';

/** the dialog's lines, at most `width` columns (a frame of ╭─╮ │ ╰─╯ in red around them) */
export function killDialogLines(target: KillTarget, width: number, graceMs: number, hint: string): Seg[][] {
  const w = Math.max(24, width);
  const inner = w - 4;
  const field = (name: string, value: string): Seg[] => [{ text: name.padEnd(11) }, { text: value, bold: true }];
  const body: Seg[][] = [
    [{ text: `Kill process ${target.pid} on ${target.node}?`, tone: 'bad', bold: true }],
    field('node', target.node),
    field('pod', target.pod),
    field('pid', String(target.pid)),
    field('command', target.command),
    field('container', target.containerId ?? '(none)'),
    field('port', target.ports.length ? target.ports.join(', ') : '(none held)'),
    [{ text: `SIGTERM, then SIGKILL after ${Math.round(graceMs / 100) / 10} s if still running.`, tone: 'dim' }],
    [{ text: hint }],
  ];
  const edge = (l: string, r: string): Seg[] => [{ text: `${l}${'─'.repeat(w - 2)}${r}`, tone: 'bad' }];
  return [
    edge('╭', '╮'),
    ...body.map((segs): Seg[] => {
      const c = clipSegs(segs, inner);
      const len = segsWidth(c);
      return [{ text: '│ ', tone: 'bad' }, ...c, { text: ' '.repeat(inner - len) }, { text: ' │', tone: 'bad' }];
    }),
    edge('╰', '╯'),
  ];
}

/** rows the dialog takes */
export const DIALOG_ROWS = 11;
