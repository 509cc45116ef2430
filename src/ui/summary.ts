/**
 * The node detail's summary block as lines of segments: node facts, conntrack (use, rates,
 * cumulative stats, "table full" lines) and TCP. Pure.
 */
import { collectorErrors, oldAge, valueOf } from '../state/model.js';
import type { NodeState } from '../state/types.js';
import type { Seg } from './columns.js';
import { fmtAge, fmtCount, fmtPct, fmtRate, oneLine } from './format.js';
import { conntrackOf, primaryIface, statusLabel } from './select.js';

const HANDSHAKE: readonly [string, string][] = [
  ['SYN_SENT', 'SYN_SENT'],
  ['SYN_RECV', 'SYN_RECV'],
  ['TIME_WAIT', 'TIME_WAIT'],
  ['ESTABLISHED', 'ESTAB'],
];
/** time to full is worth a word when it is this close */
const FULL_SOON_MS = 3600_000;

function rateSeg(label: string, v: number | undefined): Seg[] {
  return [{ text: ` ${label} ` }, { text: `${fmtRate(v)}/s`, tone: v ? 'warn' : undefined }];
}

function factsLine(n: NodeState, now: number): Seg[] {
  const st = statusLabel(n.status, now);
  const segs: Seg[] = [{ text: n.name, tone: 'accent' }, { text: ' ' }, { text: st.text, tone: st.tone }];
  if (n.lastError && n.status.kind !== 'live') segs.push({ text: ` · last error: ${oneLine(n.lastError)}`, tone: 'bad' });
  if (n.address && n.address !== n.name) segs.push({ text: ` · ${n.address}` });
  const primary = primaryIface(n);
  if (primary) segs.push({ text: ` · primary ${primary}` });
  if (n.sample) segs.push({ text: ` · ${Math.round(n.sample.latencyMs)}ms` });
  // every collector whose last read failed, first: what netwatch cannot see is news
  for (const e of collectorErrors(n)) {
    const ago = e.at !== undefined ? ` ${fmtAge(Math.max(0, now - e.at))} ago` : '';
    segs.push({ text: ` · ${e.name} failed${ago}: ${oneLine(e.error)}`, tone: 'bad' });
  }
  const facts = valueOf(n, 'facts');
  if (facts?.kernel) segs.push({ text: ` · ${oneLine(facts.kernel)}` });
  if (facts?.os) segs.push({ text: ` · ${oneLine(facts.os)}` });
  return segs;
}

/** a value that is not current (node not live, or older than its period): dim, with its age */
function aged(segs: Seg[], age: number | undefined): Seg[] {
  if (age === undefined) return segs;
  // the age right after the label, so a narrow pane cannot cut it off
  const dim = segs.map((x) => ({ ...x, tone: 'dim' as const }));
  return [dim[0]!, { text: ` (${fmtAge(age)} old)`, tone: 'dim' }, ...dim.slice(1)];
}

function conntrackLines(n: NodeState, now: number): Seg[][] {
  const [l1, l2, l3] = conntrackLinesNow(n);
  const age = oldAge(n, 'conntrack', now);
  return [aged(l1!, age), age === undefined ? l2! : l2!.map((x) => ({ ...x, tone: 'dim' as const })), l3!];
}

function conntrackLinesNow(n: NodeState): Seg[][] {
  const col = n.model.conntrack;
  const c =
    col.value !== undefined
      ? { status: 'ok' as const, data: col.value }
      : col.status === 'nodata'
        ? { status: 'nodata' as const, reason: col.text ?? '' }
        : col.status === 'error'
          ? { status: 'error' as const, error: col.text ?? '' }
          : undefined;
  if (!c) return [[{ text: 'conntrack: no sample yet', tone: 'dim' }], [], []];
  if (c.status !== 'ok') {
    const why = c.status === 'nodata' ? `no data (${oneLine(c.reason)})` : `error: ${oneLine(c.error)}`;
    return [[{ text: `conntrack: ${why}`, tone: c.status === 'error' ? 'bad' : 'dim' }], [], tableFullLine(n)];
  }
  const use = conntrackOf(n);
  const l1: Seg[] = [{ text: 'conntrack' }, { text: ' ' }];
  if (use) {
    l1.push({ text: `${fmtCount(use.count)}/${fmtCount(use.max)} ${fmtPct(use.pct)}`, tone: use.pct >= 95 ? 'bad' : use.pct >= 80 ? 'warn' : 'ok' });
  } else l1.push({ text: `${fmtCount(c.data.count)} (max unknown)` });
  const growth = n.rates.conntrackGrowthPerSec;
  if (growth !== undefined) l1.push({ text: ` (${growth >= 0 ? '+' : ''}${fmtRate(growth)}/s)` });
  const toFull = use && growth && growth > 0 ? ((use.max - use.count) / growth) * 1000 : Infinity;
  if (toFull < FULL_SOON_MS) l1.push({ text: ` · full in ${fmtAge(toFull)}`, tone: 'warn' });
  l1.push({ text: ' ·' }, ...rateSeg('drops', n.rates.conntrackDropsPerSec), ...rateSeg('insert_failed', n.rates.conntrackInsertFailedPerSec));
  const s = c.data.stats;
  const l2: Seg[] = s
    ? [
        { text: `  total${c.data.statsSource === 'conntrack -S' ? ' (conntrack -S)' : ''}: ` },
        { text: `insert_failed ${fmtCount(s.insertFailed)} drop ${fmtCount(s.drop)} early_drop ${fmtCount(s.earlyDrop)}`, tone: s.insertFailed + s.drop + s.earlyDrop > 0 ? 'warn' : undefined },
        { text: ` invalid ${fmtCount(s.invalid)} search_restart ${fmtCount(s.searchRestart)}` },
      ]
    : [{ text: '  stats: not available', tone: 'dim' }];
  return [l1, l2, tableFullLine(n)];
}

function tableFullLine(n: NodeState): Seg[] {
  const t = n.tableFull;
  if (t.sinceStart === 0 && !t.lastText) return [{ text: '  table full: none since start', tone: 'dim' }];
  const segs: Seg[] = [{ text: `  table full: ${t.sinceStart} since start`, tone: t.sinceStart > 0 ? 'bad' : undefined }];
  if (t.lastText) {
    const ago = t.lastAt !== undefined && n.sample ? ` ${fmtAge(n.sample.at - t.lastAt)} ago` : '';
    segs.push({ text: ` · last${ago}: ${oneLine(t.lastText)}` });
  }
  return segs;
}

function tcpLine(n: NodeState, now: number): Seg[] {
  const segs: Seg[] = [{ text: 'tcp' }];
  // sockets per state as counted on the node (ss -tan, every r tick): drawn dim with their age
  // when older than their period or when the node is not live
  const states = valueOf(n, 'tcpStates');
  const age = oldAge(n, 'tcpStates', now);
  const state = ([k, label]: readonly [string, string]) => {
    const v = states?.[k] ?? 0;
    const tone = (k === 'SYN_SENT' || k === 'SYN_RECV') && v > 0 ? ('warn' as const) : undefined;
    segs.push({ text: ` ${label} ` }, { text: states ? fmtCount(v) : '–', tone });
  };
  // handshakes and failures first: they are what an outage shows; then the totals
  HANDSHAKE.slice(0, 2).forEach(state);
  segs.push({ text: ' ·' }, ...rateSeg('fails', n.rates.tcpAttemptFailsPerSec), ...rateSeg('resets', n.rates.tcpResetsPerSec), ...rateSeg('retrans', n.rates.tcpRetransPerSec));
  segs.push({ text: ' ·' });
  HANDSHAKE.slice(2).forEach(state);
  return aged(segs, age);
}

/**
 * The slow collectors in one line (read every --slow-every, key R):
 * "slow checks: iptables nft 312 rules (legacy 0) · ipvs off · agents kube-proxy, calico-node · hairpin 0 failing · read 23s ago"
 */
export function slowLine(n: NodeState, now: number): Seg[] {
  const m = n.model;
  if (m.iptables.status === 'pending' && m.agents.status === 'pending') return [{ text: 'slow checks: not read yet', tone: 'dim' }];
  const segs: Seg[] = [{ text: 'slow checks:' }];
  const why = (c: { status: string; text?: string }) => (c.status === 'error' ? `failed: ${oneLine(c.text ?? '')}` : `cannot tell (${oneLine(c.text ?? '')})`);
  const ipt = m.iptables.value;
  if (ipt) {
    const count = (b: 'legacy' | 'nft') => {
      const got = ipt.backends[b];
      return got?.status === 'ok' ? `${fmtCount(got.data.ruleCount)} rules` : got?.status === 'nodata' ? 'no tool' : got ? 'failed' : '–';
    };
    // the backend the plain iptables command uses first, the other in brackets
    const main = ipt.mode ?? (ipt.backends.nft?.status === 'ok' ? 'nft' : 'legacy');
    const other = main === 'nft' ? 'legacy' : 'nft';
    segs.push({ text: ` iptables ${main} ${count(main)} (${other} ${count(other)})` });
  } else segs.push({ text: ` iptables ${why(m.iptables)}`, tone: m.iptables.status === 'error' ? 'bad' : 'dim' });
  const ipvs = m.ipvs.value;
  segs.push({ text: ` · ipvs ${ipvs ? `${ipvs.services.length} services` : m.ipvs.status === 'nodata' ? 'off' : m.ipvs.status === 'error' ? 'failed' : '–'}` });
  const agents = m.agents.value;
  if (agents) {
    const names = [...new Set(agents.map((a) => oneLine(a.name)))];
    segs.push({ text: ` · agents ${names.length ? names.join(', ') : 'none'}` });
  } else segs.push({ text: ` · agents ${m.agents.status === 'error' ? 'failed' : '–'}` });
  const hp = m.hairpin.value;
  if (hp) segs.push({ text: ` · hairpin ${hp.length} failing`, tone: hp.length ? 'warn' : undefined });
  const at = Math.max(m.iptables.at ?? 0, m.agents.at ?? 0);
  if (at > 0) segs.push({ text: ` · read ${fmtAge(Math.max(0, now - at))} ago`, tone: 'dim' });
  return segs;
}

/** exactly six lines: facts, conntrack, conntrack stats, table full, tcp, slow checks */
export function summaryLines(n: NodeState, now: number): Seg[][] {
  return [factsLine(n, now), ...conntrackLines(n, now), tcpLine(n, now), slowLine(n, now)];
}

/** 1, 2, 5 × 10^k at or above v (≥ floor) */
export function niceMax(v: number, floor = 1): number {
  if (!(v > floor)) return floor;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
