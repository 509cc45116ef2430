/**
 * Two attached viewers, as `netwatch attach` wires them: each an App over its own replica, fed by
 * a real share server on a Unix socket. Each has its own selection and screens; a mark from one
 * reaches the owner's state and so the other; `s` says read-only without asking the owner; a
 * hostile node name reaches neither frame raw.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterEach, expect, it } from 'vitest';
import { ViewerCapture, ViewerMessage, VIEWER_READONLY } from '../../src/cli/attach.js';
import { connectShare, type ShareClient } from '../../src/cli/share/client.js';
import { ShareServer } from '../../src/cli/share/server.js';
import { createAppStore } from '../../src/state/store.js';
import { StreamProducer } from '../../src/state/stream.js';
import { App } from '../../src/ui/App.js';
import { waitFor } from '../e2e/run.js';
import { bridgeNode, NOW } from './fixtures.js';
import { expectClean, HOSTILE as H } from './hostile.js';
import { KEY, renderSized } from './render.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  cleanup();
  for (const f of cleanups.splice(0)) f();
});

const EVIL = `evil${H.osc}${H.clear}`;

it('two viewers on two replicas: independent selection, shared marks, read-only', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'nwshare-ui-'));
  const owner = createAppStore({ now: () => NOW });
  const nodes = ['node1', 'node2', EVIL, 'node4'].map((n) => bridgeNode(n));
  owner.setState({ order: nodes.map((n) => n.name), nodes: Object.fromEntries(nodes.map((n) => [n.name, n])) });
  const producer = new StreamProducer(owner, { producer: 'share', coalesceMs: 5 });
  const asked: string[] = [];
  const server: ShareServer = new ShareServer(producer, {
    dir: join(tmp, 'netwatch'),
    uid: process.getuid!(),
    onMark: (note, by) => void owner.getState().addMark(note, by),
    // the owner's side of a viewer's capture, as share/capture.ts answers: a reply, then its lines as events
    onCapture: (q) => {
      asked.push(q.target.kind === 'all' ? 'all' : q.target.node);
      setTimeout(() => server.event('capture', { id: 1, title: 'x', lines: [`${EVIL}:eth0: capturing 2s · 12 packets`, `top talker 198.18.0.1 ${H.clear}`], final: false }), 20);
      return { r: 'capture', ok: true, message: `capturing ${EVIL}:eth0 for at most 30 s in the owner's session` };
    },
  });
  const path = await server.start();
  const clients: ShareClient[] = [await connectShare(path), await connectShare(path)];
  cleanups.push(() => {
    for (const c of clients) c.close();
    server.close();
    producer.stop();
    rmSync(tmp, { recursive: true, force: true });
  });
  const viewer = (c: ShareClient) =>
    renderSized(
      <App
        store={c.replica.store}
        now={() => NOW}
        readonly
        onMark={(note) => c.send({ r: 'mark', note })}
        renderProcesses={(_n, _p, onClose) => <ViewerMessage lines={[VIEWER_READONLY]} onClose={onClose} />}
        renderCapture={(target, onClose) => <ViewerCapture client={c} target={target} onClose={onClose} />}
      />,
      140,
      30,
    );
  const a = await viewer(clients[0]!);
  const b = await viewer(clients[1]!);
  const cursor = (f: string) => f.split('\n').find((l) => l.startsWith('>'));
  await waitFor('both show the nodes', () => a.frame().includes('node4') && b.frame().includes('node4'), 10_000);
  expect(a.frame()).toContain('READ-ONLY');
  expect(cursor(a.frame())).toContain('node1');

  await a.press(KEY.down);
  await a.press(KEY.down);
  await waitFor('a moved', () => cursor(a.frame())?.includes('evil'), 5000);
  expect(cursor(b.frame())).toContain('node1');
  await b.press(KEY.down);
  await waitFor('b moved on its own', () => cursor(b.frame())?.includes('node2'), 5000);
  expect(cursor(a.frame())).toContain('evil');
  expectClean(a.frame(), 'viewer a, hostile node selected');

  // a new node in the owner's state reaches both; each keeps its own selection
  const n5 = bridgeNode('node5');
  owner.setState((s) => ({ order: [...s.order, 'node5'], nodes: { ...s.nodes, node5: n5 } }));
  await waitFor('node5 in both', () => a.frame().includes('node5') && b.frame().includes('node5'), 10_000);
  expect(cursor(a.frame())).toContain('evil');
  expect(cursor(b.frame())).toContain('node2');

  // m in viewer b: the owner's state, then viewer a
  await b.press('m');
  await b.press('restarted kube-proxy');
  await b.press(KEY.enter);
  await waitFor('mark in the owner', () => owner.getState().marks.some((m) => m.note === 'restarted kube-proxy'), 10_000);
  await waitFor('mark in viewer a', () => a.frame().includes('restarted kube-proxy'), 10_000);

  // s in viewer a: read-only, the owner is not asked
  await a.press('s');
  await waitFor('read-only message', () => a.frame().includes('read-only: attached viewer'), 5000);
  expect(b.frame()).not.toContain('read-only: attached viewer');
  await a.press(KEY.esc);
  await waitFor('back to the overview', () => cursor(a.frame())?.includes('evil'), 5000);
  expectClean(a.frame(), 'viewer a');
  expectClean(b.frame(), 'viewer b');

  // c in viewer a (on the hostile node): the owner is asked; its lines show, cleaned
  await a.press('c');
  await waitFor('the filter prompt', () => a.frame().includes("in the owner's session") && a.frame().includes('tcpdump filter'), 5000);
  expect(asked).toEqual([]);
  await a.press(KEY.enter);
  await waitFor('the capture lines', () => a.frame().includes("capture in the owner's session") && a.frame().includes('12 packets'), 10_000);
  expect(asked).toEqual([EVIL]);
  expectClean(a.frame(), 'viewer a, capture lines');
  expect(b.frame()).not.toContain('12 packets');
  await a.press(KEY.esc);
});
