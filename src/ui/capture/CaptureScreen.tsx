/**
 * What `c` opens: the prompt for an optional tcpdump filter and the snap length, saying before
 * anything starts what will be captured (node, interface, filter, what is left out), then the
 * capture view. The prompt's state is the shell's (nav.ts CaptureRoute: every key of a paste or
 * a fast-typed line is in it before this renders); this screen starts the capture when the route
 * says so, and reports a filter tcpdump refuses back (the prompt comes back with tcpdump's own
 * message and the filter to edit; nothing was captured).
 */
import { useEffect, useState } from 'react';
import type { CaptureSource } from '../../sources/capture/source.js';
import type { Seg } from '../columns.js';
import { Lines } from '../components/Lines.js';
import { footerHint } from '../keys.js';
import { type CaptureRoute, SNAPLENS } from '../nav.js';
import { CaptureView } from './CaptureView.js';

export interface CaptureScreenProps {
  /** what is captured: "pod shop/cart-7d9 > veth3a1b on node-a" */
  readonly title: string;
  /** lines saying where the capture runs ("node node-a, interface eth0"), shown above the filter */
  readonly where: readonly string[];
  /** what the capture leaves out of every filter (netwatch's own SSH connection), as one line */
  readonly exclusion?: string;
  /** the snap length when none is chosen (bytes; 0 = whole packet) */
  readonly defaultSnaplen: number;
  readonly prompt: CaptureRoute;
  readonly width: number;
  readonly height: number;
  /** starts the capture; may throw (bad name, node at its capture limit) */
  readonly start: (spec: { filter: string; snaplen: number }) => CaptureSource;
  readonly onRejected: (message: string) => void;
  readonly keepDir?: string;
  readonly onClose: () => void;
  readonly utc?: boolean;
  readonly refreshMs?: number;
}

export const snaplenText = (n: number): string => (n === 0 ? 'whole packet' : `${n} bytes`);

export function snaplenOf(prompt: CaptureRoute, fallback: number): number {
  return SNAPLENS[prompt.snap] ?? fallback;
}

export function promptLines(p: Pick<CaptureScreenProps, 'title' | 'where' | 'exclusion' | 'defaultSnaplen' | 'prompt'> & Partial<CaptureScreenProps>): Seg[][] {
  const { prompt } = p;
  const snap = snaplenOf(prompt, p.defaultSnaplen);
  const choices = [p.defaultSnaplen, ...SNAPLENS.filter((n): n is number => n !== undefined && n !== p.defaultSnaplen)];
  const lines: Seg[][] = [
    [{ text: `Capture: ${p.title}`, tone: 'accent', bold: true }],
    [],
    ...p.where.map((w): Seg[] => [{ text: w }]),
    [{ text: 'filter: ' }, prompt.filter.trim() ? { text: prompt.filter.trim(), tone: 'accent' } : { text: 'everything (no filter)', tone: 'dim' }],
  ];
  if (p.exclusion) lines.push([{ text: p.exclusion, tone: 'dim' }]);
  lines.push(
    [{ text: 'snap length: ' }, { text: snaplenText(snap), tone: 'accent' }, { text: `  (tab: ${choices.map(snaplenText).join(' / ')})`, tone: 'dim' }],
    [],
    [{ text: 'tcpdump filter (empty: everything), e.g. ' }, { text: 'tcp port 443', tone: 'dim' }],
    [{ text: '> ' }, { text: prompt.filter }, { text: '_', tone: 'accent' }],
  );
  if (prompt.error) lines.push(...prompt.error.split('\n').slice(0, 6).map((l): Seg[] => [{ text: l, tone: 'bad' }]));
  lines.push([], [{ text: footerHint(['capturePrompt'], { readonly: false }), tone: 'dim' }]);
  return lines;
}

export function CaptureScreen(props: CaptureScreenProps) {
  const { prompt, onRejected } = props;
  const [source, setSource] = useState<CaptureSource | null>(null);

  // the route says "running" with a new run number: start once with the filter it holds
  useEffect(() => {
    if (prompt.phase !== 'running') return setSource(null);
    try {
      setSource(props.start({ filter: prompt.filter, snaplen: snaplenOf(prompt, props.defaultSnaplen) }));
    } catch (e) {
      onRejected((e as Error).message);
    }
  }, [prompt.phase, prompt.run]);

  useEffect(() => {
    if (!source) return;
    const check = () => {
      const st = source.snapshot(0).status;
      if (st.kind === 'error' && st.cause === 'rejected') onRejected(st.message);
    };
    check();
    return source.subscribe(check);
  }, [source]);

  if (source && prompt.phase === 'running') {
    return (
      <CaptureView
        source={source}
        width={props.width}
        height={props.height}
        keepDir={props.keepDir}
        onClose={props.onClose}
        utc={props.utc}
        refreshMs={props.refreshMs}
      />
    );
  }
  return <Lines lines={promptLines(props)} width={props.width} />;
}
