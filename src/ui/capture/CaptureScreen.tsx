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
import { Lines } from '../components/Lines.js';
import type { CaptureRoute } from '../nav.js';
import { promptLines as promptLinesOf, snaplenOf } from './promptLines.js';
import type { Seg } from '../columns.js';
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

export { snaplenOf, snaplenText } from './promptLines.js';

/** the prompt's lines for this screen's props (ui/capture/promptLines.ts) */
export function promptLines(p: CaptureScreenProps): Seg[][] {
  return promptLinesOf(p);
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
