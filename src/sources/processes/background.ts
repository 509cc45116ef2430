/**
 * The stale-process check in the background (issue 10): the same collection the `s` view runs
 * (collect.ts), on every live node with pods from the API, at most once per period per node
 * (STALE_EVERY_MS, to follow --slow-every), each run bounded in time and never two at once on a
 * node (a run due while one is out is dropped). While the `s` view is open on a node it does not
 * run there: the view's own result is stored instead. Results go to the store (setStale); the
 * problem is derived in state/stale.ts.
 */
import type { Store } from '../../state/store.js';
import { STALE_EVERY_MS } from '../../state/model.js';
import { staleCheckFailed, staleCheckOf } from '../../state/stale.js';
import type { Transport } from '../transport/types.js';
import type { PodInfo } from '../types.js';
import { collectProcesses } from './collect.js';
import { COLLECT_CAP_S } from './script.js';
import type { ProcessView } from './types.js';

export interface StaleCheckerOptions {
  /** per node, at most once this often (ms); default STALE_EVERY_MS */
  everyMs?: number;
  /** one collection's bound (ms); default the script's own cap + 5 s */
  timeoutMs?: number;
  /** how often due nodes are looked for (ms); default min(everyMs, 5 s) */
  pollMs?: number;
  log?: (line: string) => void;
  now?: () => number;
}

/** the node's pods from the API, or undefined when the API did not give them */
export function apiPods(store: Store, name: string): PodInfo[] | undefined {
  const k = store.getState().nodes[name]?.kube;
  return k?.status.kind === 'ok' ? k.pods : undefined;
}

export class StaleChecker {
  private readonly inflight = new Set<string>();
  private readonly lastRun = new Map<string, number>();
  private readonly viewOpen = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private readonly everyMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly transportOf: (name: string) => Transport | undefined,
    private readonly opts: StaleCheckerOptions = {},
  ) {
    this.everyMs = opts.everyMs ?? STALE_EVERY_MS;
    this.timeoutMs = opts.timeoutMs ?? (COLLECT_CAP_S + 5) * 1000;
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.poll(), this.opts.pollMs ?? Math.min(this.everyMs, 5000));
    this.timer.unref?.();
    this.poll();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** nodes due now: live, pods from the API, connected, not in flight, not in the `s` view, period passed */
  due(): string[] {
    const st = this.store.getState();
    const t = this.now();
    return st.order.filter((name) => {
      const n = st.nodes[name];
      if (!n || n.status.kind !== 'live' || !apiPods(this.store, name)) return false;
      if (this.inflight.has(name) || this.viewOpen.has(name) || !this.transportOf(name)) return false;
      const last = this.lastRun.get(name);
      return last === undefined || t - last >= this.everyMs;
    });
  }

  poll(): void {
    for (const name of this.due()) void this.check(name);
  }

  /**
   * One check of one node, bounded by `timeoutMs` (default the checker's). A check already out on
   * the node makes this one drop (resolves at once). Never rejects: a failure is stored as
   * "cannot tell" with its reason.
   */
  async check(name: string, timeoutMs = this.timeoutMs): Promise<void> {
    const transport = this.transportOf(name);
    if (!transport || this.inflight.has(name)) return;
    this.inflight.add(name);
    this.lastRun.set(name, this.now());
    const pods = apiPods(this.store, name);
    let timer: NodeJS.Timeout | undefined;
    try {
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no process listing within ${(timeoutMs / 1000).toFixed(1)} s`)), timeoutMs);
      });
      const view = await Promise.race([collectProcesses(transport, pods, { timeoutMs }), late]);
      this.store.getState().setStale(name, staleCheckOf(view, pods));
    } catch (e) {
      const reason = (e as Error).message;
      this.opts.log?.(`${name}: stale-process check: ${reason}`);
      this.store.getState().setStale(name, staleCheckFailed(reason, this.now()));
    } finally {
      clearTimeout(timer);
      this.inflight.delete(name);
    }
  }

  /** the `s` view opened on a node: no background run there until it closes */
  viewOpened(name: string): void {
    this.viewOpen.set(name, (this.viewOpen.get(name) ?? 0) + 1);
  }

  viewClosed(name: string): void {
    const c = (this.viewOpen.get(name) ?? 1) - 1;
    if (c > 0) this.viewOpen.set(name, c);
    else this.viewOpen.delete(name);
  }

  /** the `s` view's collection (the whole node, not narrowed to a pod): stored as this node's check */
  fromView(name: string, view: ProcessView, pods: readonly PodInfo[] | undefined): void {
    this.lastRun.set(name, this.now());
    this.store.getState().setStale(name, staleCheckOf(view, pods));
  }

  /** the `s` view's collection failed */
  viewFailed(name: string, reason: string): void {
    this.lastRun.set(name, this.now());
    this.store.getState().setStale(name, staleCheckFailed(reason, this.now()));
  }
}
