/**
 * Pairing as two people use it, in ink-testing-library: the owner's App and an attached viewer's
 * App over a real share server on a Unix socket, the owner's side of a viewer's capture the real
 * one (share/capture.ts viewerCaptures, CaptureSession) on a scripted transport that records the
 * argv a node would get. The viewer's `c` opens the filter prompt; a pasted filter and enter send
 * it; the capture runs in the owner's session with that filter; both screens show it (the owner's
 * status line says the viewer started it). Hostile filters are refused with the reason and the
 * prompt comes back; the owner goes on. `y` works in the viewer; a `--record` write error shows in
 * the live view's status line while the view keeps going.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { ViewerCapture, ViewerMessage, VIEWER_READONLY } from '../../src/cli/attach.js';
import { recordErrorSegs } from '../../src/cli/record.js';
import { viewerCaptures } from '../../src/cli/share/capture.js';
import { connectShare, type ShareClient } from '../../src/cli/share/client.js';
import { ShareServer } from '../../src/cli/share/server.js';
import { yanker } from '../../src/cli/yank.js';
import { ViewerCaptureHost } from '../../src/cli/views.js';
import { Recorder } from '../../src/sources/record/writer.js';
import type { RemoteExit, RemoteProcess, Transport } from '../../src/sources/transport/types.js';
import { createAppStore, type Store } from '../../src/state/store.js';
import { StreamProducer } from '../../src/state/stream.js';
import { App } from '../../src/ui/App.js';
import { Notices } from '../../src/ui/notices.js';
import { waitFor } from '../e2e/run.js';
import { bridgeNode, NOW } from './fixtures.js';
import { expectClean, HOSTILE as H } from './hostile.js';
import { KEY, renderSized } from './render.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  cleanup();
  for (const f of cleanups.splice(0).reverse()) f();
});

/** a node's side of capture.sh, scripted: a filter with "bogus" is refused as tcpdump does; others run until closed */
function scriptedTransport(name: string, spawned: string[][]) {
  const t = {
    name,
    spawn(_script: string, args: readonly string[]): RemoteProcess {
      spawned.push([...args]);
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const stdin = new PassThrough();
      let done: (e: RemoteExit) => void = () => {};
      const exit = new Promise<RemoteExit>((r) => (done = r));
      let over = false;
      const end = (code: number) => {
        if (over) return;
        over = true;
        stdout.end();
        stderr.end();
        done({ code } as RemoteExit);
      };
      // capture.sh ends tcpdump when it reads "stop" (or its stdin closes)
      stdin.on('data', (b: Buffer) => b.toString().includes('stop') && end(0));
      const filter = args.find((a) => a.includes('port') || a.includes('bogus')) ?? '';
      setTimeout(() => {
        if (filter.includes('bogus')) {
          stderr.write('tcpdump: syntax error in filter expression: bogus\nnw-cap: rejected\n');
          return end(1);
        }
        stderr.write(`nw-cap: valid\nnw-cap: filter ${filter}\nnw-cap: started 4242\n`);
      }, 10);
      return { stdin, stdout, stderr, exit, close: () => end(0) };
    },
    exec: () => Promise.reject(new Error('not here')),
    ready: () => Promise.resolve(),
    isRoot: () => true,
    onState: () => () => {},
    state: () => ({ kind: 'ready', since: NOW }),
  };
  return t as unknown as Transport;
}

async function pair(opts: { userName?: (uid: number) => string | undefined } = {}) {
  const tmp = mkdtempSync(join(tmpdir(), 'nwpair-'));
  const owner: Store = createAppStore({ now: () => NOW });
  const nodes = ['n1', 'n2'].map((n) => bridgeNode(n));
  owner.setState({ order: nodes.map((n) => n.name), nodes: Object.fromEntries(nodes.map((n) => [n.name, n])) });
  const spawned: string[][] = [];
  const transports = new Map(nodes.map((n) => [n.name, scriptedTransport(n.name, spawned)]));
  const notices = new Notices();
  const logs: string[] = [];
  const producer = new StreamProducer(owner, { producer: 'share', coalesceMs: 5 });
  const events = { emit: (kind: string, data: unknown) => server.event(kind, data) };
  const host = { store: owner, monitor: { transport: (n: string) => transports.get(n) } as never, tcpdump: 'tcpdump', keepDir: join(tmp, 'keep'), readonly: false };
  const captures = viewerCaptures(host, events, (m) => logs.push(m), { notify: (segs) => notices.set('viewerCapture', segs) });
  const server: ShareServer = new ShareServer(producer, {
    dir: join(tmp, 'netwatch'),
    uid: process.getuid!(),
    userName: opts.userName ?? (() => 'alice'),
    onMark: (note, by) => void owner.getState().addMark(note, by),
    onCapture: captures.onCapture,
    onCaptureStop: captures.onCaptureStop,
    log: (m) => logs.push(m),
  });
  const path = await server.start();
  const client: ShareClient = await connectShare(path);
  cleanups.push(() => {
    client.close();
    captures.stop();
    server.close();
    producer.stop();
    rmSync(tmp, { recursive: true, force: true });
  });
  const written: string[] = [];
  const ownerUi = await renderSized(
    <App
      store={owner}
      now={() => NOW}
      notices={notices}
      onMark={(n) => void owner.getState().addMark(n, 'bob')}
      renderViewerCapture={(onClose) => <ViewerCaptureHost capture={captures.current} keepDir={join(tmp, 'keep')} onClose={onClose} />}
    />,
    150,
    30,
  );
  const viewer = await renderSized(
    <App
      store={client.replica.store}
      now={() => NOW}
      readonly
      onMark={(note) => client.send({ r: 'mark', note })}
      onYank={yanker({ getState: client.replica.store.getState as never, dir: join(tmp, 'yank'), write: (s) => written.push(s), tmux: false, now: () => NOW })}
      renderProcesses={(_n, _p, onClose) => <ViewerMessage lines={[VIEWER_READONLY]} onClose={onClose} />}
      renderCapture={(target, onClose) => <ViewerCapture client={client} target={target} onClose={onClose} />}
    />,
    150,
    30,
  );
  await waitFor('the viewer shows the nodes', () => viewer.frame().includes('n2'), 10_000);
  return { owner, ownerUi, viewer, client, spawned, notices, logs, written, tmp, captures };
}

/** a paste as a terminal in bracketed-paste mode sends it (netwatch turns the mode on: ui/terminal.ts) */
const paste = (text: string) => `\u001b[200~${text}\u001b[201~`;

/** waits for `fn`; the error shows both screens */
async function until(what: string, fn: () => boolean, screens: Array<{ frame(): string }>, ms = 5000): Promise<void> {
  try {
    await waitFor(what, fn, ms, 20);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${screens.map((x) => x.frame()).join('\n-----\n')}`);
  }
}

/** the argv a node's capture.sh got: the filter is one element of it, as typed */
const filterOf = (args: string[]) => args.find((a) => a.includes('port ')) ?? '';

describe('pairing: a capture started from an attached viewer', () => {
  it("c in the viewer: the filter prompt; a pasted filter and enter run it in the owner's session; both screens show it", async () => {
    const { ownerUi, viewer, spawned, logs, captures } = await pair();
    const screens = [ownerUi, viewer];
    // V before any: says so
    await ownerUi.press('V');
    await until('none yet', () => ownerUi.frame().includes('no capture from an attached viewer in this session yet'), screens);
    await ownerUi.press(KEY.esc);
    await viewer.press('c');
    await until('the prompt', () => viewer.frame().includes("in the owner's session") && viewer.frame().includes('tcpdump filter'), screens);
    expect(spawned).toEqual([]); // nothing starts before enter
    // a paste (one write): the filter, then enter
    await viewer.press('tcp port 22');
    await viewer.press(KEY.tab); // the next snap length: 96 bytes
    await viewer.press(KEY.enter);
    await until('the capture ran on the owner', () => spawned.length === 1, screens);
    expect(filterOf(spawned[0]!)).toBe('tcp port 22');
    expect(spawned[0]).toContain('96');
    // the viewer: its lines from the owner's session, started by it (by its uid's name)
    await until('the viewer shows the capture', () => viewer.frame().includes("capture in the owner's session (started by alice (attached))") && viewer.frame().includes('n1:eth0  tcp port 22: checking the filter on the node'), screens);
    expect(viewer.frame()).toContain('filter tcp port 22');
    // the owner: its status line says who started it, where, with which filter
    await until('the owner sees it', () => /capturing for alice \(attached\): n1:eth0 · filter tcp port 22 · (checking the filter|starting)/.test(ownerUi.frame()), screens);
    expect(logs.some((l) => l.includes('share: capture 1 for alice (attached): n1:eth0 filter "tcp port 22"'))).toBe(true);
    // V on the owner: the same capture in its capture view; esc leaves it running (it is the viewer's)
    await ownerUi.press('V');
    await until("the owner's capture view", () => ownerUi.frame().includes('started by alice (attached) on n1:eth0 (attached viewer)') && ownerUi.frame().includes('n1:eth0  tcp port 22'), screens);
    await ownerUi.press(KEY.esc);
    await until('the owner back on the overview', () => ownerUi.frame().includes('nodes 1–2 of 2'), screens);
    expect(captures.current()!.src.snapshot(0).status.kind).not.toMatch(/stopped|error/);
    expect(logs.some((l) => l.includes('stopped by its viewer'))).toBe(false);
    // esc in the viewer: its capture stops in the owner's session; the owner's line says it ended
    await viewer.press(KEY.esc);
    await until('stopped in the owner', () => logs.some((l) => l.includes('capture 1 stopped by its viewer')), screens);
    await until("the owner's line: ended", () => /capture asked by alice \(attached\): n1:eth0 · filter tcp port 22 · stopped/.test(ownerUi.frame()), screens);
    expectClean(ownerUi.frame(), 'owner');
    expectClean(viewer.frame(), 'viewer');
  });

  it('a filter tcpdump refuses comes back to the prompt; a pasted hostile one runs cleaned; hand-made bad requests are refused; the owner goes on', async () => {
    const { ownerUi, viewer, spawned, client } = await pair();
    const screens = [ownerUi, viewer];
    // tcpdump refuses (on the node): the prompt again, with its message, the filter to edit
    await viewer.press('c');
    await viewer.press('bogus');
    await viewer.press(KEY.enter);
    await until('refused by tcpdump', () => viewer.frame().includes('syntax error in filter expression: bogus') && viewer.frame().includes('> bogus'), screens);
    expect(spawned.length).toBe(1);
    // a pasted filter with ESC sequences and BEL: the prompt keeps none of the control bytes; what
    // reaches the owner (and the node's argv) is the printable rest, and neither screen gets a raw byte
    await viewer.press('\u0015'); // ctrl-u: clear the filter
    await viewer.press(paste(`tcp port 1${H.osc}${H.clear}\u0007`));
    await viewer.press(KEY.enter);
    await until('the second capture', () => spawned.length === 2, screens);
    expect(filterOf(spawned[1]!)).toBe('tcp port 1]0;pwned[2J');
    // eslint-disable-next-line no-control-regex
    expect(spawned[1]!.join(' ')).not.toMatch(/[\u0000-\u001f\u007f]/);
    await until('both show it', () => ownerUi.frame().includes('filter tcp port 1]0;pwned[2J') && viewer.frame().includes("capture in the owner's session"), screens);
    expectClean(viewer.frame(), 'viewer, hostile filter');
    expectClean(ownerUi.frame(), 'owner, hostile filter');
    // while it runs, another is refused (one viewer capture at a time); esc stops it
    const busy: { ok: boolean; message: string }[] = [];
    const offBusy = client.onReply((r) => void busy.push(r));
    client.send({ r: 'capture', target: { kind: 'node', node: 'n2' }, filter: 'tcp port 2' });
    await until('busy', () => busy.length === 1, screens);
    offBusy();
    expect(busy[0]).toEqual({ r: 'capture', ok: false, message: "a capture asked by a viewer is already running in the owner's session" });
    await viewer.press(KEY.esc);
    await until('stopped', () => /capture asked by .* stopped/.test(ownerUi.frame()), screens);
    // a request sent by hand (not through the prompt): a long unicode filter, a control byte, a bad snap length
    const replies: { ok: boolean; message: string }[] = [];
    const off = client.onReply((r) => void replies.push(r));
    client.send({ r: 'capture', target: { kind: 'node', node: 'n1' }, filter: 'ü'.repeat(2000) });
    client.send({ r: 'capture', target: { kind: 'node', node: 'n1' }, filter: 'port 1\u001b]0;x\u0007' });
    client.send({ r: 'capture', target: { kind: 'node', node: 'n1' }, filter: '-w /etc/passwd' });
    client.send({ r: 'capture', target: { kind: 'node', node: 'n1' }, filter: 'port 1) or (port 2' });
    await until('four answers', () => replies.length === 4, screens);
    off();
    expect(replies.map((r) => r.ok)).toEqual([false, false, false, false]);
    expect(replies[0]!.message).toContain('longer than 1024');
    expect(replies[1]!.message).toContain('control characters');
    expect(replies[2]!.message).toContain('cannot start with "-"');
    expect(replies[3]!.message).toContain('unbalanced parentheses');
    expect(spawned.length).toBe(2);
    // the owner still serves: a mark from the viewer lands
    await viewer.press('m');
    await viewer.press('still here');
    await viewer.press(KEY.enter);
    await until('the mark in the owner', () => ownerUi.frame().includes('still here'), screens);
  });

  it("esc before the owner's answer came: the capture still stops in the owner's session", async () => {
    const { ownerUi, viewer, spawned, logs } = await pair();
    const screens = [ownerUi, viewer];
    await viewer.press('c');
    await viewer.press('tcp port 23');
    await viewer.press(KEY.enter, 0);
    await viewer.press(KEY.esc, 0);
    await until('stopped in the owner', () => logs.some((l) => l.includes('capture 1 stopped by its viewer')), screens);
    expect(filterOf(spawned[0]!)).toBe('tcp port 23');
  });

  it("C in the viewer: the same capture on every node shown, in the owner's session", async () => {
    const { ownerUi, viewer, spawned } = await pair();
    const screens = [ownerUi, viewer];
    await viewer.press('C');
    await until('the prompt for all', () => viewer.frame().includes('Capture: 2 nodes (n1, n2), each on its primary interface, in the owner'), screens);
    await viewer.press('udp port 53');
    await viewer.press(KEY.enter);
    await until('both nodes', () => spawned.length === 2, screens);
    expect(spawned.map(filterOf)).toEqual(['udp port 53', 'udp port 53']);
    await until('the owner sees it', () => /capturing for alice \(attached\): n1:eth0, n2:eth0 · filter udp port 53/.test(ownerUi.frame()), screens);
  });

  it('a viewer asking for a snap length the prompt does not offer gets the default', async () => {
    const { client, spawned, ownerUi, viewer } = await pair();
    const screens = [ownerUi, viewer];
    client.send({ r: 'capture', target: { kind: 'node', node: 'n1' }, filter: 'tcp port 80', snaplen: 7 });
    await until('spawned', () => spawned.length === 1, screens);
    expect(spawned[0]).toContain('128'); // CAPTURE_DEFAULTS.snaplen
    expect(spawned[0]).not.toContain('7');
  });
});

describe('pairing: marks, kill and y from a viewer', () => {
  it('marks are signed by the name of the viewer\'s uid; a hostile note is cleaned; s is read-only; y writes the Markdown', async () => {
    const { owner, ownerUi, viewer, written, tmp } = await pair();
    const screens = [ownerUi, viewer];
    await viewer.press('m');
    await viewer.press(paste(`fixed${H.osc}${H.clear} ${H.bidi} ${'界'.repeat(300)}`));
    await viewer.press(KEY.enter);
    await until('the mark in the owner', () => owner.getState().marks.length === 1, screens);
    const m = owner.getState().marks[0]!;
    expect(m.by).toBe('alice (attached)');
    expect(Array.from(m.note).length).toBeLessThanOrEqual(200);
    await until('both show it', () => ownerUi.frame().includes('fixed') && viewer.frame().includes('fixed'), screens);
    expectClean(ownerUi.frame(), 'owner, hostile mark');
    expectClean(viewer.frame(), 'viewer, hostile mark');
    // s: the viewer is read-only, the owner is not asked
    await viewer.press('s');
    await until('read-only', () => viewer.frame().includes('read-only: attached viewer'), screens);
    await viewer.press(KEY.esc);
    // y: the shared state as Markdown to a file and OSC 52
    await viewer.press('y');
    await until('copied', () => /copied 2 nodes as Markdown .* saved /.test(viewer.frame()), screens);
    const files = readdirSync(join(tmp, 'yank'));
    expect(files).toHaveLength(1);
    const md = readFileSync(join(tmp, 'yank', files[0]!), 'utf8');
    expect(md).toMatch(/\| n1 /);
    expect(md).toMatch(/\| n2 /);
    expect(written.length).toBe(1);
    expect(written[0]).toMatch(/^\u001b\]52;c;[A-Za-z0-9+/=]+\u0007$/);
  });
});

describe('a --record write error in the live view', () => {
  it('shows in the status line; the view keeps running', async () => {
    const owner: Store = createAppStore({ now: () => NOW });
    owner.setState({ order: ['n1'], nodes: { n1: bridgeNode('n1') } });
    const notices = new Notices();
    const producer = new StreamProducer(owner, { producer: 'recording', coalesceMs: 5 });
    // /dev/full: every write fails with ENOSPC, as a full disk does
    const rec: Recorder = new Recorder('/dev/full', producer, { exists: 'replace', sync: false, onError: (e) => notices.set('record', recordErrorSegs('/dev/full', e, rec.lastAt)) });
    rec.start();
    cleanups.push(() => {
      rec.stop();
      producer.stop();
    });
    const ui = await renderSized(<App store={owner} now={() => NOW} notices={notices} />, 150, 30);
    owner.setState((s) => ({ ticks: s.ticks + 1 }));
    producer.flush();
    await waitFor('the error on the screen', () => ui.frame().includes('recording stopped: writing /dev/full failed (ENOSPC'), 5000);
    expect(rec.error?.message).toMatch(/ENOSPC/);
    expect(ui.frame()).toContain('it replays up to its start');
    // the view goes on: a new node shows, the keys work
    owner.setState((s) => ({ order: [...s.order, 'n2'], nodes: { ...s.nodes, n2: bridgeNode('n2') } }));
    await waitFor('n2 shows', () => ui.frame().includes('n2'), 5000);
    await ui.press('j');
    await waitFor('the cursor moved', () => ui.frame().split('\n').some((l) => l.startsWith('> n2')), 5000);
    expect(ui.frame()).toContain('recording stopped');
  });
});
