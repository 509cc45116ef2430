/**
 * The shell: one store subscription (one render per store update), the navigation reducer, key
 * dispatch through the key table, and the screens. The capture and process views plug in through
 * render props and take the keys while they are shown.
 */
import { Box, type Key, useApp, useInput } from 'ink';
import { type ReactNode, useCallback, useEffect, useReducer, useRef } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { AppState } from '../state/types.js';
import { headerSegs } from './chrome.js';
import { Lines } from './components/Lines.js';
import { type Command, footerHint, resolveKey, type Scope } from './keys.js';
import { initialUi, type Move, uiReducer } from './nav.js';
import { Help } from './screens/Help.js';
import { NodeDetail } from './screens/NodeDetail.js';
import { Overview } from './screens/Overview.js';
import type { AppProps } from './types.js';
import { useTermSize } from './useTermSize.js';
import { captureAllTarget, captureTarget, processTarget, type Snapshot, viewModel } from './view.js';

const pick = (s: AppState): Snapshot => ({
  order: s.order,
  nodes: s.nodes,
  interval: s.interval,
  kube: s.kube,
  ticks: s.ticks,
  readonly: s.readonly,
});

const MOVES: readonly Command[] = ['up', 'down', 'top', 'bottom', 'pageUp', 'pageDown'];
// eslint-disable-next-line no-control-regex
const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/;

/** a handler whose identity never changes, so Ink does not re-subscribe stdin on every render */
function useKeys(handler: (input: string, key: Key) => void, isActive: boolean) {
  const ref = useRef(handler);
  ref.current = handler;
  const stable = useCallback((input: string, key: Key) => ref.current(input, key), []);
  useInput(stable, { isActive });
}

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

export function App(props: AppProps) {
  const { store, onCapture, onProcesses, renderCapture, renderProcesses, onQuit } = props;
  const snap = useStore(store, useShallow(pick));
  const size = useTermSize();
  const [ui, dispatch] = useReducer(uiReducer, initialUi);
  useIdleClock();
  const now = (props.now ?? Date.now)();
  const vm = viewModel(snap, ui, size, now);
  const { exit } = useApp();
  const readonly = snap.readonly || !!props.readonly;
  const opts = { readonly };

  const quit = () => {
    onQuit?.();
    exit();
  };
  const close = useCallback(() => dispatch({ type: 'close' }), []);

  const run = (cmd: Command | undefined) => {
    if (!cmd) return;
    if (MOVES.includes(cmd)) {
      if (vm.kind === 'overview' || vm.kind === 'detail') dispatch({ type: 'move', move: cmd as Move, keys: vm.keys, page: vm.page });
      return;
    }
    switch (cmd) {
      case 'open':
        if (vm.kind === 'overview' && vm.selected) dispatch({ type: 'open', node: vm.selected.name });
        return;
      case 'pods':
        if (vm.kind === 'overview' && vm.selected) dispatch({ type: 'open', node: vm.selected.name, pane: 'pods' });
        else dispatch({ type: 'pane', pane: 'pods' });
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
        onCapture?.(target);
        if (renderCapture) dispatch({ type: 'show', route: { kind: 'capture', target, back: ui.route } });
        return;
      }
      case 'processes': {
        const t = processTarget(vm);
        if (!t) return;
        onProcesses?.(t.node, t.pod);
        if (renderProcesses) dispatch({ type: 'show', route: { kind: 'processes', node: t.node, pod: t.pod, back: ui.route } });
        return;
      }
    }
  };

  const onKey = (input: string, key: Key) => {
    if (ui.editing) {
      if (key.return) dispatch({ type: 'filterDone' });
      else if (key.escape) dispatch({ type: 'back' });
      else if (key.backspace || key.delete) dispatch({ type: 'filterBackspace' });
      else if (key.upArrow || key.downArrow || key.pageUp || key.pageDown) run(resolveKey(input, key, ['list'], opts));
      else if (input && !key.ctrl && !key.meta && PRINTABLE.test(input)) dispatch({ type: 'filterType', text: input });
      else if (key.ctrl && input === 'c') quit();
      return;
    }
    if (ui.help) {
      const cmd = resolveKey(input, key, ['global'], opts);
      if (cmd === 'help' || cmd === 'back' || cmd === 'quit') run(cmd);
      return;
    }
    const scopes: Scope[] = vm.kind === 'overview' ? ['overview', 'list', 'global'] : ['detail', 'list', 'global'];
    run(resolveKey(input, key, scopes, opts));
  };

  const shell = ui.route.kind === 'overview' || ui.route.kind === 'detail';
  useKeys(onKey, shell);
  // while a plugged-in view has the keys, ctrl-c still quits
  useKeys((input, key) => {
    if (key.ctrl && input === 'c') quit();
  }, !shell);

  if (ui.route.kind === 'capture') return <>{renderCapture?.(ui.route.target, close) ?? null}</>;
  if (ui.route.kind === 'processes') return <>{renderProcesses?.(ui.route.node, ui.route.pod, close) ?? null}</>;

  const width = size.columns;
  const crumb = vm.kind === 'detail' ? `${vm.name} › ${vm.pane}` : undefined;
  const header = (
    <Lines
      lines={[headerSegs({ nodes: snap.order.length, interval: snap.interval, kube: snap.kube, readonly, ticks: snap.ticks, now, width, crumb })]}
      width={width}
    />
  );
  let body: ReactNode = null;
  if (ui.help) body = <Help readonly={readonly} width={width} logPath={props.logPath} />;
  else if (vm.kind === 'overview') {
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
        hint={footerHint(['global', 'overview', 'list'], opts)}
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
        hint={footerHint(['global', 'detail', 'list'], opts)}
      />
    );
  }
  return (
    <Box flexDirection="column">
      {header}
      {body}
    </Box>
  );
}
