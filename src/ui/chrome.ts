/** The header and footer lines every screen shares. Pure. */
import type { KubeStatus, Mark } from '../state/types.js';
import { clipSegs, type Seg, segsWidth } from './columns.js';
import { fmtClock, oneLine } from './format.js';

export interface HeaderSpec {
  nodes: number;
  interval: number;
  kube: KubeStatus;
  readonly: boolean;
  ticks: number;
  now: number;
  width: number;
  /** where the user is, e.g. "node-a > pods" */
  crumb?: string;
  /** nodes whose pod list fails (403, unreachable, error), with their status: the header does not say "kube ok" then */
  podsFailing?: readonly { node: string; status: KubeStatus }[];
  /** a replay: the recording's name (the clock on the right is then the cursor's) */
  replay?: string;
  /** the last mark (`m`): "mark 03:12:04 restarted kube-proxy on n3" */
  mark?: Pick<Mark, 'at' | 'note' | 'by'>;
}

/** "mark 03:12:04 restarted kube-proxy on n3 (alice)": the note as it came (a viewer's or a recording's too), made one safe line */
export function markText(m: Pick<Mark, 'at' | 'note' | 'by'>): string {
  return `mark ${fmtClock(m.at)} ${oneLine(m.note) || '(no note)'}${m.by ? ` (${oneLine(m.by)})` : ''}`;
}

/** "kube ok", "kube forbidden: …" (the node list), or "kube: pods forbidden on node-a" (some nodes' pod lists) */
export function kubeSeg(k: KubeStatus, podsFailing: HeaderSpec['podsFailing'] = []): Seg | undefined {
  if (k.kind === 'off') return undefined;
  if (k.kind === 'ok' && podsFailing.length) {
    const kinds = [...new Set(podsFailing.map((p) => p.status.kind))].join('/');
    const where = podsFailing.length === 1 ? podsFailing[0]!.node : `${podsFailing.length} nodes`;
    return { text: `kube: pods ${kinds} on ${where}`, tone: 'bad' };
  }
  const text = k.kind === 'ok' ? 'kube ok' : `kube ${k.kind}${k.message ? `: ${oneLine(k.message)}` : ''}`;
  return { text, tone: k.kind === 'ok' ? 'ok' : 'bad' };
}

/** "netwatch 12 nodes · every 1s · kube ok READ-ONLY › node-a › pods        14:02:03 #1234" */
export function headerSegs({ nodes, interval, kube, readonly, ticks, now, width, crumb, podsFailing, mark, replay }: HeaderSpec): Seg[] {
  const right = ` ${fmtClock(now)} #${ticks}`;
  const left: Seg[] = [{ text: 'netwatch', tone: 'accent', bold: true }, { text: ` ${nodes} node${nodes === 1 ? '' : 's'} · every ${interval}s` }];
  const k = kubeSeg(kube, podsFailing);
  if (k) left.push({ text: ' · ' }, k);
  if (replay !== undefined) left.push({ text: ' ' }, { text: `REPLAY ${oneLine(replay)}`, tone: 'warn', bold: true });
  else if (readonly) left.push({ text: ' ' }, { text: 'READ-ONLY', tone: 'warn', bold: true });
  if (crumb) left.push({ text: ` › ${crumb}` });
  if (mark) left.push({ text: ' · ' }, { text: markText(mark), tone: 'accent' });
  const fitted = clipSegs(left, Math.max(0, width - right.length));
  const used = segsWidth(fitted);
  const pad = ' '.repeat(Math.max(0, width - used - right.length));
  return [...fitted, { text: pad }, { text: right.slice(0, Math.max(0, width - used)), tone: 'dim' }];
}

export interface FooterSpec {
  from: number;
  to: number;
  count: number;
  total: number;
  filter: string;
  editing: boolean;
  hint: string;
  width: number;
  /** what the rows are ("nodes", "interfaces", …) */
  noun: string;
  /** in place of the filter and the hints: the mark prompt, or what `y` did */
  status?: readonly Seg[];
}

/** "nodes 1–20 of 50 (60 unfiltered)  /web█  ? help · q quit · …" */
export function footerSegs({ from, to, count, total, filter, editing, hint, width, noun, status }: FooterSpec): Seg[] {
  const segs: Seg[] = [{ text: count === 0 ? `no ${noun}` : `${noun} ${from}–${to} of ${count}` }];
  if (status) return clipSegs([...segs, { text: '  ' }, ...status], width);
  if (filter || editing) {
    if (count !== total) segs.push({ text: ` (${total} unfiltered)` });
    segs.push({ text: '  /', tone: 'accent' }, { text: filter, tone: 'accent' });
    if (editing) segs.push({ text: '█', tone: 'accent' }, { text: ' enter keeps · esc clears', tone: 'dim' });
  }
  if (!editing) segs.push({ text: `  ${hint}`, tone: 'dim' });
  return clipSegs(segs, width);
}
