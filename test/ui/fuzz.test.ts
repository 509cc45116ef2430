/**
 * Random strings from outside through every view's lines and the one renderer (ansi.ts
 * renderLine): interface, node, pod and namespace names, process argv, comm and cgroup paths,
 * problem messages and remedies, kernel facts, tcpdump's refusal. Strings mix every kind of code
 * point that matters (C0, ESC sequences, DEL, C1, bidi, separators, lone surrogates, U+FFFD from
 * invalid UTF-8, wide and combining characters, plain ASCII). Seeded, bounded (runs in CI): every
 * rendered line holds no control but the renderer's SGR, and is at most the width in code units.
 */
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { processViewFromOutput } from '../../src/sources/processes/collect.js';
import { evaluate } from '../../src/state/rules.js';
import type { NodeState } from '../../src/state/types.js';
import { renderLine, setColor } from '../../src/ui/ansi.js';
import { promptLines } from '../../src/ui/capture/CaptureScreen.js';
import type { Seg } from '../../src/ui/columns.js';
import { cols } from '../../src/ui/format.js';
import { captureRoute, initialUi, type UiState } from '../../src/ui/nav.js';
import { killDialogLines } from '../../src/ui/processes/KillDialog.js';
import { buildRows } from '../../src/ui/processes/present.js';
import { detailLines } from '../../src/ui/screens/NodeDetail.js';
import { helpLines } from '../../src/ui/screens/Help.js';
import { overviewLines } from '../../src/ui/screens/Overview.js';
import { headerSegs } from '../../src/ui/chrome.js';
import { viewModel } from '../../src/ui/view.js';
import { textReport } from '../../src/cli/report.js';
import { markdownReport } from '../../src/cli/markdown.js';
import { markPromptSegs } from '../../src/ui/App.js';
import { listens, procs } from '../processes/crashloop.js';
import { nodeOutput } from '../processes/scenario.js';
import { appState, bridgeNode, NOW } from './fixtures.js';
import { expectClean } from './hostile.js';

/** mulberry32: the same strings on every run */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '\u001b]0;t\u0007', '\u001b[2J', '\u001b[H', '\u001b]8;;u\u001b\\', '\u001bP+q\u001b\\', '\u009b', '\u009d0;x\u009c', '\u202e', '\u2066', '\u200f',
  '\u2028', '\ufffd', '\ud800', '\udc00', '\u007f', '\r', '\n', '\t', '\b', '\u0000', 'ポ', '파', '🙂', 'e\u0301', '|', '@@', ':', '/', ' ', '…',
];

function randomString(r: () => number, max = 24): string {
  let s = '';
  const n = 1 + Math.floor(r() * max);
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.4) s += String.fromCharCode(0x61 + Math.floor(r() * 26));
    else if (k < 0.75) s += PIECES[Math.floor(r() * PIECES.length)];
    else s += String.fromCharCode(Math.floor(r() * 0x3000));
  }
  return s;
}

/** the same object with every key and string value found in `map` replaced */
function rename<T>(v: T, map: Record<string, string>): T {
  if (typeof v === 'string') return (map[v] ?? v) as T;
  if (Array.isArray(v)) return v.map((x) => rename(x, map)) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [map[k] ?? k, rename(x, map)])) as T;
  return v;
}

function randomNode(r: () => number, i: number): NodeState {
  const names = ['node-a', 'veth1', 'veth2', 'veth3', 'cbr0', 'eth0', 'lo', 'web-1', 'web-2', 'web-3', 'default', '10.64.0.10', 'Running'];
  const map = Object.fromEntries(names.map((n) => [n, `${randomString(r)}${n === 'node-a' ? i : ''}`]));
  const base = rename(bridgeNode('node-a', { kube: true }), map);
  const n: NodeState = {
    ...base,
    lastError: randomString(r, 60),
    model: { ...base.model, facts: { ...base.model.facts, value: { kernel: randomString(r), os: randomString(r), sysctl: {} } } },
    ...(r() < 0.3 ? { status: { kind: 'failed' as const, since: NOW, reason: randomString(r, 40) } } : {}),
  };
  if (n.kube && r() < 0.3) n.kube = { ...n.kube, status: { kind: 'forbidden', message: randomString(r) } };
  const extra = [{ severity: 'crit' as const, code: randomString(r, 8), subject: map.veth1, message: randomString(r, 50), remedy: randomString(r, 50) }];
  return { ...n, problems: [...extra, ...evaluate(n)] };
}

function expectLines(lines: readonly (readonly Seg[])[], width: number, what: string) {
  for (const l of lines) {
    const out = renderLine(l, width);
    const text = expectClean(out || ' ', what);
    // columns as a terminal draws them (string-width, Ink's own measure): never wider than the terminal
    expect(stringWidth(text), `${what}: ${JSON.stringify(text)}`).toBeLessThanOrEqual(width);
  }
}

describe('random outside strings through every view and the renderer', () => {
  it('overview, node detail panes, help, capture prompt, processes and the kill dialog; 200 rounds', () => {
    setColor(true);
    const r = rng(0x5eed);
    let lines = 0;
    for (let round = 0; round < 200; round++) {
      const width = [40, 80, 120, 200][round % 4]!;
      const rows = 30;
      const nodes = [randomNode(r, 1), randomNode(r, 2)];
      const st = appState(nodes, { kube: { kind: 'ok' } });
      const ui: UiState = { ...initialUi, filters: { overview: round % 5 === 0 ? randomString(r, 4) : '' } };
      const size = { columns: width, rows };
      const ov = viewModel(st, ui, size, NOW);
      const podsFailing = nodes.flatMap((n) => (n.kube && n.kube.status.kind !== 'ok' ? [{ node: n.name, status: n.kube.status }] : []));
      // marks as a viewer or a recording may bring them (not through this store's addMark)
      const marks = [{ at: NOW, note: randomString(r, 80), by: randomString(r, 8), id: 'm1' }];
      const head = headerSegs({ nodes: 2, interval: 1, kube: st.kube, readonly: false, ticks: 1, now: NOW, width, crumb: randomString(r), podsFailing, mark: marks[0] });
      const all: Seg[][] = [head];
      if (ov.kind === 'overview') all.push(...overviewLines({ rows: ov.rows, total: ov.total, list: ov.list, page: ov.page, width, now: NOW, filter: ov.filter, editing: false, hint: 'h', status: round % 2 ? markPromptSegs(randomString(r, 80), width) : undefined }));
      for (const pane of ['interfaces', 'pods', 'checks'] as const) {
        const vm = viewModel(st, { ...ui, route: { kind: 'detail', node: nodes[0]!.name, pane } }, size, NOW);
        if (vm.kind !== 'detail') throw new Error('not a detail view');
        all.push(...detailLines({ name: vm.name, node: vm.node, pane, rows: vm.rows, total: vm.total, list: vm.list, page: vm.page, width, now: NOW, interval: 1, filter: randomString(r, 6), editing: true, hint: 'h' }));
      }
      all.push(...helpLines({ view: 'detail', readonly: false, width, rows, offset: 0, logPath: randomString(r), marks }));
      const target = { kind: 'interface' as const, node: nodes[0]!.name, iface: randomString(r) };
      all.push(
        ...promptLines({
          title: randomString(r, 40),
          where: [randomString(r, 40)],
          exclusion: randomString(r, 40),
          defaultSnaplen: 128,
          prompt: { ...captureRoute(target, { kind: 'overview' }), filter: randomString(r), error: `${randomString(r)}\n${randomString(r)}` },
          width,
          height: rows,
          start: () => {
            throw new Error('not started');
          },
          onRejected: () => {},
          onClose: () => {},
        }),
      );
      // processes: random argv, comm and cgroup through the real collector parser
      const ps = procs.map((p) =>
        r() < 0.5
          ? { ...p, args: [randomString(r), randomString(r)].map((a) => a.replace(/\0/g, '')), comm: randomString(r, 12).replace(/[()\n\0]/g, ''), cgroup: `${p.cgroup ?? ''}${randomString(r, 6).replace(/[\n\0]/g, '')}` }
          : p,
      );
      const view = processViewFromOutput(randomString(r, 10), nodeOutput({ procs: ps, listens }), undefined);
      const rowsP = buildRows(view);
      all.push(...rowsP.map((x): Seg[] => [{ text: x.text }]));
      const proc = view.namespaces.flatMap((n) => n.processes)[0];
      if (proc) {
        const t = { node: view.node, pod: randomString(r), pid: proc.pid, startTicks: proc.startTicks, command: randomString(r, 60), containerId: randomString(r), ports: [randomString(r, 6)] };
        const dlg = killDialogLines(t, width, 5000, 'y confirm · n cancel');
        // the dialog's frame stays closed (as netwatch measures: code point by code point)
        const shown = dlg.map((l) => renderLine(l, width).replace(/\u001b\[[0-9;]*m/g, ''));
        for (const l of shown) expect(cols(l), l).toBe(cols(shown[0]!));
        all.push(...dlg);
      }
      expectLines(all, width, `round ${round} at ${width}`);
      // the --once text report: one line per node plus collector errors, nothing raw
      expectClean(textReport(st), `text report, round ${round}`);
      // the Markdown summary: nothing raw, and every table row keeps its three cells (no unescaped | from outside)
      const md = expectClean(markdownReport({ ...st, marks }, NOW), `markdown, round ${round}`);
      for (const row of md.split('\n').filter((l) => l.startsWith('| '))) expect(row.replace(/\\./g, '').split('|'), row).toHaveLength(5);
      lines += all.length;
    }
    setColor(false);
    console.log(`[figure] ${lines} random lines rendered clean`);
    expect(lines).toBeGreaterThan(5000);
  });
});
