/**
 * The running summary of a capture, fed packet by packet: packets/s per protocol, top talkers,
 * SYNs without SYN-ACK, RSTs, ICMP unreachable / frag-needed / packet-too-big (the MTU signal),
 * retransmissions. Pure: time is the packets' own clock; `snapshot(now)` takes "now" on that clock.
 */
import { PROTOS, TCP_ACK, TCP_RST, TCP_SYN, endpoint } from './packet.js';
import type { IcmpKind, Packet, Proto } from './packet.js';
import { Handshakes, Retransmits, trimOldest, type PendingSyn } from './tcpstate.js';
import { ipProtoName } from './format.js';

export interface SummaryOptions {
  /** a SYN counts as unanswered once it is this old (seconds, default 1) */
  synAge?: number;
  /** window for the current packets/s (seconds, default 5) */
  rateWindow?: number;
  /** length of the top lists (default 10) */
  top?: number;
  /** bound on tracked flows and talkers (default 20000) */
  maxFlows?: number;
}

export interface ProtoStat {
  proto: Proto;
  packets: number;
  bytes: number;
  /** packets/s over the rate window */
  pps: number;
}

export interface Talker {
  /** "tcp 198.18.200.1 > 198.18.201.1:8080" */
  key: string;
  proto: Proto;
  packets: number;
  bytes: number;
  /** fan-out: the nodes that saw it */
  nodes?: string[];
}

export interface IcmpEvent {
  kind: Extract<IcmpKind, 'unreachable' | 'frag-needed' | 'packet-too-big' | 'time-exceeded'>;
  code: number;
  family: 4 | 6;
  /** who sent the ICMP message (a router for frag-needed) */
  from: string;
  /** what it is about: "udp > 198.18.201.1:5353" */
  about: string;
  mtu?: number;
  count: number;
  last: number;
  /** fan-out: the node that saw it */
  node?: string;
}

export interface CountedKey {
  key: string;
  count: number;
  /** fan-out: the node that saw it */
  node?: string;
}

export interface CaptureSummary {
  packets: number;
  bytes: number;
  /** packet time of the first and last packet */
  first?: number;
  last?: number;
  /** packets/s over the rate window, and over the whole capture */
  pps: number;
  avgPps: number;
  protos: ProtoStat[];
  talkers: Talker[];
  syn: {
    started: number;
    answered: number;
    refused: number;
    icmp: number;
    unanswered: number;
    /** younger than the SYN age: may still be answered */
    pending: number;
    retransmits: number;
    recentUnanswered: PendingSyn[];
  };
  rsts: number;
  rstSenders: CountedKey[];
  icmp: { unreachable: number; fragNeeded: number; packetTooBig: number; timeExceeded: number };
  icmpEvents: IcmpEvent[];
  retransmits: number;
  retransmitFlows: CountedKey[];
  truncated: number;
}

interface Bucket {
  sec: number;
  counts: Record<Proto, number>;
}

const zero = (): Record<Proto, number> => ({ tcp: 0, udp: 0, icmp: 0, icmp6: 0, arp: 0, other: 0 });

export class SummaryTracker {
  private readonly o: Required<SummaryOptions>;
  private packets = 0;
  private bytes = 0;
  private first?: number;
  private last?: number;
  private readonly protoPackets = zero();
  private readonly protoBytes = zero();
  private readonly buckets: Bucket[] = [];
  private readonly talkers = new Map<string, Talker>();
  private readonly hs: Handshakes;
  private readonly rt: Retransmits;
  private rsts = 0;
  private readonly rstSenders = new Map<string, number>();
  private readonly icmpCounts = { unreachable: 0, fragNeeded: 0, packetTooBig: 0, timeExceeded: 0 };
  private readonly icmpEvents = new Map<string, IcmpEvent>();
  private truncated = 0;

  constructor(opts: SummaryOptions = {}) {
    this.o = { synAge: 1, rateWindow: 5, top: 10, maxFlows: 20000, ...opts };
    this.hs = new Handshakes(this.o.maxFlows);
    this.rt = new Retransmits(this.o.maxFlows);
  }

  add(p: Packet): void {
    this.packets++;
    this.bytes += p.len;
    this.first ??= p.ts;
    this.last = p.ts;
    this.protoPackets[p.proto]++;
    this.protoBytes[p.proto] += p.len;
    if (p.truncated) this.truncated++;
    const sec = Math.floor(p.ts);
    let b = this.buckets[this.buckets.length - 1];
    if (!b || b.sec < sec) {
      b = { sec, counts: zero() };
      this.buckets.push(b);
      if (this.buckets.length > this.o.rateWindow + 2) this.buckets.shift();
    }
    b.counts[p.proto]++;
    this.talk(p);
    if (p.tcp) {
      this.hs.add(p);
      this.rt.add(p);
      if (p.tcp.flags & TCP_RST) {
        this.rsts++;
        const k = `${endpoint(p.src, p.sport)} > ${p.dst ?? '?'}`;
        this.rstSenders.set(k, (this.rstSenders.get(k) ?? 0) + 1);
        trimOldest(this.rstSenders, this.o.maxFlows);
      }
    }
    if (p.icmp) this.icmp(p);
  }

  private talk(p: Packet): void {
    let key: string;
    if (p.sport !== undefined && p.dport !== undefined) {
      const [client, server, port] = this.orient(p);
      key = `${p.proto} ${client} > ${endpoint(server, port)}`;
    } else if (p.family) {
      const what = p.proto === 'other' ? ipProtoName(p.ipProto ?? 0) : p.proto;
      key = `${what} ${p.src} > ${p.dst}`;
    } else if (p.arp) {
      key = `arp ${p.arp.senderIp}`;
    } else {
      key = `ethertype 0x${p.ethertype.toString(16).padStart(4, '0')}`;
    }
    let t = this.talkers.get(key);
    if (!t) {
      t = { key, proto: p.proto, packets: 0, bytes: 0 };
      this.talkers.set(key, t);
      if (this.talkers.size > this.o.maxFlows) this.pruneTalkers();
    }
    t.packets++;
    t.bytes += p.len;
  }

  /** [client ip, server ip, server port]: the side that got a SYN, else the lower port */
  private orient(p: Packet): [string, string, number] {
    const s: [string, string, number] = [p.src ?? '?', p.dst ?? '?', p.dport ?? 0];
    const c: [string, string, number] = [p.dst ?? '?', p.src ?? '?', p.sport ?? 0];
    if (p.tcp && p.tcp.flags & TCP_SYN) return p.tcp.flags & TCP_ACK ? c : s;
    if (this.hs.servers.has(endpoint(p.dst, p.dport))) return s;
    if (this.hs.servers.has(endpoint(p.src, p.sport))) return c;
    return (p.sport ?? 0) < (p.dport ?? 0) ? c : s;
  }

  private pruneTalkers(): void {
    const keep = [...this.talkers.values()].sort((a, b) => b.packets - a.packets).slice(0, this.o.maxFlows / 2);
    this.talkers.clear();
    for (const t of keep) this.talkers.set(t.key, t);
  }

  private icmp(p: Packet): void {
    const i = p.icmp!;
    if (i.kind === 'unreachable') this.icmpCounts.unreachable++;
    else if (i.kind === 'frag-needed') this.icmpCounts.fragNeeded++;
    else if (i.kind === 'packet-too-big') this.icmpCounts.packetTooBig++;
    else if (i.kind === 'time-exceeded') this.icmpCounts.timeExceeded++;
    else return;
    const inner = i.inner;
    if (inner?.ipProto === 6) this.hs.icmpError(inner);
    const about = inner ? `${ipProtoName(inner.ipProto)} > ${endpoint(inner.dst, inner.dport)}` : '?';
    const from = p.src ?? '?';
    const key = `${i.kind}|${i.code}|${from}|${about}|${i.mtu ?? ''}`;
    const e = this.icmpEvents.get(key);
    if (e) {
      e.count++;
      e.last = p.ts;
    } else {
      this.icmpEvents.set(key, { kind: i.kind, code: i.code, family: p.family ?? 4, from, about, mtu: i.mtu, count: 1, last: p.ts });
      trimOldest(this.icmpEvents, this.o.maxFlows);
    }
  }


  /** `now` on the packets' clock (default: the last packet's time) */
  snapshot(now = this.last ?? 0, start = this.first): CaptureSummary {
    const o = this.o;
    const span = this.first === undefined ? 0 : Math.max(0, now - this.first);
    const since = this.first === undefined ? 0 : Math.max(0, now - Math.min(start ?? this.first, this.first));
    const window = Math.min(o.rateWindow, Math.max(span, 1));
    const inWindow = zero();
    for (const b of this.buckets) {
      if (b.sec > now - o.rateWindow - 1e-9 && b.sec <= now) for (const p of PROTOS) inWindow[p] += b.counts[p];
    }
    const protos = PROTOS.filter((p) => this.protoPackets[p] > 0).map((proto) => ({
      proto,
      packets: this.protoPackets[proto],
      bytes: this.protoBytes[proto],
      pps: inWindow[proto] / window,
    }));
    const syn = this.hs.unanswered(now, o.synAge, o.top);
    return {
      packets: this.packets,
      bytes: this.bytes,
      first: this.first,
      last: this.last,
      pps: PROTOS.reduce((a, p) => a + inWindow[p], 0) / window,
      avgPps: since > 0 ? this.packets / since : this.packets,
      protos,
      talkers: top([...this.talkers.values()], (t) => t.packets, o.top).map((t) => ({ ...t })),
      syn: {
        started: this.hs.started,
        answered: this.hs.answered,
        refused: this.hs.refused,
        icmp: this.hs.icmpAnswered,
        unanswered: syn.count,
        pending: syn.pending,
        retransmits: this.hs.synRetransmits,
        recentUnanswered: syn.recent.map((s) => ({ ...s })),
      },
      rsts: this.rsts,
      rstSenders: counted(this.rstSenders, o.top),
      icmp: { ...this.icmpCounts },
      icmpEvents: top([...this.icmpEvents.values()], (e) => e.count + e.last / 1e12, o.top).map((e) => ({ ...e })),
      retransmits: this.rt.total,
      retransmitFlows: counted(this.rt.byFlow, o.top),
      truncated: this.truncated,
    };
  }
}

export function top<T>(xs: T[], by: (x: T) => number, n: number): T[] {
  return xs.sort((a, b) => by(b) - by(a)).slice(0, n);
}

function counted(m: Map<string, number>, n: number): CountedKey[] {
  return top([...m].map(([key, count]) => ({ key, count })), (x) => x.count, n);
}
