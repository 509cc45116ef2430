/**
 * The columns of netwatch's three tables (nodes, interfaces, pods), built for a terminal width.
 * Pure: tests render rows at 80 columns and check nothing is wider.
 */
import { trafficSegs } from './capture/traffic.js';
import type { Iface, PodInfo } from '../sources/types.js';
import type { IfaceRates, NodeState, Problem, Severity } from '../state/types.js';
import { sparkline } from './charts.js';
import type { Cell, Column } from './columns.js';
import { widthFor } from './columns.js';
import { isLive, oldAge } from '../state/model.js';
import { fmtAge, fmtBytes, fmtCount, fmtPct, fmtRate, oneLine } from './format.js';
import {
  conntrackOf,
  nodeDrops,
  nodeTraffic,
  podCount,
  podName,
  type PodRow,
  podsProblem,
  statusLabel,
  type Tone,
  worstProblem,
} from './select.js';

export const SEVERITY_TONE: Record<Severity, Tone> = { crit: 'bad', warn: 'warn', info: 'accent' };

/** the worst problem's message (with its subject), "+N" more; else the row's own facts */
export function problemCell(problems: readonly Problem[], extra: readonly string[] = []): Cell {
  const p = worstProblem(problems);
  if (!p) return extra.length ? { text: extra.join(' '), tone: 'warn' } : { text: '' };
  const subject = p.subject && !p.message.includes(p.subject) ? `${p.subject}: ` : '';
  const more = problems.length > 1 ? ` (+${problems.length - 1})` : '';
  return { text: oneLine(`${subject}${p.message}`) + more, tone: SEVERITY_TONE[p.severity] };
}

function rateTone(v: number | undefined): Tone | undefined {
  return v !== undefined && v > 0 ? 'warn' : undefined;
}

/** a value of a node that is not live is its last known one: drawn dim */
function asOf(n: NodeState, c: Cell | string): Cell {
  const cell = typeof c === 'string' ? { text: c } : c;
  return isLive(n) || !n.sample ? cell : { text: cell.text, tone: 'dim' };
}

/** the overview: one row per node */
export function nodeColumns(total: number, nodes: readonly NodeState[], now: number): Column<NodeState>[] {
  const kube = nodes.some((n) => n.kube);
  const spark = total >= 160 ? 24 : total >= 120 ? 16 : total >= 100 ? 12 : 8;
  // as wide as the longest status (long forms when wide), so live rows carry no padding
  const status = total >= 120 ? widthFor(nodes.map((n) => statusLabel(n.status, now).text), 'STATUS', 10, 30) : 12;
  return [
    { id: 'name', header: 'NODE', width: widthFor(nodes.map((n) => n.name), 'NODE', 8, total >= 120 ? 40 : 16), cut: 'middle', priority: 0, cell: (n) => n.name },
    {
      id: 'status',
      header: 'STATUS',
      width: status,
      priority: 0,
      cell: (n, w) => {
        const s = statusLabel(n.status, now, w < 24);
        return { text: s.text, tone: s.tone };
      },
    },
    {
      id: 'conntrack',
      header: 'CONNTRACK',
      // room for the age of a node's last known value
      width: nodes.some((n) => n.sample && !isLive(n)) ? 20 : 15,
      priority: 0,
      cell: (n) => {
        const ct = conntrackOf(n);
        if (!ct) return { text: n.sample ? 'no data' : '', tone: 'dim' };
        const tone: Tone | undefined = ct.pct >= 95 ? 'bad' : ct.pct >= 80 ? 'warn' : undefined;
        // the age of a value that is not current goes with it
        const age = oldAge(n, 'conntrack', now);
        const text = `${fmtCount(ct.count)}/${fmtCount(ct.max)} ${fmtPct(ct.pct)}`;
        return age === undefined ? { text, tone } : { text: `${text} ${fmtAge(age)}`, tone: 'dim' };
      },
    },
    {
      id: 'trend',
      header: 'CT TREND',
      width: spark,
      priority: 1,
      cell: (n, w) => ({ text: sparkline(n.history.conntrackPct, w, { min: 0, max: 100 }), tone: 'accent' }),
    },
    {
      id: 'drops',
      header: 'DROP/s',
      width: 6,
      align: 'right',
      priority: 1,
      cell: (n) => {
        const d = nodeDrops(n);
        return asOf(n, { text: fmtRate(d), tone: rateTone(d) });
      },
    },
    { id: 'rx', header: 'RX/s', width: 6, align: 'right', priority: 3, cell: (n) => asOf(n, fmtBytes(nodeTraffic(n)?.rx)) },
    { id: 'tx', header: 'TX/s', width: 6, align: 'right', priority: 3, cell: (n) => asOf(n, fmtBytes(nodeTraffic(n)?.tx)) },
    ...(nodes.some((n) => n.traffic)
      ? [{ id: 'traffic', header: 'CAPTURE', width: 18, priority: 2, cell: (n: NodeState): Cell => trafficCell(n, now) }]
      : []),
    ...(kube
      ? [
          {
            id: 'pods',
            header: 'PODS',
            // a node whose pod list fails says so in place of an old count ("forbidden")
            width: widthFor(nodes.map((n) => podsProblem(n)?.kind ?? ''), 'PODS', 4, 11),
            align: 'right' as const,
            priority: 2,
            cell: (n: NodeState): Cell => {
              const bad = podsProblem(n);
              return bad ? { text: bad.kind, tone: 'bad' } : asOf(n, String(podCount(n) ?? ''));
            },
          },
        ]
      : []),
    {
      id: 'problem',
      header: 'WORST PROBLEM',
      width: 20,
      grow: true,
      priority: 0,
      cell: (n) => {
        const bad = podsProblem(n);
        return problemCell(n.problems, bad ? [bad.text] : []);
      },
    },
  ];
}

export interface IfaceRow {
  /** the node is not live or its interface list is stale: the row is its last known state, this old */
  oldMs?: number;
  iface: Iface;
  rates?: IfaceRates;
  pod?: PodInfo;
  problems: Problem[];
}

export function ifaceFlags(i: Iface): string {
  const f: string[] = [];
  if (!i.adminUp) f.push('ADMIN-DOWN');
  if (i.promisc) f.push('PROMISC');
  if (i.hairpin) f.push('hairpin');
  return f.join(',');
}

export function stateCell(i: Iface | undefined): Cell {
  if (!i) return { text: '–', tone: 'dim' };
  const s = i.operstate;
  // veths and bridges report "up"; many virtual devices report "unknown" while working
  return { text: s, tone: s === 'up' || s === 'unknown' ? undefined : 'bad' };
}

/** the node detail's interfaces pane; rows of a node that is not live are drawn dim */
export function ifaceColumns(total: number, rows: readonly IfaceRow[]): Column<IfaceRow>[] {
  const kube = rows.some((r) => r.pod);
  const cols: Column<IfaceRow>[] = [
    { id: 'name', header: 'IFACE', width: widthFor(rows.map((r) => r.iface.name), 'IFACE', 6, total >= 120 ? 24 : 16), cut: 'middle', priority: 0, cell: (r) => r.iface.name },
    { id: 'kind', header: 'KIND', width: 8, priority: 2, cell: (r) => r.iface.kind },
    { id: 'master', header: 'MASTER', width: widthFor(rows.map((r) => r.iface.master ?? ''), 'MASTER', 6, 12), priority: 2, cell: (r) => r.iface.master ?? '' },
    { id: 'mtu', header: 'MTU', width: 5, align: 'right', priority: 0, cell: (r) => String(r.iface.mtu) },
    { id: 'state', header: 'STATE', width: 7, priority: 0, cell: (r) => stateCell(r.iface) },
    { id: 'rx', header: 'RX/s', width: 6, align: 'right', priority: 1, cell: (r) => fmtBytes(r.rates?.rxBps) },
    { id: 'tx', header: 'TX/s', width: 6, align: 'right', priority: 1, cell: (r) => fmtBytes(r.rates?.txBps) },
    { id: 'drops', header: 'DROP/s', width: 6, align: 'right', priority: 0, cell: (r) => ({ text: fmtRate(r.rates?.dropsPerSec), tone: rateTone(r.rates?.dropsPerSec) }) },
    { id: 'errors', header: 'ERR/s', width: 5, align: 'right', priority: 2, cell: (r) => ({ text: fmtRate(r.rates?.errorsPerSec), tone: rateTone(r.rates?.errorsPerSec) }) },
    { id: 'flags', header: 'FLAGS', width: widthFor(rows.map((r) => ifaceFlags(r.iface)), 'FLAGS', 5, 26), priority: 1, cell: (r) => ifaceFlags(r.iface) },
    ...(kube ? [{ id: 'pod', header: 'POD', width: 24, cut: 'middle' as const, priority: 3, cell: (r: IfaceRow) => (r.pod ? podName(r.pod) : '') }] : []),
    { id: 'problem', header: 'PROBLEM', width: 10, grow: true, priority: 1, cell: (r) => problemCell(r.problems) },
  ];
  if (!rows.some((r) => r.oldMs !== undefined)) return cols;
  return cols.map((c) => ({
    ...c,
    cell: (r: IfaceRow, w: number): Cell => {
      const v = c.cell(r, w);
      const cell = typeof v === 'string' ? { text: v } : v;
      return r.oldMs === undefined ? cell : { text: cell.text, tone: 'dim' };
    },
  }));
}

const METHOD: Record<string, string> = { route: 'route', 'neighbour+fdb': 'neigh+fdb', 'netns-peer': 'netns', none: '–' };

/** flags that are facts of the row itself, shown even before any rule names them */
export function podRowFacts(r: PodRow): string[] {
  // a node that is not live: its pods are unknown, not faulty
  if (r.unknown) return [r.unknown];
  if (!r.pod) return ['no pod'];
  if (!r.iface && !r.pod.hostNetwork) return [r.reason ? `unmapped: ${r.reason}` : 'no veth'];
  return [];
}

/** the node detail's pods pane */
export function podColumns(total: number, rows: readonly PodRow[]): Column<PodRow>[] {
  const wide = total >= 120;
  return [
    {
      id: 'pod',
      header: 'POD',
      width: widthFor(rows.map((r) => (r.pod ? podName(r.pod) : '(no pod)')), 'POD', 12, wide ? 48 : 24),
      cut: 'middle',
      priority: 0,
      cell: (r) => (r.pod ? podName(r.pod) : { text: '(no pod)', tone: 'dim' }),
    },
    { id: 'ip', header: 'IP', width: widthFor(rows.map((r) => r.pod?.podIPs[0] ?? ''), 'IP', 7, 39), priority: 1, cell: (r) => r.pod?.podIPs[0] ?? '' },
    {
      id: 'veth',
      header: 'VETH',
      width: widthFor(rows.map((r) => r.iface?.name ?? ''), 'VETH', 6, 15),
      cut: 'middle',
      priority: 0,
      cell: (r) => (r.iface ? r.iface.name : r.pod?.hostNetwork ? { text: 'host', tone: 'dim' } : { text: '–', tone: 'bad' }),
    },
    { id: 'mtu', header: 'MTU', width: 5, align: 'right', priority: 0, cell: (r) => (r.iface ? String(r.iface.mtu) : '') },
    { id: 'state', header: 'STATE', width: 6, priority: 0, cell: (r) => (r.iface ? stateCell(r.iface) : '') },
    { id: 'drops', header: 'DROP/s', width: 6, align: 'right', priority: 1, cell: (r) => ({ text: fmtRate(r.rates?.dropsPerSec), tone: rateTone(r.rates?.dropsPerSec) }) },
    { id: 'rx', header: 'RX/s', width: 6, align: 'right', priority: 2, cell: (r) => fmtBytes(r.rates?.rxBps) },
    { id: 'tx', header: 'TX/s', width: 6, align: 'right', priority: 2, cell: (r) => fmtBytes(r.rates?.txBps) },
    { id: 'hairpin', header: 'HAIRPIN', width: 7, priority: 2, cell: (r) => (r.iface?.hairpin === undefined ? '' : r.iface.hairpin ? 'on' : 'off') },
    { id: 'method', header: 'MAPPED BY', width: 9, priority: 2, cell: (r) => (r.method ? (METHOD[r.method] ?? r.method) : '') },
    { id: 'phase', header: 'PHASE', width: 9, priority: 3, cell: (r) => r.pod?.phase ?? '' },
    { id: 'problem', header: 'FLAGS', width: 8, grow: true, priority: 0, cell: (r) => problemCell(r.problems, podRowFacts(r)) },
  ];
}

/** the periodic short capture: packets/s, SYNs without reply, RSTs */
function trafficCell(n: NodeState, now: number): Cell {
  const segs = trafficSegs(n.traffic, now);
  const tone = segs.some((s) => s.tone === 'bad') ? 'bad' : segs.every((s) => s.tone === 'dim') ? 'dim' : undefined;
  return { text: segs.map((s) => s.text).join('').trim(), tone };
}
