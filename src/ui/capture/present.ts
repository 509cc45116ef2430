/**
 * What the capture view prints, as colored segments (pure, tested without a terminal): packet
 * lines, the status line, the per-node parts of a fan-out, the summary lines.
 */
import { clipSegs as clip, type Seg } from '../columns.js';
import type { Tone } from '../select.js';
import { formatPacket } from '../../sources/capture/format.js';
import { TCP_RST, TCP_SYN, TCP_ACK } from '../../sources/capture/packet.js';
import { bytes, num, summaryReport, type Tone as ReportTone } from '../../sources/capture/report.js';
import type { CapturePart, CaptureSnapshot, CaptureStatus, PacketLine } from '../../sources/capture/source.js';

export function packetTone(l: PacketLine): Tone | undefined {
  const p = l.packet;
  if (p.tcp) {
    if (p.tcp.flags & TCP_RST) return 'bad';
    if (p.tcp.flags & TCP_SYN && !(p.tcp.flags & TCP_ACK)) return 'accent';
  }
  if (p.icmp && ['unreachable', 'frag-needed', 'packet-too-big', 'time-exceeded'].includes(p.icmp.kind)) return 'bad';
  if (p.truncated) return 'dim';
  return undefined;
}

export function packetSegs(l: PacketLine, width: number, opts: { utc?: boolean } = {}): Seg[] {
  const segs: Seg[] = [];
  if (l.node) segs.push({ text: `${l.node} `, tone: 'dim' });
  segs.push({ text: formatPacket(l.packet, opts), tone: packetTone(l) });
  return clip(segs, width);
}

function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

const REASONS: Record<string, string> = {
  user: 'stopped',
  count: 'packet count reached',
  duration: 'duration reached',
  ended: 'ended on the node',
  'connection-lost': 'connection lost',
};

export function statusText(st: CaptureStatus, now: number): { text: string; tone: Tone } {
  switch (st.kind) {
    case 'idle':
      return { text: 'not started', tone: 'dim' };
    case 'validating':
      return { text: 'checking the filter on the node...', tone: 'accent' };
    case 'running':
      return { text: `capturing ${age(now - st.since)}`, tone: 'ok' };
    case 'stopped':
      return { text: REASONS[st.reason] ?? st.reason, tone: st.reason === 'connection-lost' ? 'warn' : 'dim' };
    case 'error':
      return { text: st.cause === 'rejected' ? 'refused by tcpdump' : st.cause === 'missing-tcpdump' ? 'no tcpdump' : 'failed', tone: 'bad' };
  }
}

export function partSegs(p: CapturePart, now: number): Seg[] {
  const st = statusText(p.status, now);
  const segs: Seg[] = [{ text: `${p.node}:${p.iface} ` }, { text: st.text, tone: st.tone }, { text: `  ${num(p.packets)} pkts` }];
  if (p.file) {
    segs.push({ text: `  ${p.file.path} ${bytes(p.file.bytes)}`, tone: p.file.error ? 'bad' : 'accent' });
    if (p.file.error) segs.push({ text: ` write error: ${p.file.error}`, tone: 'bad' });
    else if (p.file.skipped) segs.push({ text: ` (first ${num(p.file.skipped)} packets were over the memory cap)`, tone: 'warn' });
  } else if (p.droppedFromMemory) {
    segs.push({ text: `  ${num(p.droppedFromMemory)} oldest packets over the memory cap`, tone: 'warn' });
  }
  if (p.stats?.dropped) segs.push({ text: `  ${num(p.stats.dropped)} dropped by kernel`, tone: 'warn' });
  return segs;
}

/** the bottom line: list position, pause, file(s), hints */
export function footerSegs(
  snap: CaptureSnapshot,
  view: { from: number; to: number; total: number; paused: boolean; following: boolean },
  hint: string,
  width: number,
  note?: string,
): Seg[] {
  const segs: Seg[] = [{ text: view.total ? `packets ${view.from}-${view.to} of ${num(view.total)} kept` : 'no packets yet' }];
  if (view.paused) segs.push({ text: '  PAUSED', tone: 'warn' });
  else if (!view.following) segs.push({ text: '  scrolled (G: follow)', tone: 'accent' });
  const files = snap.parts.filter((p) => p.file);
  if (files.length === 1) segs.push({ text: `  ${files[0]!.file!.path} ${bytes(files[0]!.file!.bytes)}`, tone: 'accent' });
  else if (files.length > 1) segs.push({ text: `  ${files.length} pcap files, ${bytes(files.reduce((a, p) => a + p.file!.bytes, 0))}`, tone: 'accent' });
  if (note) segs.push({ text: `  ${note}`, tone: 'warn' });
  segs.push({ text: `  ${hint}`, tone: 'dim' });
  return clip(segs, width);
}

const REPORT_TONES: Record<ReportTone, Tone | undefined> = { normal: undefined, dim: 'dim', warn: 'warn', bad: 'bad', head: undefined };

export function summarySegs(snap: CaptureSnapshot, width: number, maxLines: number): Seg[][] {
  const detail = maxLines >= 24 ? 3 : maxLines >= 16 ? 2 : maxLines >= 10 ? 1 : 0;
  return summaryReport(snap.summary, detail)
    .slice(0, Math.max(0, maxLines))
    .map((l) => clip([{ text: l.text, tone: REPORT_TONES[l.tone], bold: l.tone === 'head' }], width));
}
