/**
 * A table as lines: the column header, then the visible window of rows. The selected row is
 * marked twice: ">" in a two-column gutter (readable without colors) and inverse video.
 */
import { bold, selected } from './ansi.js';
import { headerText, type Placed, rowSegs, type Seg } from './columns.js';
import type { ListState } from './nav.js';

/** the gutter before the columns */
export const GUTTER = 2;

export interface TableSpec<R> {
  columns: readonly Placed<R>[];
  rows: readonly R[];
  list: ListState;
  page: number;
  /** shown instead of rows when there are none */
  empty: string;
  /** the full width (gutter included), for the selection bar */
  width: number;
}

export function tableLines<R>({ columns, rows, list, page, empty, width }: TableSpec<R>): Seg[][] {
  const lines: Seg[][] = [bold([{ text: `  ${headerText(columns)}` }])];
  const visible = rows.slice(list.offset, list.offset + page);
  if (visible.length === 0) lines.push([{ text: `  ${empty}`, tone: 'dim' }]);
  visible.forEach((r, i) => {
    const isSel = list.offset + i === list.cursor;
    const segs: Seg[] = [{ text: isSel ? '> ' : '  ' }, ...rowSegs(columns, r)];
    lines.push(isSel ? selected(segs, width) : segs);
  });
  return lines;
}
