/**
 * A 403 on one node's pods in the live view (the store as startKube leaves it: the node's kube
 * status 'forbidden', its last pod list kept): the header no longer says "kube ok", the node's row
 * says its pods are forbidden instead of an old count, and its pods pane says why each pod is
 * unknown. When the list works again, all of it goes back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { App } from '../../src/ui/App.js';
import type { KubeStatus } from '../../src/state/types.js';
import { bridgeNode, NOW, testStore } from './fixtures.js';
import { KEY, renderSized } from './render.js';

afterEach(() => cleanup());

const FORBIDDEN: KubeStatus = { kind: 'forbidden', message: 'forbidden: cannot list pods' };
/** the frame once `ok` holds for it (renders are asynchronous; a loaded machine is slow) */
async function until(ui: { frame: () => string }, ok: (f: string) => boolean, ms = 3000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const f = ui.frame();
    if (ok(f) || Date.now() > end) return f;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const rowOf = (frame: string, name: string) => frame.split('\n').find((l) => / (live|stale)/.test(l) && l.includes(name)) ?? '';

function setPodsStatus(store: ReturnType<typeof testStore>, node: string, status: KubeStatus) {
  const st = store.getState();
  const n = st.nodes[node]!;
  store.setState({ nodes: { ...st.nodes, [node]: { ...n, kube: { ...n.kube!, status } } } });
}

describe('403 on one node\'s pods, live', () => {
  it('header, overview row and pods pane say forbidden; back to counts when allowed again', async () => {
    const store = testStore([bridgeNode('node-a', { kube: true }), bridgeNode('node-b', { kube: true })], { kube: { kind: 'ok' } });
    const ui = await renderSized(<App store={store} now={() => NOW} />, 140, 30);
    let f = ui.frame();
    expect(f).toContain('kube ok');
    expect(rowOf(f, 'node-a')).toMatch(/ 3( |$)/);

    setPodsStatus(store, 'node-a', FORBIDDEN);
    f = await until(ui, (f) => !f.includes('kube ok'));
    expect(f).not.toContain('kube ok');
    expect(f.split('\n')[0]).toContain('kube: pods forbidden on node-a');
    const a = rowOf(f, 'node-a');
    expect(a).toContain('forbidden');
    expect(a).toContain('pods forbidden: cannot list pods');
    expect(a).not.toMatch(/ 3( |$)/);
    // the other node's pods are current
    expect(rowOf(f, 'node-b')).toMatch(/ 3( |$)/);
    expect(rowOf(f, 'node-b')).not.toContain('forbidden');

    await ui.press('p');
    f = await until(ui, (f) => f.includes('[pods'));
    expect(f).toContain('[pods 3?]');
    const podLines = f.split('\n').filter((l) => l.includes('default/web-'));
    expect(podLines).toHaveLength(3);
    for (const l of podLines) expect(l).toContain('unknown: pods forbidden');

    setPodsStatus(store, 'node-a', { kind: 'ok' });
    await ui.press(KEY.esc, 200);
    f = await until(ui, (f) => f.includes('kube ok') && f.includes('nodes 1–2 of 2'));
    expect(f).toContain('kube ok');
    expect(rowOf(f, 'node-a')).toMatch(/ 3( |$)/);
    expect(f).not.toContain('forbidden');
    ui.unmount();
  });

  it('several nodes failing are counted; an unreachable API for pods says so', async () => {
    const store = testStore([bridgeNode('node-a', { kube: true }), bridgeNode('node-b', { kube: true })], { kube: { kind: 'ok' } });
    setPodsStatus(store, 'node-a', FORBIDDEN);
    setPodsStatus(store, 'node-b', { kind: 'unreachable', message: 'API unreachable (retrying)' });
    const ui = await renderSized(<App store={store} now={() => NOW} />, 140, 30);
    const f = ui.frame();
    expect(f.split('\n')[0]).toContain('kube: pods forbidden/unreachable on 2 nodes');
    expect(rowOf(f, 'node-b')).toContain('unreachable');
    expect(rowOf(f, 'node-b')).toContain('pods unreachable: API unreachable (retrying)');
    ui.unmount();
  });
});
