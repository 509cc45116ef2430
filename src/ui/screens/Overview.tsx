/** The overview: one row per node, paged so the frame stays shorter than the terminal. */
import type { NodeState } from '../../state/types.js';
import { footerSegs } from '../chrome.js';
import { fitColumns, type Seg } from '../columns.js';
import { Lines } from '../components/Lines.js';
import type { ListState } from '../nav.js';
import { GUTTER, tableLines } from '../table.js';
import { nodeColumns } from '../tables.js';

export interface OverviewProps {
  readonly rows: readonly NodeState[];
  readonly total: number;
  readonly list: ListState;
  readonly page: number;
  readonly width: number;
  readonly now: number;
  readonly filter: string;
  readonly editing: boolean;
  /** key hints for the footer, from the key table */
  readonly hint: string;
  /** in place of the footer's filter and hints (the mark prompt, what `y` did) */
  readonly status?: readonly Seg[];
}

export function overviewLines({ rows, total, list, page, width, now, filter, editing, hint, status }: OverviewProps): Seg[][] {
  const w = width - GUTTER;
  const columns = fitColumns(nodeColumns(w, rows, now), w);
  const empty = total === 0 ? 'no nodes yet' : 'no node matches the filter';
  const shown = Math.max(0, Math.min(page, rows.length - list.offset));
  return [
    ...tableLines({ columns, rows, list, page, empty, width }),
    footerSegs({ noun: 'nodes', from: list.offset + 1, to: list.offset + shown, count: rows.length, total, filter, editing, width, hint, status }),
  ];
}

export function Overview(props: OverviewProps) {
  return <Lines lines={overviewLines(props)} width={props.width} />;
}
