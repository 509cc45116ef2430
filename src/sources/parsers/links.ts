/**
 * Interfaces from the sampler's reads of /sys/class/net and `ip -o -d link show`. Pure.
 *   grep bundle: /sys/class/net/NAME/operstate every tick; mtu, flags and
 *                /sys/class/net/BRIDGE/brif/PORT/hairpin_mode on "m" ticks
 *   linkk: "NAME IFINDEX IFLINK MAC KIND" (KIND: bridge, device or -) on "k" ticks
 */
import type { IfaceKind } from '../types.js';

export interface LinkState {
  operstate: string;
  mtu?: number;
  flags?: number;
}

export interface LinkFiles {
  links: Map<string, LinkState>;
  /** port name -> { bridge, hairpin }: set only on ticks that read MTU, flags and hairpin */
  ports?: Map<string, { bridge: string; hairpin: boolean }>;
}

/**
 * Interfaces from the grep bundle's /sys/class/net/NAME/{operstate,mtu,flags} and
 * /sys/class/net/BRIDGE/brif/PORT/hairpin_mode entries. An interface exists when its operstate
 * was read.
 */
export function parseLinkFiles(files: ReadonlyMap<string, readonly string[]>): LinkFiles {
  const links = new Map<string, LinkState>();
  let ports: LinkFiles['ports'];
  const attrs: Array<[string, string, string]> = [];
  for (const [path, lines] of files) {
    if (!path.startsWith('/sys/class/net/')) continue;
    const parts = path.slice(15).split('/');
    const value = (lines[0] ?? '').trim();
    if (parts.length === 2 && parts[1] === 'operstate') links.set(parts[0]!, { operstate: value });
    else if (parts.length === 2) attrs.push([parts[0]!, parts[1]!, value]);
    else if (parts.length === 4 && parts[1] === 'brif' && parts[3] === 'hairpin_mode') {
      ports ??= new Map();
      ports.set(parts[2]!, { bridge: parts[0]!, hairpin: value === '1' });
    }
  }
  // a tick that read MTUs read hairpin modes too, even when there is no bridge port
  if (attrs.some((a) => a[1] === 'mtu')) ports ??= new Map();
  for (const [name, attr, value] of attrs) {
    const l = links.get(name);
    if (!l) continue;
    if (attr === 'mtu' && /^\d+$/.test(value)) l.mtu = Number(value);
    if (attr === 'flags' && /^0x[0-9a-f]+$/i.test(value)) l.flags = parseInt(value, 16);
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
  /** `link-netns NAME`: the peer's namespace is a named one (CNI plugins name them cni-…) */
  linkNetns?: string;
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
    // "IDX: NAME[@PEER]: <": a name holds no ':' or blank but may hold '@', so the name part is
    // only a hint (the "@PEER" split is a guess); the Assembler matches lines by IDX
    const m = /^(\d+): +([^: \t]+): +<([^>]*)> +(.*)$/.exec(line);
    if (!m) continue;
    const at = m[2]!.lastIndexOf('@');
    const peer = at > 0 && at < m[2]!.length - 1 ? m[2]!.slice(at + 1) : undefined;
    const parts = m[4]!.split('\\').map((p) => p.trim());
    const first = parts[0] ?? '';
    const word = (re: RegExp, s: string) => re.exec(s)?.[1];
    // names may hold Unicode spaces: only ASCII blanks end a word
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
      name: peer === undefined ? m[2]! : m[2]!.slice(0, at),
      ifindex: Number(m[1]),
      peer,
      flagNames: m[3]!.split(',').filter(Boolean),
      mtu: Number(word(/\bmtu (\d+)/, first) ?? NaN),
      state: word(/\bstate ([^ \t]+)/, first) ?? 'UNKNOWN',
      master: word(/\bmaster ([^ \t]+)/, first),
      kind,
      linkNetnsId: nsid !== undefined && /^\d+$/.test(nsid) ? Number(nsid) : undefined,
      ...(nsid !== undefined && !/^\d+$/.test(nsid) ? { linkNetns: nsid } : {}),
      promiscuity: Number(word(/promiscuity (\d+)/, linkLine) ?? 0),
    });
  }
  return out;
}
