/**
 * The shell: one store subscription (one render per store update), the navigation reducer, the
 * one root input handler, and the screens. Every key of every view comes through `onKeys`: raw
 * input → keypress parser → keymap (keys.ts) → the reducer (kept in a ref, so the second key of a
 * chunk sees the route the first one opened) or the shown view's handler (input/router.ts).
 * The capture and process views plug in through render props; the help overlays every view.
 */
import { Box, useApp } from 'ink';
import { type ReactNode, useEffect, useMemo, useReducer, useRef, useState, useSyncExternalStore } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { AppState } from '../state/types.js';
import { CapturePromptContext } from './capture/prompt.js';
import { headerSegs } from './chrome.js';
import { clipSegs } from './columns.js';
import { Lines } from './components/Lines.js';
import type { KeyEvent } from './input/keypress.js';
import { ViewKeyRouter } from './input/router.js';
import { useRawKeys, ViewKeysContext } from './input/useKeys.js';
import { BINDINGS, type Command, footerHint, replayScopes, type Scope, resolveBinding, resolveKey, VIEW_SCOPES, type ViewId } from './keys.js';
import { captureRoute, capturePrompt, initialUi, type Move, type UiAction, type UiState, uiReducer } from './nav.js';
import { Help, helpPage } from './screens/Help.js';
import { NodeDetail } from './screens/NodeDetail.js';
import { Overview } from './screens/Overview.js';
import { PoolDiff } from './screens/PoolDiff.js';
import { type AppProps, REPLAY_LINES, type ReplaySession, type YankRequest, type YankResult } from './types.js';
import type { Seg } from './columns.js';
import { oneLine } from './format.js';
import { sanitize } from './sanitize.js';
import { MARK_NOTE_MAX } from '../state/store.js';
import { useTermSize } from './useTermSize.js';
import { captureAllTarget, captureTarget, processTarget, type Snapshot, viewModel } from './view.js';
import { podServices, serviceCapture, servicesLines } from './services.js';

const pick = (s: AppState): Snapshot => ({
  order: s.order,
  nodes: s.nodes,
  interval: s.interval,
  kube: s.kube,
  ticks: s.ticks,
  readonly: s.readonly,
  differences: s.differences,
  services: s.services,
  marks: s.marks,
});

const MOVES: readonly Command[] = ['up', 'down', 'top', 'bottom', 'pageUp', 'pageDown'];
/** a replay's own commands, and the ones that need a live node (refused in a replay): from the keymap */
const REPLAY_COMMANDS = new Set(BINDINGS.filter((b) => b.scope === 'replay').map((b) => b.command));
const LIVE_COMMANDS = new Set(BINDINGS.filter((b) => b.live).map((b) => b.command));

const noSubscribe = () => () => {};
const noVersion = () => 0;

/** one render a second while nothing else renders (countdowns, the clock), none while ticks do */
function useIdleClock(periodMs = 1000) {
  const last = useRef(Date.now());
  const [, bump] = useReducer((x: number) => x + 1, 0);
  useEffect(() => {
    last.current = Date.now();
  });
  useEffect(() => {
    const t = setInterval(() => {
      if (Date.now() - last.current >= periodMs * 0.9) bump();
    }, periodMs);
    return () => clearInterval(t);
  }, [periodMs]);
}

/** the keymap the user is in now */
export function viewOf(ui: UiState, router: ViewKeyRouter, replay?: ReplaySession): ViewId {
  const r = ui.route;
  if (replay?.prompt() !== undefined) return 'timePrompt';
  if (ui.mark !== undefined) return 'markPrompt';
  if (ui.editing) return 'filter';
  if (r.kind === 'overview' || r.kind === 'detail' || r.kind === 'pool') return r.kind;
  if (r.kind === 'services') return 'services';
  if (r.kind === 'shared') return router.current()?.view() ?? 'message';
  if (router.current()?.view() === 'message') return 'message';
  if (r.kind === 'capture' && r.phase === 'prompt') return 'capturePrompt';
  return router.current()?.view() ?? (r.kind === 'capture' ? 'capture' : 'processes');
}

/** printable text for a prompt (a paste, or a character typed without ctrl/alt) */
function textOf(ev: KeyEvent): string | undefined {
  if (ev.kind === 'paste') return ev.text;
  return ev.ch !== undefined && !ev.ctrl && !ev.meta ? ev.ch : undefined;
}

export function App(props: AppProps) {
  const { store, renderCapture, renderProcesses } = props;
  const snap = useStore(store, useShallow(pick));
  const term = useTermSize();
  // a replay's time bar and status take two lines under the header
  const size = useMemo(() => (props.replay ? { columns: term.columns, rows: Math.max(1, term.rows - REPLAY_LINES) } : term), [term, !!props.replay]);
  const [ui, setUi] = useState(initialUi);
  // a line in place of the footer's hints for a while: what `y` did, or why `m`/`y` cannot
  const [status, setStatus] = useState<{ segs: Seg[]; until: number; where: string } | undefined>();
  useIdleClock();
  // what the session says on its own (a viewer's capture, a recording's write error): the status line
  useSyncExternalStore(props.notices?.subscribe ?? noSubscribe, props.notices?.version ?? noVersion);
  const now = (props.now ?? Date.now)();
  const { exit } = useApp();
  const readonly = snap.readonly || !!props.readonly;

  // what the key handler reads: the reducer's state as the keys so far left it, and the latest render's inputs
  const uiRef = useRef(ui);
  const live = useRef({ snap, size, term, props, readonly });
  live.current = { snap, size, term, props, readonly };
  const handleRef = useRef<(ev: KeyEvent) => void>(() => {});
  // keys that waited for a view go through the same handler when it registers, then render
  const router = useMemo(
    () =>
      new ViewKeyRouter((ev) => {
        handleRef.current(ev);
        setUi(uiRef.current);
      }),
    [],
  );

  const dispatch = (a: UiAction) => {
    const before = uiRef.current;
    const next = uiReducer(before, a);
    if (next.route.kind !== before.route.kind) router.clear();
    uiRef.current = next;
  };
  const commit = () => setUi(uiRef.current);
  const quit = () => {
    live.current.props.onQuit?.();
    exit();
  };
  const close = useMemo(
    () => () => {
      dispatch({ type: 'close' });
      commit();
    },
    [],
  );
  const reject = useMemo(
    () => (message: string) => {
      dispatch({ type: 'captureRejected', message });
      commit();
    },
    [],
  );

  // shown on the screen it was said on, for `ms`
  const flash = (segs: Seg[], ms = 10_000) => setStatus({ segs, until: (live.current.props.now ?? Date.now)() + ms, where: routeKey(uiRef.current.route) });

  const run = (cmd: Command | undefined) => {
    if (!cmd) return;
    const { snap, size, props } = live.current;
    if (props.replay && REPLAY_COMMANDS.has(cmd)) return props.replay.command(cmd);
    if (props.replay && LIVE_COMMANDS.has(cmd)) return props.replay.refuse(cmd);
    const ui = uiRef.current;
    const vm = viewModel(snap, ui, size, (props.now ?? Date.now)());
    if (MOVES.includes(cmd)) {
      if (vm.kind === 'overview' || vm.kind === 'detail' || vm.kind === 'pool') dispatch({ type: 'move', move: cmd as Move, keys: vm.keys, page: vm.page });
      return;
    }
    switch (cmd) {
      case 'open':
        if (vm.kind === 'overview' && vm.selected) dispatch({ type: 'open', node: vm.selected.name });
        // a difference opens its first odd node on its checks, where its pool-outlier problem is
        if (vm.kind === 'pool' && vm.selected?.outliers[0] && snap.nodes[vm.selected.outliers[0].node]) dispatch({ type: 'open', node: vm.selected.outliers[0].node, pane: 'checks' });
        return;
      case 'differences':
        dispatch({ type: 'pool' });
        return;
      case 'pods':
        if (vm.kind === 'overview' && vm.selected) dispatch({ type: 'open', node: vm.selected.name, pane: 'pods' });
        else dispatch({ type: 'pane', pane: 'pods' });
        return;
      case 'checks':
        if (vm.kind === 'overview' && vm.selected) dispatch({ type: 'open', node: vm.selected.name, pane: 'checks' });
        else if (vm.kind === 'detail') dispatch({ type: 'pane', pane: 'checks' });
        return;
      case 'nextPane':
      case 'prevPane':
        dispatch({ type: 'cyclePane', dir: cmd === 'nextPane' ? 1 : -1 });
        return;
      case 'back':
      case 'help':
      case 'filter':
        dispatch({ type: cmd === 'filter' ? 'filterStart' : cmd });
        return;
      case 'quit':
        quit();
        return;
      case 'capture':
      case 'captureAll': {
        const target = cmd === 'capture' ? captureTarget(vm) : captureAllTarget(vm);
        if (!target) return;
        props.onCapture?.(target);
        if (props.renderCapture) dispatch({ type: 'show', route: captureRoute(target, ui.route) });
        return;
      }
      case 'podServices': {
        const pod = vm.kind === 'detail' && vm.pane === 'pods' ? vm.selected?.pod : undefined;
        if (vm.kind === 'detail' && pod) dispatch({ type: 'show', route: { kind: 'services', node: vm.name, pod, sel: 0, back: ui.route } });
        return;
      }
      case 'mark':
        if (props.onMark) dispatch({ type: 'markStart' });
        else flash([{ text: 'marks are not available here', tone: 'warn' }]);
        return;
      case 'yank': {
        const req = yankRequest(vm);
        if (!req) return;
        if (!props.onYank) return flash([{ text: 'copying is not available here', tone: 'warn' }]);
        try {
          flash(yankStatus(props.onYank(req), req));
        } catch (e) {
          flash([{ text: `copy failed: ${oneLine((e as Error).message)}`, tone: 'bad' }]);
        }
        return;
      }
      case 'viewerCapture':
        if (!props.renderViewerCapture) return flash([{ text: 'no capture from an attached viewer here (an owner with --share has them)', tone: 'warn' }]);
        dispatch({ type: 'show', route: { kind: 'shared', back: ui.route } });
        return;
      case 'readSlow':
        if (vm.kind === 'overview') props.onReadSlow?.();
        else if (vm.kind === 'detail') props.onReadSlow?.(vm.name);
        return;
      case 'processes': {
        const t = processTarget(vm);
        if (!t) return;
        props.onProcesses?.(t.node, t.pod);
        if (props.renderProcesses) dispatch({ type: 'show', route: { kind: 'processes', node: t.node, pod: t.pod, back: ui.route } });
        return;
      }
    }
  };

  /** typing a list filter or the capture filter: text goes in whole, the rest are the prompt's keys */
  const promptKey = (ev: KeyEvent, view: 'filter' | 'capturePrompt') => {
    const text = textOf(ev);
    if (text !== undefined && !(view === 'capturePrompt' && text === '?')) return dispatch({ type: 'filterType', text });
    const cmd = resolveKey(ev, VIEW_SCOPES[view]);
    switch (cmd) {
      case 'accept':
        return dispatch({ type: view === 'filter' ? 'filterDone' : 'captureStart' });
      case 'erase':
        return dispatch({ type: 'filterBackspace' });
      case 'clear':
        return dispatch({ type: 'filterClear' });
      case 'snaplen':
        return dispatch({ type: 'snaplen' });
      case 'close':
        return dispatch({ type: 'close' });
      case 'back':
      case 'help':
        return dispatch({ type: cmd });
      case 'up':
      case 'down':
        return run(cmd);
    }
  };

  /** typing a mark's note: text goes in whole (a paste too); enter adds the mark, esc cancels */
  const markKey = (ev: KeyEvent) => {
    const text = textOf(ev);
    if (text !== undefined) return dispatch({ type: 'filterType', text });
    switch (resolveKey(ev, VIEW_SCOPES.markPrompt)) {
      case 'accept': {
        const note = uiRef.current.mark ?? '';
        dispatch({ type: 'markDone' });
        live.current.props.onMark?.(note);
        return;
      }
      case 'erase':
        return dispatch({ type: 'filterBackspace' });
      case 'clear':
        return dispatch({ type: 'filterClear' });
      case 'back':
        return dispatch({ type: 'back' });
    }
  };

  /** typing a time to go to (replay's `t`): text goes in whole, also pasted */
  const timePromptKey = (ev: KeyEvent, replay: ReplaySession) => {
    const text = textOf(ev);
    if (text !== undefined) return replay.promptKey({ type: 'type', text });
    const cmd = resolveKey(ev, VIEW_SCOPES.timePrompt);
    if (cmd === 'accept' || cmd === 'erase' || cmd === 'clear' || cmd === 'close') replay.promptKey({ type: cmd });
  };

  /** the Services of a pod: its own keys, then the global ones */
  const servicesKey = (ev: KeyEvent) => {
    const r = uiRef.current.route;
    if (r.kind !== 'services') return;
    const { snap, props } = live.current;
    const b = resolveBinding(ev, props.replay ? replayScopes('services') : VIEW_SCOPES.services);
    if (!b) return;
    if (b.scope === 'global' || b.scope === 'replay') return run(b.command);
    if (props.replay && b.live) return props.replay.refuse(b.command);
    switch (b.command) {
      case 'up':
      case 'down':
        return dispatch({ type: 'serviceSel', delta: b.command === 'up' ? -1 : 1, count: podServices(snap, r.pod).length });
      case 'capture': {
        const c = serviceCapture(snap, r.node, r.pod, r.sel);
        if (!c) return;
        props.onCapture?.(c.target);
        if (props.renderCapture) dispatch({ type: 'show', route: captureRoute(c.target, r, c.filter) });
        return;
      }
      case 'close':
        return dispatch({ type: 'close' });
    }
  };

  const helpKey = (ev: KeyEvent) => {
    const cmd = resolveKey(ev, ['help', 'global']);
    const { term, props, readonly } = live.current;
    const page = helpPage(viewOf(uiRef.current, router, props.replay), { readonly, width: term.columns, rows: term.rows, logPath: props.logPath, marks: live.current.snap.marks, replay: !!props.replay });
    const step = { up: -1, down: 1, pageUp: -page.rows, pageDown: page.rows } as Partial<Record<Command, number>>;
    if (cmd === 'close' || cmd === 'help' || cmd === 'back') dispatch({ type: 'help' });
    else if (cmd === 'quit') quit();
    else if (cmd && step[cmd] !== undefined) dispatch({ type: 'helpScroll', delta: step[cmd]!, max: page.max });
  };

  handleRef.current = (ev: KeyEvent) => {
    const ui = uiRef.current;
    // ctrl-c quits from everywhere, also while typing
    if (ev.kind === 'key' && ev.ctrl && ev.ch === 'c') return quit();
    if (ui.help) return helpKey(ev);
    const shown = router.current();
    // a message in place of a view (nothing to capture on, …) takes the keys, also over a prompt
    if (shown?.view() === 'message' && !router.pending()) {
      const b = resolveBinding(ev, VIEW_SCOPES.message);
      if (b?.scope === 'global') return run(b.command);
      if (b) router.deliver(ev, () => b.command);
      return;
    }
    const replay = live.current.props.replay;
    if (replay?.prompt() !== undefined) return timePromptKey(ev, replay);
    if (ui.mark !== undefined) return markKey(ev);
    if (ui.editing) return promptKey(ev, 'filter');
    if (capturePrompt(ui)) return promptKey(ev, 'capturePrompt');
    if (ui.route.kind === 'overview' || ui.route.kind === 'detail' || ui.route.kind === 'pool') return run(resolveKey(ev, replay ? replayScopes(ui.route.kind) : VIEW_SCOPES[ui.route.kind]));
    if (ui.route.kind === 'services') return servicesKey(ev);
    // a plugged-in view: global keys here, the rest to the view (queued until it is mounted)
    const v = router.current();
    if (!v || router.pending()) {
      // q does not wait behind keys queued for a view still loading
      if (resolveBinding(ev, VIEW_SCOPES[v?.view() ?? (ui.route.kind === 'capture' || ui.route.kind === 'shared' ? 'capture' : 'processes')])?.command === 'quit') return quit();
      return router.deliver(ev, (id) => resolveKey(ev, VIEW_SCOPES[id]));
    }
    const b = resolveBinding(ev, VIEW_SCOPES[v.view()]);
    if (!b) return;
    if (b.scope === 'global') return run(b.command);
    router.deliver(ev, () => b.command);
  };

  useRawKeys((evs) => {
    for (const ev of evs) handleRef.current(ev);
    commit();
  });

  const route = ui.route;
  const width = size.columns;
  const view = viewOf(ui, router, props.replay);
  // the help has the whole terminal (a replay's bar is not drawn under it)
  const help = ui.help ? <Help view={view} readonly={readonly} width={width} rows={term.rows} offset={ui.helpOffset} logPath={props.logPath} marks={snap.marks} replay={!!props.replay} /> : null;

  let content: ReactNode = null;
  if (route.kind === 'capture') {
    content = <CapturePromptContext.Provider value={{ route, onRejected: reject }}>{renderCapture?.(route.target, close) ?? null}</CapturePromptContext.Provider>;
  } else if (route.kind === 'processes') {
    content = renderProcesses?.(route.node, route.pod, close) ?? null;
  } else if (route.kind === 'shared') {
    content = props.renderViewerCapture?.(close) ?? null;
  } else if (!help) {
    // the status line: the mark being typed, else what a key just did, else what the session says
    const line = ui.mark !== undefined ? markPromptSegs(ui.mark, width) : status && now < status.until && status.where === routeKey(route) ? status.segs : props.notices?.segs();
    content = shellScreen(snap, ui, size, now, readonly, line, props.replay);
  }
  // a plugged-in view stays mounted under the help (its capture, its selection)
  return (
    <ViewKeysContext.Provider value={router}>
      {help}
      <Box display={help ? 'none' : 'flex'} flexDirection="column">
        {content}
      </Box>
    </ViewKeysContext.Provider>
  );
}

/** the overview or the node detail under the header */
function shellScreen(snap: Snapshot, ui: UiState, size: { columns: number; rows: number }, now: number, readonly: boolean, status?: readonly Seg[], replay?: ReplaySession): ReactNode {
  const width = size.columns;
  const vm = viewModel(snap, ui, size, now);
  const crumb = vm.kind === 'detail' ? `${vm.name} › ${vm.pane}` : vm.kind === 'pool' ? 'pool differences' : undefined;
  const podsFailing = snap.order.flatMap((name) => {
    const st = snap.nodes[name]?.kube?.status;
    return st && st.kind !== 'ok' && st.kind !== 'off' ? [{ node: name, status: st }] : [];
  });
  const header = (
    <Lines
      lines={[headerSegs({ nodes: snap.order.length, interval: snap.interval, kube: snap.kube, readonly, ticks: snap.ticks, now, width, crumb, podsFailing, mark: snap.marks?.at(-1), replay: replay?.name }), ...(replay?.lines(width) ?? [])]}
      width={width}
    />
  );
  let body: ReactNode = null;
  const opts = { readonly, replay: !!replay };
  // a replay's own keys lead the footer
  const pre: Scope[] = replay ? ['replay'] : [];
  if (ui.route.kind === 'services') {
    const r = ui.route;
    const lines = [...servicesLines(snap, r.node, r.pod, r.sel, width, size.rows - 3, now), clipSegs([{ text: footerHint([...pre, 'global', 'services'], opts), tone: 'dim' }], width)];
    body = <Lines lines={lines} width={width} />;
  } else if (vm.kind === 'overview') {
    body = (
      <Overview
        rows={vm.rows}
        total={vm.total}
        list={vm.list}
        page={vm.page}
        width={width}
        now={now}
        filter={vm.filter}
        editing={ui.editing === vm.id}
        hint={footerHint([...pre, 'global', 'overview', 'list'], opts)}
        status={status}
      />
    );
  } else if (vm.kind === 'pool') {
    body = (
      <PoolDiff
        rows={vm.rows}
        total={vm.total}
        list={vm.list}
        page={vm.page}
        width={width}
        filter={vm.filter}
        editing={ui.editing === vm.id}
        hint={footerHint([...pre, 'global', 'pool', 'list'], opts)}
      />
    );
  } else if (vm.kind === 'detail') {
    body = (
      <NodeDetail
        name={vm.name}
        node={vm.node}
        pane={vm.pane}
        rows={vm.rows}
        total={vm.total}
        list={vm.list}
        page={vm.page}
        width={width}
        now={now}
        interval={snap.interval}
        filter={vm.filter}
        editing={ui.editing === vm.id}
        hint={footerHint([...pre, 'global', 'detail', 'list'], opts)}
        status={status}
      />
    );
  }
  return (
    <>
      {header}
      {body}
    </>
  );
}

/** which screen a status line belongs to */
const routeKey = (r: UiState['route']) => (r.kind === 'detail' ? `detail:${r.node}:${r.pane}` : r.kind);

/** the mark prompt in the footer: "mark: note█ enter adds · esc cancels", the end of a long note shown */
export function markPromptSegs(note: string, width: number): Seg[] {
  // as typed: a trailing space shows (the store trims), line breaks as spaces, controls visible
  const text = sanitize(note.replace(/[\t\n\v\f\r\u0085\u2028\u2029]+/g, ' ').replace(/^\s+/, ''));
  const cps = Array.from(text);
  const room = Math.max(8, width - 50);
  const shown = cps.length > room ? `…${cps.slice(cps.length - room + 1).join('')}` : text;
  const count = cps.length > MARK_NOTE_MAX * 0.75 ? ` ${Math.min(cps.length, MARK_NOTE_MAX)}/${MARK_NOTE_MAX}` : '';
  return [
    { text: 'mark: ', tone: 'accent', bold: true },
    { text: shown },
    { text: '█', tone: 'accent' },
    { text: `${count} enter adds · esc cancels`, tone: 'dim' },
  ];
}

/** what `y` copies in this view: the overview's nodes after its filter, or the detail's node */
export function yankRequest(vm: ReturnType<typeof viewModel>): YankRequest | undefined {
  if (vm.kind === 'detail') return { nodes: [vm.name], scope: `node ${vm.name}` };
  if (vm.kind !== 'overview') return undefined;
  const nodes = vm.rows.map((n) => n.name);
  return { nodes, ...(vm.filter ? { scope: `${nodes.length} of ${vm.total} nodes, filter /${vm.filter}` } : {}) };
}

/** "copied 2 nodes as Markdown (3.1 kB) to the clipboard (OSC 52) · saved PATH" */
export function yankStatus(r: YankResult, req: YankRequest): Seg[] {
  const what = req.nodes.length === 1 ? `node ${req.nodes[0]}` : `${req.nodes.length} nodes`;
  const kb = (r.bytes / 1000).toFixed(1);
  const segs: Seg[] = [{ text: oneLine(`copied ${what} as Markdown (${kb} kB) to the clipboard (OSC 52${r.cut ? ', cut: too long' : ''})`), tone: r.cut ? 'warn' : 'ok' }];
  if (r.path) segs.push({ text: ` · saved ${oneLine(r.path)}` });
  else segs.push({ text: ` · no file: ${oneLine(r.error ?? 'not written')}`, tone: 'bad' });
  return segs;
}
