/**
 * The stale-process view of one node: per pod network namespace its processes (owner, container,
 * command), listeners, zombies and notes; stale processes marked, the cause flagged. Arrows or
 * j/k select a process; `K` asks for confirmation (node, pod, pid, command, container, port) and
 * `y` calls onKill; `n`/esc cancel. Read-only: `K` answers "read-only: kill refused".
 * The app shell owns collection and refresh: it passes the data and the kill callback.
 */
import { useMemo, useRef, useState } from 'react';
import { killTarget, type KillResult, type KillTarget } from '../../sources/processes/kill.js';
import type { ProcessView } from '../../sources/processes/types.js';
import { clipSegs, type Seg } from '../columns.js';
import { Lines } from '../components/Lines.js';
import { useViewKeys } from '../input/useKeys.js';
import { footerHint } from '../keys.js';
import { DIALOG_ROWS, killDialogLines } from './KillDialog.js';
import { buildRows, initialPid, PROC_HEADER, selectable, summaryLine, windowRows, type Row, type Tone } from './present.js';
import { moveSelection } from './selection.js';

export interface ProcessesViewProps {
  readonly view: ProcessView;
  readonly readOnly: boolean;
  /** ends the process (kill.ts killProcess with the node's transport); its message is shown */
  readonly onKill: (target: KillTarget) => Promise<KillResult>;
  readonly width: number;
  readonly height: number;
  /** esc outside the dialog */
  readonly onClose?: () => void;
  /** shown in the dialog; the same value should go to killProcess */
  readonly graceMs?: number;
}

type Mode = { kind: 'list' } | { kind: 'confirm'; target: KillTarget } | { kind: 'killing'; target: KillTarget };

/** how each kind of row is drawn */
const STYLE: Record<Tone, Omit<Seg, 'text'>> = {
  normal: {},
  dim: { tone: 'dim' },
  stale: { tone: 'warn' },
  cause: { tone: 'bad', bold: true },
  warn: { tone: 'warn' },
  title: { tone: 'accent', bold: true },
};

/** "K kill · esc close" (list) or "y confirm · n/esc cancel" (dialog), from the keymap; K left out when read-only */
export function processHint(opts: { readOnly: boolean; dialog: boolean }): string {
  return footerHint(opts.dialog ? ['dialog'] : ['processes', 'global'], { readonly: opts.readOnly });
}

export function ProcessesView(props: ProcessesViewProps) {
  const { view, readOnly, onKill, width, height, onClose } = props;
  const graceMs = props.graceMs ?? 5000;
  const rows = useMemo(() => buildRows(view), [view]);
  const procRows = useMemo(() => selectable(rows), [rows]);
  // State for rendering, mirrored in refs the key handler reads: keys typed faster than React
  // re-subscribes the handler must see the latest mode and selection.
  const [pid, setPidState] = useState<number | undefined>(() => initialPid(view));
  const [mode, setModeState] = useState<Mode>({ kind: 'list' });
  const [message, setMessage] = useState<string | undefined>();
  const pidRef = useRef(pid);
  const modeRef = useRef(mode);
  const setPid = (p: number | undefined) => {
    pidRef.current = p;
    setPidState(p);
  };
  const setMode = (m: Mode) => {
    modeRef.current = m;
    setModeState(m);
  };

  // the selected process row; when its process left the view, the first row takes the place
  const positionOf = (p: number | undefined): number => {
    const at = procRows.findIndex((i) => rows[i]?.kind === 'proc' && (rows[i] as Extract<Row, { kind: 'proc' }>).proc.pid === p);
    return at >= 0 ? at : procRows.length ? 0 : -1;
  };
  const pos = positionOf(pid);
  const selRow = pos >= 0 ? procRows[pos]! : -1;

  const dialog = mode.kind !== 'list';
  const listRows = Math.max(3, height - 6 - (dialog ? DIALOG_ROWS : 0));
  const win = windowRows(rows.length, Math.max(0, selRow), listRows);

  useViewKeys(
    () => (modeRef.current.kind === 'confirm' ? 'dialog' : 'processes'),
    (cmd) => {
      const mode = modeRef.current;
      if (mode.kind === 'killing') return;
      if (mode.kind === 'confirm') {
        if (cmd === 'cancel') {
          setMode({ kind: 'list' });
          setMessage('kill cancelled');
        } else if (cmd === 'confirm') {
          const target = mode.target;
          setMode({ kind: 'killing', target });
          setMessage(`ending process ${target.pid}…`);
          onKill(target).then(
            (r) => {
              setMessage(r.message);
              setMode({ kind: 'list' });
            },
            (e: Error) => {
              setMessage(`kill failed: ${e.message}`);
              setMode({ kind: 'list' });
            },
          );
        }
        return;
      }
      if (cmd === 'close') return onClose?.();
      const at = positionOf(pidRef.current);
      const selected = at >= 0 ? (rows[procRows[at]!] as Extract<Row, { kind: 'proc' }>) : undefined;
      switch (cmd) {
        case 'kill':
          if (readOnly) return setMessage('read-only: kill refused');
          if (!selected) return setMessage('no process selected');
          setMessage(undefined);
          return setMode({ kind: 'confirm', target: killTarget(view, selected.ns, selected.proc) });
        case 'up':
        case 'down':
        case 'top':
        case 'bottom':
        case 'pageUp':
        case 'pageDown': {
          const next = moveSelection(at, procRows.length, cmd, listRows);
          const row = rows[procRows[next] ?? -1];
          if (row?.kind === 'proc') setPid(row.proc.pid);
          return;
        }
      }
    },
  );

  const hint = processHint({ readOnly, dialog: mode.kind === 'confirm' });
  const bad = !!message && (message.startsWith('read-only') || message.includes('refused') || message.includes('failed'));
  const lines: Seg[][] = [
    [{ text: summaryLine(view), bold: true }],
    [{ text: `${view.basisNote}${view.warnings.length ? ` · ${view.warnings.join('; ')}` : ''}`, tone: 'dim' }],
    [{ text: PROC_HEADER, tone: 'dim' }],
    ...rows.slice(win.start, win.end).map((r, i): Seg[] => {
      const segs = clipSegs([{ text: r.text, ...STYLE[r.tone] }], width);
      return win.start + i === selRow ? segs.map((x) => ({ ...x, inverse: true })) : segs;
    }),
  ];
  if (mode.kind !== 'list') lines.push(...killDialogLines(mode.target, width, graceMs, mode.kind === 'killing' ? 'killing…' : hint));
  lines.push([{ text: message ?? (readOnly ? 'read-only' : ''), tone: bad ? 'bad' : undefined }]);
  lines.push([{ text: mode.kind === 'list' ? `${hint}${rows.length > listRows ? `  ·  rows ${win.start + 1}–${win.end} of ${rows.length}` : ''}` : '', tone: 'dim' }]);
  return <Lines lines={lines} width={width} />;
}
