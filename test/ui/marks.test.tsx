/**
 * `m` and `y` in the live view, driven as a person does: `m`, a note typed and pasted (a paste
 * holding enter, q and j stays text), enter; the mark is in the store (through the onMark prop,
 * as main.ts wires it) and on the screen; esc cancels. `y` writes the screen's nodes as Markdown
 * to a file and the same text as OSC 52 on the terminal's stream (tmux: also passthrough-wrapped),
 * cut when too long. Hostile node names and notes reach neither the frame nor the file raw.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { osc52, yanker } from '../../src/cli/yank.js';
import { createAppStore } from '../../src/state/store.js';
import type { NodeState } from '../../src/state/types.js';
import { App } from '../../src/ui/App.js';
import { fmtClock } from '../../src/ui/format.js';
import type { YankRequest, YankResult } from '../../src/ui/types.js';
import { bridgeNode, NOW } from './fixtures.js';
import { expectClean, HOSTILE as H } from './hostile.js';
import { KEY, renderSized } from './render.js';

afterEach(() => cleanup());
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const PASTE = (s: string) => `\u001b[200~${s}\u001b[201~`;
const veth2Mtu = { severity: 'warn' as const, code: 'veth-mtu', subject: 'veth2', message: 'veth2 MTU 1500 ≠ cbr0 1460', remedy: 'set the pod MTU to 1460' };
const HOSTILE_NAME = `evil|${H.osc}\`x\``;

/** the store main.ts builds (its addMark), with nodes as the monitor leaves them */
function store(nodes: NodeState[] = ['node1', 'node2', 'node3', 'node22'].map((n) => bridgeNode(n, { kube: true, problems: n === 'node2' ? [veth2Mtu] : [] }))) {
  const s = createAppStore({ now: () => NOW });
  s.setState({ order: nodes.map((n) => n.name), nodes: Object.fromEntries(nodes.map((n) => [n.name, n])) });
  return s;
}

/** the OSC 52 sequences among what was written to the terminal, decoded */
function clipboards(writes: readonly string[]): string[] {
  return writes.flatMap((w) => [...w.matchAll(/\u001b\]52;c;([A-Za-z0-9+/=]*)\u0007/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8')));
}

/** the shell wired as main.ts wires it: onMark to the store, onYank to a yanker writing to the test terminal */
async function shell(o: { nodes?: NodeState[]; tmux?: boolean; maxBytes?: number; onMark?: boolean } = {}) {
  const s = store(o.nodes);
  const dir = mkdtempSync(join(tmpdir(), 'nw-yank-'));
  dirs.push(dir);
  const term: { write: (x: string) => unknown } = { write: () => undefined };
  const onYank = yanker({ getState: s.getState, dir, write: (x) => term.write(x), tmux: !!o.tmux, now: () => NOW, maxBytes: o.maxBytes });
  const results: YankResult[] = [];
  const yank = (req: YankRequest) => {
    const r = onYank(req);
    results.push(r);
    return r;
  };
  const onMark = o.onMark === false ? undefined : (note: string) => void s.getState().addMark(note, 'alice');
  const ui = await renderSized(<App store={s} now={() => NOW} onMark={onMark} onYank={yank} />, 140, 30);
  term.write = (x) => ui.stdout.write(x);
  const written = () => (ui.stdout as unknown as { frames: string[] }).frames;
  return { s, ui, dir, results, written };
}

describe('m: a mark with a note', () => {
  it('typed and pasted, enter adds it: in the store, in the header, in the help', async () => {
    const { s, ui } = await shell();
    await ui.press('m');
    expect(ui.frame().split('\n').at(-1)).toMatch(/^nodes 1–4 of 4 {2}mark: █ enter adds · esc cancels/);
    // typed fast (one write) and pasted: q, j, ? and the paste's line break stay text
    await ui.press('restarted ');
    expect(ui.frame()).toContain('mark: restarted █'); // the space typed shows before the next word
    await ui.press(PASTE('kube-proxy on\r\nnode3 q?j'));
    expect(ui.frame()).toContain('mark: restarted kube-proxy on node3 q?j█');
    expect(s.getState().marks).toEqual([]);
    await ui.press(KEY.enter);
    expect(s.getState().marks).toEqual([{ at: NOW, note: 'restarted kube-proxy on node3 q?j', by: 'alice', id: expect.any(String) }]);
    const f = ui.frame();
    expect(f.split('\n')[0]).toContain(`mark ${fmtClock(NOW)} restarted kube-proxy on node3 q?j (alice)`);
    expect(f.split('\n').at(-1)).toMatch(/m mark/); // the footer's hints are back
    expect(f).toContain('> node1'); // the j in the note moved nothing
    await ui.press('?');
    const help = ui.frame();
    expect(help).toContain('mark the moment with a short note');
    expect(help).toContain('Marks (m adds one)');
    expect(help).toContain(`mark ${fmtClock(NOW)} restarted kube-proxy on node3 q?j (alice)`);
  });

  it('esc cancels; backspace and ctrl-u edit; in the node detail too; a hostile paste is cleaned', async () => {
    const { s, ui } = await shell();
    await ui.press('mabc');
    await ui.press(KEY.esc);
    expect(ui.frame()).not.toContain('mark:');
    expect(s.getState().marks).toEqual([]);
    expect(ui.frame()).toContain('> node1'); // esc did not leave anything either
    await ui.press('\r'); // open node1
    expect(ui.frame()).toContain('node1 › interfaces');
    await ui.press('mxyz\u007f\u0015');
    expect(ui.frame()).toContain('mark: █');
    await ui.press(PASTE(`ok ${H.osc}${H.clear} ${H.bidi}\nnext`));
    const typing = expectClean(ui.frame(), 'the prompt with a hostile paste');
    // the input layer drops a paste's controls; what is left of a bidi override shows as an escape
    expect(typing).toContain('mark: ok ]0;pwned[2J ab\\u202ecd next█');
    await ui.press('\r');
    expect(s.getState().marks.map((m) => m.note)).toEqual(['ok ]0;pwned[2J abcd next']);
    const f = expectClean(ui.frame(), 'the header with the mark');
    expect(f.split('\n')[0]).toContain('node1 › interfaces · mark');
    expect(f).toContain('node1 › interfaces'); // still in the detail
  });

  it('without onMark (nothing to send it to) m says so', async () => {
    const { s, ui } = await shell({ onMark: false });
    await ui.press('m');
    expect(ui.frame()).toContain('marks are not available here');
    await ui.press('abc\r');
    expect(s.getState().marks).toEqual([]);
  });
});

describe('y: the screen as Markdown, to a file and the clipboard (OSC 52)', () => {
  it('the overview after its filter: the file and the clipboard hold the same summary, the status line says where', async () => {
    const { ui, dir, results, written } = await shell();
    await ui.press('/node2\r');
    await ui.press('y');
    expect(results).toHaveLength(1);
    const path = results[0]!.path!;
    expect(readdirSync(dir)).toEqual(['netwatch-20250115-103000.md']);
    expect(path).toBe(join(dir, 'netwatch-20250115-103000.md'));
    const md = readFileSync(path, 'utf8');
    expect(md.split('\n')[0]).toMatch(/^\*\*netwatch · 2 of 4 nodes, filter \/node2\*\* · 2025-01-15 10:30:00 UTC · 2 nodes, 1 with problems \(0 crit, 1 warn\)$/);
    expect(md.split('\n').filter((l) => l.startsWith('| ')).map((l) => l.split(' | ')[0])).toEqual(['| node', '| node2', '| node22']);
    expect(md).toContain('- **warn** veth-mtu (veth2): veth2 MTU 1500 ≠ cbr0 1460\n  - remedy: set the pod MTU to 1460');
    // the OSC 52 went to the terminal's stream, whole, and the next frame is a whole frame again
    expect(clipboards(written())).toEqual([md]);
    expect(written().some((w) => w.startsWith('\u001b]52;c;') && w.endsWith('\u0007'))).toBe(true);
    const f = ui.frame();
    expect(f.split('\n')[0]).toMatch(/^netwatch 4 nodes/);
    expect(f.split('\n').at(-1)).toContain(`copied 2 nodes as Markdown (${(Buffer.byteLength(md) / 1000).toFixed(1)} kB) to the clipboard (OSC 52) · saved ${path}`);
    // a second y: a new file, the first one kept
    await ui.press('y');
    expect(readdirSync(dir).sort()).toEqual(['netwatch-20250115-103000-2.md', 'netwatch-20250115-103000.md']);
  });

  it('the node detail: that node; inside tmux the sequence is also wrapped for passthrough', async () => {
    const { ui, results, written } = await shell({ tmux: true });
    await ui.press('jj\r');
    expect(ui.frame()).toContain('node3 › interfaces');
    await ui.press('y');
    const md = readFileSync(results[0]!.path!, 'utf8');
    expect(md.split('\n')[0]).toMatch(/^\*\*netwatch · node node3\*\* · .* · 1 node, 0 with problems/);
    expect(md.split('\n').filter((l) => l.startsWith('| ')).length).toBe(2);
    const seq = written().find((w) => w.includes('52;c;'))!;
    const b64 = Buffer.from(md).toString('base64');
    expect(seq).toBe(`\u001b]52;c;${b64}\u0007\u001bPtmux;\u001b\u001b]52;c;${b64}\u0007\u001b\\`);
    expect(ui.frame()).toContain('copied node node3 as Markdown');
  });

  it('too long for OSC 52: the clipboard gets a cut summary that says so, the file all of it', async () => {
    const many = Array.from({ length: 40 }, (_, i) => bridgeNode(`node-${String(i).padStart(2, '0')}`, { problems: [veth2Mtu] }));
    const { ui, results, written } = await shell({ nodes: many, maxBytes: 2000 });
    await ui.press('y');
    const md = readFileSync(results[0]!.path!, 'utf8');
    expect(md.split('\n').filter((l) => l.startsWith('| node-'))).toHaveLength(40);
    const [clip] = clipboards(written());
    expect(Buffer.from(clip!).toString('base64').length).toBeLessThanOrEqual(2000);
    expect(md.startsWith(clip!.split('\n\n… cut here')[0]!)).toBe(true);
    expect(clip).toMatch(new RegExp(`\\n\\n… cut here for the clipboard; all of it is in ${results[0]!.path!.replace(/[.]/g, '\\.')}$`));
    expect(ui.frame()).toContain('(OSC 52, cut: too long)');
  });

  it('hostile node names: the frame stays clean, the file has them escaped, one cell each', async () => {
    const { ui, results } = await shell({ nodes: [bridgeNode(HOSTILE_NAME, { problems: [{ ...veth2Mtu, message: `bad ${H.clear}|x` }] }), bridgeNode('node2')] });
    expectClean(ui.frame(), 'overview');
    await ui.press('y');
    expectClean(ui.frame(), 'after y');
    const md = readFileSync(results[0]!.path!, 'utf8');
    expectClean(md, 'the file');
    expect(md).toContain('| evil\\|\\\\x1b\\]0;pwned\\\\x07\\`x\\` | live | **warn** bad \\\\x1b\\[2J\\|x |');
  });

  it('osc52 alone: plain outside tmux, both forms inside, a line cut on a character boundary', () => {
    expect(osc52('hé')).toEqual({ seq: `\u001b]52;c;${Buffer.from('hé').toString('base64')}\u0007`, text: 'hé', cut: false });
    const long = osc52('é'.repeat(100), { maxBytes: 80, note: 'cut' });
    expect(long.cut).toBe(true);
    expect(long.text).toMatch(/^é+\n\n… cut$/);
    expect(Buffer.from(long.text).toString('base64').length).toBeLessThanOrEqual(80);
  });
});
