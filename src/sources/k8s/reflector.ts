/**
 * List + watch of one collection, keeping a local copy (what client-go calls a reflector).
 *
 * Written here rather than using client-node's makeInformer/ListWatch because that one stops
 * for good on any error (the caller must restart it), restarts a watch the instant it ends (a
 * server that closes watches at once gets hammered: kubernetes-client/javascript#1933) and never
 * notices a watch that went silent (#596). Here:
 *  - list (resourceVersion "0", or "" after a 410), then watch from the list's resourceVersion
 *    with allowWatchBookmarks and a random timeoutSeconds, re-watching from the last seen
 *    resourceVersion when the server ends it;
 *  - 410 Gone (an ERROR event or the response status) -> list again, at once the first time,
 *    with backoff if it repeats;
 *  - network errors and 5xx -> exponential backoff with jitter; 401/403/400 -> slow retry;
 *  - a watch that ends before minWatchMs without events counts as a failure;
 *  - a watch with no response within watchConnectTimeoutMs, or silent past its timeoutSeconds
 *    plus a grace, is abandoned and retried.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { backoffDelay, type Logger, sameStatus, slowDelay, type SourceStatus, type Timing } from './common.js';
import { classifyApiError, httpCode } from './errors.js';

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

/** The shape of client-node's Watch. */
export interface WatchLike {
  watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown) => void,
    done: (err: unknown) => void,
    /** aborts the request even before it has a response (client-node's Watch ignores it) */
    signal?: AbortSignal,
  ): Promise<AbortController>;
}

export interface ReflectorOptions<T> {
  /** for logs and messages: 'nodes' or 'pods' */
  what: string;
  /** for logs, e.g. 'pods@node-1' */
  name: string;
  /** watch path, e.g. '/api/v1/pods' */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  list(opts: { resourceVersion: string; signal: AbortSignal }): Promise<ListResult<T>>;
  watch: WatchLike;
  timing: Timing;
  logger: Logger;
  random?: () => number;
  /** the local copy changed (after a list or an event) */
  onChange(): void;
  /** status changed */
  onStatus(status: SourceStatus): void;
}

/** a list aborted by --request-timeout */
export class ListTimeout extends Error {
  override name = 'TimeoutError';
  constructor(ms: number) {
    super(`no answer to the list within ${ms / 1000} s (--request-timeout)`);
  }
}

export function objectKey(o: KubernetesObject): string {
  const m = o.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name ?? ''}` : (m.name ?? '');
}

export class Reflector<T extends KubernetesObject> {
  private readonly store = new Map<string, T>();
  private rv = '';
  private failures = 0;
  /** 410s in a row without a useful watch in between */
  private gone = 0;
  private running = false;
  private gen = 0;
  private timer: NodeJS.Timeout | undefined;
  private cancel: (() => void) | undefined;
  private status: SourceStatus | undefined;

  constructor(private readonly o: ReflectorOptions<T>) {}

  items(): T[] {
    return [...this.store.values()];
  }

  get resourceVersion(): string {
    return this.rv;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.list('0');
  }

  stop(): void {
    this.running = false;
    this.gen++;
    clearTimeout(this.timer);
    this.cancel?.();
    this.cancel = undefined;
  }

  private setStatus(s: SourceStatus): void {
    if (sameStatus(this.status, s)) return;
    this.status = s;
    this.o.onStatus(s);
  }

  private later(ms: number, next: () => void): void {
    clearTimeout(this.timer);
    const gen = this.gen;
    this.timer = setTimeout(() => {
      if (this.running && gen === this.gen) next();
    }, ms);
  }

  private async list(resourceVersion: string): Promise<void> {
    const gen = ++this.gen;
    const ac = new AbortController();
    // --request-timeout; 0 = none, as kubectl
    const ms = this.o.timing.listTimeoutMs;
    const timeout = ms > 0 ? setTimeout(() => ac.abort(new ListTimeout(ms)), ms) : undefined;
    this.cancel = () => ac.abort();
    try {
      const res = await this.o.list({ resourceVersion, signal: ac.signal });
      if (gen !== this.gen) return;
      this.store.clear();
      for (const item of res.items) this.store.set(objectKey(item), item);
      this.rv = res.resourceVersion;
      this.failures = 0;
      this.setStatus({ kind: 'ok' });
      this.o.logger.debug(`${this.o.name}: listed ${res.items.length} at resourceVersion ${this.rv}`);
      this.o.onChange();
      this.watch();
    } catch (err) {
      // fetch says "The user aborted a request": the timeout is the story
      const why = ac.signal.reason instanceof ListTimeout ? ac.signal.reason : err;
      if (gen === this.gen) this.failed(why, 'list');
    } finally {
      clearTimeout(timeout);
    }
  }

  private failed(err: unknown, during: 'list' | 'watch'): void {
    const c = classifyApiError(err, this.o.what);
    if (c.retry === 'relist') return this.relist();
    this.failures++;
    this.setStatus(c.status);
    const delay = c.retry === 'slow' ? slowDelay(this.o.timing, this.o.random) : backoffDelay(this.failures, this.o.timing, this.o.random);
    this.o.logger.warn(`${this.o.name}: ${during} failed (${c.status.detail ?? c.status.message ?? ''}); retry in ${delay} ms`);
    // after a watch failure, resume from the last resourceVersion; a 410 then leads to a list
    this.later(delay, () => (during === 'watch' && this.rv ? this.watch() : void this.list('0')));
  }

  private relist(): void {
    this.gone++;
    this.rv = '';
    const delay = this.gone > 1 ? backoffDelay(this.gone - 1, this.o.timing, this.o.random) : 0;
    this.o.logger.info(`${this.o.name}: resourceVersion expired (410), listing again in ${delay} ms`);
    this.later(delay, () => void this.list(''));
  }

  private watch(): void {
    const gen = ++this.gen;
    const t = this.o.timing;
    const [lo, hi] = t.watchTimeoutSeconds;
    const timeoutSeconds = Math.round(lo + (this.o.random ?? Math.random)() * (hi - lo));
    const started = Date.now();
    let events = 0;
    let expired = false;
    let errorEvent: unknown;
    let finished = false;
    let ctl: AbortController | undefined;
    const request = new AbortController();
    const noResponse = () => finish(Object.assign(new Error(`no response to the watch request within ${t.watchConnectTimeoutMs / 1000} s`), { name: 'TimeoutError' }));
    let watchdog: NodeJS.Timeout | undefined = t.watchConnectTimeoutMs > 0 ? setTimeout(noResponse, t.watchConnectTimeoutMs) : undefined;

    const finish = (err: unknown): void => {
      if (finished) return;
      finished = true;
      clearTimeout(watchdog);
      ctl?.abort();
      request.abort();
      if (gen !== this.gen || !this.running) return;
      if (expired || httpCode(err) === 410) return this.relist();
      if (err) return this.failed(err, 'watch');
      if (errorEvent) return this.failed(errorEvent, 'watch');
      if (events === 0 && Date.now() - started < t.minWatchMs) {
        // not evidence of an outage (the next attempt tells), but never a loop: back off
        this.failures++;
        const delay = backoffDelay(this.failures, t, this.o.random);
        this.o.logger.debug(`${this.o.name}: watch ended at once; again in ${delay} ms`);
        return this.later(delay, () => this.watch());
      }
      this.watch();
    };
    this.cancel = () => {
      finished = true;
      clearTimeout(watchdog);
      ctl?.abort();
      request.abort();
    };

    const onEvent = (type: string, obj: unknown): void => {
      if (finished || gen !== this.gen) return;
      const o = obj as T & { code?: number };
      if (type === 'ERROR') {
        if (o.code === 410) expired = true;
        else errorEvent = Object.assign(new Error(`watch error event: ${JSON.stringify(obj).slice(0, 200)}`), { code: o.code });
        return;
      }
      const rv = o.metadata?.resourceVersion;
      if (rv) this.rv = rv;
      events++;
      this.gone = 0;
      this.failures = 0;
      if (type === 'ADDED' || type === 'MODIFIED') this.store.set(objectKey(o), o);
      else if (type === 'DELETED') this.store.delete(objectKey(o));
      else return; // BOOKMARK: only the resourceVersion
      this.o.onChange();
    };

    const query = {
      resourceVersion: this.rv,
      allowWatchBookmarks: true,
      timeoutSeconds,
      labelSelector: this.o.labelSelector || undefined,
      fieldSelector: this.o.fieldSelector || undefined,
    };
    this.o.watch.watch(this.o.path, query, onEvent, (err) => finish(err ?? null), request.signal).then(
      (c) => {
        ctl = c;
        if (finished) return c.abort();
        clearTimeout(watchdog);
        watchdog = setTimeout(
          () => finish(Object.assign(new Error(`watch silent for ${timeoutSeconds} s`), { name: 'TimeoutError' })),
          timeoutSeconds * 1000 + t.watchIdleGraceMs,
        );
        this.setStatus({ kind: 'ok' });
      },
      (err: unknown) => finish(err),
    );
  }
}
