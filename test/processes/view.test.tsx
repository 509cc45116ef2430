import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import type { KillResult, KillTarget } from '../../src/sources/processes/kill.js';
import { setColor } from '../../src/ui/ansi.js';
import { KeyRoot } from '../../src/ui/input/useKeys.js';
import { helpSections } from '../../src/ui/keys.js';
import { buildRows, initialPid, listenerText, selectable, windowRows } from '../../src/ui/processes/present.js';
import { processHint, ProcessesView } from '../../src/ui/processes/ProcessesView.js';
import { moveSelection } from '../../src/ui/processes/selection.js';
import { apiPods, OLD, UL, view } from './crashloop.js';

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));
// eslint-disable-next-line no-control-regex
const plain = (s: string | undefined) => (s ?? '').replace(/\u001b\[[0-9;]*m/g, '');
const ESC = '\u001B';
const DOWN = '\u001B[B';

const data = view({}, apiPods());

function setup(opts: { readOnly?: boolean; width?: number; height?: number; result?: KillResult } = {}) {
  const onKill = vi.fn(async (t: KillTarget): Promise<KillResult> => opts.result ?? { outcome: { kind: 'terminated' }, message: `process ${t.pid} on ${t.node} ended after SIGTERM` });
  const onClose = vi.fn();
  const r = render(
    <KeyRoot>
      <ProcessesView view={data} readOnly={opts.readOnly ?? false} onKill={onKill} onClose={onClose} width={opts.width ?? 120} height={opts.height ?? 40} />
    </KeyRoot>,
  );
  return { ...r, onKill, onClose, frame: () => plain(r.lastFrame()), press: async (s: string) => { r.stdin.write(s); await tick(); } };
}

beforeAll(() => setColor(false));
afterAll(() => setColor(true));

describe('ProcessesView', () => {
  it('lists every pod netns with its processes, owners, listeners, notes; the cause flagged', () => {
    const { frame, unmount } = setup();
    const f = frame();
    expect(f).toMatch(/^Stale processes on n1: 4 pod netns, 11 processes, 3 stale, 1 cause, 1 leaked netns/);
    expect(f).toContain("ownership from the pods' status (API) only");
    expect(f).toContain('shop/web  netns 100  2 proc · 1 stale · CAUSE: pid 201');
    expect(f).toMatch(/✗ 201 +1 +S STALE +[0-9a-f]{12} \/web --port=8080 +← cause: holds TCP port 8080, declared by container web/);
    expect(f).toContain('listening: tcp 0.0.0.0:8080 (pid 201)');
    expect(f).toContain('container web (CrashLoopBackOff, 7 restarts): Error: listen tcp :8080: bind: address already in use');
    expect(f).toContain(`leaked netns 103 (pod uid ${UL})  2 proc · 2 stale`);
    expect(f).toContain('shop/api  netns 101  4 proc · 2 zombies');
    expect(f).toMatch(/ 301 +1 +S pod +[0-9a-f]{12} \/api  \(api\)/);
    expect(f).toMatch(/ 305 +1 +S host +- +tcpdump -ni eth0/);
    expect(f).toContain('1 other netns without container processes: 104 (dnsmasq)');
    expect(f).toContain('↑ up · ↓ down · K kill · esc close · ? help · q quit');
    for (const line of f.split('\n')) expect(line.length).toBeLessThanOrEqual(120);
    unmount();
  });

  it('K on the selected (cause) process asks with node, pod, pid, command, container and port; y kills', async () => {
    const { frame, press, onKill, unmount } = setup();
    await press('K');
    const f = frame();
    expect(f).toContain('Kill process 201 on n1?');
    expect(f).toMatch(/node +n1/);
    expect(f).toMatch(/pod +shop\/web/);
    expect(f).toMatch(/pid +201/);
    expect(f).toMatch(/command +\/web --port=8080/);
    expect(f).toContain(OLD);
    expect(f).toMatch(/port +tcp\/8080/);
    expect(f).toContain('SIGTERM, then SIGKILL after 5 s');
    expect(f).toContain('y confirm · n cancel');
    expect(onKill).not.toHaveBeenCalled();
    await press('y');
    expect(onKill).toHaveBeenCalledTimes(1);
    expect(onKill.mock.calls[0]![0]).toEqual({
      node: 'n1', pod: 'shop/web', pid: 201, startTicks: 1100, command: '/web --port=8080', containerId: OLD, ports: ['tcp/8080'],
    });
    await tick();
    expect(frame()).toContain('process 201 on n1 ended after SIGTERM');
    expect(frame()).not.toContain('Kill process 201');
    unmount();
  });

  it('n and esc cancel; nothing is killed; esc outside the dialog closes the view', async () => {
    const { frame, press, onKill, onClose, unmount } = setup();
    await press('K');
    await press('n');
    expect(frame()).toContain('kill cancelled');
    await press('K');
    await press(ESC);
    expect(frame()).not.toContain('Kill process');
    expect(onKill).not.toHaveBeenCalled();
    expect(onClose).not.toHaveBeenCalled();
    await press(ESC);
    expect(onClose).toHaveBeenCalledTimes(1);
    unmount();
  });

  it('arrows and j/k move the selection over processes only', async () => {
    const { frame, press, onKill, unmount } = setup();
    await press('j'); // next process row after 201: the leaked netns's first process
    await press('K');
    expect(frame()).toContain('Kill process 500 on n1?');
    expect(frame()).toMatch(/pod +leaked netns 103/);
    await press('n');
    await press('k');
    await press('k');
    await press('K');
    expect(frame()).toContain('Kill process 200 on n1?');
    await press('n');
    await press('G');
    await press(DOWN);
    await press('K');
    expect(frame()).toContain('Kill process 402 on n1?');
    expect(onKill).not.toHaveBeenCalled();
    unmount();
  });

  it('read-only: K is refused, no dialog, no kill hint', async () => {
    const { frame, press, onKill, unmount } = setup({ readOnly: true });
    expect(frame()).not.toContain('K kill');
    await press('K');
    expect(frame()).toContain('read-only: kill refused');
    expect(frame()).not.toContain('Kill process');
    expect(onKill).not.toHaveBeenCalled();
    unmount();
  });

  it('shows a refusal from the node (start time changed)', async () => {
    const result: KillResult = {
      outcome: { kind: 'refused', reason: 'process 201 is no longer the same process (start time 5, expected 1100)' },
      message: 'kill refused: process 201 is no longer the same process (start time 5, expected 1100)',
    };
    const { frame, press, unmount } = setup({ result });
    await press('K');
    await press('y');
    await tick();
    expect(frame()).toContain('kill refused: process 201 is no longer the same process');
    unmount();
  });

  it('a small terminal shows a window around the selection', async () => {
    const { frame, unmount } = setup({ height: 12, width: 80 });
    const f = frame();
    expect(f.split('\n').length).toBeLessThan(12);
    expect(f).toContain('201');
    expect(f).toMatch(/rows 1–6 of \d+/);
    for (const line of f.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    unmount();
  });
});

describe('rows, selection and keys (pure)', () => {
  it('builds rows; only process rows are selectable; the cause is selected first', () => {
    const rows = buildRows(data);
    const sel = selectable(rows);
    expect(sel.every((i) => rows[i]!.kind === 'proc')).toBe(true);
    expect(sel).toHaveLength(11);
    expect(initialPid(data)).toBe(201);
    expect(listenerText({ proto: 'tcp', family: 6, address: '::', port: 9090, inode: 1, pids: [] })).toBe('tcp6 [::]:9090 (no process)');
  });

  it('moves and clamps', () => {
    expect(moveSelection(0, 5, 'up', 10)).toBe(0);
    expect(moveSelection(4, 5, 'down', 10)).toBe(4);
    expect(moveSelection(1, 5, 'bottom', 10)).toBe(4);
    expect(moveSelection(4, 5, 'top', 10)).toBe(0);
    expect(moveSelection(0, 50, 'pageDown', 10)).toBe(5);
    expect(moveSelection(0, 0, 'down', 10)).toBe(-1);
    expect(windowRows(100, 50, 10)).toEqual({ start: 47, end: 57 });
    expect(windowRows(5, 4, 10)).toEqual({ start: 0, end: 5 });
  });

  it('keys: the dialog has its own; read-only drops K from the hints and marks it refused in the help', () => {
    expect(processHint({ readOnly: false, dialog: true })).toBe('y confirm · n cancel');
    const kill = (ro: boolean) => helpSections('processes', { readonly: ro }).flatMap((s) => s.rows).find((r) => r.keys === 'K')?.help;
    expect(kill(true)).toContain('(refused: read-only)');
    expect(kill(false)).toBe('kill the selected process (asks first)');
    expect(processHint({ readOnly: true, dialog: false })).not.toContain('K kill');
  });
});
