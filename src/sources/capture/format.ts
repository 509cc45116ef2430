/**
 * netwatch's one-line packet format (tcpdump-like, shorter):
 *   12:34:56.789  TCP  198.18.200.1:49062 > 198.18.201.1:8080  [S] seq 302175527 win 64240 len 0
 *   12:34:57.001  ICMP 198.18.200.254 > 198.18.200.1  frag needed, mtu 1400 (udp > 198.18.201.1:5353)
 */
import { TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG, endpoint } from './packet.js';
import type { IcmpInfo, IcmpInner, Packet } from './packet.js';

export interface FormatOptions {
  /** print times in UTC instead of the local time zone */
  utc?: boolean;
}

/** tcpdump's flag letters in tcpdump's order: F S R P, '.' for ACK, U E W */
export function tcpFlags(f: number): string {
  let s = '';
  if (f & TCP_FIN) s += 'F';
  if (f & TCP_SYN) s += 'S';
  if (f & TCP_RST) s += 'R';
  if (f & TCP_PSH) s += 'P';
  if (f & TCP_ACK) s += '.';
  if (f & TCP_URG) s += 'U';
  if (f & TCP_ECE) s += 'E';
  if (f & TCP_CWR) s += 'W';
  return s || 'none';
}

const pad2 = (n: number) => String(n).padStart(2, '0');

export function formatTime(ts: number, opts: FormatOptions = {}): string {
  const d = new Date(Math.floor(ts * 1000));
  const [h, m, s] = opts.utc
    ? [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getHours(), d.getMinutes(), d.getSeconds()];
  const ms = String(Math.floor((ts % 1) * 1000)).padStart(3, '0');
  return `${pad2(h)}:${pad2(m)}:${pad2(s)}.${ms}`;
}

const UNREACH4: Record<number, string> = {
  0: 'net unreachable',
  1: 'host unreachable',
  2: 'protocol unreachable',
  3: 'port unreachable',
  5: 'source route failed',
  6: 'net unknown',
  7: 'host unknown',
  9: 'net prohibited',
  10: 'host prohibited',
  13: 'admin prohibited',
};
const UNREACH6: Record<number, string> = {
  0: 'no route',
  1: 'admin prohibited',
  2: 'beyond scope',
  3: 'address unreachable',
  4: 'port unreachable',
  5: 'policy failed',
  6: 'reject route',
};

export function ipProtoName(n: number): string {
  return n === 6 ? 'tcp' : n === 17 ? 'udp' : n === 1 ? 'icmp' : n === 58 ? 'icmp6' : `proto ${n}`;
}

export function innerText(inner: IcmpInner): string {
  return `${ipProtoName(inner.ipProto)} ${endpoint(inner.src, inner.sport)} > ${endpoint(inner.dst, inner.dport)}`;
}

/** What an ICMP message says, e.g. "port unreachable", "frag needed, mtu 1400". */
export function icmpText(i: IcmpInfo, family: 4 | 6 | undefined): string {
  switch (i.kind) {
    case 'echo-request':
    case 'echo-reply':
      return `${i.kind.replace('-', ' ')} id ${i.id ?? '?'} seq ${i.seq ?? '?'}`;
    case 'frag-needed':
      return `frag needed, mtu ${i.mtu ?? '?'}`;
    case 'packet-too-big':
      return `packet too big, mtu ${i.mtu ?? '?'}`;
    case 'unreachable':
      return (family === 6 ? UNREACH6 : UNREACH4)[i.code] ?? `unreachable code ${i.code}`;
    case 'time-exceeded':
      return i.code === 1 ? 'fragment reassembly time exceeded' : 'ttl exceeded';
    case 'neighbor':
      return `${i.type === 135 ? 'neighbor solicitation' : 'neighbor advertisement'} ${i.target ?? ''}`.trimEnd();
    case 'router':
      return i.type === 133 ? 'router solicitation' : 'router advertisement';
    case 'mld':
      return 'multicast listener';
    case 'redirect':
      return 'redirect';
    default:
      return `type ${i.type} code ${i.code}`;
  }
}

export function formatPacket(p: Packet, opts: FormatOptions = {}): string {
  const head = [formatTime(p.ts, opts)];
  if (p.direction) head.push(p.direction === 'out' ? 'out' : 'in ');
  if (p.vlans) head.push(`vlan ${p.vlans.join('.')}`);
  return `${head.join(' ')}  ${body(p)}${p.truncated ? ' [|truncated]' : ''}`;
}

function body(p: Packet): string {
  const name = p.proto.toUpperCase().padEnd(5);
  if (p.arp) {
    const a = p.arp;
    return a.op === 1
      ? `ARP   who-has ${a.targetIp} tell ${a.senderIp}`
      : a.op === 2
        ? `ARP   ${a.senderIp} is-at ${a.senderMac}`
        : `ARP   op ${a.op} ${a.senderIp} > ${a.targetIp}`;
  }
  if (!p.family) return `${p.proto === 'arp' ? 'ARP  ' : `ethertype 0x${p.ethertype.toString(16).padStart(4, '0')}`} len ${p.len}`;
  const frag = p.fragment ? ` frag ${p.fragment.offset}${p.fragment.more ? '+' : ''}` : '';
  const ends = `${endpoint(p.src, p.sport)} > ${endpoint(p.dst, p.dport)}`;
  if (p.tcp) {
    const t = p.tcp;
    const ack = t.flags & TCP_ACK ? ` ack ${t.ack}` : '';
    return `${name}${ends}  [${tcpFlags(t.flags)}] seq ${t.seq}${ack} win ${t.win} len ${t.dataLen}${frag}`;
  }
  if (p.udpLen !== undefined) return `${name}${ends}  len ${Math.max(0, p.udpLen - 8)}${frag}`;
  if (p.icmp) {
    const about = p.icmp.inner ? ` (${innerText(p.icmp.inner)})` : '';
    return `${name}${ends}  ${icmpText(p.icmp, p.family)}${about}`;
  }
  const proto = p.proto === 'other' ? `${ipProtoName(p.ipProto ?? 0)} ` : '';
  return `${name}${ends}  ${proto}len ${p.len}${frag}`;
}
