/**
 * React glue of the input: the root reads Ink's raw input pieces (useStdin's event emitter; raw
 * mode is switched on once, when the root mounts, and held until it unmounts, whatever view is
 * shown) through the keypress parser; views register their command handler with useViewKeys.
 */
import { useStdin } from 'ink';
import { createContext, type ReactNode, useContext, useLayoutEffect, useMemo, useRef } from 'react';
import { type Command, resolveKey, VIEW_SCOPES, type ViewId } from '../keys.js';
import { createKeypressParser, type KeyEvent } from './keypress.js';
import { ViewKeyRouter } from './router.js';

/** every key event of each raw input piece, in order, to `onKeys` */
export function useRawKeys(onKeys: (evs: KeyEvent[]) => void): void {
  const { internal_eventEmitter: emitter, setRawMode, isRawModeSupported } = useStdin();
  const ref = useRef(onKeys);
  ref.current = onKeys;
  // a layout effect: subscribed in the same commit that mounts the root, so no key written right after start is missed
  useLayoutEffect(() => {
    const parser = createKeypressParser();
    if (isRawModeSupported) setRawMode(true);
    const onInput = (data: string | Buffer) => {
      // Ink already waited for unfinished escape sequences: what it hands over is complete
      const evs = [...parser.push(String(data)), ...parser.flush()];
      if (evs.length) ref.current(evs);
    };
    emitter.on('input', onInput);
    return () => {
      emitter.off('input', onInput);
      if (isRawModeSupported) setRawMode(false);
    };
  }, [emitter, setRawMode, isRawModeSupported]);
}

export const ViewKeysContext = createContext<ViewKeyRouter | null>(null);

/**
 * The shown view's commands: `view` says which keymap applies (it may change with the view's
 * state); `onCommand` returns false to leave a key for the view that comes next.
 */
export function useViewKeys(view: ViewId | (() => ViewId), onCommand: (cmd: Command, ev: KeyEvent) => boolean | void): void {
  const router = useContext(ViewKeysContext);
  const ref = useRef({ view, onCommand });
  ref.current = { view, onCommand };
  useLayoutEffect(() => {
    if (!router) return;
    return router.register({
      view: () => {
        const v = ref.current.view;
        return typeof v === 'function' ? v() : v;
      },
      onCommand: (cmd, ev) => ref.current.onCommand(cmd, ev),
    });
  }, [router]);
}

/**
 * A root for a view shown on its own (tests, embedding without the shell): keys go to the
 * registered view through the same keymap; no shell commands.
 */
export function KeyRoot({ children }: { children: ReactNode }) {
  const router = useMemo(() => {
    const r: ViewKeyRouter = new ViewKeyRouter((ev) => r.deliver(ev, (v) => resolveKey(ev, VIEW_SCOPES[v])));
    return r;
  }, []);
  useRawKeys((evs) => {
    for (const ev of evs) router.deliver(ev, (v) => resolveKey(ev, VIEW_SCOPES[v]));
  });
  return <ViewKeysContext.Provider value={router}>{children}</ViewKeysContext.Provider>;
}
