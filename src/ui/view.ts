/**
 * The view model: from a store snapshot, the UI state and the terminal size, what the current
 * screen lists (filtered), how many rows fit, which row is selected, and what `c` and `s` act on.
 * Pure, so key handling is tested without a terminal.
 */
import { oldAge } from '../state/model.js';
import type { AppState, Mark, NodeState, Problem } from '../state/types.js';
import type { PodInfo } from '../sources/types.js';
import { clampList, followKey, type ListState, listId, matchesFilter, type Pane, type UiState } from './nav.js';
import {
  checkFilterText,
  type CheckRow,
  checkRows,
  ifaceFilterText,
  interfacesOf,
  nodeFilterText,
  podByIface,
  podFilterText,
  podRows,
  type PodRow,
  primaryIface,
  problemsAbout,
  sortIfaces,
} from './select.js';
import type { IfaceRow } from './tables.js';
import type { CaptureTarget } from './types.js';
import type { Difference } from '../state/outliers.js';

export type Snapshot = Pick<AppState, 'order' | 'nodes' | 'interval' | 'kube' | 'ticks' | 'readonly' | 'services'> & { differences?: readonly Difference[]; marks?: readonly Mark[] };

export interface Size {
  columns: number;
  rows: number;
}

/** lines around the overview's list: header, column header, footer, and one spare so the frame stays shorter than the terminal */
export const OVERVIEW_CHROME = 4;
/** header, 6 summary lines, pane tabs, column header, footer, spare */
export const DETAIL_CHROME = 11;
export const SUMMARY_LINES = 6;

interface ListView<R> {
  id: string;
  rows: R[];
  /** each row's key, for the selection to follow its row */
  keys: string[];
  /** rows before filtering */
  total: number;
  filter: string;
  page: number;
  list: ListState;
}

export type ViewModel =
  | ({ kind: 'overview'; selected?: NodeState } & ListView<NodeState>)
  | ({ kind: 'detail'; node?: NodeState; name: string; pane: 'interfaces'; selected?: IfaceRow } & ListView<IfaceRow>)
  | ({ kind: 'detail'; node?: NodeState; name: string; pane: 'pods'; selected?: PodRow } & ListView<PodRow>)
  | ({ kind: 'detail'; node?: NodeState; name: string; pane: 'checks'; selected?: CheckRow } & ListView<CheckRow>)
  | ({ kind: 'pool'; selected?: Difference } & ListView<Difference>)
  | { kind: 'other' };

export const differenceKey = (d: Difference) => `${d.pool ?? ''}\u0000${d.fact}`;

/** what the pool view's filter matches: pool, fact, values and the odd nodes */
export function differenceFilterText(d: Difference): string {
  return [d.pool ?? 'no pool', d.fact, d.label, String(d.majority.value), ...d.outliers.flatMap((o) => [o.node, String(o.value)])].join(' ');
}

function listView<R>(id: string, all: R[], text: (r: R) => string, key: (r: R) => string, ui: UiState, page: number): ListView<R> {
  const filter = ui.filters[id] ?? '';
  const rows = filter ? all.filter((r) => matchesFilter(filter, text(r))) : all;
  const keys = rows.map(key);
  const p = Math.max(1, page);
  return { id, rows, keys, total: all.length, filter, page: p, list: clampList(followKey(ui.lists[id], keys), rows.length, p) };
}

export const problemKey = (p: Problem) => `${p.code}:${p.subject ?? ''}:${p.message}`;

export function ifaceRows(node: NodeState, now = Date.now()): IfaceRow[] {
  const pods = podByIface(node);
  const old = oldAge(node, 'interfaces', now);
  return sortIfaces(interfacesOf(node), primaryIface(node)).map((iface) => ({
    ...(old !== undefined ? { oldMs: old } : {}),
    iface,
    rates: node.rates.ifaces[iface.name],
    pod: pods.get(iface.name),
    problems: problemsAbout(node.problems, [iface.name]),
  }));
}

export function pageFor(pane: Pane | 'overview' | 'pool', termRows: number): number {
  if (pane === 'overview') return Math.max(1, termRows - OVERVIEW_CHROME);
  // header, column header, footer, spare, and the explanation line
  if (pane === 'pool') return Math.max(1, termRows - OVERVIEW_CHROME - 1);
  // a check takes two lines (message, remedy) and has no column header
  if (pane === 'checks') return Math.max(1, Math.floor((termRows - DETAIL_CHROME + 1) / 2));
  return Math.max(1, termRows - DETAIL_CHROME);
}

export function viewModel(snap: Snapshot, ui: UiState, size: Size, now: number): ViewModel {
  const r = ui.route;
  if (r.kind === 'overview') {
    const nodes = snap.order.map((n) => snap.nodes[n]).filter((n): n is NodeState => !!n);
    const v = listView('overview', nodes, (n) => nodeFilterText(n, now), (n) => n.name, ui, pageFor('overview', size.rows));
    return { kind: 'overview', ...v, selected: v.rows[v.list.cursor] };
  }
  if (r.kind === 'pool') {
    const v = listView('pool', [...(snap.differences ?? [])], differenceFilterText, differenceKey, ui, pageFor('pool', size.rows));
    return { kind: 'pool', ...v, selected: v.rows[v.list.cursor] };
  }
  if (r.kind !== 'detail') return { kind: 'other' };
  const node = snap.nodes[r.node];
  const id = listId(r)!;
  const page = pageFor(r.pane, size.rows);
  const base = { kind: 'detail' as const, node, name: r.node };
  if (r.pane === 'interfaces') {
    const v = listView(id, node ? ifaceRows(node, now) : [], (x) => ifaceFilterText(x.iface, x.pod), (x) => x.iface.name, ui, page);
    return { ...base, pane: 'interfaces', ...v, selected: v.rows[v.list.cursor] };
  }
  if (r.pane === 'pods') {
    const v = listView(id, node ? podRows(node) : [], podFilterText, (r) => r.key, ui, page);
    return { ...base, pane: 'pods', ...v, selected: v.rows[v.list.cursor] };
  }
  const v = listView(id, node ? checkRows(node) : [], checkFilterText, (r) => r.key, ui, page);
  return { ...base, pane: 'checks', ...v, selected: v.rows[v.list.cursor] };
}

/** what `c` captures on in this view, if anything is selected */
export function captureTarget(vm: ViewModel): CaptureTarget | undefined {
  if (vm.kind === 'overview') {
    return vm.selected ? { kind: 'node', node: vm.selected.name, iface: primaryIface(vm.selected) } : undefined;
  }
  if (vm.kind !== 'detail' || !vm.node) return undefined;
  const nodeTarget: CaptureTarget = { kind: 'node', node: vm.name, iface: primaryIface(vm.node) };
  if (vm.pane === 'interfaces') return vm.selected ? { kind: 'interface', node: vm.name, iface: vm.selected.iface.name } : nodeTarget;
  if (vm.pane === 'pods') {
    const row = vm.selected;
    if (row?.pod) return { kind: 'pod', node: vm.name, iface: row.iface?.name, pod: row.pod };
    if (row?.iface) return { kind: 'interface', node: vm.name, iface: row.iface.name };
    return nodeTarget;
  }
  // a check about an interface captures on it
  const subject = vm.selected?.problem?.subject;
  if (subject && interfacesOf(vm.node).some((i) => i.name === subject)) return { kind: 'interface', node: vm.name, iface: subject };
  return nodeTarget;
}

/** what `C` captures on: every node the overview shows (after the filter) */
export function captureAllTarget(vm: ViewModel): CaptureTarget | undefined {
  if (vm.kind !== 'overview' || !vm.rows.length) return undefined;
  const nodes = vm.rows.map((n) => n.name);
  return { kind: 'all', node: nodes[0]!, nodes };
}

/** what `s` opens the process view on */
export function processTarget(vm: ViewModel): { node: string; pod?: PodInfo } | undefined {
  if (vm.kind === 'overview') return vm.selected ? { node: vm.selected.name } : undefined;
  if (vm.kind !== 'detail') return undefined;
  if (vm.pane === 'pods' && vm.selected?.pod) return { node: vm.name, pod: vm.selected.pod };
  return { node: vm.name };
}
