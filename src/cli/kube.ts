/**
 * --nodes / --selector: the node list comes from the Kubernetes API (watched: nodes joining or
 * leaving the pool appear and disappear), each node is reached over SSH at the chosen address
 * (an ssh config Host entry for the node name wins), and each node's pods feed the store.
 */
import { loadKubeConfig } from '../sources/k8s/kubeconfig.js';
import { parseAddressType } from '../sources/k8s/address.js';
import type { Logger as KubeLogger } from '../sources/k8s/common.js';
import { KubeSource } from '../sources/k8s/source.js';
import type { Monitor } from '../sources/monitor.js';
import { resolveSshHost } from '../sources/ssh/configFiles.js';
import type { NodeInfo, PodInfo } from '../sources/types.js';
import type { Store } from '../state/store.js';
import type { KubeStatus } from '../state/types.js';
import type { Options } from './args.js';
import type { Logger } from './log.js';
import { sshTarget } from './targets.js';

export function kubeLogger(log: Logger): KubeLogger {
  const logger: KubeLogger = {
    debug: () => {},
    info: (m: string) => log(`kube: ${m}`),
    warn: (m: string) => log(`kube: ${m}`),
    error: (m: string) => log(`kube: ${m}`),
  };
  return logger;
}

/** an ssh config Host entry that names this node (gcloud compute config-ssh writes them) */
export function sshEntryPredicate(opts: Options): (name: string) => boolean {
  return (name) => {
    try {
      const h = resolveSshHost(name, { configFile: opts.sshConfig });
      return h.hostName !== name;
    } catch {
      return false;
    }
  };
}

/** Starts watching; resolves with the source once the first node list is there. */
export interface Kube {
  source: KubeSource;
  /** resolves when every selected node has had its pod list (or a status) once, or after ms */
  podsSettled(ms: number): Promise<void>;
  /** resolves when the Services and EndpointSlices were listed (or failed) once, or after ms */
  servicesSettled(ms: number): Promise<void>;
}

/**
 * A node's pods as keys (uid and addresses of each pod with its own network), and whether the
 * list names one not in `before` (a new pod, or a pod that got its IP): then the node's next tick
 * reads its routes. The node's first list (`before` undefined) nudges nothing: its first tick
 * reads everything anyway. Pure.
 */
export function newPodsOnNode(before: ReadonlySet<string> | undefined, pods: readonly PodInfo[]): { keys: Set<string>; nudge: boolean } {
  const keys = new Set(pods.filter((p) => !p.hostNetwork && p.podIPs.length).map((p) => `${p.uid} ${p.podIPs.join(',')}`));
  return { keys, nudge: before !== undefined && [...keys].some((k) => !before.has(k)) };
}

export async function startKube(opts: Options, store: Store, monitor: Monitor, log: Logger): Promise<Kube> {
  const heard = new Set<string>();
  // a pod (uid and addresses) not seen on its node before: that node's next tick reads its routes
  // and neighbours, so the pod is on its veth within a tick, not at the routes' next turn
  const seenPods = new Map<string, Set<string>>();
  const kubeconfig = loadKubeConfig({ kubeconfig: opts.kubeconfig, context: opts.context });
  const source = new KubeSource({
    kubeconfig,
    nodes: opts.nodes,
    selector: opts.selector,
    addressType: parseAddressType(opts.addressType),
    hasSshHostEntry: sshEntryPredicate(opts),
    logger: kubeLogger(log),
    timing: { listTimeoutMs: opts.requestTimeoutMs, watchConnectTimeoutMs: opts.requestTimeoutMs },
    // the services path: the service-rules check and --service (one watch each, cluster-wide)
    services: true,
  });
  const st = store.getState();
  const addNode = (n: NodeInfo) => {
    if (monitor.nodes.includes(n.name)) {
      store.getState().setNodeInfo(n.name, n);
      return;
    }
    if (!n.address) {
      st.addNode(n.name);
      st.setStatus(n.name, { kind: 'failed', since: Date.now(), reason: n.addressError ?? `no ${opts.addressType} address` });
      st.setNodeInfo(n.name, n);
      return;
    }
    const dest = n.addressVia === 'ssh-config' ? n.name : n.address;
    try {
      const t = sshTarget(dest, opts, log, n.name);
      monitor.add(n.name, t.transport, t.address);
    } catch (e) {
      st.addNode(n.name, n.address);
      st.setStatus(n.name, { kind: 'failed', since: Date.now(), reason: (e as Error).message });
    }
    store.getState().setNodeInfo(n.name, n);
    // pods may have arrived before the node was added
    const pods = source.pods(n.name);
    if (pods.length || source.status(n.name)) store.getState().setPods(n.name, pods, source.status(n.name) ?? { kind: 'ok' });
  };
  source.onNodes((nodes, change) => {
    for (const name of change.left) {
      seenPods.delete(name);
      monitor.remove(name);
      store.getState().removeNode(name);
    }
    for (const n of nodes) addNode(n);
  });
  source.onPods((node, pods) => {
    heard.add(node);
    const { keys, nudge } = newPodsOnNode(seenPods.get(node), pods);
    seenPods.set(node, keys);
    if (nudge) monitor.readRoutesSoon(node);
    store.getState().setPods(node, pods, source.status(node) ?? { kind: 'ok' });
  });
  source.onStatus((scope, status) => {
    if (scope === 'nodes') store.getState().setKube(status);
    else {
      // an ok status comes when the list succeeded; its pods follow after the debounce
      if (status.kind !== 'ok') heard.add(scope);
      const n = store.getState().nodes[scope];
      if (n) store.getState().setPods(scope, n.kube?.pods ?? [], status);
    }
  });
  // a delivery made once both lists are in (the reflector says ok before it hands over the items)
  let servicesListed = false;
  const svcStatus = new Map<string, KubeStatus>();
  source.onServices((set) => {
    if (svcStatus.size === 2 && [...svcStatus.values()].every((x) => x.kind === 'ok')) servicesListed = true;
    store.getState().setServices(set.services, set.endpoints);
  });
  source.onServicesStatus((what, s) => {
    svcStatus.set(what, s);
    if (s.kind !== 'ok') log(`kube: ${what}: ${s.message ?? s.kind}${s.detail ? ` (${s.detail})` : ''}`);
    // both watches must be ok for the check to tell anything
    const bad = [...svcStatus.values()].find((x) => x.kind !== 'ok');
    const both = svcStatus.size === 2;
    store.getState().setServicesStatus(bad ? { kind: bad.kind, ...(bad.message ? { message: bad.message } : {}) } : both ? { kind: 'ok' } : { kind: 'off', message: 'waiting for the first list' });
  });
  source.start();
  const nodes = await source.ready();
  for (const n of nodes) addNode(n);
  return {
    source,
    podsSettled: async (ms) => {
      const end = Date.now() + ms;
      while (Date.now() < end && !source.nodes().every((n) => heard.has(n.name))) await new Promise((r) => setTimeout(r, 50));
    },
    servicesSettled: async (ms) => {
      const end = Date.now() + ms;
      const settled = () => [...svcStatus.values()].some((s) => s.kind !== 'ok') || servicesListed;
      while (Date.now() < end && !settled()) await new Promise((r) => setTimeout(r, 50));
    },
  };
}
