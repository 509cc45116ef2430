/**
 * `-o markdown` (and `y`): the renderer on a store fed as the monitor feeds it (samples through
 * applyTick, a failed node, pool labels, marks), with hostile names: a `|` that would split a
 * table cell, newlines, ESC sequences, backticks, backslashes. The summary keeps its structure
 * (every table row has exactly its three cells), and nothing a terminal acts on is in it.
 */
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { onceJsonSchema } from '../../src/cli/report-schema.js';
import { markdownReport, mdText } from '../../src/cli/markdown.js';
import { marksReport, renderReport } from '../../src/cli/report.js';
import type { NodeInfo, NodeSample } from '../../src/sources/types.js';
import { cleanNote, createAppStore, MARK_NOTE_MAX, MARKS_MAX } from '../../src/state/store.js';
import { iface } from '../ui/fixtures.js';
import { expectClean, HOSTILE as H } from '../ui/hostile.js';

const T0 = Date.UTC(2025, 0, 15, 3, 12, 4);

/** a bridge node's sample: eth0, cbr0 and veths (names given), conntrack count/max, ip_forward */
function sample(at: number, o: { veths: { name: string; mtu: number }[]; count?: number; forward?: string }): NodeSample {
  const ifaces = [
    iface('lo', 'loopback', { mtu: 65536, operstate: 'unknown' }),
    iface('eth0', 'device', { ifindex: 2 }),
    iface('cbr0', 'bridge', { ifindex: 3, mtu: 1460 }),
    ...o.veths.map((v, i) => iface(v.name, 'veth', { ifindex: 10 + i, master: 'cbr0', mtu: v.mtu, hairpin: true, linkNetnsId: i })),
  ];
  return {
    at,
    seq: 1,
    uptime: 3600,
    conntrack: { status: 'ok', data: { count: o.count ?? 100, max: 1000 } },
    interfaces: { status: 'ok', data: ifaces },
    tcpCounters: { status: 'ok', data: { activeOpens: 0, passiveOpens: 0, attemptFails: 0, estabResets: 0, currEstab: 5, retransSegs: 0, outRsts: 0, inErrs: 0 } },
    routes4: { status: 'ok', data: [{ dst: 'default', dev: 'eth0', gateway: '10.0.0.1', family: 4 }] },
    facts: { status: 'ok', data: { kernel: '6.1.0-18-amd64', sysctl: { 'net.ipv4.ip_forward': o.forward ?? '1', 'net.bridge.bridge-nf-call-iptables': '1' } } },
    kernelEvents: [],
    latencyMs: 3,
  };
}

const info = (name: string, pool: string): NodeInfo => ({ name, addresses: [], labels: {}, podCIDRs: [], ready: true, pool });

/** four nodes of pool-a, as the monitor and the API source write them: one with hostile names and a full conntrack table, one failed */
function fed() {
  let t = T0;
  const store = createAppStore({ now: () => t });
  const s = store.getState();
  const odd = `n3|${H.osc}\`rm -rf\`\n## not a heading`;
  for (const n of ['n1', 'n2', odd, 'n4']) s.addNode(n, `10.0.0.${n.length}`);
  for (const n of ['n1', 'n2', odd, 'n4']) s.setNodeInfo(n, info(n, 'pool-a'));
  s.applyTick([
    ['n1', { kind: 'sample', sample: sample(t, { veths: [{ name: 'veth1', mtu: 1460 }] }) }],
    ['n2', { kind: 'sample', sample: sample(t, { veths: [{ name: 'veth1', mtu: 1460 }] }) }],
    // an interface named with a pipe, ESC, a backslash and a backtick; MTU off from its bridge; conntrack 99 % full; ip_forward 0
    [odd, { kind: 'sample', sample: sample(t, { veths: [{ name: `ve|th\\${H.clear}\``, mtu: 1500 }], count: 990, forward: '0' }) }],
  ]);
  s.setStatus('n4', { kind: 'failed', since: t, reason: `auth failed | ${H.c0} ${H.bidi}` });
  t += 5000;
  s.addMark(`restarted kube-proxy on n3 | ${H.link}\`x\``, 'alice');
  return { store, odd };
}

/** a table row's cells: split at the pipes Markdown sees (a pipe after an odd number of backslashes is text) */
function cells(row: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < row.length; i++) {
    const c = row[i]!;
    if (c === '\\' && i + 1 < row.length) {
      cur += c + row[++i];
      continue;
    }
    if (c === '|') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.slice(1, -1).map((x) => x.trim());
}

describe('-o markdown', () => {
  it('a header, a table of every node with exactly three cells per row, the problems with remedies, pool differences, marks', () => {
    const { store } = fed();
    const md = expectClean(markdownReport(store.getState(), T0 + 6000), 'markdown');
    const lines = md.split('\n');
    expect(lines[0]).toBe('**netwatch** · 2025-01-15 03:12:10 UTC · 4 nodes, 2 with problems (' + lines[0]!.split('(')[1]);
    expect(lines[0]).toMatch(/4 nodes, 2 with problems \(\d+ crit, \d+ warn, 1 not sampled\)$/);
    const table = lines.filter((l) => l.startsWith('| '));
    expect(table).toHaveLength(5); // head + 4 nodes
    for (const row of table) expect(cells(row), row).toHaveLength(3);
    expect(lines).toContain('|---|---|---|');
    // the hostile name: one cell, its pipe and backticks escaped, ESC visible, the newline a space
    const oddRow = table.find((r) => r.includes('rm -rf'))!;
    expect(cells(oddRow)[0]).toBe(String.raw`n3\|\\x1b\]0;pwned\\x07\`rm -rf\` ## not a heading`);
    expect(cells(oddRow)[1]).toBe('live');
    expect(cells(oddRow)[2]).toMatch(/^\*\*crit\*\* /);
    const failed = table.find((r) => r.startsWith('| n4 '))!;
    expect(cells(failed)[1]).toBe(String.raw`failed: auth failed \| a\\x7f\\x08 b c d ab\\u202ecd`);
    expect(cells(table.find((r) => r.startsWith('| n1 '))!)).toEqual(['n1', 'live', 'none']);
    // problems: by node, the worst node first, each problem with its severity, remedy under it
    const pi = lines.indexOf('**Problems**');
    expect(pi).toBeGreaterThan(0);
    const after = lines.slice(pi);
    const firstNode = after.find((l) => /^\*\*.+\*\*$/.test(l) && l !== '**Problems**')!;
    expect(firstNode).toContain('rm -rf'); // both it and n4 have a crit: the one with more problems first
    const oddProblems = md.slice(md.indexOf(firstNode));
    expect(oddProblems).toMatch(/- \*\*crit\*\* conntrack-fill: /);
    expect(oddProblems).toContain(String.raw`- **warn** veth-mtu (ve\|th\\\\x1b\[2J\`): veth ve\|th`);
    expect(oddProblems).toMatch(/\n {2}- remedy: \S/);
    expect(md).toMatch(/\*\*n4\*\*\n- \*\*crit\*\* node-failed: auth failed \\\| /);
    // pool differences: ip_forward 0 on the odd node of pool-a
    expect(md).toContain('**Pool differences**');
    const diff = lines.find((l) => l.startsWith('- pool-a: ') && l.includes('ip\\_forward'))!;
    expect(diff).toContain('1 on 2 of 3');
    expect(diff).toContain('rm -rf');
    // the mark, its note escaped, with who
    expect(md).toContain('**Marks** (UTC)');
    expect(md).toContain('- 03:12:09 restarted kube-proxy on n3 \\| \\]8;;http://x/\\\\\\`x\\` (alice)');
    // no line starts with outside text (no heading, list or quote from a name)
    for (const l of lines) expect(l, l).toMatch(/^(\*\*|\| |\|-|- |  - |… |$)/);
  });

  it('nodes: only the screen’s nodes, and the pool differences that concern them', () => {
    const { store, odd } = fed();
    const one = markdownReport(store.getState(), T0, { nodes: ['n1'], scope: 'node n1' });
    expect(one.split('\n')[0]).toMatch(/^\*\*netwatch · node n1\*\* · .* · 1 node, 0 with problems \(0 crit, 0 warn\)$/);
    expect(one.split('\n').filter((l) => l.startsWith('| '))).toHaveLength(2);
    expect(one).not.toContain('Problems');
    expect(one).not.toContain('Pool differences');
    const bad = markdownReport(store.getState(), T0, { nodes: [odd] });
    expect(bad).toContain('Pool differences');
    expect(bad).not.toContain('n4');
  });

  it('a long list of problems is cut with a count, a long message with an ellipsis', () => {
    const { store } = fed();
    const md = markdownReport(store.getState(), T0, { maxProblems: 2 });
    expect(md.match(/^- \*\*(crit|warn|info)\*\*/gm)).toHaveLength(2);
    expect(md).toMatch(/… and \d+ more problems? \(netwatch --once -o json has them all\)/);
    expect(mdText('x'.repeat(400))).toBe(`${'x'.repeat(299)}…`);
    expect(mdText('a|b`c*d_e[f]<g>~h\\i')).toBe('a\\|b\\`c\\*d\\_e\\[f\\]\\<g\\>\\~h\\\\i');
  });

  it('renderReport: the four formats from one state; JSON carries the marks', () => {
    const { store } = fed();
    const st = store.getState();
    const json = JSON.parse(renderReport(st, 'json', { now: T0, meta: { windowSec: 0 } }));
    expect(json.marks).toEqual([{ at: '2025-01-15T03:12:09.000Z', note: 'restarted kube-proxy on n3 | ]8;;http://x/\\`x`', by: 'alice', id: expect.any(String) }]);
    expect(json.windowSec).toBe(0);
    // the published schema knows the marks (and refuses a mark it does not)
    expect([...Value.Errors(onceJsonSchema(), json)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
    expect(Value.Check(onceJsonSchema(), { ...json, marks: [{ ...json.marks[0], colour: 'red' }] })).toBe(false);
    expect(renderReport(st, 'text', { now: T0 }).split('\n')[0]).toMatch(/^NODE +STATUS +CONNTRACK +IFACES +WORST PROBLEM$/);
    const wide = expectClean(renderReport(st, 'wide', { now: T0 + 2000 }), 'wide');
    expect(wide.split('\n')[0]).toMatch(/^NODE +STATUS +ADDRESS +KERNEL +PRIMARY MTU +CONNTRACK +CT% +IFACES +PODS +AGE +WORST PROBLEM$/);
    const n1 = wide.split('\n').find((l) => l.startsWith('n1 '))!;
    expect(n1).toMatch(/^n1 +ok +10\.0\.0\.2 +6\.1\.0-18-amd64 +eth0 1460 +100\/1000 +10\.0% +4 +0 +2s +$/);
    expect(wide).toContain('MARKS');
    expect(renderReport(st, 'markdown', { now: T0, notes: ['not root: x'] })).toMatch(/\n\nnot root: x$/);
  });
});

describe('marks in the store', () => {
  it('the note one line, controls removed, capped; the list bounded; ids unique', () => {
    const store = createAppStore({ now: () => T0 });
    const m = store.getState().addMark(`  a\nb\r\n${H.osc}c\t${H.bidi}  `, `bob${H.clear}`);
    expect(m.note).toBe('a b ]0;pwnedc abcd');
    expect(m.by).toBe('bob[2J');
    expect(m.at).toBe(T0);
    expect(store.getState().marks).toEqual([m]);
    expect(cleanNote('é'.repeat(300))).toHaveLength(MARK_NOTE_MAX);
    expect(store.getState().addMark('').note).toBe('');
    for (let i = 0; i < MARKS_MAX + 5; i++) store.getState().addMark(`m${i}`);
    const ms = store.getState().marks;
    expect(ms).toHaveLength(MARKS_MAX);
    expect(ms.at(-1)!.note).toBe(`m${MARKS_MAX + 4}`);
    expect(new Set(ms.map((x) => x.id)).size).toBe(MARKS_MAX);
    expect(marksReport(store.getState())[0]!.at).toBe('2025-01-15T03:12:04.000Z');
  });
});
