/** What netwatch knows about one captured packet, decoded from its headers. Plain data. */

export type Proto = 'tcp' | 'udp' | 'icmp' | 'icmp6' | 'arp' | 'other';
export const PROTOS: readonly Proto[] = ['tcp', 'udp', 'icmp', 'icmp6', 'arp', 'other'];

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

export interface TcpInfo {
  flags: number;
  seq: number;
  ack: number;
  win: number;
  /** payload bytes according to the IP length fields (not the snap length) */
  dataLen: number;
}

export type IcmpKind =
  | 'echo-request'
  | 'echo-reply'
  | 'unreachable'
  | 'frag-needed'
  | 'packet-too-big'
  | 'time-exceeded'
  | 'redirect'
  | 'neighbor'
  | 'router'
  | 'mld'
  | 'other';

/** The packet an ICMP error is about (its first bytes travel inside the ICMP message). */
export interface IcmpInner {
  src: string;
  dst: string;
  /** IP protocol number (6 TCP, 17 UDP, ...) */
  ipProto: number;
  sport?: number;
  dport?: number;
}

export interface IcmpInfo {
  type: number;
  code: number;
  kind: IcmpKind;
  /** next-hop MTU (ICMP frag-needed, RFC 1191) or the MTU of ICMPv6 Packet Too Big */
  mtu?: number;
  /** echo identifier and sequence */
  id?: number;
  seq?: number;
  /** the ND/ARP-like target of neighbor solicitations and advertisements */
  target?: string;
  inner?: IcmpInner;
}

export interface ArpInfo {
  /** 1 request, 2 reply */
  op: number;
  senderMac: string;
  senderIp: string;
  targetIp: string;
}

/** Where the packet was seen, from LINUX_SLL/SLL2 headers (captures on `any`). */
export type Direction = 'in' | 'broadcast' | 'multicast' | 'otherhost' | 'out';

export interface Packet {
  /** 0-based position in the capture */
  n: number;
  /** seconds since the epoch (node clock), with the fraction */
  ts: number;
  tsSec: number;
  tsNsec: number;
  caplen: number;
  /** length on the wire */
  len: number;
  /** ethertype of the network layer (0x0800, 0x86dd, 0x0806, ...); 0 when unknown */
  ethertype: number;
  /** 802.1Q / 802.1ad VLAN IDs, outermost first */
  vlans?: number[];
  direction?: Direction;
  /** interface index (LINUX_SLL2) */
  ifindex?: number;
  proto: Proto;
  family?: 4 | 6;
  src?: string;
  dst?: string;
  /** IP protocol number / IPv6 next header after extension headers */
  ipProto?: number;
  ttl?: number;
  /** set when the packet is an IP fragment; nonFirst: no transport header in it */
  fragment?: { offset: number; more: boolean; nonFirst: boolean };
  sport?: number;
  dport?: number;
  tcp?: TcpInfo;
  /** UDP length field */
  udpLen?: number;
  icmp?: IcmpInfo;
  arp?: ArpInfo;
  /** the captured bytes ended inside a header that was announced */
  truncated: boolean;
}

/** "198.18.0.1:80" / "[fe80::1]:80" / "198.18.0.1" */
export function endpoint(addr: string | undefined, port?: number): string {
  const a = addr ?? '?';
  if (port === undefined) return a;
  return a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`;
}
