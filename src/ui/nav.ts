/**
 * What the user is looking at, as pure reducers: the route (overview, node detail and its pane,
 * the capture prompt and capture, the process view), the help overlay and its scroll, each list's
 * cursor and scroll offset, and each list's filter. No terminal here: the App feeds it commands
 * and list sizes; tests feed it the same. The capture's filter prompt lives here (not in the
 * capture view), so `c` + a filter + enter arriving in one write start the capture with that
 * filter: every key of a chunk is reduced in order before anything renders.
 */
import type { PodInfo } from '../sources/types.js';
import type { CaptureTarget } from './types.js';
import { sanitize } from './sanitize.js';

export type Pane = 'interfaces' | 'pods' | 'checks';
export const PANES: readonly Pane[] = ['interfaces', 'pods', 'checks'];

export type Route =
  | { kind: 'overview' }
  | { kind: 'detail'; node: string; pane: Pane }
  /** the pool outlier diff: facts most nodes of a pool agree on and a few do not */
  | { kind: 'pool' }
  | CaptureRoute
  | { kind: 'processes'; node: string; pod?: PodInfo; back: Route }
  /** the Services of a pod (key v): `sel` is the selected Service */
  | ServicesRoute
  /** the capture an attached viewer started in this session, watched here (key V) */
  | { kind: 'shared'; back: Route };

export interface ServicesRoute {
  kind: 'services';
  node: string;
  pod: PodInfo;
  sel: number;
  back: Route;
}

/** snap lengths the capture prompt offers (tab cycles): the host's default first, 0 = whole packet */
export const SNAPLENS: readonly (number | undefined)[] = [undefined, 96, 262144, 0];

export interface CaptureRoute {
  kind: 'capture';
  target: CaptureTarget;
  back: Route;
  /** prompt: the filter is being typed; running: started with `filter` (run counts the starts) */
  phase: 'prompt' | 'running';
  filter: string;
  /** index into SNAPLENS */
  snap: number;
  /** why the last start failed (tcpdump's message), shown in the prompt */
  error?: string;
  run: number;
}

export function captureRoute(target: CaptureTarget, back: Route, filter = ''): CaptureRoute {
  return { kind: 'capture', target, back, phase: 'prompt', filter, snap: 0, run: 0 };
}

export interface ListState {
  cursor: number;
  offset: number;
  /** the selected row's key: the selection follows its row when rows come and go */
  key?: string;
}

export interface UiState {
  route: Route;
  help: boolean;
  /** first help line shown below its title (small terminals scroll the help) */
  helpOffset: number;
  lists: Readonly<Record<string, ListState>>;
  filters: Readonly<Record<string, string>>;
  /** the list whose filter is being typed */
  editing?: string;
  /** the note of a mark being typed (`m`): a one-line prompt over the footer */
  mark?: string;
}

export type Move = 'up' | 'down' | 'top' | 'bottom' | 'pageUp' | 'pageDown';

export type UiAction =
  | { type: 'move'; move: Move; keys: readonly string[]; page: number }
  | { type: 'open'; node: string; pane?: Pane }
  | { type: 'pane'; pane: Pane }
  | { type: 'pool' }
  | { type: 'cyclePane'; dir: 1 | -1 }
  | { type: 'back' }
  | { type: 'help' }
  | { type: 'helpScroll'; delta: number; max: number }
  | { type: 'filterStart' }
  | { type: 'filterType'; text: string }
  | { type: 'filterBackspace' }
  | { type: 'filterClear' }
  | { type: 'filterDone' }
  | { type: 'markStart' }
  | { type: 'markDone' }
  | { type: 'snaplen' }
  | { type: 'captureStart' }
  | { type: 'captureRejected'; message: string }
  | { type: 'show'; route: Extract<Route, { kind: 'capture' | 'processes' | 'services' | 'shared' }> }
  | { type: 'serviceSel'; delta: number; count: number }
  | { type: 'close' };

export const initialUi: UiState = { route: { kind: 'overview' }, help: false, helpOffset: 0, lists: {}, filters: {} };

/** the capture prompt, when it is what is shown */
export function capturePrompt(ui: UiState): CaptureRoute | undefined {
  return ui.route.kind === 'capture' && ui.route.phase === 'prompt' ? ui.route : undefined;
}

function editPrompt(ui: UiState, edit: (text: string) => string): UiState {
  // a note is short (the store keeps 200 characters): a huge paste is not held whole
  if (ui.mark !== undefined) return { ...ui, mark: edit(ui.mark).slice(0, 4000) };
  if (ui.editing) return setFilter(ui, ui.editing, edit(ui.filters[ui.editing] ?? ''));
  const p = capturePrompt(ui);
  return p ? { ...ui, route: { ...p, filter: edit(p.filter) } } : ui;
}

/** the list the route shows ('overview', 'detail:pods', …); none for capture/process views */
export function listId(route: Route): string | undefined {
  if (route.kind === 'overview') return 'overview';
  if (route.kind === 'detail') return `detail:${route.pane}`;
  if (route.kind === 'pool') return 'pool';
  return undefined;
}

const ZERO: ListState = { cursor: 0, offset: 0 };

/** the cursor moved to where the selected row's key is now, if it is still listed */
export function followKey(s: ListState | undefined, keys: readonly string[]): ListState | undefined {
  if (!s?.key || keys[s.cursor] === s.key) return s;
  const i = keys.indexOf(s.key);
  return i < 0 ? s : { ...s, cursor: i };
}

/** a list state made valid for `count` rows shown `page` at a time (data and terminal size change under it) */
export function clampList(s: ListState | undefined, count: number, page: number): ListState {
  const p = Math.max(1, page);
  if (count <= 0) return ZERO;
  const cursor = Math.min(Math.max(0, (s ?? ZERO).cursor), count - 1);
  let offset = Math.min(Math.max(0, (s ?? ZERO).offset), Math.max(0, count - p));
  if (cursor < offset) offset = cursor;
  if (cursor >= offset + p) offset = cursor - p + 1;
  return s && s.cursor === cursor && s.offset === offset ? s : { cursor, offset, key: s?.key };
}

export function moveList(s: ListState | undefined, move: Move, count: number, page: number, keys?: readonly string[]): ListState {
  const c = clampList(keys ? followKey(s, keys) : s, count, page);
  const p = Math.max(1, page);
  const target = {
    up: c.cursor - 1,
    down: c.cursor + 1,
    top: 0,
    bottom: count - 1,
    pageUp: c.cursor - p,
    pageDown: c.cursor + p,
  }[move];
  // a page move scrolls by a page, keeping the cursor's place on screen where it can
  const offset = move === 'pageUp' ? c.offset - p : move === 'pageDown' ? c.offset + p : c.offset;
  const next = clampList({ cursor: target, offset }, count, page);
  return { cursor: next.cursor, offset: next.offset, key: keys?.[next.cursor] };
}

function withList(ui: UiState, id: string, s: ListState): UiState {
  return { ...ui, lists: { ...ui.lists, [id]: s } };
}

function setFilter(ui: UiState, id: string, text: string): UiState {
  return { ...ui, filters: { ...ui.filters, [id]: text }, lists: { ...ui.lists, [id]: ZERO } };
}

/** forget the detail lists and filters (another node is opened, or the detail is left) */
function resetDetail(ui: UiState): UiState {
  const keep = <T>(r: Readonly<Record<string, T>>) =>
    Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('detail:')));
  return { ...ui, lists: keep(ui.lists), filters: keep(ui.filters) };
}

export function uiReducer(ui: UiState, a: UiAction): UiState {
  const id = listId(ui.route);
  switch (a.type) {
    case 'move':
      return id ? withList(ui, id, moveList(ui.lists[id], a.move, a.keys.length, a.page, a.keys)) : ui;
    case 'open': {
      const base = ui.route.kind === 'detail' && ui.route.node === a.node ? ui : resetDetail(ui);
      return { ...base, editing: undefined, route: { kind: 'detail', node: a.node, pane: a.pane ?? 'interfaces' } };
    }
    case 'pool':
      return ui.route.kind === 'overview' ? { ...ui, editing: undefined, route: { kind: 'pool' } } : ui;
    case 'pane':
      return ui.route.kind === 'detail' ? { ...ui, editing: undefined, route: { ...ui.route, pane: a.pane } } : ui;
    case 'cyclePane': {
      if (ui.route.kind !== 'detail') return ui;
      const i = PANES.indexOf(ui.route.pane);
      const pane = PANES[(i + a.dir + PANES.length) % PANES.length]!;
      return { ...ui, editing: undefined, route: { ...ui.route, pane } };
    }
    case 'help':
      return { ...ui, help: !ui.help, helpOffset: 0 };
    case 'helpScroll':
      return ui.help ? { ...ui, helpOffset: Math.max(0, Math.min(a.max, ui.helpOffset + a.delta)) } : ui;
    case 'back':
      if (ui.help) return { ...ui, help: false };
      if (ui.mark !== undefined) return { ...ui, mark: undefined };
      if (ui.editing) return { ...setFilter(ui, ui.editing, ''), editing: undefined };
      if (ui.route.kind === 'capture' || ui.route.kind === 'processes' || ui.route.kind === 'services' || ui.route.kind === 'shared') return { ...ui, route: ui.route.back };
      if (id && ui.filters[id]) return setFilter(ui, id, '');
      if (ui.route.kind === 'detail' || ui.route.kind === 'pool') return { ...resetDetail(ui), route: { kind: 'overview' } };
      return ui;
    case 'filterStart':
      return id ? { ...ui, editing: id } : ui;
    case 'filterType':
      return editPrompt(ui, (t) => t + a.text);
    case 'filterBackspace':
      return editPrompt(ui, (t) => Array.from(t).slice(0, -1).join(''));
    case 'filterClear':
      return editPrompt(ui, () => '');
    case 'filterDone':
      return { ...ui, editing: undefined };
    case 'markStart':
      return ui.route.kind === 'overview' || ui.route.kind === 'detail' ? { ...ui, editing: undefined, mark: '' } : ui;
    case 'markDone':
      return { ...ui, mark: undefined };
    case 'snaplen': {
      const p = capturePrompt(ui);
      return p ? { ...ui, route: { ...p, snap: (p.snap + 1) % SNAPLENS.length } } : ui;
    }
    case 'captureStart': {
      const p = capturePrompt(ui);
      return p ? { ...ui, route: { ...p, phase: 'running', filter: p.filter.trim(), error: undefined, run: p.run + 1 } } : ui;
    }
    case 'captureRejected':
      return ui.route.kind === 'capture' ? { ...ui, route: { ...ui.route, phase: 'prompt', error: a.message } } : ui;
    case 'show':
      return { ...ui, help: false, helpOffset: 0, editing: undefined, route: a.route };
    case 'close':
      return ui.route.kind === 'capture' || ui.route.kind === 'processes' || ui.route.kind === 'services' || ui.route.kind === 'shared' ? { ...ui, route: ui.route.back } : ui;
    case 'serviceSel':
      return ui.route.kind === 'services'
        ? { ...ui, route: { ...ui.route, sel: Math.max(0, Math.min(a.count - 1, ui.route.sel + a.delta)) } }
        : ui;
  }
}

/** case-insensitive match of every space-separated word of the filter against a row's text */
/** every word of the filter is in the text as the screen shows it (a name with an escape matches "x1b") */
export function matchesFilter(filter: string | undefined, text: string): boolean {
  if (!filter) return true;
  const hay = sanitize(text).toLowerCase();
  return sanitize(filter)
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}
