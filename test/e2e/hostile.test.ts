/**
 * A hostile node and API, the real binary in a terminal: a lab node whose interfaces are named with
 * escapes (OSC, CSI, C1, bidi, invalid UTF-8), a pod process whose argv carries them, pods (and a
 * node) named with them in the test API server. netwatch runs in a tmux pane (its own server)
 * whose raw output is piped to a file (pipe-pane: every byte the binary writes, before tmux reads
 * it) through the overview, the node detail's three panes, the capture prompt, the processes view,
 * the kill dialog and the help; then a 403 on the node's pods. The bytes hold no escape but the
 * allow-listed CSI forms Ink and src/ui/terminal.ts write, no OSC, no C0 but CR/LF, no C1, no bidi
 * control; the pane's title is not set; the escapes are on the screen as text. Root only (the lab).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApiServer } from '../kube/apiserver.mjs';
import { makeNode, makePod } from '../kube/objects.mjs';
import { startLab, type Lab } from '../lab/lab.js';
import { BIN, killTmuxServer, offenders, runNetwatch, waitFor } from './run.js';

const SERVER = `hostile-${process.pid}`;
const S = 'h';
const NODE = 'gke-h-1';
let lab: Lab;
let api: TestApiServer;
let raw: string;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SERVER, ...args], { encoding: 'utf8' });
}
const screen = () => tmux('capture-pane', '-p', '-t', S);
const type = (s: string) => tmux('send-keys', '-t', S, '-l', s);
const key = (k: string) => tmux('send-keys', '-t', S, k);
async function until(what: string, fn: (f: string) => boolean, ms = 20_000): Promise<string> {
  let last = '';
  try {
    return await waitFor(what, () => ((last = screen()), fn(last) ? last : false), ms, 50);
  } catch (e) {
    throw new Error(`${(e as Error).message}; the screen:\n${last}`);
  }
}

/** interface names as printf(1) formats (≤ 15 bytes, no '/', ':', whitespace): OSC title, CSI clear, C1 CSI, RLO, invalid UTF-8 */
const IFACES = ['o\\033]0;pw\\007', 'c\\033[2J', 'k\\302\\23331m', 'ab\\342\\200\\256cd', 'y\\377\\376z'];
/** what the screen shows for them */
const IFACE_SHOWN = ['o\\x1b]0;pw\\x07', 'c\\x1b[2J', 'k\\x9b31m', 'ab\\u202ecd'];
const POD_NAMES = ['web-\u001b]0;pwned\u0007', 'api-\u001b[2J\u202e'];
const EVIL_NODE = 'evil-\u001b]2;gotcha\u001b\\';

beforeAll(async () => {
  lab = await startLab({ nodes: [{ name: NODE, kind: 'bridge', pods: 2 }] });
  const names = IFACES.map((n) => `"$(printf '${n}')"`).join(' ');
  const add = await lab.exec(NODE, ['sh', '-c', `for n in ${names}; do ip link add name "$n" type bridge && ip link set "$n" up || exit 1; done`]);
  expect(add.code, add.stderr).toBe(0);
  // a pod process whose argv[0] and arguments carry OSC, CSI, C1 and a bidi override (perl sleeps; the rest are its @ARGV)
  const pod = lab.node(NODE).pods[0]!;
  const argv = `exec {"/usr/bin/perl"} "srv\\e]0;pwned\\a", "-e", "sleep 900", "\\e[2J\\e[H", "\\xc2\\x9b31m", "ab\\xe2\\x80\\xaecd"`;
  const start = await lab.execInPod(NODE, pod.name, ['sh', '-c', `setsid perl -e '${argv}' </dev/null >/dev/null 2>&1 &`]);
  expect(start.code, start.stderr).toBe(0);
  api = await TestApiServer.start();
  const n = lab.node(NODE);
  api.addNode(makeNode('gke', { name: NODE, pool: 'pool-h', internalIP: n.address }));
  // a node the API names with an escape, without an address: its row fails, with its name shown
  api.addNode(makeNode('gke', { name: EVIL_NODE, pool: 'pool-h', addresses: [] }));
  n.pods.forEach((p, i) => api.addPod(makePod('gke', { name: POD_NAMES[i]!, namespace: `ns-\u009b1m`, node: NODE, ip: p.ip, uid: p.uid })));
  const kubeconfig = api.kubeconfig(join(lab.dir, 'kubeconfig'));
  raw = join(lab.dir, 'raw.out');
  const cmd = `TERM=xterm-256color ${process.execPath} ${BIN} --kubeconfig ${kubeconfig} -F ${lab.sshConfigPath} --nodes pool-h; echo "EXITED $?"; sleep 600`;
  tmux('new-session', '-d', '-x', '160', '-y', '40', '-s', S, `sleep 0.5; ${cmd}`);
  tmux('pipe-pane', '-o', '-t', S, `cat >> ${raw}`);
  await until('the node live', (f) => / live /.test(f), 40_000);
}, 180_000);

afterAll(async () => {
  killTmuxServer(SERVER);
  await api?.stop();
  await lab?.stop();
});

describe('hostile names, argv and API strings in the lab: nothing raw reaches the terminal', () => {
  it('--once, text and JSON: nothing raw in the output; the JSON holds the names as they are', async () => {
    const args = ['--kubeconfig', join(lab.dir, 'kubeconfig'), '-F', lab.sshConfigPath, '--nodes', 'pool-h', '--once'];
    const text = await runNetwatch(args);
    for (const [what, out] of [['stdout', text.stdout], ['stderr', text.stderr]] as const) {
      const bad = offenders(Buffer.from(out));
      expect(bad, `${what}: ${bad.slice(0, 5).join('\n')}`).toEqual([]);
    }
    expect(text.stdout).toContain('evil-\\x1b]2;gotcha\\x1b\\');
    const json = await runNetwatch([...args, '--json']);
    const bad = offenders(Buffer.from(json.stdout));
    expect(bad, bad.slice(0, 5).join('\n')).toEqual([]);
    const rep = JSON.parse(json.stdout);
    expect(rep.nodes.map((n: { node: string }) => n.node).sort()).toEqual([EVIL_NODE, NODE].sort());
    const pods = rep.nodes.find((n: { node: string }) => n.node === NODE).pods.items.map((p: { name: string; namespace: string }) => `${p.namespace}/${p.name}`);
    expect(pods.sort()).toEqual(POD_NAMES.map((n) => `ns-\u009b1m/${n}`).sort());
    const names = rep.nodes.find((n: { node: string }) => n.node === NODE).interfaces.data.map((i: { name: string }) => i.name);
    const ascii = (v: unknown) => JSON.stringify(v).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    console.log(`[figure] interface names as --json reports them: ${ascii(names.filter((n: string) => !/^(lo|eth0|cbr0|veth)/.test(n)))}`);
  }, 90_000);

  it('every view, the kill dialog and the help, then a 403 on the pods', async () => {
    let f = await until('the hostile node row', (f) => f.includes('evil-\\x1b]2;gotcha\\x1b\\'));
    expect(f).toContain('netwatch 2 nodes');
    // the detail of the lab node: its interfaces, with the names shown as escapes
    const row = f.split('\n').findIndex((l) => l.includes(NODE));
    const sel = f.split('\n').findIndex((l) => l.startsWith('> '));
    type(row > sel ? 'j'.repeat(row - sel) : 'k'.repeat(sel - row));
    await until('the lab node selected', (f) => f.split('\n').some((l) => l.startsWith('> ') && l.includes(NODE)));
    key('Enter');
    f = await until('hostile interfaces shown', (f) => IFACE_SHOWN.every((n) => f.includes(n)));
    expect(f).toMatch(/y\\xff\\xfez|y\ufffd\ufffdz/);
    key('Tab');
    f = await until('pods pane with the API names', (f) => f.includes('web-\\x1b]0;pwned\\x07') && f.includes('api-\\x1b[2J\\u202e'));
    expect(f).toContain('ns-\\x9b1m/');
    key('Tab');
    await until('checks pane', (f) => f.includes('[checks'));
    key('Tab');
    // c on a hostile interface: the prompt (or the refusal) shows its name escaped
    f = await until('interfaces pane again', (f) => f.includes('[interfaces'));
    for (let i = 0; i < 8 && !screen().split('\n').some((l) => l.startsWith('> ') && l.includes('o\\x1b]0;pw')); i++) {
      type('j');
      await new Promise((r) => setTimeout(r, 80));
    }
    type('c');
    await until('capture prompt or refusal', (f) => f.includes('o\\x1b]0;pw\\x07'));
    key('Escape');
    await until('back to the detail', (f) => f.includes('[interfaces'));
    key('Escape');
    await until('overview', (f) => f.includes('nodes 1–2 of 2'));
    // the processes view of the node: the pod process's argv shown escaped
    type('s');
    f = await until('processes view with the hostile argv', (f) => f.includes('srv\\x1b]0;pwned\\x07 -e sleep 900 \\x1b[2J\\x1b[H \\x9b31m ab\\u202ecd'), 40_000);
    const procRow = f.split('\n').findIndex((l) => l.includes('srv\\x1b]0;pwned'));
    // select it (j until the dialog names it) and ask to kill it: the dialog shows the argv escaped
    for (let i = 0; i < 12; i++) {
      type('K');
      const d = await until('kill dialog', (f) => f.includes('Kill process'));
      if (/command +srv/.test(d)) break;
      type('n');
      await until('dialog closed', (f) => !f.includes('Kill process'));
      type('j');
    }
    f = screen();
    expect(procRow).toBeGreaterThan(0);
    expect(f).toMatch(/command +srv\\x1b\]0;pwned\\x07 -e sleep 900/);
    type('n');
    await until('kill cancelled', (f) => f.includes('kill cancelled'));
    type('?');
    await until('help', (f) => f.includes('netwatch keys:'));
    key('Escape');
    key('Escape');
    await until('overview', (f) => f.includes('nodes 1–2 of 2'));
    type('?');
    await until('overview help', (f) => f.includes('netwatch keys: Overview'));
    key('Escape');
    await until('overview', (f) => f.includes('nodes 1–2 of 2'));

    // 403 on the node's pods: the live view says so (not "kube ok" with the old count)
    expect(screen().split('\n')[0]).toContain('kube ok');
    api.forbid('pods', { node: NODE });
    api.closeWatches();
    f = await until('pods forbidden on the node', (f) => f.split('\n')[0]!.includes('kube: pods forbidden on gke-h-1'), 30_000);
    const nodeRow = f.split('\n').find((l) => l.includes(NODE) && l.includes(' live'))!;
    // the PODS column says it in place of the old count (the row's worst problem keeps its place)
    expect(nodeRow).toMatch(/ forbidden /);
    type('p');
    f = await until('pods pane', (f) => f.includes('[pods 2?]'));
    const podRows = f.split('\n').filter((l) => l.includes('ns-\\x9b1m/'));
    expect(podRows).toHaveLength(2);
    for (const l of podRows) expect(l).toContain('unknown: pods forbidden');
    key('Escape');
    await until('overview', (f) => f.includes('nodes 1–2 of 2'));
    // (the list is retried after ~60 s, the API source's slow retry: test/ui/kube403.test.tsx shows the way back)
    api.allow('pods');

    type('q');
    await until('exited', (f) => f.includes('EXITED 0'));
    // the terminal title was not set (tmux takes OSC 0/2 as the pane title)
    expect(tmux('display-message', '-p', '-t', S, '#{pane_title}')).not.toMatch(/pw|gotcha/);
    const bytes = readFileSync(raw);
    expect(bytes.length).toBeGreaterThan(10_000);
    const bad = offenders(bytes);
    expect(bad, bad.slice(0, 10).join('\n')).toEqual([]);
    // and the output did draw the hostile strings, escaped
    const text = bytes.toString('utf8');
    for (const s of ['o\\x1b]0;pw\\x07', 'web-\\x1b]0;pwned\\x07', 'srv\\x1b]0;pwned\\x07', 'evil-\\x1b]2;gotcha\\x1b\\']) expect(text).toContain(s);
    console.log(`[figure] raw output ${bytes.length} bytes, ${(text.match(/\u001b/g) ?? []).length} escape sequences, all allow-listed CSI`);
  }, 240_000);
});
