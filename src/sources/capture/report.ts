/**
 * The summary as lines of text with a tone, shared by the CLI (plain text) and the capture
 * view (colored). Pure.
 */
import type { CaptureSummary, IcmpEvent } from './summary.js';
import { icmpText } from './format.js';

export type Tone = 'normal' | 'dim' | 'warn' | 'bad' | 'head';

export interface ReportLine {
  text: string;
  tone: Tone;
}

export function num(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function rate(n: number): string {
  return n >= 100 ? num(n) : n >= 10 ? n.toFixed(0) : n.toFixed(1);
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

const on = (node?: string) => (node ? `${node}: ` : '');

export function icmpEventText(e: IcmpEvent): string {
  const what = icmpText({ type: 0, code: e.code, kind: e.kind, mtu: e.mtu }, e.family);
  return `${on(e.node)}${what} from ${e.from} for ${e.about} x${num(e.count)}`;
}

/** `detail`: how many list entries per section (0: counts only) */
export function summaryReport(s: CaptureSummary, detail = 3): ReportLine[] {
  const out: ReportLine[] = [];
  const add = (text: string, tone: Tone = 'normal') => out.push({ text, tone });
  add(`Packets ${num(s.packets)}  ${rate(s.pps)}/s now, ${rate(s.avgPps)}/s avg  ${bytes(s.bytes)}`, 'head');
  if (s.protos.length) add(`  ${s.protos.map((p) => `${p.proto} ${num(p.packets)} (${rate(p.pps)}/s)`).join('  ')}`);
  const y = s.syn;
  const synTone = y.unanswered > 0 ? 'bad' : 'head';
  add(
    `SYN ${num(y.started)}: ${num(y.answered)} answered, ${num(y.refused)} refused (RST), ${num(y.unanswered)} without reply` +
      (y.icmp ? `, ${num(y.icmp)} ICMP error` : '') +
      (y.pending ? `, ${num(y.pending)} waiting` : ''),
    synTone,
  );
  for (const u of y.recentUnanswered.slice(0, detail)) add(`  no reply: ${on(u.node)}${u.client} > ${u.server} (${u.syns} SYN${u.syns > 1 ? 's' : ''})`, 'bad');
  add(`RST ${num(s.rsts)}`, s.rsts > 0 ? 'warn' : 'head');
  for (const r of s.rstSenders.slice(0, detail)) add(`  ${on(r.node)}${r.key} x${num(r.count)}`, 'warn');
  const i = s.icmp;
  const mtu = i.fragNeeded + i.packetTooBig;
  add(
    `ICMP unreachable ${num(i.unreachable)}, frag-needed ${num(i.fragNeeded)}, packet-too-big ${num(i.packetTooBig)}` +
      (i.timeExceeded ? `, ttl exceeded ${num(i.timeExceeded)}` : '') +
      (mtu ? '  <- MTU' : ''),
    mtu > 0 ? 'bad' : i.unreachable > 0 ? 'warn' : 'head',
  );
  for (const e of s.icmpEvents.slice(0, detail)) add(`  ${icmpEventText(e)}`, e.kind === 'unreachable' || e.kind === 'time-exceeded' ? 'warn' : 'bad');
  add(`Retransmissions ${num(s.retransmits)}${y.retransmits ? ` (${num(y.retransmits)} SYN)` : ''}`, s.retransmits > 0 ? 'warn' : 'head');
  for (const r of s.retransmitFlows.slice(0, detail)) add(`  ${on(r.node)}${r.key} x${num(r.count)}`, 'warn');
  if (detail > 0 && s.talkers.length) {
    add('Top talkers', 'head');
    for (const t of s.talkers.slice(0, Math.max(detail, 5))) {
      const nodes = t.nodes && t.nodes.length ? `  [${t.nodes.join(',')}]` : '';
      add(`  ${t.key}  ${num(t.packets)} pkts ${bytes(t.bytes)}${nodes}`);
    }
  }
  if (s.truncated) add(`${num(s.truncated)} packets cut inside a header by the snap length`, 'dim');
  return out;
}
