/**
 * KubeSource: the selected nodes and the pods on each, kept current through watches.
 *
 *   const src = new KubeSource({ kubeconfig: loadKubeConfig({ kubeconfig, context }), nodes: 'pool-a' });
 *   src.onNodes((nodes, change) => …); src.onPods((node, pods) => …); src.onStatus((scope, s) => …);
 *   src.start(); await src.ready();   // rejects with a one-line KubeError (bad pool, 401, …)
 *
 * One watch of the nodes, one watch of pods per selected node (fieldSelector=spec.nodeName).
 * Pod updates are batched per node over debounceMs, so a thousand pods arriving make one
 * callback per node. Status scopes: 'nodes' for the node watch, the node name for its pods.
 * With `services: true`, also one watch of all Services and one of all EndpointSlices
 * (discovery.k8s.io/v1, those labelled kubernetes.io/service-name), batched the same way into
 * onServices; their status goes to onServicesStatus (scopes 'services' and 'endpointslices').
 * Nothing is written to the console; pass a logger.
 */
import { CoreV1Api, DiscoveryV1Api, KubeConfig, type V1EndpointSlice, type V1Pod, type V1Service } from '@kubernetes/client-node';
import type { NodeInfo, PodInfo, ServiceEndpoints, ServiceInfo } from '../types.js';
import type { AddressType } from './address.js';
import { DEFAULT_TIMING, type Logger, noopLogger, sameStatus, type SourceStatus, type Timing } from './common.js';
import type { LoadedKubeConfig } from './kubeconfig.js';
import { NodeWatcher, type NodeSetChange } from './nodes.js';
import { byNamespaceName, podReflector, toPodInfo } from './pods.js';
import type { Reflector, WatchLike } from './reflector.js';
import { endpointSliceReflector, mergeEndpoints, serviceReflector, toServiceInfo } from './services.js';
import { AbortableWatch } from './watch.js';

export class KubeError extends Error {
  override name = 'KubeError';
}

export interface KubeSourceOptions {
  /** from loadKubeConfig(), or a client-node KubeConfig with its current context set */
  kubeconfig: LoadedKubeConfig | KubeConfig;
  /** --nodes: pool name, comma list of node names, or glob */
  nodes?: string;
  /** -l/--selector: label selector for nodes, applied by the API server */
  selector?: string;
  /** --address-type (default InternalIP) */
  addressType?: AddressType;
  /** from the ssh config resolver: a Host entry matches this node name */
  hasSshHostEntry?: (name: string) => boolean;
  logger?: Logger;
  /** batching of updates (default 100 ms) */
  debounceMs?: number;
  timing?: Partial<Timing>;
  random?: () => number;
  /** another watch implementation (default: client-node's Watch, made abortable) */
  watch?: WatchLike;
  /** also watch Services and EndpointSlices (the services path) */
  services?: boolean;
}

/** the cluster's Services and their ready endpoints, by 'ns/name' */
export interface ServiceSet {
  services: Map<string, ServiceInfo>;
  endpoints: Map<string, ServiceEndpoints>;
}

export type Scope = 'nodes' | string;
type NodesCb = (nodes: NodeInfo[], change: NodeSetChange) => void;
type PodsCb = (node: string, pods: PodInfo[]) => void;
type StatusCb = (scope: Scope, status: SourceStatus) => void;
type ServicesCb = (set: ServiceSet) => void;
type ServicesStatusCb = (what: 'services' | 'endpointslices', status: SourceStatus) => void;

export class KubeSource {
  private readonly api: CoreV1Api;
  private readonly watch: WatchLike;
  private readonly timing: Timing;
  private readonly logger: Logger;
  private readonly debounceMs: number;
  private readonly nodeWatcher: NodeWatcher;
  private readonly podWatches = new Map<string, Reflector<V1Pod>>();
  private readonly podInfos = new Map<string, PodInfo[]>();
  private readonly statuses = new Map<Scope, SourceStatus>();
  private readonly dirty = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly cbs = {
    nodes: new Set<NodesCb>(),
    pods: new Set<PodsCb>(),
    status: new Set<StatusCb>(),
    services: new Set<ServicesCb>(),
    servicesStatus: new Set<ServicesStatusCb>(),
  };
  private svcWatch: { services: Reflector<V1Service>; slices: Reflector<V1EndpointSlice> } | undefined;
  private serviceSet: ServiceSet = { services: new Map(), endpoints: new Map() };
  private readonly svcStatuses = new Map<'services' | 'endpointslices', SourceStatus>();
  private svcTimer: NodeJS.Timeout | undefined;
  private settle: { resolve: (n: NodeInfo[]) => void; reject: (e: Error) => void } | undefined;
  private readonly readyPromise: Promise<NodeInfo[]>;
  private running = false;

  constructor(private readonly opts: KubeSourceOptions) {
    const kc = opts.kubeconfig instanceof KubeConfig ? opts.kubeconfig : opts.kubeconfig.kc;
    this.api = kc.makeApiClient(CoreV1Api);
    this.watch = opts.watch ?? new AbortableWatch(kc);
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    this.logger = opts.logger ?? noopLogger;
    this.debounceMs = opts.debounceMs ?? 100;
    this.readyPromise = new Promise<NodeInfo[]>((resolve, reject) => (this.settle = { resolve, reject }));
    this.readyPromise.catch(() => {}); // a caller that never asks must not see an unhandled rejection
    this.nodeWatcher = new NodeWatcher({
      api: this.api,
      watch: this.watch,
      ...(opts.nodes ? { nodes: opts.nodes } : {}),
      ...(opts.selector ? { labelSelector: opts.selector } : {}),
      address: {
        ...(opts.addressType ? { type: opts.addressType } : {}),
        ...(opts.hasSshHostEntry ? { hasSshHostEntry: opts.hasSshHostEntry } : {}),
      },
      timing: this.timing,
      logger: this.logger,
      ...(opts.random ? { random: opts.random } : {}),
      debounceMs: this.debounceMs,
      onChange: (c) => this.nodesChanged(c),
      onStatus: (s) => this.setStatus('nodes', s),
    });
    if (opts.services) {
      const o = {
        core: this.api,
        discovery: kc.makeApiClient(DiscoveryV1Api),
        watch: this.watch,
        timing: this.timing,
        logger: this.logger,
        ...(opts.random ? { random: opts.random } : {}),
        onChange: () => this.servicesChanged(),
        onStatus: (what: 'services' | 'endpointslices', s: SourceStatus) => this.setServicesStatus(what, s),
      };
      this.svcWatch = { services: serviceReflector(o), slices: endpointSliceReflector(o) };
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.nodeWatcher.start();
    this.svcWatch?.services.start();
    this.svcWatch?.slices.start();
  }

  stop(): void {
    this.running = false;
    this.nodeWatcher.stop();
    for (const r of this.podWatches.values()) r.stop();
    this.podWatches.clear();
    this.svcWatch?.services.stop();
    this.svcWatch?.slices.stop();
    clearTimeout(this.svcTimer);
    this.svcTimer = undefined;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.settle?.reject(new KubeError('stopped'));
    this.settle = undefined;
  }

  /** The first node set; rejects with a one-line KubeError if the first attempt fails. */
  ready(): Promise<NodeInfo[]> {
    return this.readyPromise;
  }

  onNodes(cb: NodesCb): () => void {
    this.cbs.nodes.add(cb);
    return () => this.cbs.nodes.delete(cb);
  }

  onPods(cb: PodsCb): () => void {
    this.cbs.pods.add(cb);
    return () => this.cbs.pods.delete(cb);
  }

  onStatus(cb: StatusCb): () => void {
    this.cbs.status.add(cb);
    return () => this.cbs.status.delete(cb);
  }

  onServices(cb: ServicesCb): () => void {
    this.cbs.services.add(cb);
    return () => this.cbs.services.delete(cb);
  }

  onServicesStatus(cb: ServicesStatusCb): () => void {
    this.cbs.servicesStatus.add(cb);
    return () => this.cbs.servicesStatus.delete(cb);
  }

  /** the Services and endpoints last delivered (empty before the first list) */
  services(): ServiceSet {
    return this.serviceSet;
  }

  servicesStatus(what: 'services' | 'endpointslices'): SourceStatus | undefined {
    return this.svcStatuses.get(what);
  }

  nodes(): NodeInfo[] {
    return this.nodeWatcher.current();
  }

  /** pods last delivered for a node ([] before its first list) */
  pods(node: string): PodInfo[] {
    return this.podInfos.get(node) ?? [];
  }

  status(scope: Scope): SourceStatus | undefined {
    return this.statuses.get(scope);
  }

  private setStatus(scope: Scope, s: SourceStatus): void {
    if (scope === 'nodes' && s.kind !== 'ok' && this.settle) {
      this.settle.reject(new KubeError(s.detail && s.kind === 'unreachable' ? `${s.message}: ${s.detail}` : (s.message ?? s.kind)));
      this.settle = undefined;
    }
    if (sameStatus(this.statuses.get(scope), s)) return;
    this.statuses.set(scope, s);
    for (const cb of this.cbs.status) cb(scope, s);
  }

  private setServicesStatus(what: 'services' | 'endpointslices', s: SourceStatus): void {
    if (sameStatus(this.svcStatuses.get(what), s)) return;
    this.svcStatuses.set(what, s);
    for (const cb of this.cbs.servicesStatus) cb(what, s);
  }

  private servicesChanged(): void {
    if (this.svcTimer || !this.running) return;
    this.svcTimer = setTimeout(() => this.flushServices(), this.debounceMs);
  }

  private flushServices(): void {
    this.svcTimer = undefined;
    const w = this.svcWatch;
    if (!w) return;
    const services = new Map<string, ServiceInfo>();
    for (const s of w.services.items()) {
      const info = toServiceInfo(s);
      services.set(`${info.namespace}/${info.name}`, info);
    }
    const endpoints = mergeEndpoints(w.slices.items(), this.serviceSet.endpoints, Date.now());
    this.serviceSet = { services, endpoints };
    for (const cb of this.cbs.services) cb(this.serviceSet);
  }

  private nodesChanged(c: NodeSetChange): void {
    if (!this.running) return;
    for (const name of c.left) {
      this.podWatches.get(name)?.stop();
      this.podWatches.delete(name);
      this.podInfos.delete(name);
      this.statuses.delete(name);
      this.dirty.delete(name);
    }
    for (const name of c.joined) {
      const r = podReflector({
        api: this.api,
        watch: this.watch,
        node: name,
        timing: this.timing,
        logger: this.logger,
        ...(this.opts.random ? { random: this.opts.random } : {}),
        onChange: () => this.podsChanged(name),
        onStatus: (s) => this.setStatus(name, s),
      });
      this.podWatches.set(name, r);
      r.start();
    }
    if (c.nodes.length > 0 || this.statuses.get('nodes')?.kind === 'ok') {
      this.settle?.resolve(c.nodes);
      this.settle = undefined;
    }
    for (const cb of this.cbs.nodes) cb(c.nodes, c);
  }

  private podsChanged(node: string): void {
    this.dirty.add(node);
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flush(), this.debounceMs);
  }

  private flush(): void {
    this.flushTimer = undefined;
    const nodes = [...this.dirty];
    this.dirty.clear();
    for (const node of nodes) {
      const r = this.podWatches.get(node);
      if (!r) continue;
      const pods = r.items().map(toPodInfo).sort(byNamespaceName);
      this.podInfos.set(node, pods);
      for (const cb of this.cbs.pods) cb(node, pods);
    }
  }
}
