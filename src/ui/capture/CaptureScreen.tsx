/**
 * What `c` opens: a prompt for an optional tcpdump filter, then the capture view. A filter that
 * tcpdump refuses on the node brings the prompt back with tcpdump's own message and the filter
 * to edit; nothing was captured. The lead's shell provides `start` (which node, interface, and
 * options) and mounts this full-screen.
 */
import { Box, Text, useInput } from 'ink';
import { useEffect, useState } from 'react';
import { SegLine as Line, clip as clipSegs } from './line.js';
import type { CaptureSource } from '../../sources/capture/source.js';
import { CaptureView } from './CaptureView.js';

export interface CaptureScreenProps {
  /** what is captured: "pod shop/cart-7d9 > veth3a1b on node-a" */
  readonly title: string;
  readonly width: number;
  readonly height: number;
  readonly initialFilter?: string;
  /** starts the capture; may throw (bad name, node at its capture limit) */
  readonly start: (filter: string) => CaptureSource;
  readonly keepDir?: string;
  readonly onClose: () => void;
  readonly utc?: boolean;
  readonly refreshMs?: number;
}

export function CaptureScreen(props: CaptureScreenProps) {
  const [filter, setFilter] = useState(props.initialFilter ?? '');
  const [error, setError] = useState<string | undefined>();
  const [source, setSource] = useState<CaptureSource | null>(null);

  useEffect(() => {
    if (!source) return;
    const check = () => {
      const st = source.snapshot(0).status;
      if (st.kind === 'error' && st.cause === 'rejected') {
        setError(st.message);
        setSource(null);
      }
    };
    check();
    return source.subscribe(check);
  }, [source]);

  useInput(
    (input, key) => {
      if (key.escape) return props.onClose();
      if (key.return) {
        try {
          setError(undefined);
          setSource(props.start(filter.trim()));
        } catch (e) {
          setError((e as Error).message);
        }
        return;
      }
      if (key.backspace || key.delete) return setFilter((f) => f.slice(0, -1));
      if (key.ctrl && input === 'u') return setFilter('');
      if (input && !key.ctrl && !key.meta && !key.tab && !key.upArrow && !key.downArrow) setFilter((f) => f + input);
    },
    { isActive: source === null },
  );

  if (source) {
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
  const w = props.width;
  return (
    <Box flexDirection="column" width={w}>
      <Line segs={clipSegs([{ text: `Capture: ${props.title}`, tone: 'accent' }], w)} bold />
      <Text> </Text>
      <Line segs={clipSegs([{ text: 'tcpdump filter (empty: everything), e.g. ' }, { text: 'tcp port 443', tone: 'dim' }], w)} />
      <Line segs={clipSegs([{ text: '> ' }, { text: filter }, { text: '_', tone: 'accent' }], w)} />
      {error
        ? error
            .split('\n')
            .slice(0, 6)
            .map((l, i) => <Line key={i} segs={clipSegs([{ text: l, tone: 'bad' }], w)} />)
        : null}
      <Text> </Text>
      <Line segs={clipSegs([{ text: 'enter start, esc back, ctrl-u clear', tone: 'dim' }], w)} />
    </Box>
  );
}
