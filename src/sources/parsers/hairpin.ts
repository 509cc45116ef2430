/**
 * Hairpin conntrack entries as remote/slow.sh keeps them (already filtered on the node: reply
 * source = original source, unanswered): lines of `conntrack -L -p tcp` or /proc/net/nf_conntrack.
 * "tcp 6 118 SYN_SENT src=A dst=VIP sport=P dport=80 [UNREPLIED] src=A dst=A sport=8080 dport=P …"
 * (/proc/net/nf_conntrack puts "ipv4 2" in front). Pure.
 */
import type { HairpinConn } from '../types.js';


export function parseHairpin(lines: readonly string[]): HairpinConn[] {
  const out: HairpinConn[] = [];
  for (const line of lines) {
    const w = line.trim().split(/\s+/);
    const g = (i: number): string => w[i] ?? '';
    if (w.length < 4) continue;
    const proto = g(0) === 'ipv4' || g(0) === 'ipv6' ? g(2) : g(0);
    const first = (k: string) => w.find((x) => x.startsWith(`${k}=`))?.slice(k.length + 1);
    const src = first('src');
    const dst = first('dst');
    const dport = Number(first('dport'));
    if (!proto || !src || !dst || !Number.isFinite(dport)) continue;
    const st = w.find((x) => /^[A-Z_]{4,}$/.test(x));
    const state = st ?? (w.includes('[UNREPLIED]') ? 'UNREPLIED' : 'unknown');
    out.push({ proto, src, dst, dport, state: w.includes('[UNREPLIED]') && !st ? 'UNREPLIED' : state });
  }
  return out;
}
