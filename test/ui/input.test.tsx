/**
 * Keys as a person types them: whole strings in one write (a paste, fast typing over a laggy
 * link), the capture prompt fed in the same write as the `c` that opens it, `?` in every view.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup } from 'ink-testing-library';
import type { CaptureSource } from '../../src/sources/capture/source.js';
import type { PodInfo } from '../../src/sources/types.js';
import { App } from '../../src/ui/App.js';
import { CaptureScreen } from '../../src/ui/capture/CaptureScreen.js';
import { useCapturePrompt } from '../../src/ui/capture/prompt.js';
import { BINDINGS, HELP_SCOPES, keyLabel, type ViewId } from '../../src/ui/keys.js';
import { ProcessesView } from '../../src/ui/processes/ProcessesView.js';
import type { CaptureTarget } from '../../src/ui/types.js';
import { ReplaySource } from '../capture/replay.js';
import { apiPods, view } from '../processes/crashloop.js';
import { bridgeNode, NOW, testStore, wait } from './fixtures.js';
import { KEY, renderSized } from './render.js';

afterEach(() => cleanup());

const PASTE = (s: string) => `\u001b[200~${s}\u001b[201~`;
const selectedRow = (frame: string) => frame.split('\n').find((l) => l.startsWith('> ')) ?? '';
const names = ['node1', 'node2', 'node3', 'node4', 'node5', 'node22'];
const store = () => testStore(names.map((n) => bridgeNode(n, { kube: true })), { kube: { kind: 'ok' } });

/** the shell with a capture screen on a replayed capture (records each start) and a process view */
function shell(starts: { filter: string; snaplen: number }[] = [], readonly = false, fail?: string) {
  const sources: ReplaySource[] = [];
  const renderCapture = (t: CaptureTarget, onClose: () => void) => <Capture target={t} onClose={onClose} starts={starts} sources={sources} fail={fail} />;
  const renderProcesses = (_node: string, _pod: PodInfo | undefined, onClose: () => void) => (
    <ProcessesView view={view({}, apiPods())} readOnly={readonly} onKill={vi.fn()} onClose={onClose} width={100} height={30} />
  );
  return { sources, el: <App store={store()} now={() => NOW} readonly={readonly} renderCapture={renderCapture} renderProcesses={renderProcesses} /> };
}

function Capture(props: { target: CaptureTarget; onClose: () => void; starts: { filter: string; snaplen: number }[]; sources: ReplaySource[]; fail?: string }) {
  const p = useCapturePrompt()!;
  return (
    <CaptureScreen
      title={`${props.target.iface} on ${props.target.node}`}
      where={[`node ${props.target.node}, interface ${props.target.iface}`]}
      exclusion="netwatch's own SSH connection to the node is left out of the capture"
      defaultSnaplen={128}
      prompt={p.route}
      onRejected={p.onRejected}
      width={100}
      height={30}
      refreshMs={1}
      onClose={props.onClose}
      start={(spec): CaptureSource => {
        props.starts.push(spec);
        if (props.fail) throw new Error(props.fail);
        const s = new ReplaySource('en10mb-mixed');
        props.sources.push(s);
        return s;
      }}
    />
  );
}

describe('text in one write', () => {
  it('kk moves twice, jj too', async () => {
    const ui = await renderSized(shell().el, 120, 30);
    await ui.press('jjj');
    expect(selectedRow(ui.frame())).toContain('node4');
    await ui.press('kk');
    expect(selectedRow(ui.frame())).toContain('node2');
  });

  it('/node2 filters, also pasted; the keys after enter act on the filtered list', async () => {
    const ui = await renderSized(shell().el, 120, 30);
    await ui.press('/node2');
    let f = ui.frame();
    expect(f).toContain('/node2█');
    expect(f).toContain('nodes 1–2 of 2 (6 unfiltered)');
    await ui.press(KEY.esc);
    await ui.press(`/${PASTE('node22')}\rj\r`);
    f = ui.frame();
    expect(f).toContain('node22 › interfaces');
  });

  it('c + a filter + enter in one write start the capture with exactly that filter', async () => {
    const starts: { filter: string; snaplen: number }[] = [];
    const ui = await renderSized(shell(starts).el, 100, 30);
    await ui.press('ctcp port 8080\r');
    expect(starts).toEqual([{ filter: 'tcp port 8080', snaplen: 128 }]);
    expect(ui.frame()).toMatch(/^node-a:eth0 {2}capturing/);
  });

  it('a filter pasted into the capture prompt arrives whole; tab picks the snap length', async () => {
    const starts: { filter: string; snaplen: number }[] = [];
    const ui = await renderSized(shell(starts).el, 100, 30);
    await ui.press('c');
    let f = ui.frame();
    expect(f).toContain('node node1, interface eth0');
    expect(f).toContain('filter: everything (no filter)');
    expect(f).toContain("netwatch's own SSH connection to the node is left out of the capture");
    expect(f).toContain('snap length: 128 bytes');
    await ui.press(PASTE('host 10.0.0.1 and\r\ntcp port 443 q?'));
    await ui.press('\t\t\t');
    f = ui.frame();
    expect(f).toContain('filter: host 10.0.0.1 and tcp port 443 q?');
    expect(f).toContain('snap length: whole packet');
    await ui.press('\r');
    expect(starts).toEqual([{ filter: 'host 10.0.0.1 and tcp port 443 q?', snaplen: 0 }]);
  });

  it('a refused filter brings the prompt back with tcpdump’s message and the text to edit', async () => {
    const starts: { filter: string; snaplen: number }[] = [];
    const s = shell(starts);
    const ui = await renderSized(s.el, 100, 30);
    await ui.press('cport 80 and and\r');
    s.sources[0]!.setStatus({ kind: 'error', since: NOW, cause: 'rejected', message: 'tcpdump: syntax error' });
    await wait();
    expect(ui.frame()).toContain('> port 80 and and_');
    expect(ui.frame()).toContain('tcpdump: syntax error');
    await ui.press('\u007f\u007f\u007f\u007f\r');
    expect(starts.map((x) => x.filter)).toEqual(['port 80 and and', 'port 80 and']);
  });

  it('shows why a capture cannot start (node at its limit), in the prompt', async () => {
    const ui = await renderSized(shell([], false, 'node1 already runs 3 captures').el, 100, 30);
    await ui.press('c\r');
    expect(ui.frame()).toContain('node1 already runs 3 captures');
    expect(ui.frame()).toContain('> _');
  });

  it('keys right after the enter that starts the capture reach the capture view; esc closes it and the shell has one header', async () => {
    const s = shell();
    const ui = await renderSized(s.el, 100, 30);
    const raw = vi.spyOn(ui.stdin, 'setRawMode');
    await ui.press('c\r ');
    expect(ui.frame()).toContain('PAUSED');
    await ui.press(KEY.esc);
    const f = ui.frame();
    expect(s.sources[0]!.stops).toBe(1);
    expect(f.split('\n').filter((l) => l.startsWith('netwatch 6 nodes')).length).toBe(1);
    expect(f).not.toContain('^[');
    expect(f).not.toContain('\u001b');
    // raw mode is never dropped between views (a dropped raw mode lets the terminal echo "^[")
    expect(raw).not.toHaveBeenCalledWith(false);
  });

  it('q quits from the capture and process views, but is text in a prompt', async () => {
    const onQuit = vi.fn();
    const s = shell();
    const a = await renderSized(<App {...s.el.props} onQuit={onQuit} />, 100, 30);
    await a.press('cq');
    expect(onQuit).not.toHaveBeenCalled();
    await a.press('\r');
    await a.press('q');
    expect(onQuit).toHaveBeenCalledTimes(1);
    const b = await renderSized(<App {...s.el.props} onQuit={onQuit} />, 100, 30);
    await b.press('s');
    await b.press('q');
    expect(onQuit).toHaveBeenCalledTimes(2);
  });
});

/** every key label of the view's help scopes (the help draws "↑ k" etc.) */
function expectHelpOf(frame: string, v: ViewId) {
  expect(frame).toContain('? or esc closes');
  for (const scope of HELP_SCOPES[v]) {
    for (const b of BINDINGS.filter((x) => x.scope === scope)) {
      expect(frame, `${v}: ${b.help}`).toContain(b.help);
      for (const k of b.keys) expect(frame, `${v}: ${keyLabel(k)}`).toContain(keyLabel(k));
    }
  }
}

describe('? in every view', () => {
  it('overview, detail, capture prompt, running capture, processes: each lists its own keys; ? or esc closes', async () => {
    const ui = await renderSized(shell().el, 160, 60);
    await ui.press('?');
    expectHelpOf(ui.frame(), 'overview');
    expect(ui.frame()).not.toContain('pause / resume');
    await ui.press('?\r?');
    expectHelpOf(ui.frame(), 'detail');
    await ui.press(KEY.esc);
    await ui.press(KEY.esc);
    await ui.press('c?');
    expectHelpOf(ui.frame(), 'capturePrompt');
    await ui.press(KEY.esc);
    await ui.press('\r?');
    expectHelpOf(ui.frame(), 'capture');
    await ui.press(KEY.esc);
    expect(ui.frame()).toMatch(/^node-a:eth0 {2}capturing/);
    await ui.press(KEY.esc);
    await ui.press('s?');
    expectHelpOf(ui.frame(), 'processes');
    await ui.press(KEY.esc);
    expect(ui.frame()).toContain('Stale processes on n1');
  });

  it('read-only: the kill key is in the help as refused, out of the footer, and K is refused', async () => {
    const ui = await renderSized(shell([], true).el, 160, 60);
    await ui.press('s');
    expect(ui.frame()).not.toContain('K kill');
    await ui.press('K');
    expect(ui.frame()).toContain('read-only: kill refused');
    await ui.press('?');
    expect(ui.frame()).toContain('kill the selected process (asks first) (refused: read-only)');
  });

  it('at 60×20 the title (how to close it) stays on top and the rest scrolls', async () => {
    const ui = await renderSized(shell().el, 60, 20);
    let scrolled = 0;
    for (const keys of [['?'], [KEY.esc, '\r?'], [KEY.esc, KEY.esc, 'c?'], [KEY.esc, KEY.esc, KEY.esc, 's?']]) {
      for (const k of keys) await ui.press(k);
      let f = ui.frame();
      const lines = f.split('\n');
      expect(lines[0]).toMatch(/^netwatch keys: .* · \? or esc closes/);
      expect(lines.length).toBeLessThanOrEqual(20);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(60);
      const where = /lines 1–(\d+) of (\d+)/.exec(f);
      if (where) {
        scrolled++;
        // scroll to the end: the last lines show, the title stays
        for (let i = 0; i < 5; i++) await ui.press(KEY.pageDown);
        f = ui.frame();
        expect(f.split('\n')[0]).toMatch(/\? or esc closes/);
        expect(f).toMatch(new RegExp(`lines \\d+–${where[2]} of ${where[2]}`));
      }
    }
    // the overview's and the detail's help do not fit 20 rows
    expect(scrolled).toBeGreaterThanOrEqual(2);
  });
});
