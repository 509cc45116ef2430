/**
 * TCP bookkeeping for the summary: handshakes (SYN > SYN-ACK, RST or nothing) and
 * retransmissions. Memory is bounded: the oldest entries are dropped past `maxFlows`.
 */
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, endpoint } from './packet.js';
import type { Packet } from './packet.js';

export interface PendingSyn {
  client: string;
  server: string;
  /** packet time of the first SYN */
  first: number;
  /** SYNs seen (1 + retransmissions) */
  syns: number;
  /** fan-out: the node that saw it */
  node?: string;
}

/**
 * Drops the oldest entries (insertion order) once a map holds more than `max`, a tenth at a
 * time: removing one entry per insert and then asking for the first key again walks over every
 * deleted slot at the front of V8's table, which made a busy capture quadratic.
 */
export function trimOldest<K, V>(m: Map<K, V>, max: number, onDrop?: (v: V) => void): void {
  if (m.size <= max) return;
  let excess = m.size - Math.floor(max * 0.9);
  for (const [k, v] of m) {
    if (excess-- <= 0) break;
    m.delete(k);
    onDrop?.(v);
  }
}

/** 32-bit sequence number arithmetic (RFC 1982): a before b */
const seqLt = (a: number, b: number) => ((a - b) | 0) < 0;

export class Handshakes {
  started = 0;
  answered = 0;
  /** answered by a RST: connection refused */
  refused = 0;
  /** answered by an ICMP error about the SYN */
  icmpAnswered = 0;
  /** pending ones pushed out by the memory bound; old, so counted as unanswered */
  evictedUnanswered = 0;
  synRetransmits = 0;
  private readonly pending = new Map<string, PendingSyn>();
  /** server endpoints (ip:port) that received a SYN: tells which side of a flow is the server */
  readonly servers = new Map<string, true>();

  constructor(private readonly maxFlows: number) {}

  add(p: Packet): void {
    const t = p.tcp;
    if (!t) return;
    const src = endpoint(p.src, p.sport);
    const dst = endpoint(p.dst, p.dport);
    if (t.flags & TCP_SYN && !(t.flags & TCP_ACK)) {
      const key = `${src}>${dst}`;
      const cur = this.pending.get(key);
      if (cur) {
        cur.syns++;
        this.synRetransmits++;
        return;
      }
      this.started++;
      this.pending.set(key, { client: src, server: dst, first: p.ts, syns: 1 });
      this.servers.set(dst, true);
      this.bound();
      return;
    }
    const reverse = `${dst}>${src}`;
    if (!this.pending.has(reverse)) return;
    if (t.flags & TCP_SYN) this.answered++;
    else if (t.flags & TCP_RST) this.refused++;
    else return;
    this.pending.delete(reverse);
  }

  /** an ICMP error about a SYN we are waiting for (from the server side or a router) */
  icmpError(inner: { src: string; dst: string; sport?: number; dport?: number }): void {
    const key = `${endpoint(inner.src, inner.sport)}>${endpoint(inner.dst, inner.dport)}`;
    if (this.pending.delete(key)) this.icmpAnswered++;
  }

  /** SYNs that got no answer within `age` seconds before `now`, and the younger ones */
  unanswered(now: number, age: number, limit: number): { count: number; pending: number; recent: PendingSyn[] } {
    let count = this.evictedUnanswered;
    let pending = 0;
    const recent: PendingSyn[] = [];
    for (const s of this.pending.values()) {
      if (now - s.first >= age) {
        count++;
        recent.push(s);
        if (recent.length > limit) recent.shift();
      } else pending++;
    }
    return { count, pending, recent: recent.reverse() };
  }

  private bound(): void {
    trimOldest(this.pending, this.maxFlows, () => this.evictedUnanswered++);
    trimOldest(this.servers, this.maxFlows);
  }
}

/**
 * Retransmissions as far as one capture point can see them: per direction of a flow the highest
 * sequence number seen so far; a segment carrying data (or SYN/FIN) that starts before it was
 * sent before. This is broader than "same seq and length again": on the sending node TSO/GSO
 * shows the original as one large segment and the retransmission as a single MSS. Keep-alive
 * probes (0-1 byte at next-1) are not counted; reordering counts (it looks the same).
 */
export class Retransmits {
  total = 0;
  private readonly next = new Map<string, number>();
  readonly byFlow = new Map<string, number>();

  constructor(private readonly maxFlows: number) {}

  add(p: Packet): boolean {
    const t = p.tcp;
    if (!t) return false;
    const consumes = t.dataLen + (t.flags & TCP_SYN ? 1 : 0) + (t.flags & TCP_FIN ? 1 : 0);
    if (consumes === 0 || t.flags & TCP_RST) return false;
    const flow = `${endpoint(p.src, p.sport)} > ${endpoint(p.dst, p.dport)}`;
    const key = `${p.ifindex ?? ''}/${p.direction ?? ''}/${flow}`;
    const end = (t.seq + consumes) >>> 0;
    const next = this.next.get(key);
    let retrans = false;
    if (next !== undefined) {
      const keepalive = t.dataLen <= 1 && !(t.flags & (TCP_SYN | TCP_FIN)) && ((t.seq + 1) >>> 0) === next;
      retrans = seqLt(t.seq, next) && !keepalive;
      this.next.delete(key);
      this.next.set(key, seqLt(next, end) ? end : next);
    } else {
      this.next.set(key, end);
    }
    if (retrans) {
      this.total++;
      this.byFlow.set(flow, (this.byFlow.get(flow) ?? 0) + 1);
    }
    trimOldest(this.next, this.maxFlows);
    trimOldest(this.byFlow, this.maxFlows);
    return retrans;
  }
}
