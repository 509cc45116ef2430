/**
 * The watched set of nodes: a list + watch of /api/v1/nodes (narrowed on the server by -l),
 * the --nodes selection applied to every change, and the set's changes (joined, left, changed).
 */
import type { CoreV1Api, V1Node } from '@kubernetes/client-node';
import type { NodeInfo } from '../types.js';
import { chooseAddress, type AddressOptions } from './address.js';
import { abortable } from './api.js';
import { type Logger, sameStatus, type SourceStatus, type Timing } from './common.js';
import { Reflector, type WatchLike } from './reflector.js';
import { poolOf, selectNodes } from './select.js';

export function toNodeInfo(node: V1Node, address: AddressOptions = {}): NodeInfo {
  const name = node.metadata?.name ?? '';
  const addresses = (node.status?.addresses ?? []).map((a) => ({ type: a.type, address: a.address }));
  const labels = { ...(node.metadata?.labels ?? {}) };
  const podCIDRs = node.spec?.podCIDRs?.length ? [...node.spec.podCIDRs] : node.spec?.podCIDR ? [node.spec.podCIDR] : [];
  const ready = (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  const info: NodeInfo = { name, addresses, labels, podCIDRs, ready };
  const choice = chooseAddress({ name, addresses }, address);
  if (choice.ok) {
    info.address = choice.address;
    info.addressVia = choice.via;
  } else info.addressError = choice.error;
  const pool = poolOf(labels);
  if (pool) info.pool = pool;
  if (node.spec?.providerID) info.providerID = node.spec.providerID;
  if (node.spec?.unschedulable) info.unschedulable = true;
  return info;
}

export interface NodeSetChange {
  /** the selected nodes, sorted by name */
  nodes: NodeInfo[];
  joined: string[];
  left: string[];
  /** nodes whose NodeInfo changed (address, readiness, labels, …) */
  changed: string[];
}

export interface NodeWatchOptions {
  api: CoreV1Api;
  watch: WatchLike;
  /** --nodes */
  nodes?: string;
  /** -l/--selector, applied by the API server */
  labelSelector?: string;
  address: AddressOptions;
  timing: Timing;
  logger: Logger;
  random?: () => number;
  /** changes after the first are coalesced over this many ms */
  debounceMs: number;
  onChange(change: NodeSetChange): void;
  onStatus(status: SourceStatus): void;
}

export class NodeWatcher {
  private readonly reflector: Reflector<V1Node>;
  private selected = new Map<string, { info: NodeInfo; json: string }>();
  private apiStatus: SourceStatus = { kind: 'ok' };
  private status: SourceStatus | undefined;
  private synced = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: NodeWatchOptions) {
    const labelSelector = o.labelSelector || undefined;
    this.reflector = new Reflector<V1Node>({
      what: 'nodes',
      name: 'nodes',
      path: '/api/v1/nodes',
      ...(labelSelector ? { labelSelector } : {}),
      list: async ({ resourceVersion, signal }) => {
        const res = await o.api.listNode({ labelSelector, resourceVersion: resourceVersion || undefined }, abortable(signal));
        return { items: res.items, resourceVersion: res.metadata?.resourceVersion ?? '' };
      },
      watch: o.watch,
      timing: o.timing,
      logger: o.logger,
      ...(o.random ? { random: o.random } : {}),
      onChange: () => this.changed(),
      onStatus: (s) => {
        this.apiStatus = s;
        if (s.kind !== 'ok') this.report(s);
        else if (this.synced) this.changed(); // evaluating reports the selection's status
      },
    });
  }

  start(): void {
    this.reflector.start();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.reflector.stop();
  }

  /** the selected nodes now */
  current(): NodeInfo[] {
    return [...this.selected.values()].map((s) => s.info);
  }

  private report(s: SourceStatus): void {
    if (sameStatus(this.status, s)) return;
    this.status = s;
    this.o.onStatus(s);
  }

  private changed(): void {
    if (!this.synced) return this.evaluate();
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.evaluate();
    }, this.o.debounceMs);
  }

  private evaluate(): void {
    const all = this.reflector.items().map((n) => toNodeInfo(n, this.o.address));
    const sel = selectNodes(this.o.nodes, all, this.o.labelSelector);
    const first = !this.synced;
    this.synced = true;
    if (this.apiStatus.kind === 'ok') {
      if (!sel.ok) this.report({ kind: 'error', message: sel.error });
      else if (sel.missing.length > 0) this.report({ kind: 'ok', message: `not in the cluster: ${sel.missing.join(', ')}` });
      else this.report({ kind: 'ok' });
    }
    const names = new Set(sel.ok ? sel.names : []);
    const next = new Map<string, { info: NodeInfo; json: string }>();
    for (const info of all) if (names.has(info.name)) next.set(info.name, { info, json: JSON.stringify(info) });
    const joined = [...next.keys()].filter((n) => !this.selected.has(n));
    const left = [...this.selected.keys()].filter((n) => !next.has(n));
    const changed = [...next.keys()].filter((n) => this.selected.has(n) && this.selected.get(n)?.json !== next.get(n)?.json);
    this.selected = new Map([...next.entries()].sort(([a], [b]) => a.localeCompare(b)));
    if (first || joined.length || left.length || changed.length) {
      this.o.onChange({ nodes: this.current(), joined, left, changed });
    }
  }
}
