/**
 * Header decoding: link layer (Ethernet with 802.1Q/802.1ad tags, Linux cooked v1/v2, raw IP),
 * IPv4 (with fragments), IPv6 (with extension headers), TCP, UDP, ICMP, ICMPv6, ARP.
 * Pure and defensive: a snap length that cuts a header marks the packet truncated and keeps
 * what was complete.
 */
import { LINKTYPE, type PcapRecord } from './pcap.js';
import type { Direction, IcmpInfo, IcmpInner, IcmpKind, Packet } from './packet.js';

const ETH_IPV4 = 0x0800;
const ETH_ARP = 0x0806;
const ETH_IPV6 = 0x86dd;
const VLAN_TPIDS = new Set([0x8100, 0x88a8, 0x9100]);
const SLL_DIRECTIONS: Direction[] = ['in', 'broadcast', 'multicast', 'otherhost', 'out'];

export function ipv4(b: Buffer, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** RFC 5952 text form: lowercase, longest run (≥ 2) of zero groups as "::". */
export function ipv6(b: Buffer, o: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(b.readUInt16BE(o + i * 2));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

export function mac(b: Buffer, o: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push((b[o + i] ?? 0).toString(16).padStart(2, '0'));
  return parts.join(':');
}

/** Decodes one record. `n` is the packet's position in the capture. */
export function decodePacket(linktype: number, rec: PcapRecord, n: number): Packet {
  const p: Packet = {
    n,
    ts: rec.tsSec + rec.tsNsec / 1e9,
    tsSec: rec.tsSec,
    tsNsec: rec.tsNsec,
    caplen: rec.caplen,
    len: rec.len,
    ethertype: 0,
    proto: 'other',
    truncated: false,
  };
  const b = rec.data;
  let off: number;
  let type: number;
  switch (linktype) {
    case LINKTYPE.EN10MB:
      if (b.length < 14) return trunc(p);
      off = 12;
      type = b.readUInt16BE(off);
      off += 2;
      break;
    case LINKTYPE.LINUX_SLL:
      if (b.length < 16) return trunc(p);
      p.direction = SLL_DIRECTIONS[b.readUInt16BE(0)];
      type = b.readUInt16BE(14);
      off = 16;
      break;
    case LINKTYPE.LINUX_SLL2:
      if (b.length < 20) return trunc(p);
      type = b.readUInt16BE(0);
      p.ifindex = b.readUInt32BE(4);
      p.direction = SLL_DIRECTIONS[b[10] ?? 255];
      off = 20;
      break;
    case LINKTYPE.RAW:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6: {
      if (b.length < 1) return trunc(p);
      const v = (b[0] ?? 0) >> 4;
      type = v === 4 ? ETH_IPV4 : v === 6 ? ETH_IPV6 : 0;
      off = 0;
      break;
    }
    default:
      return p;
  }
  while (VLAN_TPIDS.has(type)) {
    if (b.length < off + 4) return trunc(p);
    (p.vlans ??= []).push(b.readUInt16BE(off) & 0x0fff);
    type = b.readUInt16BE(off + 2);
    off += 4;
  }
  p.ethertype = type;
  if (type === ETH_IPV4) decodeIpv4(p, b, off);
  else if (type === ETH_IPV6) decodeIpv6(p, b, off);
  else if (type === ETH_ARP) decodeArp(p, b, off);
  return p;
}

function trunc(p: Packet): Packet {
  p.truncated = true;
  return p;
}

function decodeIpv4(p: Packet, b: Buffer, o: number): void {
  if (b.length < o + 20) return void trunc(p);
  const ihl = ((b[o] ?? 0) & 0x0f) * 4;
  if (ihl < 20) return void trunc(p);
  p.family = 4;
  const total = b.readUInt16BE(o + 2);
  const frag = b.readUInt16BE(o + 6);
  p.ttl = b[o + 8];
  p.ipProto = b[o + 9] ?? 0;
  p.src = ipv4(b, o + 12);
  p.dst = ipv4(b, o + 16);
  const fragOffset = (frag & 0x1fff) * 8;
  const more = (frag & 0x2000) !== 0;
  if (fragOffset !== 0 || more) p.fragment = { offset: fragOffset, more, nonFirst: fragOffset !== 0 };
  // a total length of 0 happens for TSO super-packets on the sending host: use the wire length
  const payloadLen = (total >= ihl ? total : p.len - o) - ihl;
  transport(p, b, o + ihl, payloadLen, 4);
}

const V6_EXT = new Set([0, 43, 60, 51, 44]);

function decodeIpv6(p: Packet, b: Buffer, o: number): void {
  if (b.length < o + 40) return void trunc(p);
  p.family = 6;
  // 0 for jumbograms and BIG TCP super-packets: use the wire length
  let payloadLen = b.readUInt16BE(o + 4) || Math.max(0, p.len - o - 40);
  let next = b[o + 6] ?? 0;
  p.ttl = b[o + 7];
  p.src = ipv6(b, o + 8);
  p.dst = ipv6(b, o + 24);
  let off = o + 40;
  while (V6_EXT.has(next)) {
    if (b.length < off + 8) {
      p.ipProto = next;
      return void trunc(p);
    }
    const hdrNext = b[off] ?? 0;
    let hdrLen: number;
    if (next === 44) {
      const fo = b.readUInt16BE(off + 2);
      const offset = fo & 0xfff8;
      p.fragment = { offset, more: (fo & 1) !== 0, nonFirst: offset !== 0 };
      hdrLen = 8;
    } else if (next === 51) {
      hdrLen = ((b[off + 1] ?? 0) + 2) * 4;
    } else {
      hdrLen = ((b[off + 1] ?? 0) + 1) * 8;
    }
    off += hdrLen;
    payloadLen -= hdrLen;
    next = hdrNext;
  }
  p.ipProto = next;
  transport(p, b, off, payloadLen, 6);
}

function transport(p: Packet, b: Buffer, o: number, payloadLen: number, family: 4 | 6): void {
  const proto = p.ipProto;
  if (proto === 6) p.proto = 'tcp';
  else if (proto === 17) p.proto = 'udp';
  else if (proto === 1 && family === 4) p.proto = 'icmp';
  else if (proto === 58 && family === 6) p.proto = 'icmp6';
  if (p.fragment?.nonFirst) return;
  if (p.proto === 'tcp') {
    if (b.length < o + 4) return void trunc(p);
    p.sport = b.readUInt16BE(o);
    p.dport = b.readUInt16BE(o + 2);
    if (b.length < o + 16) return void trunc(p);
    const hlen = ((b[o + 12] ?? 0) >> 4) * 4;
    p.tcp = {
      seq: b.readUInt32BE(o + 4),
      ack: b.readUInt32BE(o + 8),
      flags: b[o + 13] ?? 0,
      win: b.readUInt16BE(o + 14),
      dataLen: Math.max(0, payloadLen - hlen),
    };
  } else if (p.proto === 'udp') {
    if (b.length < o + 8) return void trunc(p);
    p.sport = b.readUInt16BE(o);
    p.dport = b.readUInt16BE(o + 2);
    p.udpLen = b.readUInt16BE(o + 4);
  } else if (p.proto === 'icmp' || p.proto === 'icmp6') {
    if (b.length < o + 4) return void trunc(p);
    p.icmp = family === 4 ? icmp4(b, o) : icmp6(b, o);
  }
}

function icmp4(b: Buffer, o: number): IcmpInfo {
  const type = b[o] ?? 0;
  const code = b[o + 1] ?? 0;
  let kind: IcmpKind = 'other';
  const info: IcmpInfo = { type, code, kind };
  if (type === 8 || type === 0) {
    info.kind = type === 8 ? 'echo-request' : 'echo-reply';
    if (b.length >= o + 8) [info.id, info.seq] = [b.readUInt16BE(o + 4), b.readUInt16BE(o + 6)];
    return info;
  }
  if (type === 3) kind = code === 4 ? 'frag-needed' : 'unreachable';
  else if (type === 11) kind = 'time-exceeded';
  else if (type === 5) kind = 'redirect';
  else return info;
  info.kind = kind;
  if (kind === 'frag-needed' && b.length >= o + 8) info.mtu = b.readUInt16BE(o + 6);
  info.inner = innerV4(b, o + 8);
  return info;
}

function icmp6(b: Buffer, o: number): IcmpInfo {
  const type = b[o] ?? 0;
  const code = b[o + 1] ?? 0;
  const info: IcmpInfo = { type, code, kind: 'other' };
  if (type === 128 || type === 129) {
    info.kind = type === 128 ? 'echo-request' : 'echo-reply';
    if (b.length >= o + 8) [info.id, info.seq] = [b.readUInt16BE(o + 4), b.readUInt16BE(o + 6)];
  } else if (type >= 1 && type <= 3) {
    info.kind = type === 1 ? 'unreachable' : type === 2 ? 'packet-too-big' : 'time-exceeded';
    if (type === 2 && b.length >= o + 8) info.mtu = b.readUInt32BE(o + 4);
    info.inner = innerV6(b, o + 8);
  } else if (type === 135 || type === 136 || type === 137) {
    info.kind = type === 137 ? 'redirect' : 'neighbor';
    if (b.length >= o + 24) info.target = ipv6(b, o + 8);
  } else if (type === 133 || type === 134) {
    info.kind = 'router';
  } else if (type === 130 || type === 131 || type === 132 || type === 143) {
    info.kind = 'mld';
  }
  return info;
}

function innerPorts(inner: IcmpInner, b: Buffer, o: number): IcmpInner {
  if ((inner.ipProto === 6 || inner.ipProto === 17) && b.length >= o + 4) {
    inner.sport = b.readUInt16BE(o);
    inner.dport = b.readUInt16BE(o + 2);
  }
  return inner;
}

function innerV4(b: Buffer, o: number): IcmpInner | undefined {
  if (b.length < o + 20 || (b[o] ?? 0) >> 4 !== 4) return undefined;
  const ihl = ((b[o] ?? 0) & 0x0f) * 4;
  const inner = { src: ipv4(b, o + 12), dst: ipv4(b, o + 16), ipProto: b[o + 9] ?? 0 };
  return innerPorts(inner, b, o + ihl);
}

function innerV6(b: Buffer, o: number): IcmpInner | undefined {
  if (b.length < o + 40 || (b[o] ?? 0) >> 4 !== 6) return undefined;
  const inner = { src: ipv6(b, o + 8), dst: ipv6(b, o + 24), ipProto: b[o + 6] ?? 0 };
  return innerPorts(inner, b, o + 40);
}

function decodeArp(p: Packet, b: Buffer, o: number): void {
  p.proto = 'arp';
  if (b.length < o + 8) return void trunc(p);
  const ptype = b.readUInt16BE(o + 2);
  const hlen = b[o + 4] ?? 0;
  const plen = b[o + 5] ?? 0;
  const op = b.readUInt16BE(o + 6);
  if (ptype !== ETH_IPV4 || hlen !== 6 || plen !== 4) return;
  if (b.length < o + 28) return void trunc(p);
  p.arp = { op, senderMac: mac(b, o + 8), senderIp: ipv4(b, o + 14), targetIp: ipv4(b, o + 24) };
}
