/**
 * Which veth is whose: maps each pod on a node to its host-side interface, trying in order
 *  1. a /32 (or /128) route to the pod IP (Calico, GKE routes-based),
 *  2. the neighbour table (pod IP -> MAC) plus the bridge forwarding table (MAC -> port) for
 *     bridge CNIs (kubenet cbr0, flannel cni0),
 *  3. the peer index of eth0 inside the pod's network namespace, reached through a process of
 *     the pod found by its cgroup (works for every veth CNI, and without the API), accepted only
 *     when the host interface it names is a veth whose own peer is that eth0 (topology.ts).
 * Values are the node model's last good ones, so one failed read un-maps nothing.
 * Without the Kubernetes API, pods come from their cgroups alone (named by UID). Pure.
 */
import type { Iface, PodInfo } from '../sources/types.js';
import { interfacesOf, routesOf, valueOf } from './model.js';
import { peerElsewhere, peerIface } from './topology.js';
import type { NodeState, PodLink } from './types.js';

export function linkPods(node: NodeState): { links: PodLink[]; strayVeths: Iface[] } {
  const ifaces = interfacesOf(node);
  const byName = new Map(ifaces.map((i) => [i.name, i]));
  const byIndex = new Map(ifaces.map((i) => [i.ifindex, i]));
  const routes = routesOf(node);
  const neigh = valueOf(node, 'neighbours') ?? [];
  const fdb = valueOf(node, 'fdb') ?? [];
  const hostRoute = new Map<string, string>();
  for (const r of routes) {
    if (!r.dev || r.gateway) continue;
    const host = /^(.*)\/(32|128)$/.exec(r.dst)?.[1] ?? (r.dst.includes('/') || r.dst === 'default' ? undefined : r.dst);
    if (host) hostRoute.set(host, r.dev);
  }
  const macOf = new Map(neigh.filter((n) => n.mac).map((n) => [n.ip, n.mac!.toLowerCase()]));
  const portOf = new Map(fdb.filter((f) => !f.self && f.master).map((f) => [f.mac, f.dev]));

  const pods = podsOf(node);
  const links: PodLink[] = pods.map((pod) => {
    if (pod.hostNetwork) return { pod, method: 'none' };
    for (const ip of pod.podIPs) {
      const dev = hostRoute.get(ip);
      const i = dev ? byName.get(dev) : undefined;
      if (i && i.kind !== 'bridge') return { pod, iface: i, method: 'route' };
    }
    for (const ip of pod.podIPs) {
      const mac = macOf.get(ip);
      const port = mac ? portOf.get(mac) : undefined;
      const i = port ? byName.get(port) : undefined;
      if (i) return { pod, iface: i, method: 'neighbour+fdb' };
    }
    const peer = node.podPeers[pod.uid];
    if (peer !== undefined && peer !== 'host') {
      const p = peerIface(byIndex, peer);
      if (p.iface) return { pod, iface: p.iface, method: 'netns-peer' };
      return { pod, method: 'none', reason: p.reason };
    }
    return { pod, method: 'none' };
  });
  const used = new Set(links.map((l) => l.iface?.name).filter(Boolean));
  // a veth whose peer is in another namespace (a pod's) but no pod maps to it; the node's own
  // uplink (the default route's device) can be a veth too, when the node is itself a container
  const uplinks = new Set(routes.filter((r) => r.dst === 'default' && r.dev).map((r) => r.dev));
  const strayVeths = pods.length
    ? ifaces.filter((i) => i.kind === 'veth' && !used.has(i.name) && !uplinks.has(i.name) && peerElsewhere(i))
    : [];
  return { links, strayVeths };
}

/** pods from the API when there is one, else one per pod UID found in the node's cgroups */
export function podsOf(node: NodeState): PodInfo[] {
  const api = node.kube?.pods;
  if (api && (node.kube?.status.kind === 'ok' || api.length)) return api;
  const cg = valueOf(node, 'podCgroups') ?? [];
  return cg.map((c) => ({
    namespace: '?',
    name: `pod${c.uid}`,
    uid: c.uid,
    nodeName: node.name,
    phase: 'Running',
    podIPs: [],
    hostNetwork: node.podPeers[c.uid] === 'host',
    containers: c.containerIds.map((id) => ({
      name: id.slice(0, 12),
      containerID: id,
      kind: 'container' as const,
      ready: true,
      restartCount: 0,
      state: 'running',
      ports: [],
    })),
  }));
}
