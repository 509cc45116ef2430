/**
 * The capture view: a title line, live packet lines (scrollable, pausable) with the summary
 * beside them (wide terminals) or below them, the parts of a fan-out, and a footer with the
 * pcap file(s) and keys. Takes any CaptureSource (one CaptureSession or a FanOut). Its keys come
 * from the shell's keymap (scope 'capture') through useViewKeys; it draws through <Lines>.
 */
import { useReducer, useState } from 'react';
import type { CaptureSource } from '../../sources/capture/source.js';
import { clipSegs, type Seg } from '../columns.js';
import { Lines } from '../components/Lines.js';
import { besideEachOther } from '../detail.js';
import { useViewKeys } from '../input/useKeys.js';
import { footerHint } from '../keys.js';
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
  /** esc leaves the capture running (someone else's: an attached viewer's, watched by the owner); x still stops it */
  readonly keepOnClose?: boolean;
  readonly refreshMs?: number;
  readonly utc?: boolean;
  readonly now?: () => number;
}

/** columns the summary takes beside the packets on wide terminals (130 columns and more) */
export function sideSummaryWidth(width: number): number {
  return Math.max(60, Math.min(90, Math.floor(width * 0.42)));
}

const padTo = (lines: Seg[][], n: number): Seg[][] => [...lines.slice(0, n), ...Array.from({ length: Math.max(0, n - lines.length) }, () => [])];

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
  // the filter tcpdump runs with on the node, as the node reported it (own SSH exclusion included)
  const applied: Seg[][] = snap.appliedFilter !== undefined ? [[{ text: 'filter on the node: ', tone: 'dim' }, { text: snap.appliedFilter || '(none)', tone: 'dim' }]] : [];
  // title, footer, one spare line so the frame stays shorter than the terminal
  const body = Math.max(3, height - 3 - partRows - errorRows - applied.length);
  const summaryRows = side ? body : Math.min(Math.max(4, Math.floor(body / 2)), 12);
  const listRows = side ? body : Math.max(1, body - summaryRows);
  const sideWidth = sideSummaryWidth(width);
  const listWidth = side ? width - sideWidth - 2 : width;
  const view = visibleLines(scroll, snap.lines, listRows);

  useViewKeys('capture', (cmd) => {
    switch (cmd) {
      case 'pause':
        return dispatch({ type: 'pause', lines: snap.lines });
      case 'up':
      case 'down':
        return dispatch({ type: 'scroll', lines: snap.lines, delta: cmd === 'up' ? -1 : 1, rows: listRows });
      case 'pageUp':
      case 'pageDown':
        return dispatch({ type: 'scroll', lines: snap.lines, delta: (cmd === 'pageUp' ? -1 : 1) * listRows, rows: listRows });
      case 'top':
        return dispatch({ type: 'oldest', lines: snap.lines, rows: listRows });
      case 'bottom':
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
        if (!props.keepOnClose) void source.stop();
        onClose?.();
        return;
    }
  });

  const st = statusText(snap.status, now);
  const title: Seg[] = [{ text: snap.title, tone: 'accent', bold: true }, { text: '  ', bold: true }, { text: st.text, tone: st.tone, bold: true }];
  const errors: Seg[][] = error ? error.split('\n').slice(0, errorRows).map((l) => [{ text: l, tone: 'bad' }]) : [];
  const packets: Seg[][] = view.lines.map((l) => packetSegs(l, listWidth, { utc }));
  if (snap.lines.length === 0 && snap.status.kind === 'running') packets.push([{ text: 'waiting for packets...', tone: 'dim' }]);
  const summary = summarySegs(snap, side ? sideWidth : width, summaryRows);
  const middle = side
    ? besideEachOther([{ lines: padTo(packets, body), width: listWidth + 1 }, { lines: summary, width: sideWidth }], body)
    : [...padTo(packets, listRows), ...padTo(summary, summaryRows)];
  const parts = multi ? snap.parts.slice(0, partRows).map((p) => clipSegs(partSegs(p, now), width)) : [];
  const footer = footerSegs(snap, { ...view, paused: scroll.paused }, footerHint(['capture', 'global'], { readonly: false }), width, note ?? singleFileNote(snap));
  return <Lines lines={[title, ...applied, ...errors, ...middle, ...parts, footer]} width={width} />;
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
