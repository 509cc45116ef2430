/**
 * Where keys go that the shell does not take itself: the view shown (the running capture, the
 * process view, a message) registers a handler for commands; keys for a view that has not
 * registered yet (it mounts on the next render, after the key that opened it) wait in a queue and
 * are delivered, in order, when it registers. A handler may leave a key queued (returns false)
 * for the view that replaces it (a loading screen leaves list moves to the list it loads).
 * No React here: the root input handler (App) owns one.
 */
import type { KeyEvent } from './keypress.js';
import type { Command, ViewId } from '../keys.js';

export interface ViewKeys {
  /** which keymap applies now (the process view is 'dialog' while it asks) */
  view(): ViewId;
  /** a command for the view; false: not now, keep it queued for the next view that registers */
  onCommand(cmd: Command, ev: KeyEvent): boolean | void;
}

/** keys kept for a view not mounted yet; more are dropped (a paste goes as one event) */
const MAX_QUEUED = 512;

export class ViewKeyRouter {
  private stack: ViewKeys[] = [];
  private queue: KeyEvent[] = [];

  /** `handle` is the root handler: queued keys go back through it, so a key that closed the view sends the next ones to the shell */
  constructor(private readonly handle: (ev: KeyEvent) => void) {}

  current(): ViewKeys | undefined {
    return this.stack[this.stack.length - 1];
  }

  register(v: ViewKeys): () => void {
    this.stack.push(v);
    this.drain();
    return () => {
      const i = this.stack.lastIndexOf(v);
      if (i >= 0) this.stack.splice(i, 1);
    };
  }

  /** a key for the shown view: delivered now, or queued behind earlier keys */
  deliver(ev: KeyEvent, resolve: (view: ViewId) => Command | undefined): void {
    const v = this.current();
    if (!v || this.queue.length) {
      if (this.queue.length < MAX_QUEUED) this.queue.push(ev);
      return;
    }
    const cmd = resolve(v.view());
    if (cmd && v.onCommand(cmd, ev) === false) this.queue.push(ev);
  }

  /** the view was left: what waited for it is void */
  clear(): void {
    this.queue = [];
  }

  pending(): number {
    return this.queue.length;
  }

  private drain(): void {
    const q = this.queue;
    this.queue = [];
    for (let i = 0; i < q.length; i++) {
      this.handle(q[i]!);
      if (this.queue.length) {
        // the view left this key for the next one: keep the rest behind it
        this.queue.push(...q.slice(i + 1));
        return;
      }
    }
  }
}
