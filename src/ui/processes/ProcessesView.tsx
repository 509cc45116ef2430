/**
 * The stale-process view of one node: per pod network namespace its processes (owner, container,
 * command), listeners, zombies and notes; stale processes marked, the cause flagged. Arrows or
 * j/k select a process; `K` asks for confirmation (node, pod, pid, command, container, port) and
 * `y` calls onKill; `n`/esc cancel. Read-only: `K` answers "read-only: kill refused".
 * The app shell owns collection and refresh: it passes the data and the kill callback.
 */
import { Box, Text, useInput } from 'ink';
import { useMemo, useRef, useState } from 'react';
import { killTarget, type KillResult, type KillTarget } from '../../sources/processes/kill.js';
import type { ProcessView } from '../../sources/processes/types.js';
import { KillDialog } from './KillDialog.js';
import { processHint, resolveProcessKey } from './keys.js';
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
  readonly isActive?: boolean;
  /** shown in the dialog; the same value should go to killProcess */
  readonly graceMs?: number;
}

type Mode = { kind: 'list' } | { kind: 'confirm'; target: KillTarget } | { kind: 'killing'; target: KillTarget };

const DIALOG_ROWS = 10;

const TONE: Record<Tone, { color?: string; bold?: boolean; dimColor?: boolean }> = {
  normal: {},
  dim: { dimColor: true },
  stale: { color: 'yellow' },
  cause: { color: 'red', bold: true },
  warn: { color: 'yellow' },
  title: { color: 'cyan', bold: true },
};

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, Math.max(0, n - 1))}…` : s);

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

  useInput(
    (input, key) => {
      const mode = modeRef.current;
      const cmd = resolveProcessKey(input, key, mode.kind === 'confirm');
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
      if (key.escape) return onClose?.();
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
    { isActive: props.isActive ?? true },
  );

  const hint = processHint({ readOnly, dialog: mode.kind === 'confirm' });
  return (
    <Box flexDirection="column" width={width}>
      <Text bold>{clip(summaryLine(view), width)}</Text>
      <Text dimColor>{clip(`${view.basisNote}${view.warnings.length ? ` · ${view.warnings.join('; ')}` : ''}`, width)}</Text>
      <Text dimColor>{clip(PROC_HEADER, width)}</Text>
      {rows.slice(win.start, win.end).map((r, i) => {
        const at = win.start + i;
        return (
          <Text key={at} {...TONE[r.tone]} inverse={at === selRow}>
            {clip(r.text, width)}
          </Text>
        );
      })}
      {mode.kind !== 'list' && <KillDialog target={mode.target} width={width} graceMs={graceMs} hint={mode.kind === 'killing' ? 'killing…' : hint} />}
      <Text color={message?.startsWith('read-only') || message?.includes('refused') || message?.includes('failed') ? 'red' : undefined}>
        {clip(message ?? (readOnly ? 'read-only' : ''), width)}
      </Text>
      <Text dimColor>{clip(mode.kind === 'list' ? `${hint}${rows.length > listRows ? `  ·  rows ${win.start + 1}–${win.end} of ${rows.length}` : ''}` : '', width)}</Text>
    </Box>
  );
}
