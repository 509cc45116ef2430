import { describe, expect, it } from 'vitest';
import { clipSegs, type Column, fitColumns, headerText, rowSegs, segsText, widthFor } from '../../src/ui/columns.js';
import { cols, fit, fmtAge, fmtBytes, fmtCount, fmtPct, fmtRate, oneLine, truncateMiddle } from '../../src/ui/format.js';
import { podRows } from '../../src/ui/select.js';
import { summaryLines, niceMax } from '../../src/ui/summary.js';
import { ifaceColumns, nodeColumns, podColumns } from '../../src/ui/tables.js';
import { ifaceRows } from '../../src/ui/view.js';
import { bridgeNode, NOW } from './fixtures.js';

describe('format', () => {
  it('formats counts, rates, bytes, ages and percentages compactly', () => {
    expect([fmtCount(950), fmtCount(12_345), fmtCount(262_144), fmtCount(1_048_576)]).toEqual(['950', '12.3k', '262k', '1.05M']);
    expect([fmtRate(0), fmtRate(0.25), fmtRate(3.5), fmtRate(1234), fmtRate(undefined)]).toEqual(['0', '0.25', '3.5', '1.23k', '–']);
    expect([fmtBytes(512), fmtBytes(1_500_000), fmtBytes(undefined)]).toEqual(['512B', '1.4M', '–']);
    expect([fmtAge(4_200), fmtAge(125_000), fmtAge(7_500_000), fmtAge(3 * 86_400_000 + 7_200_000)]).toEqual(['4s', '2m5s', '2h5m', '3d2h']);
    expect([fmtPct(0.05), fmtPct(4.71), fmtPct(95.2)]).toEqual(['<0.1%', '4.7%', '95%']);
  });
  it('fits text: end cut with …, names cut in the middle, control characters shown as escapes', () => {
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('ab', 4, 'right')).toBe('  ab');
    expect(truncateMiddle('gke-pool-a-1234abcd-x7k2', 13)).toBe('gke-po…d-x7k2');
    // line breaks become a space; an escape is shown, not sent (sanitize.ts)
    expect(oneLine('a\nb\u001b[31mc')).toBe('a b\\x1b[31mc');
    expect(fit('x\u001b]0;t\u0007', 14)).toBe('x\\x1b]0;t\\x07 ');
    expect(truncateMiddle('ab\u202ecd-long-name-x7k2', 13)).toBe('ab\\u20…e-x7k2');
  });
});

describe('wide characters from outside (CJK, emoji) are measured in columns', () => {
  it('fit, truncate and clip count a wide character as two columns, never cut one in half', () => {
    expect(cols('ポッド')).toBe(6);
    expect(cols('a🙂b')).toBe(4);
    expect(cols('e\u0301')).toBe(1);
    expect(fit('ポッド', 8)).toBe('ポッド  ');
    expect(fit('ポッドポッド', 5)).toBe('ポッ…');
    expect(fit('ポッドポッド', 6)).toBe('ポッ… ');
    expect(truncateMiddle('网卡网卡网卡-x7k2', 9)).toBe('网卡…x7k2');
    expect(segsText(clipSegs([{ text: 'ab' }, { text: '网卡网卡' }], 6))).toBe('ab网…');
    expect(segsText(clipSegs([{ text: 'a🙂🙂' }], 4))).toBe('a🙂…');
  });

  it('a table of CJK and emoji interface names: every row exactly as wide as the header', () => {
    const cols3: Column<string>[] = [
      { id: 'n', header: 'NAME', width: widthFor(['网卡0', 'veth-🙂', 'eth0'], 'NAME', 4, 12), priority: 0, cell: (r) => r },
      { id: 'm', header: 'MTU', width: 5, align: 'right', priority: 0, cell: () => '1500' },
    ];
    const placed = fitColumns(cols3, 40);
    const w = cols(headerText(placed));
    for (const r of ['网卡0', 'veth-🙂', 'eth0']) expect(cols(segsText(rowSegs(placed, r)))).toBe(w);
  });
});

describe('columns', () => {
  const cols: Column<string>[] = [
    { id: 'a', header: 'A', width: 10, priority: 0, cell: (r) => r },
    { id: 'b', header: 'B', width: 10, priority: 2, cell: () => 'b' },
    { id: 'c', header: 'C', width: 5, priority: 1, cell: () => ({ text: 'c', tone: 'bad' }) },
    { id: 'd', header: 'D', width: 8, grow: true, priority: 0, cell: () => 'grow' },
  ];
  it('drops low-priority columns first and gives the rest to the growing one', () => {
    const placed = fitColumns(cols, 30);
    expect(placed.map((p) => [p.id, p.w])).toEqual([['a', 10], ['c', 5], ['d', 13]]);
    expect(headerText(placed)).toHaveLength(30);
    const segs = rowSegs(placed, 'x');
    expect(segsText(segs)).toHaveLength(30);
    expect(segs.find((s) => s.tone === 'bad')?.text).toBe('c    ');
  });
  it('shrinks must-show columns when even they do not fit', () => {
    const placed = fitColumns(cols, 15);
    expect(headerText(placed).length).toBeLessThanOrEqual(15);
    expect(placed.map((p) => p.id)).toEqual(['a', 'd']);
  });
  it('clips a line of segments with a visible cut', () => {
    expect(segsText(clipSegs([{ text: 'abc' }, { text: 'def', tone: 'ok' }], 5))).toBe('abcd…');
    expect(segsText(clipSegs([{ text: 'abc' }], 5))).toBe('abc');
  });
});

describe('tables at 80 columns', () => {
  const n = bridgeNode('gke-pool-a-very-long-node-name-0001', { kube: true, veths: 12 });
  it('every table row and header fits, at 80 and at 200', () => {
    for (const total of [78, 198]) {
      const node = fitColumns(nodeColumns(total, [n], NOW), total);
      const ifs = fitColumns(ifaceColumns(total, ifaceRows(n)), total);
      const pods = fitColumns(podColumns(total, podRows(n)), total);
      for (const line of [headerText(node), segsText(rowSegs(node, n))]) expect(line.length).toBeLessThanOrEqual(total);
      for (const r of ifaceRows(n)) expect(segsText(rowSegs(ifs, r)).length).toBeLessThanOrEqual(total);
      for (const r of podRows(n)) expect(segsText(rowSegs(pods, r)).length).toBeLessThanOrEqual(total);
    }
  });
  it('keeps the essentials at 80 and adds columns when wide', () => {
    const narrow = fitColumns(nodeColumns(78, [n], NOW), 78).map((c) => c.id);
    const wide = fitColumns(nodeColumns(198, [n], NOW), 198).map((c) => c.id);
    expect(narrow).toEqual(expect.arrayContaining(['name', 'status', 'conntrack', 'trend', 'problem']));
    expect(wide).toEqual(['name', 'status', 'conntrack', 'trend', 'drops', 'rx', 'tx', 'pods', 'problem']);
    const podsNarrow = fitColumns(podColumns(78, podRows(n)), 78).map((c) => c.id);
    expect(podsNarrow).toEqual(expect.arrayContaining(['pod', 'veth', 'mtu', 'state', 'problem']));
  });
  it('the node name keeps its unique end when cut', () => {
    const node = fitColumns(nodeColumns(78, [n], NOW), 78);
    expect(segsText(rowSegs(node, n))).toMatch(/^gke-pool…me-0001 /);
  });
});

describe('summary', () => {
  it('shows conntrack, its totals, table-full lines and tcp', () => {
    const n = bridgeNode('node-a');
    n.tableFull = { sinceStart: 3, lastText: 'nf_conntrack: table full, dropping packet', lastAt: n.sample!.at - 120_000, recent: [] };
    const lines = summaryLines(n, NOW).map(segsText);
    expect(lines).toHaveLength(6);
    expect(lines[5]).toBe('slow checks: not read yet');
    expect(lines[0]).toMatch(/^node-a live · 10\.0\.0\.6 · primary eth0 · 12ms · 6\.1\.0-18-amd64/);
    expect(lines[1]).toBe('conntrack 1.23k/262k 0.5% (+2/s) · drops 0/s insert_failed 0/s');
    expect(lines[2]).toContain('insert_failed 7 drop 2 early_drop 0 invalid 3 search_restart 11');
    expect(lines[3]).toBe('  table full: 3 since start · last 2m ago: nf_conntrack: table full, dropping packet');
    expect(lines[4]).toBe('tcp SYN_SENT 3 SYN_RECV 0 · fails 0/s resets 1/s retrans 0.20/s · TIME_WAIT 120 ESTAB 5');
  });
  it('says why conntrack is missing', () => {
    const n = bridgeNode('node-a');
    n.model = { ...n.model, conntrack: { periodMs: 1000, status: 'nodata', statusAt: NOW, text: 'nofile: nf_conntrack not loaded' } };
    expect(segsText(summaryLines(n, NOW)[1]!)).toBe('conntrack: no data (nofile: nf_conntrack not loaded)');
  });
  it('rounds chart scales up to 1, 2, 5 × 10^k', () => {
    expect([niceMax(0), niceMax(0.47), niceMax(3), niceMax(13), niceMax(96)]).toEqual([1, 1, 5, 20, 100]);
  });
});
