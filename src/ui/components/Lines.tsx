/**
 * A block of pre-rendered lines, printed through Ink's <Transform> over a blank placeholder of the
 * same size. Why (measured in bench/ui.mjs, written up in docs/ui-charts.md):
 *  - Ink measures every text node's width with string-width on each frame; a line holding any
 *    non-ASCII glyph (▁▂▃, braille, "·", "…") takes the Intl.Segmenter path, ~150× slower than
 *    ASCII. The placeholder is ASCII spaces, so measuring it is cheap whatever the lines hold.
 *  - The placeholder only changes with the block's size, so Yoga does not re-layout and Ink's
 *    measure cache (a Map without eviction) does not grow by every frame's changing text.
 * Lines must fit the width; the screens build them to (columns.ts clips and pads).
 */
import { Transform } from 'ink';
import { memo, useMemo } from 'react';
import { renderLine, type StyledLine } from '../ansi.js';

export interface LinesProps {
  readonly lines: readonly StyledLine[];
  readonly width: number;
}

export const Lines = memo(function Lines({ lines, width }: LinesProps) {
  const rendered = useMemo(() => lines.map((l) => renderLine(l, width)), [lines, width]);
  const placeholder = useMemo(() => Array.from({ length: lines.length }, () => ' '.repeat(Math.max(1, width))).join('\n'), [lines.length, width]);
  if (lines.length === 0) return null;
  return <Transform transform={(_line: string, index: number) => rendered[index] ?? ''}>{placeholder}</Transform>;
});
