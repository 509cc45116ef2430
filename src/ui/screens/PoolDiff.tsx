/**
 * The pool differences (key D in the overview): one row per fact a pool disagrees on, with the
 * majority value and how many nodes hold it, and the odd nodes with their values (outliers.ts).
 * Every name and value is outside text: the lines pass clipSegs, which sanitizes each segment.
 */
import type { Difference } from '../../state/outliers.js';
import { footerSegs } from '../chrome.js';
import { type Column, fitColumns, type Seg, widthFor } from '../columns.js';
import { Lines } from '../components/Lines.js';
import type { ListState } from '../nav.js';
import { GUTTER, tableLines } from '../table.js';

export interface PoolDiffProps {
  readonly rows: readonly Difference[];
  readonly total: number;
  readonly list: ListState;
  readonly page: number;
  readonly width: number;
  readonly filter: string;
  readonly editing: boolean;
  readonly hint: string;
}

const value = (v: string | number) => (typeof v === 'number' ? String(v) : v === '' ? '(empty)' : v);

export function poolColumns(rows: readonly Difference[]): Column<Difference>[] {
  return [
    { id: 'pool', header: 'POOL', width: widthFor(rows.map((d) => d.pool ?? '(no pool)'), 'POOL', 6, 16), cut: 'middle', priority: 0, cell: (d) => (d.pool === null ? { text: '(no pool)', tone: 'dim' } : d.pool) },
    { id: 'fact', header: 'FACT', width: widthFor(rows.map((d) => d.label), 'FACT', 8, 22), priority: 0, cell: (d) => d.label },
    {
      id: 'majority',
      header: 'MAJORITY',
      width: widthFor(rows.map((d) => `${value(d.majority.value)} on ${d.majority.count}/${d.nodes}${d.numeric ? ' ±10%' : ''}`), 'MAJORITY', 10, 24),
      priority: 0,
      cell: (d) => ({ text: `${value(d.majority.value)} on ${d.majority.count}/${d.nodes}${d.numeric ? ' ±10%' : ''}`, tone: 'ok' }),
    },
    {
      id: 'odd',
      header: 'ODD NODES',
      width: 16,
      grow: true,
      priority: 0,
      cell: (d) => ({ text: d.outliers.map((o) => `${o.node} ${value(o.value)}`).join(', '), tone: 'warn' }),
    },
  ];
}

export function poolDiffLines({ rows, total, list, page, width, filter, editing, hint }: PoolDiffProps): Seg[][] {
  const w = width - GUTTER;
  const columns = fitColumns(poolColumns(rows), w);
  const empty = total === 0 ? 'no differences: every fact held by 3 or more nodes of a pool is the same on 2/3 of them or more, with no odd node' : 'no difference matches the filter';
  const shown = Math.max(0, Math.min(page, rows.length - list.offset));
  return [
    [{ text: 'facts most nodes of a pool agree on and a few do not (rule counts: within 10% of the median); each odd node has a pool-outlier problem', tone: 'dim' }],
    ...tableLines({ columns, rows, list, page, empty, width }),
    footerSegs({ noun: 'differences', from: list.offset + 1, to: list.offset + shown, count: rows.length, total, filter, editing, width, hint }),
  ];
}

export function PoolDiff(props: PoolDiffProps) {
  return <Lines lines={poolDiffLines(props)} width={props.width} />;
}
