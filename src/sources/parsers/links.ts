/**
 * Interfaces from the sampler's sysfs sections and `ip -o -d link show`. Pure.
 *   link:  "NAME OPERSTATE"                                   (every tick)
 *   linkm: "NAME OPERSTATE MTU FLAGS" and "P BRIDGE PORT HAIRPIN"   (/sys/class/net/X/...)
 *   linkk: "NAME IFINDEX IFLINK MAC KIND" (KIND: bridge, device or -)
 */
import type { IfaceKind } from '../types.js';

export interface LinkState {
  operstate: string;
  mtu?: number;
  flags?: number;
}

export function parseLinkFast(lines: readonly string[]): Map<string, LinkState> {
  const out = new Map<string, LinkState>();
  for (const line of lines) {
    const [name, op] = line.split(' ');
    if (name && op) out.set(name, { operstate: op });
  }
  return out;
}

export interface LinkMedium {
  links: Map<string, LinkState>;
  /** port name -> { bridge, hairpin } */
  ports: Map<string, { bridge: string; hairpin: boolean }>;
}

export function parseLinkMedium(lines: readonly string[]): LinkMedium {
  const links = new Map<string, LinkState>();
  const ports = new Map<string, { bridge: string; hairpin: boolean }>();
  for (const line of lines) {
    const f = line.split(' ');
    if (f[0] === 'P' && f.length >= 4) {
      ports.set(f[2]!, { bridge: f[1]!, hairpin: f[3] === '1' });
      continue;
    }
    if (f.length < 4) continue;
    const mtu = Number(f[2]);
    const flags = parseInt(f[3]!, 16);
    links.set(f[0]!, { operstate: f[1]!, mtu: Number.isFinite(mtu) ? mtu : undefined, flags: Number.isFinite(flags) ? flags : undefined });
  }
  return { links, ports };
}

export interface LinkIdentity {
  ifindex: number;
  iflink: number;
  mac?: string;
  /** from sysfs: a bridge/ dir or a device/ link; undefined when neither */
  sysKind?: 'bridge' | 'device';
}

export function parseLinkIdentity(lines: readonly string[]): Map<string, LinkIdentity> {
  const out = new Map<string, LinkIdentity>();
  for (const line of lines) {
    const f = line.split(' ');
    if (f.length < 5) continue;
    out.set(f[0]!, {
      ifindex: Number(f[1]),
      iflink: Number(f[2]),
      mac: f[3] === '-' ? undefined : f[3],
      sysKind: f[4] === 'bridge' || f[4] === 'device' ? f[4] : undefined,
    });
  }
  return out;
}

export interface IpLinkDetail {
  name: string;
  ifindex: number;
  /** the "@peer" part: a name in this namespace, or "ifN" for a peer elsewhere */
  peer?: string;
  flagNames: string[];
  mtu: number;
  state: string;
  master?: string;
  kind: IfaceKind;
  linkNetnsId?: number;
  promiscuity: number;
}

const KINDS: Record<string, IfaceKind> = {
  veth: 'veth',
  bridge: 'bridge',
  vxlan: 'vxlan',
  geneve: 'geneve',
  bond: 'bond',
  vlan: 'vlan',
  macvlan: 'macvlan',
  macvtap: 'macvlan',
  ipvlan: 'ipvlan',
  tun: 'tun',
  wireguard: 'wireguard',
  dummy: 'dummy',
};

/**
 * `ip -o -d link show`: one line per interface, "\" marking the original line breaks:
 * "3: vp1@vb1: <BROADCAST,...,UP,LOWER_UP> mtu 1500 ... master br0 state UP ...\    link/ether
 *  MAC brd ... link-netnsid 0 promiscuity 0 ...\    veth addrgenmode ..."
 */
export function parseIpLinkDetail(lines: readonly string[]): IpLinkDetail[] {
  const out: IpLinkDetail[] = [];
  for (const line of lines) {
    const m = /^(\d+):\s+([^:@\s]+)(?:@([^:\s]+))?:\s+<([^>]*)>\s+(.*)$/.exec(line);
    if (!m) continue;
    const parts = m[5]!.split('\\').map((p) => p.trim());
    const first = parts[0] ?? '';
    const word = (re: RegExp, s: string) => re.exec(s)?.[1];
    const linkLine = parts.find((p) => p.startsWith('link/')) ?? '';
    let kind: IfaceKind = 'other';
    if (linkLine.startsWith('link/loopback')) kind = 'loopback';
    for (const p of parts.slice(2)) {
      const k = KINDS[p.split(/\s+/)[0] ?? ''];
      if (k) {
        kind = k;
        break;
      }
    }
    if (kind === 'other' && /^link\/(none)/.test(linkLine)) kind = 'tun';
    const nsid = word(/link-netns(?:id)?\s+(\S+)/, linkLine);
    out.push({
      name: m[2]!,
      ifindex: Number(m[1]),
      peer: m[3],
      flagNames: m[4]!.split(',').filter(Boolean),
      mtu: Number(word(/\bmtu (\d+)/, first) ?? NaN),
      state: word(/\bstate (\S+)/, first) ?? 'UNKNOWN',
      master: word(/\bmaster (\S+)/, first),
      kind,
      linkNetnsId: nsid !== undefined && /^\d+$/.test(nsid) ? Number(nsid) : undefined,
      promiscuity: Number(word(/promiscuity (\d+)/, linkLine) ?? 0),
    });
  }
  return out;
}
