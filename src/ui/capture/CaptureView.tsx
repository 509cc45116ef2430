/**
 * The capture view: a title line, live packet lines (scrollable, pausable) with the summary
 * beside them (wide terminals) or below them, the parts of a fan-out, and a footer with the
 * pcap file(s) and keys. Takes any CaptureSource (one CaptureSession or a FanOut).
 */
import { Box, Text, useInput } from 'ink';
import { useReducer, useState } from 'react';
import { SegLine as Line, clip as clipSegs } from './line.js';
import type { CaptureSource } from '../../sources/capture/source.js';
import { captureHint, resolveCaptureKey } from './keys.js';
import { footerSegs, packetSegs, partSegs, statusText, summarySegs } from './present.js';
import { initialScroll, scrollReducer, visibleLines } from './scroll.js';
import { useCaptureSnapshot } from './useCaptureSnapshot.js';

export interface CaptureViewProps {
  readonly source: CaptureSource;
  readonly width: number;
  readonly height: number;
  /** where `w` keeps the pcap (default: the source's own default, the current directory) */
  readonly keepDir?: string;
  /** esc: the view stops the capture and calls this */
  readonly onClose?: () => void;
  readonly isActive?: boolean;
  readonly refreshMs?: number;
  readonly utc?: boolean;
  readonly now?: () => number;
}

/** columns the summary takes beside the packets on wide terminals (130 columns and more) */
export function sideSummaryWidth(width: number): number {
  return Math.max(60, Math.min(90, Math.floor(width * 0.42)));
}

export function CaptureView(props: CaptureViewProps) {
  const { source, width, height, keepDir, onClose, utc } = props;
  const snap = useCaptureSnapshot(source, props.refreshMs);
  const [scroll, dispatch] = useReducer(scrollReducer, initialScroll);
  const [note, setNote] = useState<string | undefined>();
  const now = (props.now ?? Date.now)();

  const side = width >= 130;
  const multi = snap.parts.length > 1;
  const partRows = multi ? Math.min(snap.parts.length, 4) : 0;
  const error = snap.status.kind === 'error' ? snap.status.message : undefined;
  const errorRows = error ? Math.min(error.split('\n').length, 6) : 0;
  // title, footer, one spare line so the frame stays shorter than the terminal
  const body = Math.max(3, height - 3 - partRows - errorRows);
  const summaryRows = side ? body : Math.min(Math.max(4, Math.floor(body / 2)), 12);
  const listRows = side ? body : Math.max(1, body - summaryRows);
  const sideWidth = sideSummaryWidth(width);
  const listWidth = side ? width - sideWidth - 2 : width;
  const view = visibleLines(scroll, snap.lines, listRows);

  useInput(
    (input, key) => {
      const cmd = resolveCaptureKey(input, key);
      switch (cmd) {
        case 'pause':
          return dispatch({ type: 'pause', lines: snap.lines });
        case 'up':
        case 'down':
          return dispatch({ type: 'scroll', lines: snap.lines, delta: cmd === 'up' ? -1 : 1, rows: listRows });
        case 'pageUp':
        case 'pageDown':
          return dispatch({ type: 'scroll', lines: snap.lines, delta: (cmd === 'pageUp' ? -1 : 1) * listRows, rows: listRows });
        case 'oldest':
          return dispatch({ type: 'oldest', lines: snap.lines, rows: listRows });
        case 'newest':
          return dispatch({ type: 'newest' });
        case 'keep':
          setNote('keeping...');
          source.keep(keepDir).then(
            (files) => setNote(files.length ? undefined : 'nothing to keep'),
            (e: Error) => setNote(`cannot keep: ${e.message}`),
          );
          return;
        case 'stop':
          void source.stop();
          return;
        case 'close':
          void source.stop();
          onClose?.();
          return;
      }
    },
    { isActive: props.isActive ?? true },
  );

  const st = statusText(snap.status, now);
  const title = clipSegs([{ text: snap.title, tone: 'accent' }, { text: '  ' }, { text: st.text, tone: st.tone }], width);
  const packets = view.lines.map((l) => <Line key={l.id} segs={packetSegs(l, listWidth, { utc })} />);
  const waiting = snap.lines.length === 0 && snap.status.kind === 'running' ? <Text dimColor>waiting for packets...</Text> : null;
  const summary = summarySegs(snap, side ? sideWidth : width, summaryRows).map((l, i) => <Line key={i} segs={l.segs} bold={l.bold} />);

  return (
    <Box flexDirection="column" width={width}>
      <Line segs={title} bold />
      {error ? (
        <Box flexDirection="column">
          {error
            .split('\n')
            .slice(0, errorRows)
            .map((l, i) => (
              <Line key={i} segs={clipSegs([{ text: l, tone: 'bad' }], width)} />
            ))}
        </Box>
      ) : null}
      {side ? (
        <Box flexDirection="row" height={body}>
          <Box flexDirection="column" width={listWidth + 2}>
            {waiting}
            {packets}
          </Box>
          <Box flexDirection="column" width={sideWidth}>
            {summary}
          </Box>
        </Box>
      ) : (
        <Box flexDirection="column">
          <Box flexDirection="column" height={listRows}>
            {waiting}
            {packets}
          </Box>
          <Box flexDirection="column" height={summaryRows}>
            {summary}
          </Box>
        </Box>
      )}
      {multi ? snap.parts.slice(0, partRows).map((p) => <Line key={`${p.node}:${p.iface}`} segs={clipSegs(partSegs(p, now), width)} />) : null}
      <Line segs={footerSegs(snap, { ...view, paused: scroll.paused }, captureHint(), width, note ?? singleFileNote(snap))} />
    </Box>
  );
}

function singleFileNote(snap: ReturnType<CaptureSource['snapshot']>): string | undefined {
  const p = snap.parts.length === 1 ? snap.parts[0] : undefined;
  if (!p) return undefined;
  if (p.file?.error) return `write error: ${p.file.error}`;
  if (p.file?.skipped) return `file starts after ${p.file.skipped} packets (memory cap)`;
  if (!p.file && p.droppedFromMemory) return `${p.droppedFromMemory} oldest packets over the memory cap`;
  if (p.stats?.dropped) return `${p.stats.dropped} dropped by kernel`;
  return undefined;
}
