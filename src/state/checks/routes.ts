/**
 * Pod routes (Russian guide): on a routed node (Calico, GKE routes-based: a /32 route per pod), a
 * pod IP with no route; on a bridge node (kubenet cbr0, flannel cni0), no route for the node's
 * spec.podCIDR. IPv4 only (IPv6 pod CIDRs are not judged). Pure.
 */
import { remedyOf, severityOf } from '../catalogue.js';
import { interfacesOf, isLive } from '../model.js';
import { primaryInterface } from '../topology.js';
import type { NodeState, Problem } from '../types.js';
import { type Cidr4, cidrContains, cidrText, missing, type NodeRule, type Outcome, parseCidr4 } from './outcome.js';

function routes4(node: NodeState): { dst: Cidr4; dev?: string; gateway?: string; raw: string }[] {
  return (node.model.routes4.value ?? []).flatMap((r) => {
    if (r.dst === 'default') return [];
    const dst = parseCidr4(r.dst);
    return dst ? [{ dst, dev: r.dev, gateway: r.gateway, raw: r.dst }] : [];
  });
}

const livePods = (node: NodeState) =>
  (node.kube?.pods ?? []).filter((p) => !p.hostNetwork && p.phase !== 'Succeeded' && p.phase !== 'Failed' && !p.terminating);

export const podNoRoute: NodeRule = {
  id: 'pod-no-route',
  run(node): Outcome {
    if (!isLive(node)) return { cannot: 'node not live' };
    const why = missing(node, 'routes4');
    if (why) return { cannot: why };
    const k = node.kube;
    if (!k || (k.status.kind !== 'ok' && !k.pods.length)) return { cannot: 'no pod IPs without the Kubernetes API' };
    const kinds = new Map(interfacesOf(node).map((i) => [i.name, i.kind]));
    const rs = routes4(node);
    const hostRoute = (ip: Cidr4) => rs.some((r) => r.dst.bits === 32 && r.dst.net === ip.net && (r.dev || r.gateway));
    const pods = livePods(node).map((p) => ({ pod: p, ips: p.podIPs.map(parseCidr4).filter((c): c is Cidr4 => !!c) })).filter((x) => x.ips.length);
    // routed: some pod of this node has its /32 route to a device that is not a bridge
    const routed = pods.some((x) => x.ips.some((ip) => rs.some((r) => r.dst.bits === 32 && r.dst.net === ip.net && r.dev && kinds.get(r.dev) !== 'bridge')));
    if (!routed) return { na: pods.length ? 'not a routed node (no per-pod /32 routes)' : 'no pod with an IP on this node' };
    const primary = primaryInterface(node)?.name;
    // covered: its /32, or a connected route (a device, no gateway) other than the NIC's own subnet containing it
    const covered = (ip: Cidr4) => hostRoute(ip) || rs.some((r) => r.dst.bits < 32 && r.dev && !r.gateway && r.dev !== primary && cidrContains(r.dst, ip));
    const out: Problem[] = [];
    for (const { pod, ips } of pods) {
      const bad = ips.filter((ip) => !covered(ip));
      if (!bad.length) continue;
      const id = `${pod.namespace}/${pod.name}`;
      out.push({
        severity: severityOf('pod-no-route'),
        code: 'pod-no-route',
        subject: id,
        message: `pod ${id} ${bad.map((c) => cidrText(c).replace(/\/32$/, '')).join(', ')} has no route on this routed node (other pods have /32 routes)`,
        remedy: remedyOf('pod-no-route'),
      });
    }
    return out;
  },
};

export const podCidrNoRoute: NodeRule = {
  id: 'podcidr-no-route',
  run(node): Outcome {
    if (!isLive(node)) return { cannot: 'node not live' };
    const why = missing(node, 'routes4') ?? (node.model.interfaces.value === undefined ? missing(node, 'interfaces') : undefined);
    if (why) return { cannot: why };
    const ifaces = interfacesOf(node);
    const bridges = ifaces.filter((i) => i.kind === 'bridge' && ifaces.some((x) => x.master === i.name && x.kind === 'veth'));
    if (!bridges.length) return { na: 'not a bridge node (no bridge with veth ports)' };
    const spec = node.kube?.node?.podCIDRs;
    if (!spec) return { cannot: "no spec.podCIDRs without the node's API object" };
    const cidrs = spec.map(parseCidr4).filter((c): c is Cidr4 => !!c);
    if (!cidrs.length) return { na: spec.length ? 'no IPv4 pod CIDR (IPv6 is not judged)' : 'the node has no spec.podCIDR' };
    const names = new Set(bridges.map((b) => b.name));
    const rs = routes4(node);
    // covered: a route exactly for it, or one containing it that goes to the pod bridge
    const covered = (c: Cidr4) => rs.some((r) => r.dev && ((r.dst.bits === c.bits && r.dst.net === c.net) || (cidrContains(r.dst, c) && names.has(r.dev))));
    return cidrs
      .filter((c) => !covered(c))
      .map((c) => ({
        severity: severityOf('podcidr-no-route'),
        code: 'podcidr-no-route',
        subject: cidrText(c),
        message: `no route covers the node's spec.podCIDR ${cidrText(c)} (bridge ${[...names].join(', ')}): pods here cannot be reached`,
        remedy: remedyOf('podcidr-no-route'),
      }));
  },
};
