/**
 * Topology selectors of the node model, one answer each for rules, UI and CLI: the node's primary
 * interface, the addresses on it, and whether a pod's eth0 peer index really names a host veth.
 * Pure.
 */
import type { Iface, Route } from '../sources/types.js';
import { interfacesOf, routesOf, type NodeModel } from './model.js';

export interface TopologyNode {
  model: NodeModel;
  /** what netwatch was told to connect to (a name or an address) */
  address?: string;
  /** the node's address as the connection sees it (the transport fills it in when it knows) */
  connectedAddress?: string;
  /** the Kubernetes node object's chosen address, when there is one */
  kube?: { node?: { address?: string } };
}

/** the address netwatch reached the node at, when it is an IP */
export function connectedIp(n: TopologyNode): string | undefined {
  for (const a of [n.connectedAddress, n.address, n.kube?.node?.address]) if (a && isIp(a)) return a.replace(/^\[|\]$/g, '');
  return undefined;
}

/** how the primary interface was chosen */
export type PrimaryVia = 'default4' | 'default6' | 'address' | 'device';

/**
 * The node's primary interface, the one every capture, traffic summary and MTU check means:
 * the device of the IPv4 default route, else of the IPv6 default route, else the interface that
 * holds the address netwatch connected to, else the first physical device that is up (then any
 * device, then any interface that is neither loopback nor a pod's veth).
 */
export function primaryInterface(n: TopologyNode): Iface | undefined {
  return primaryChoice(n)?.iface;
}

export function primaryChoice(n: TopologyNode): { iface: Iface; via: PrimaryVia } | undefined {
  const ifaces = interfacesOf(n);
  if (ifaces.length === 0) return undefined;
  const routes = routesOf(n);
  const named = (dev: string | undefined) => (dev ? ifaces.find((i) => i.name === dev) : undefined);
  for (const fam of [4, 6] as const) {
    for (const r of routes) {
      if (r.dst !== 'default' || r.family !== fam) continue;
      const i = named(r.dev);
      if (i) return { iface: i, via: fam === 4 ? 'default4' : 'default6' };
    }
  }
  const addr = connectedIp(n);
  const byAddr = addr ? named(deviceOfAddress(routes, addr)) : undefined;
  if (byAddr) return { iface: byAddr, via: 'address' };
  const devices = ifaces.filter((i) => i.kind === 'device');
  const other = ifaces.filter((i) => i.kind !== 'loopback' && !(i.kind === 'veth' && peerElsewhere(i)));
  const pick = devices.find(isUp) ?? devices[0] ?? other.find(isUp) ?? other[0];
  return pick ? { iface: pick, via: 'device' } : undefined;
}

function isUp(i: Iface): boolean {
  return i.operstate === 'up' || (i.operstate === 'unknown' && i.adminUp);
}

/** the device holding an address: a kernel route with it as src, else the on-link prefix holding it */
export function deviceOfAddress(routes: readonly Route[], addr: string): string | undefined {
  const a = addr.replace(/^\[|\]$/g, '').toLowerCase();
  const bySrc = routes.find((r) => r.dev && r.src?.toLowerCase() === a);
  if (bySrc) return bySrc.dev;
  let best: { dev: string; len: number } | undefined;
  for (const r of routes) {
    if (!r.dev || r.gateway || r.dst === 'default') continue;
    const len = prefixContains(r.dst, a);
    if (len !== undefined && (!best || len > best.len)) best = { dev: r.dev, len };
  }
  return best?.dev;
}

/** the node's own addresses, from its kernel routes' src (IPv4) */
export function nodeAddresses(n: TopologyNode): { dev: string; address: string }[] {
  const seen = new Set<string>();
  const out: { dev: string; address: string }[] = [];
  for (const r of routesOf(n)) {
    if (!r.dev || !r.src || seen.has(r.src)) continue;
    seen.add(r.src);
    out.push({ dev: r.dev, address: r.src });
  }
  return out;
}

export function isIp(s: string): boolean {
  return toBits(s.replace(/^\[|\]$/g, '')) !== undefined;
}

/** prefix length when `cidr` contains `addr` (same family), else undefined */
export function prefixContains(cidr: string, addr: string): number | undefined {
  const [net, lenText] = cidr.split('/');
  const a = toBits(addr);
  const b = net ? toBits(net) : undefined;
  if (!a || !b || a.length !== b.length) return undefined;
  const len = lenText === undefined ? a.length : Number(lenText);
  if (!Number.isInteger(len) || len < 0 || len > a.length) return undefined;
  return a.slice(0, len) === b.slice(0, len) ? len : undefined;
}

/** an address as a string of bits (32 or 128), undefined when it is not one */
function toBits(s: string): string | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
    const p = s.split('.').map(Number);
    if (p.some((x) => x > 255)) return undefined;
    return p.map((x) => x.toString(2).padStart(8, '0')).join('');
  }
  if (!/^[0-9a-f:.]+$/i.test(s) || !s.includes(':')) return undefined;
  let text = s;
  // an embedded IPv4 tail (::ffff:1.2.3.4)
  const v4 = /(\d{1,3}(\.\d{1,3}){3})$/.exec(text);
  if (v4) {
    const bits = toBits(v4[1]!);
    if (!bits) return undefined;
    text = text.slice(0, -v4[1]!.length) + parseInt(bits.slice(0, 16), 2).toString(16) + ':' + parseInt(bits.slice(16), 2).toString(16);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return groups.map((g) => parseInt(g, 16).toString(2).padStart(16, '0')).join('');
}

/** what remote/podpeer.sh found about a pod's eth0 */
export type PodPeer = 'host' | { peer: number; eth0Index?: number; linkNetnsId?: number };

/**
 * The host interface a pod's eth0 peer index names, only when it is consistent: it is a veth
 * and its own peer index is the pod's eth0 index. On a host whose pods' peers live in another
 * namespace the same number names an unrelated interface: then none, with the reason.
 */
export function peerIface(byIndex: ReadonlyMap<number, Iface>, p: PodPeer): { iface?: Iface; reason?: string } {
  if (p === 'host') return { reason: 'host network' };
  const i = byIndex.get(p.peer);
  if (!i) return { reason: `eth0's peer index ${p.peer} names no interface on the node (peer in another namespace?)` };
  if (i.kind !== 'veth') return { reason: `eth0's peer index ${p.peer} is ${i.name} (${i.kind}), not a veth: the peer is in another namespace` };
  if (p.eth0Index !== undefined && i.iflink !== 0 && i.iflink !== p.eth0Index) {
    return { reason: `eth0's peer index ${p.peer} is ${i.name}, whose peer is index ${i.iflink}, not the pod's eth0 (${p.eth0Index})` };
  }
  if (!peerElsewhere(i) && i.iflink === i.ifindex) return { reason: `${i.name} has no peer in another namespace` };
  return { iface: i };
}

/** a veth whose peer is in another network namespace: `ip -d link` printed link-netnsid N or link-netns NAME */
export function peerElsewhere(i: Iface): boolean {
  return i.linkNetnsId !== undefined || i.linkNetns !== undefined;
}
