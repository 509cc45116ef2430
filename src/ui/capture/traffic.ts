/**
 * The overview's small continuous traffic summary of a node, from SummarySampler samples:
 * "1.2k pps  3 SYN-noreply  1 RST", as segments (the overview's traffic column).
 */
import type { Seg } from '../columns.js';
import type { TrafficSample } from '../../sources/capture/sampler.js';

function short(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k`;
  return n >= 10 ? n.toFixed(0) : n.toFixed(1);
}

/** `now` marks samples older than 3 intervals as stale */
export function trafficSegs(s: TrafficSample | undefined, now: number, intervalMs = 10_000): Seg[] {
  if (!s) return [{ text: '-', tone: 'dim' }];
  if (s.status === 'error') return [{ text: 'capture failed', tone: 'bad' }];
  if (s.status === 'skipped') return [{ text: 'busy', tone: 'dim' }];
  const stale = now - s.at > 3 * intervalMs;
  const segs: Seg[] = [{ text: `${s.capped ? '>=' : ''}${short(s.pps)} pps`, tone: stale ? 'dim' : undefined }];
  if (s.synUnanswered) segs.push({ text: `  ${s.synUnanswered} SYN-noreply`, tone: 'bad' });
  if (s.rsts) segs.push({ text: `  ${s.rsts} RST`, tone: 'warn' });
  return segs;
}
