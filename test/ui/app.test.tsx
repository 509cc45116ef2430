import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { Text } from 'ink';
import { useCapturePrompt } from '../../src/ui/capture/prompt.js';
import { useViewKeys } from '../../src/ui/input/useKeys.js';
import { App } from '../../src/ui/App.js';
import { BINDINGS, bindingLabel } from '../../src/ui/keys.js';
import type { CaptureTarget } from '../../src/ui/types.js';
import type { PodInfo } from '../../src/sources/types.js';
import { bridgeNode, NOW, testStore, wait } from './fixtures.js';
import { KEY, renderSized } from './render.js';

afterEach(() => cleanup());

const veth2Mtu = { severity: 'warn' as const, code: 'veth-mtu', subject: 'veth2', message: 'veth2 MTU 1500 ≠ cbr0 1460', remedy: 'set the pod MTU to 1460' };

function cluster() {
  return testStore(
    [
      bridgeNode('node-a', { kube: true, problems: [veth2Mtu] }),
      bridgeNode('node-b', { status: { kind: 'reconnecting', since: NOW, attempt: 3, nextAttemptAt: NOW + 4000, reason: 'connect ECONNREFUSED' }, count: 250_000 }),
      bridgeNode('node-c', { status: { kind: 'failed', since: NOW, reason: 'authentication failed' } }),
      bridgeNode('node-d', { status: { kind: 'stale', since: NOW, ageMs: 12_000, reason: 'node slow to answer' } }),
      bridgeNode('node-e', { status: { kind: 'connecting', since: NOW } }),
    ],
    { kube: { kind: 'ok' } },
  );
}

const rowOf = (frame: string, name: string) => frame.split('\n').find((l) => l.includes(name)) ?? '';
const selectedRow = (frame: string) => frame.split('\n').find((l) => l.startsWith('> ')) ?? '';

describe('overview', () => {
  it('shows one row per node with values from the store', async () => {
    const ui = await renderSized(<App store={cluster()} now={() => NOW} />, 160, 30);
    const f = ui.frame();
    expect(f).toContain('netwatch 5 nodes · every 1s · kube ok');
    const a = rowOf(f, 'node-a');
    expect(a).toContain('live');
    expect(a).toContain('1.23k/262k 0.5%');
    expect(a).toMatch(/ 1\.5 /); // drops/s: cbr0 1.5
    expect(a).toContain('2.4M'); // eth0 rx
    expect(a).toContain('veth2 MTU 1500 ≠ cbr0 1460');
    expect(rowOf(f, 'node-b')).toContain('250k/262k 95%');
    expect(f).toContain('nodes 1–5 of 5');
  });

  it('shows stale, reconnecting, failed and connecting nodes', async () => {
    const ui = await renderSized(<App store={cluster()} now={() => NOW} />, 160, 30);
    const f = ui.frame();
    expect(rowOf(f, 'node-b')).toContain('reconnecting in 4s (attempt 3)');
    expect(rowOf(f, 'node-c')).toContain('failed: authentication failed');
    expect(rowOf(f, 'node-d')).toContain('stale 12s');
    expect(rowOf(f, 'node-e')).toContain('connecting');
    // narrow terminals get the short form
    await ui.resize(80, 24);
    expect(rowOf(ui.frame(), 'node-b')).toContain('retry 4s #3');
  });

  it('moves the selection with j/k and the arrows, g/G to the ends', async () => {
    const ui = await renderSized(<App store={cluster()} now={() => NOW} />);
    expect(selectedRow(ui.frame())).toContain('node-a');
    await ui.press('j');
    expect(selectedRow(ui.frame())).toContain('node-b');
    await ui.press(KEY.down);
    expect(selectedRow(ui.frame())).toContain('node-c');
    await ui.press(KEY.up);
    await ui.press('k');
    expect(selectedRow(ui.frame())).toContain('node-a');
    await ui.press('G');
    expect(selectedRow(ui.frame())).toContain('node-e');
    await ui.press('g');
    expect(selectedRow(ui.frame())).toContain('node-a');
  });

  it('renders once per store update, and the selection stays on its node when a node above leaves', async () => {
    const store = cluster();
    const ui = await renderSized(<App store={store} now={() => NOW} />);
    await ui.press('j');
    await ui.press('j');
    expect(selectedRow(ui.frame())).toContain('node-c');
    const before = ui.frames.length;
    const { ['node-a']: _gone, ...nodes } = store.getState().nodes;
    store.setState({ order: store.getState().order.filter((n) => n !== 'node-a'), nodes, ticks: 8 });
    await wait();
    expect(ui.frames.length - before).toBe(1);
    expect(ui.frame()).not.toContain('node-a');
    expect(selectedRow(ui.frame())).toContain('node-c');
  });

  it('filters with /: typing narrows, enter keeps it, esc clears it', async () => {
    const ui = await renderSized(<App store={cluster()} now={() => NOW} />);
    await ui.press('/');
    await ui.press('fail');
    let f = ui.frame();
    expect(f).toContain('node-c');
    expect(f).not.toContain('node-a');
    expect(f).toContain('/fail');
    await ui.press(KEY.enter);
    f = ui.frame();
    expect(f).toContain('nodes 1–1 of 1 (5 unfiltered)');
    // keys act on the list again, the filter stays
    await ui.press('j');
    expect(ui.frame()).not.toContain('node-a');
    await ui.press(KEY.esc);
    f = ui.frame();
    expect(f).toContain('node-a');
    expect(f).toContain('nodes 1–5 of 5');
  });

  it('pages a long list so the frame stays shorter than the terminal', async () => {
    const nodes = Array.from({ length: 60 }, (_, i) => bridgeNode(`n${String(i).padStart(2, '0')}`));
    const ui = await renderSized(<App store={testStore(nodes)} now={() => NOW} />, 100, 24);
    let lines = ui.frame().split('\n');
    expect(lines.length).toBeLessThan(24);
    expect(ui.frame()).toContain('nodes 1–20 of 60');
    await ui.press(KEY.pageDown);
    expect(ui.frame()).toContain('nodes 21–40 of 60');
    expect(selectedRow(ui.frame())).toContain('n20');
    await ui.press('G');
    lines = ui.frame().split('\n');
    expect(ui.frame()).toContain('nodes 41–60 of 60');
    expect(selectedRow(ui.frame())).toContain('n59');
  });
});

describe('node detail', () => {
  it('enter opens the interfaces, primary NIC first, bridges, then veths; esc goes back', async () => {
    const ui = await renderSized(<App store={cluster()} now={() => NOW} />, 120, 30);
    await ui.press(KEY.enter);
    const f = ui.frame();
    expect(f).toContain('[interfaces 6]');
    const names = f
      .split('\n')
      .map((l) => /^[> ] (\S+)\s+(device|bridge|veth|loopback)/.exec(l)?.[1])
      .filter(Boolean);
    expect(names).toEqual(['eth0', 'cbr0', 'veth1', 'veth2', 'veth3', 'lo']);
    const veth2 = rowOf(f, 'veth2 ');
    expect(veth2).toMatch(/veth\s+cbr0\s+1500 up/);
    expect(veth2).toContain('hairpin');
    expect(rowOf(f, 'cbr0 ')).toContain('PROMISC');
    expect(f).toContain('conntrack 1.23k/262k 0.5%');
    expect(f).toContain('SYN_SENT 3');
    expect(f).toContain('table full: none since start');
    expect(f).toContain('6.1.0-18-amd64');
    await ui.press(KEY.esc);
    expect(ui.frame()).toContain('nodes 1–5 of 5');
  });

  it('p shows the pods with their veth and how it was mapped; tab cycles to the checks', async () => {
    const ui = await renderSized(<App store={cluster()} now={() => NOW} />, 140, 30);
    await ui.press('p');
    let f = ui.frame();
    expect(f).toContain('[pods 3]');
    expect(rowOf(f, 'default/web-1')).toMatch(/10\.64\.0\.10\s+veth1\s+1460 up/);
    expect(rowOf(f, 'default/web-1')).toContain('neigh+fdb');
    expect(rowOf(f, 'default/web-3')).toContain('netns');
    // the veth's problem flags its pod
    expect(rowOf(f, 'default/web-2')).toContain('veth2 MTU 1500 ≠ cbr0 1460');
    await ui.press(KEY.tab);
    f = ui.frame();
    expect(f).toContain('[checks 1]');
    expect(f).toContain('WARN veth-mtu');
    expect(f).toContain('→ set the pod MTU to 1460');
    await ui.press(KEY.shiftTab);
    expect(ui.frame()).toContain('[pods 3]');
  });
});

describe('node detail summary', () => {
  it('the TCP and conntrack lines are never cut for the charts (160 and 100 columns); charts take what is left', async () => {
    for (const [cols, charts] of [[160, 2], [100, 1]] as const) {
      const ui = await renderSized(<App store={cluster()} now={() => NOW} />, cols, 30);
      await ui.press(KEY.enter);
      const lines = ui.frame().split('\n');
      const tcp = lines.find((l) => l.startsWith('tcp '))!;
      expect(tcp).toMatch(/TIME_WAIT 120 ESTAB 5( |$)/);
      expect(lines.find((l) => l.startsWith('conntrack '))).toMatch(/insert_failed \S+\/s/);
      expect(lines.filter((l) => l.includes('ct% 0–') || l.includes('drops/s 0–')).flatMap((l) => l.match(/ct% 0–|drops\/s 0–/g)).length).toBe(charts);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(cols);
      ui.unmount();
    }
  });
});

describe('help', () => {
  it('? shows the bindings from the key table, ? again closes it', async () => {
    const ui = await renderSized(<App store={cluster()} now={() => NOW} />, 100, 30);
    await ui.press('?');
    const f = ui.frame();
    for (const command of ['filter', 'quit', 'processes'] as const) {
      const b = BINDINGS.find((x) => x.command === command)!;
      expect(f).toContain(bindingLabel(b));
      expect(f).toContain(b.help);
    }
    expect(f).toContain('q ctrl-c');
    await ui.press('?');
    expect(ui.frame()).toContain('nodes 1–5 of 5');
  });
});

describe('capture and process views', () => {
  it('c on a node, an interface and a pod calls onCapture with that target', async () => {
    const onCapture = vi.fn<(t: CaptureTarget) => void>();
    const ui = await renderSized(<App store={cluster()} now={() => NOW} onCapture={onCapture} />);
    await ui.press('c');
    expect(onCapture).toHaveBeenLastCalledWith({ kind: 'node', node: 'node-a', iface: 'eth0' });
    await ui.press(KEY.enter);
    await ui.press('j');
    await ui.press('c');
    expect(onCapture).toHaveBeenLastCalledWith({ kind: 'interface', node: 'node-a', iface: 'cbr0' });
    await ui.press('p');
    await ui.press('j');
    await ui.press('c');
    const t = onCapture.mock.lastCall![0];
    expect(t).toMatchObject({ kind: 'pod', node: 'node-a', iface: 'veth2' });
    expect(t.pod?.name).toBe('web-2');
  });

  it('C captures on every node the overview shows, after the filter', async () => {
    const onCapture = vi.fn<(t: CaptureTarget) => void>();
    const ui = await renderSized(<App store={cluster()} now={() => NOW} onCapture={onCapture} />);
    await ui.press('C');
    const all = onCapture.mock.lastCall![0];
    expect(all.kind).toBe('all');
    expect(all.nodes!.length).toBeGreaterThan(1);
    expect(all.nodes).toContain('node-a');
    expect(all.nodes).toContain('node-b');
    await ui.press('/');
    for (const ch of 'node-b') await ui.press(ch);
    await ui.press(KEY.enter);
    await ui.press('C');
    expect(onCapture.mock.lastCall![0].nodes).toEqual(['node-b']);
  });

  it('s calls onProcesses with the node, and with the pod in the pods pane', async () => {
    const onProcesses = vi.fn<(node: string, pod?: PodInfo) => void>();
    const ui = await renderSized(<App store={cluster()} now={() => NOW} onProcesses={onProcesses} />);
    await ui.press('j');
    await ui.press('s');
    expect(onProcesses).toHaveBeenLastCalledWith('node-b', undefined);
    await ui.press('k');
    await ui.press('p');
    await ui.press('s');
    expect(onProcesses.mock.lastCall![0]).toBe('node-a');
    expect(onProcesses.mock.lastCall![1]?.name).toBe('web-1');
  });

  it('shows the plugged-in view full-screen with the prompt the shell keeps, and returns on close', async () => {
    let close: (() => void) | undefined;
    const renderCapture = (t: CaptureTarget, onClose: () => void) => {
      close = onClose;
      return <CaptureSlot target={t} />;
    };
    const ui = await renderSized(<App store={cluster()} now={() => NOW} renderCapture={renderCapture} />);
    await ui.press('c');
    expect(ui.frame()).toBe('CAPTURE VIEW node-a:eth0 prompt []');
    // typed keys are the prompt's text, not shell commands
    await ui.press('j');
    await ui.press('q');
    expect(ui.frame()).toBe('CAPTURE VIEW node-a:eth0 prompt [jq]');
    close!();
    await wait();
    expect(selectedRow(ui.frame())).toContain('node-a');
  });
});

function CaptureSlot({ target }: { target: CaptureTarget }) {
  const p = useCapturePrompt()!;
  return <Text>{`CAPTURE VIEW ${target.node}:${target.iface} ${p.route.phase} [${p.route.filter}]`}</Text>;
}

describe('keys while typing a filter', () => {
  it('q, j and ? are text in the filter, not commands', async () => {
    const onQuit = vi.fn();
    const ui = await renderSized(<App store={cluster()} now={() => NOW} onQuit={onQuit} />);
    await ui.press('/');
    await ui.press('q');
    await ui.press('j');
    await ui.press('?');
    expect(onQuit).not.toHaveBeenCalled();
    expect(ui.frame()).toContain('/qj?');
    await ui.press(KEY.backspace);
    expect(ui.frame()).toContain('/qj█');
  });
});

describe('quit', () => {
  it('q and ctrl-c call onQuit', async () => {
    const onQuit = vi.fn();
    const a = await renderSized(<App store={cluster()} now={() => NOW} onQuit={onQuit} />);
    await a.press('q');
    expect(onQuit).toHaveBeenCalledTimes(1);
    const b = await renderSized(<App store={cluster()} now={() => NOW} onQuit={onQuit} />);
    await b.press(KEY.ctrlC);
    expect(onQuit).toHaveBeenCalledTimes(2);
  });
});

describe('process view slot', () => {
  it('s shows the process view for the selected pod until it closes itself', async () => {
    const renderProcesses = (node: string, p: PodInfo | undefined, onClose: () => void) => <ProcView node={node} pod={p} onClose={onClose} />;
    const ui = await renderSized(<App store={cluster()} now={() => NOW} renderProcesses={renderProcesses} />);
    await ui.press('p');
    await ui.press('j');
    await ui.press('s');
    expect(ui.frame()).toBe('PROCESSES node-a default/web-2');
    // the view handles its own esc
    await ui.press(KEY.esc);
    expect(ui.frame()).toContain('[pods 3]');
    expect(selectedRow(ui.frame())).toContain('default/web-2');
  });
});

function ProcView({ node, pod, onClose }: { node: string; pod?: PodInfo; onClose: () => void }) {
  useViewKeys('processes', (cmd) => {
    if (cmd === 'close') onClose();
  });
  return <Text>{`PROCESSES ${node} ${pod ? `${pod.namespace}/${pod.name}` : '-'}`}</Text>;
}

describe('80×24', () => {
  it('no line is wider than 80 columns and the frame is shorter than 24 lines, on every screen', async () => {
    const nodes = Array.from({ length: 40 }, (_, i) =>
      bridgeNode(`gke-pool-a-very-long-node-name-${i}`, { kube: true, veths: 30, problems: [veth2Mtu] }),
    );
    const ui = await renderSized(<App store={testStore(nodes, { kube: { kind: 'ok' }, readonly: true })} now={() => NOW} />, 80, 24);
    const check = () => {
      const lines = ui.frame().split('\n');
      expect(lines.length).toBeLessThan(24);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    };
    check();
    expect(ui.frame()).toContain('READ-ONLY');
    await ui.press(KEY.enter);
    check();
    await ui.press(KEY.tab);
    check();
    await ui.press(KEY.tab);
    check();
    await ui.press('?');
    check();
  });
});
