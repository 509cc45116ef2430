/**
 * Every view drawn with hostile strings from outside (interface names, node and pod names, process
 * argv/comm/cgroup, problem messages, kernel facts, tcpdump's refusal, a capture's title and file):
 * no control byte but the renderer's SGR and newlines reaches the frame, the escapes are shown as
 * text, and lines keep their width (columns stay aligned).
 */
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { CaptureHost, ProcessesHost, type HostOptions } from '../../src/cli/views.js';
import { evaluate } from '../../src/state/rules.js';
import type { NodeState } from '../../src/state/types.js';
import type { CaptureSnapshot } from '../../src/sources/capture/source.js';
import type { KillResult } from '../../src/sources/processes/kill.js';
import { App } from '../../src/ui/App.js';
import { CaptureScreen } from '../../src/ui/capture/CaptureScreen.js';
import { CaptureView } from '../../src/ui/capture/CaptureView.js';
import { KeyRoot } from '../../src/ui/input/useKeys.js';
import { captureRoute } from '../../src/ui/nav.js';
import { ProcessesView } from '../../src/ui/processes/ProcessesView.js';
import { ReplaySource } from '../capture/replay.js';
import { apiPods, procs, view } from '../processes/crashloop.js';
import { bridgeNode, NOW, testStore, wait } from './fixtures.js';
import { expectClean, HOSTILE as H, shown } from './hostile.js';
import { KEY, renderSized } from './render.js';

afterEach(() => cleanup());

/** the same object with every key and string value found in `map` replaced */
function rename<T>(v: T, map: Record<string, string>): T {
  if (typeof v === 'string') return (map[v] ?? v) as T;
  if (Array.isArray(v)) return v.map((x) => rename(x, map)) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [map[k] ?? k, rename(x, map)])) as T;
  return v;
}

const IFACES = { veth1: `v${H.osc}`, veth2: H.clear, veth3: `v${H.c1}`, cbr0: `br${H.bidi}`, eth0: `eth${H.fffd}` };
const PODS = { 'web-1': `web${H.link}`, 'web-2': `${H.bidi}-2`, 'web-3': `w${H.iso}`, default: `d${H.c1}` };

function hostileNode(): NodeState {
  const base = rename(bridgeNode('node-a', { kube: true }), { ...IFACES, ...PODS, 'node-a': `node${H.osc}` });
  const n: NodeState = {
    ...base,
    lastError: `ssh: ${H.clear}`,
    model: { ...base.model, facts: { ...base.model.facts, value: { kernel: `6.1${H.osc}`, os: `Debian${H.c0}`, sysctl: {} } } },
  };
  const extra = [{ severity: 'crit' as const, code: 'hostile', subject: IFACES.veth1, message: `MTU ${H.clear}${H.c1}`, remedy: `run ${H.link}` }];
  return { ...n, problems: [...extra, ...evaluate(n)] };
}

function cluster() {
  const a = hostileNode();
  const b = bridgeNode(`n${H.bidi}`, { status: { kind: 'failed', since: NOW, reason: `auth ${H.osc}${H.c0}` } });
  return testStore([a, b], { kube: { kind: 'ok' } });
}

/** the raw frame once `ok` holds for it (renders are asynchronous; a loaded machine is slow) */
async function until(ui: { lastFrame: () => string | undefined }, ok: (f: string) => boolean, ms = 3000): Promise<string | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const f = ui.lastFrame() ?? '';
    if (ok(f) || Date.now() > end) return f;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** every line at most `width` columns; a table's columns line up (each header's column starts its cells) */
function expectFits(f: string, width: number) {
  for (const l of f.split('\n')) expect(l.length, l).toBeLessThanOrEqual(width);
}

describe('hostile strings through every view: nothing raw reaches the frame', () => {
  it('overview, node detail (interfaces, pods, checks) and help, at 160 and 80 columns', async () => {
    for (const [w, h] of [
      [160, 40],
      [80, 24],
    ] as const) {
      const ui = await renderSized(<App store={cluster()} now={() => NOW} logPath={`/tmp/${H.osc}.log`} />, w, h);
      let f = expectClean(ui.lastFrame(), `overview ${w}`);
      expectFits(f, w);
      expect(f).toContain('\\x1b]0;pwned');
      expect(f).toContain('\\u202e');
      await ui.press(KEY.enter);
      f = expectClean(await until(ui, (x) => x.includes('[interfaces')), `interfaces ${w}`);
      expectFits(f, w);
      if (w === 160) {
        for (const k of ['osc', 'clear', 'c1', 'bidi'] as const) expect(f).toContain(shown(k));
        expect(f).toContain('ethx\ufffd\ufffdy');
        // the MTU column lines up whatever the names hold
        const lines = f.split('\n');
        const head = lines.find((l) => l.includes('IFACE') && l.includes('MTU'))!;
        const col = head.indexOf('MTU') + 3;
        const rows = lines.filter((l) => / (1460|1500|65536) /.test(l));
        expect(rows.length).toBeGreaterThanOrEqual(5);
        for (const r of rows) expect(r.slice(col - 5, col).trim(), r).toMatch(/^\d+$/);
      }
      await ui.press(KEY.tab);
      f = expectClean(await until(ui, (x) => x.includes('[pods')), `pods ${w}`);
      expectFits(f, w);
      // names are cut in the middle on narrow terminals, measured as shown
      expect(f).toContain(w === 160 ? '\\x1b]8;;http://x/\\x1b\\' : 'd\\x9b31m/web…p://x/\\x1b\\');
      await ui.press(KEY.tab);
      f = expectClean(await until(ui, (x) => x.includes('[checks')), `checks ${w}`);
      expectFits(f, w);
      expect(f).toContain('MTU \\x1b[2J\\x9b31m');
      await ui.press('?');
      f = expectClean(await until(ui, (x) => x.includes('netwatch keys')), `help ${w}`);
      expectFits(f, w);
      ui.unmount();
    }
  });

  it('a list filter matches names as they are shown: "node\\x1b]0" finds the node named with an OSC', async () => {
    const ui = await renderSized(<App store={cluster()} now={() => NOW} />, 160, 30);
    await ui.press('/node\\x1b]0');
    let f = expectClean(await until(ui, (x) => x.includes('of 1 (2 unfiltered)')), 'filtered overview');
    expect(f).toContain('nodes 1–1 of 1 (2 unfiltered)');
    expect(f).toContain('node\\x1b]0;pwned\\x07');
    await ui.press(KEY.esc, 150);
    await ui.press('/u202e');
    f = expectClean(await until(ui, (x) => x.includes('/u202e') && x.includes('of 1 (2 unfiltered)')), 'filtered overview');
    expect(f).toContain('nodes 1–1 of 1 (2 unfiltered)');
    expect(f).toContain('nab\\u202ecd');
    ui.unmount();
  });

  it('the capture prompt: a hostile target, a pasted filter with escapes, tcpdump refusing it', async () => {
    const target = { kind: 'interface' as const, node: `node${H.osc}`, iface: IFACES.veth2 };
    const base = { ...captureRoute(target, { kind: 'overview' }), filter: `port 53 ${H.osc}${H.c1}`, error: `tcpdump: syntax error in ${H.clear}\nline 2 ${H.bidi}` };
    const r = render(
      <KeyRoot>
        <CaptureScreen
          title={`${IFACES.veth2} on node${H.osc}`}
          where={[`node node${H.osc}, interface ${IFACES.veth2}`]}
          exclusion="netwatch's own SSH connection to the node is left out of the capture"
          defaultSnaplen={262144}
          prompt={base}
          width={100}
          height={30}
          start={() => {
            throw new Error('not started in this test');
          }}
          onRejected={() => {}}
          onClose={() => {}}
        />
      </KeyRoot>,
    );
    const f = expectClean(r.lastFrame(), 'capture prompt');
    expectFits(f, 100);
    expect(f).toContain('port 53 \\x1b]0;pwned\\x07\\x9b31m');
    expect(f).toContain('syntax error in \\x1b[2J');
    expect(f).toContain('line 2 ab\\u202ecd');
  });

  it('the capture prompt through the shell: a paste with escapes goes in whole and is shown escaped', async () => {
    const store = cluster();
    const opts = { store, monitor: { transport: () => ({}) }, tcpdump: 'tcpdump', keepDir: '/tmp', readonly: false } as unknown as HostOptions;
    const ui = await renderSized(
      <App store={store} now={() => NOW} renderCapture={(t, close) => <CaptureHost opts={opts} target={t} onClose={close} />} />,
      120,
      30,
    );
    await ui.press(KEY.enter);
    await ui.press('c');
    await ui.press(`\u001b[200~host 1 ${H.osc}${H.bidi}\u001b[201~`);
    const f = expectClean(await until(ui, (x) => x.includes('cd_')), 'capture prompt in the shell');
    expectFits(f, 120);
    expect(f).toContain('Capture: ethx\ufffd\ufffdy on node\\x1b]0;pwned\\x07');
    // the prompt keeps what it takes of a paste (its controls are not typed text); the bidi override is shown
    expect(f).toMatch(/> host 1 .*ab\\u202ecd_/);
    ui.unmount();
  });

  it('the capture view: a hostile title, parts, file path, error and the filter on the node', async () => {
    class Hostile extends ReplaySource {
      override snapshot(maxLines?: number): CaptureSnapshot {
        const s = super.snapshot(maxLines);
        const part = { ...s.parts[0]!, node: `n${H.osc}`, iface: IFACES.veth3, file: { path: `/tmp/${H.clear}.pcap`, bytes: 1000, packets: 3, skipped: 0 } as never };
        return {
          ...s,
          title: `${IFACES.veth1}  ${H.bidi}`,
          appliedFilter: `not port 22 ${H.link}`,
          status: { kind: 'error', cause: 'failed', message: `tcpdump: ${H.osc}\n${H.c0}` } as never,
          parts: [part, { ...part, node: `m${H.iso}` }],
          lines: s.lines.map((l, i) => ({ ...l, node: i % 2 ? `n${H.c1}` : undefined })),
        };
      }
    }
    const src = new Hostile('en10mb-mixed');
    src.feed();
    for (const w of [200, 80]) {
      const r = render(
        <KeyRoot>
          <CaptureView source={src} width={w} height={30} refreshMs={1} utc />
        </KeyRoot>,
      );
      const f = expectClean(r.lastFrame(), `capture view ${w}`);
      expectFits(f, w);
      expect(f).toContain('v\\x1b]0;pwned\\x07');
      expect(f).toContain('not port 22 \\x1b]8;;');
      expect(f).toContain('tcpdump: \\x1b]0;pwned');
      r.unmount();
    }
  });

  it('the processes view and the kill dialog: hostile argv, comm, cgroup, pod and container names', async () => {
    const hostileProcs = procs.map((p) =>
      p.pid === 201
        ? { ...p, args: ['/web', `--title=${H.osc}`, H.clear, H.bidi] }
        : p.pid === 401
          ? { ...p, comm: `sl${H.c1}`, args: [] }
          : p.pid === 305
            ? { ...p, args: ['tcpdump', H.link, `x${H.c0}`] }
            : p.pid === 600
              ? { ...p, comm: `dns${H.iso}`, cgroup: `/system.slice/${H.osc}.service` }
              : p,
    );
    const pods = rename(apiPods(), { shop: `shop${H.c1}`, api: `api${H.osc}` });
    pods[0]!.containers[0]!.lastTerminated!.message = `bind: ${H.clear}`;
    const data = view({ procs: hostileProcs }, pods);
    const onKill = async (): Promise<KillResult> => ({ outcome: { kind: 'terminated' }, message: `ended ${H.osc}` });
    const ui = await renderSized(
      <KeyRoot>
        <ProcessesView view={data} readOnly={false} onKill={onKill} width={120} height={40} />
      </KeyRoot>,
      120,
      40,
    );
    let f = expectClean(ui.lastFrame(), 'processes view');
    expectFits(f, 120);
    expect(f).toContain('--title=\\x1b]0;pwned\\x07 \\x1b[2J ab\\u202ecd');
    expect(f).toContain('[sl\\x9b31m]');
    expect(f).toContain('tcpdump \\x1b]8;;');
    expect(f).toContain('(dnsp\\u2066q\\u2028r)');
    await ui.press('K');
    f = expectClean(await until(ui, (x) => x.includes('Kill process')), 'kill dialog');
    expectFits(f, 120);
    expect(f).toMatch(/command +\/web --title=\\x1b\]0;pwned\\x07/);
    // the dialog's frame stays closed: every line of it ends with its border at the same column
    const box = f.split('\n').filter((l) => l.startsWith('│') || l.startsWith('╭') || l.startsWith('╰'));
    expect(box.length).toBeGreaterThanOrEqual(9);
    for (const l of box) expect(l.length, l).toBe(box[0]!.length);
    await ui.press('n');
    f = expectClean(await until(ui, (x) => x.includes('kill cancelled')), 'dialog cancelled');
    expect(f).toContain('kill cancelled');
    ui.unmount();
  });

  it('messages in place of a view: a pod without a veth, a node not connected', async () => {
    const store = cluster();
    const opts = { store, monitor: { transport: () => undefined }, tcpdump: 'tcpdump', keepDir: '/tmp', readonly: false } as unknown as HostOptions;
    const pod = { namespace: `ns${H.osc}`, name: `p${H.bidi}`, uid: 'u1', nodeName: 'x', phase: 'Running', podIPs: [], hostNetwork: false, containers: [] };
    const a = render(
      <KeyRoot>
        <CaptureHost opts={opts} target={{ kind: 'pod', node: `node${H.clear}`, pod }} onClose={() => {}} />
      </KeyRoot>,
    );
    let f = expectClean(a.lastFrame(), 'capture message');
    expect(f).toContain('pod ns\\x1b]0;pwned\\x07/pab\\u202ecd has no veth mapped on node\\x1b[2J');
    a.unmount();
    const b = render(
      <KeyRoot>
        <ProcessesHost opts={opts} node={`node${H.c1}`} onClose={() => {}} />
      </KeyRoot>,
    );
    await wait();
    f = expectClean(b.lastFrame(), 'processes message');
    expect(f).toContain('processes on node\\x9b31m: node\\x9b31m is not connected');
    b.unmount();
  });
});
