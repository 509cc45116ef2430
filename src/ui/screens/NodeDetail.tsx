/**
 * Node detail: the summary (facts, conntrack, TCP) beside braille charts of its history, the pane
 * tabs, then the interfaces, pods or checks pane, paged to the terminal.
 */
import type { NodeState } from '../../state/types.js';
import { footerSegs } from '../chrome.js';
import { fitColumns, type Seg, segsWidth } from '../columns.js';
import { Lines } from '../components/Lines.js';
import { besideEachOther, chartBlock, checkLines, tabSegs } from '../detail.js';
import { fmtAge, fmtPct, fmtRate } from '../format.js';
import type { ListState, Pane } from '../nav.js';
import { type CheckRow, type PodRow, podsProblem } from '../select.js';
import { niceMax, summaryLines } from '../summary.js';
import { GUTTER, tableLines } from '../table.js';
import { ifaceColumns, type IfaceRow, podColumns } from '../tables.js';
import { SUMMARY_LINES } from '../view.js';

export interface NodeDetailProps {
  readonly name: string;
  readonly node?: NodeState;
  readonly pane: Pane;
  readonly rows: readonly IfaceRow[] | readonly PodRow[] | readonly CheckRow[];
  readonly total: number;
  readonly list: ListState;
  readonly page: number;
  readonly width: number;
  readonly now: number;
  readonly interval: number;
  readonly filter: string;
  readonly editing: boolean;
  readonly hint: string;
  /** in place of the footer's filter and hints (the mark prompt, what `y` did) */
  readonly status?: readonly Seg[];
}

const MIN_CHART = 12;

/**
 * How wide each chart beside the summary text is, and how many (conntrack %, then drops/s): the
 * text comes first (its widest line after the facts line, which may be cut), the charts take
 * what is left, down to none.
 */
export function chartLayout(width: number, textNeed: number): { chartWidth: number; charts: 0 | 1 | 2 } {
  const room = width - textNeed;
  if (width >= 150 && room >= 2 * (MIN_CHART + 1)) return { chartWidth: Math.min(48, Math.floor(room / 2) - 1), charts: 2 };
  if (room >= MIN_CHART + 1) return { chartWidth: Math.min(48, room - 1), charts: 1 };
  return { chartWidth: 0, charts: 0 };
}

export function summaryBlock(node: NodeState, width: number, now: number, interval: number): Seg[][] {
  const text = summaryLines(node, now);
  const { chartWidth, charts } = chartLayout(width, Math.max(0, ...text.slice(1).map(segsWidth)));
  const textWidth = width - charts * (chartWidth + 1);
  const h = node.history;
  const span = fmtAge(Math.max(h.conntrackPct.length, h.drops.length) * interval * 1000);
  const rows = SUMMARY_LINES - 1;
  const blocks = [{ lines: text, width: textWidth }];
  if (charts >= 1) {
    const ctMax = niceMax(Math.max(0, ...h.conntrackPct));
    blocks.push({ lines: chartBlock(`ct% 0–${fmtPct(ctMax)} ${span}`, h.conntrackPct, chartWidth, rows, { min: 0, max: ctMax }, 'accent'), width: chartWidth });
  }
  if (charts === 2) {
    const dropMax = niceMax(Math.max(0, ...h.drops));
    blocks.push({ lines: chartBlock(`drops/s 0–${fmtRate(dropMax)} ${span}`, h.drops, chartWidth, rows, { min: 0, max: dropMax }, 'warn'), width: chartWidth });
  }
  return besideEachOther(blocks, SUMMARY_LINES);
}

function paneLines(props: NodeDetailProps): Seg[][] {
  const { pane, list, page, width, node } = props;
  const w = width - GUTTER;
  if (pane === 'interfaces') {
    const rows = props.rows as readonly IfaceRow[];
    const empty = node?.sample ? 'no interface matches' : 'no sample yet';
    return tableLines({ columns: fitColumns(ifaceColumns(w, rows), w), rows, list, page, empty, width });
  }
  if (pane === 'pods') {
    const rows = props.rows as readonly PodRow[];
    const failed = node ? podsProblem(node) : undefined;
    const empty = failed ? failed.text : node?.kube ? 'no pod matches' : 'no Kubernetes data for this node';
    return tableLines({ columns: fitColumns(podColumns(w, rows), w), rows, list, page, empty, width });
  }
  const rows = props.rows as readonly CheckRow[];
  if (rows.length === 0) return [[{ text: props.total ? '  no check matches' : '  no check yet', tone: 'dim' }]];
  return rows.slice(list.offset, list.offset + page).flatMap((p, i) => checkLines(p, width, list.offset + i === list.cursor));
}

export function detailLines(props: NodeDetailProps): Seg[][] {
  const { name, node, pane, rows, total, list, page, width, now, interval, filter, editing, hint } = props;
  if (!node) return [[{ text: `${name}: no longer watched (esc: back)`, tone: 'warn' }]];
  const shown = Math.max(0, Math.min(page, rows.length - list.offset));
  return [
    ...summaryBlock(node, width, now, interval),
    tabSegs(node, pane, width),
    ...paneLines(props),
    footerSegs({ noun: pane, from: list.offset + 1, to: list.offset + shown, count: rows.length, total, filter, editing, width, hint, status: props.status }),
  ];
}

export function NodeDetail(props: NodeDetailProps) {
  return <Lines lines={detailLines(props)} width={props.width} />;
}
