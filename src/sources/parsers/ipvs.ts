/**
 * IPVS: /proc/net/ip_vs (virtual and real servers, addresses in hex as the kernel prints them)
 * and /proc/net/ip_vs_conn as remote/slow.sh counts it ("PROTO VADDR VPORT STATE N"). Pure.
 */
import type { IpvsReal, IpvsService } from '../types.js';


/** "0A600001" -> "10.96.0.1" */
export function hexToIpv4(hex: string): string {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) throw new Error(`not an IPv4 address in hex: ${hex}`);
  const n = parseInt(hex, 16);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** "2001:0db8:0000:0000:0000:0000:0000:0001" (%pI6) -> "2001:db8::1" (RFC 5952) */
export function compressIpv6(full: string): string {
  const groups = full.split(':');
  if (groups.length !== 8 || groups.some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) throw new Error(`not an IPv6 address: ${full}`);
  const g = groups.map((x) => parseInt(x, 16).toString(16));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return g.join(':');
  return `${g.slice(0, best).join(':')}::${g.slice(best + bestLen).join(':')}`;
}

/** an address as ip_vs prints it: 8 hex digits, "[%pI6]" or a bare %pI6 */
export function ipvsAddr(s: string): string {
  const b = /^\[(.*)\]$/.exec(s);
  if (b) return compressIpv6(b[1]!);
  if (s.includes(':')) return compressIpv6(s);
  return hexToIpv4(s);
}

/** "0A600001:01BB" / "[2001:…:0001]:01BB" -> address and port */
function addrPort(s: string): { addr: string; port: number } {
  const c = s.lastIndexOf(':');
  if (c < 0) throw new Error(`no port in ${s}`);
  return { addr: ipvsAddr(s.slice(0, c)), port: parseInt(s.slice(c + 1), 16) };
}

/** a virtual server's key in IpvsState.conns: "TCP 10.96.0.1:443", "TCP [2001:db8::1]:443" */
export function ipvsKey(proto: string, addr: string, port: number): string {
  return `${proto} ${addr.includes(':') ? `[${addr}]` : addr}:${port}`;
}

export function parseIpvs(lines: readonly string[]): IpvsService[] {
  const out: IpvsService[] = [];
  let cur: IpvsService | undefined;
  for (const line of lines) {
    const w = line.trim().split(/\s+/);
    const g = (i: number): string => w[i] ?? '';
    if (g(0) === '->') {
      if (!cur || g(1) === 'RemoteAddress:Port') continue;
      const { addr, port } = addrPort(g(1));
      const real: IpvsReal = { addr, port, weight: Number(g(3)), active: Number(g(4)), inactive: Number(g(5)) };
      cur.reals.push(real);
      continue;
    }
    if (g(0) === 'TCP' || g(0) === 'UDP' || g(0) === 'SCTP') {
      const { addr, port } = addrPort(g(1));
      cur = { proto: g(0), addr, port, scheduler: g(2) ?? '', reals: [] };
      out.push(cur);
    } else if (g(0) === 'FWM') {
      // a firewall-mark service: "FWM  00000102 rr"
      cur = { proto: 'FWM', addr: String(parseInt(g(1), 16)), port: 0, scheduler: g(2) ?? '', reals: [] };
      out.push(cur);
    }
  }
  return out;
}

/** the counted /proc/net/ip_vs_conn: "TCP 0A600001 01BB SYN_RECV 23" */
export function parseIpvsConnCounts(lines: readonly string[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const line of lines) {
    const w = line.trim().split(/\s+/);
    const g = (i: number): string => w[i] ?? '';
    if (w.length !== 5 || !/^\d+$/.test(g(4))) continue;
    const key = ipvsKey(g(0), ipvsAddr(g(1)), parseInt(g(2), 16));
    const states = (out[key] ??= {});
    states[g(3)] = (states[g(3)] ?? 0) + Number(g(4));
  }
  return out;
}
