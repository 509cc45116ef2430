/**
 * One line of colored segments, for views that lay out line by line (the capture and process
 * views use it). Printed through <Lines>, so it costs Ink no string-width work whatever it holds.
 */
import { memo } from 'react';
import type { Seg } from '../columns.js';
import { Lines } from './Lines.js';

export interface LineProps {
  readonly segs: readonly Seg[];
  /** a selected row: inverse video */
  readonly inverse?: boolean;
  readonly bold?: boolean;
}

export const Line = memo(function Line({ segs, inverse, bold }: LineProps) {
  const styled = inverse || bold ? segs.map((s) => ({ ...s, inverse: s.inverse || inverse, bold: s.bold || bold })) : segs;
  const width = segs.reduce((a, s) => a + s.text.length, 0);
  return <Lines lines={[styled]} width={Math.max(1, width)} />;
});
