/**
 * The live view as a person uses it: the real binary in a tmux pane (its own server) against the
 * namespace lab over real SSH. `send-keys -l` writes a whole string at once, as a paste or fast
 * typing over a laggy link does; the screen is read with `capture-pane`; what reached the node is
 * read from the node's own /proc (the exact argv of its tcpdump). Root only (the lab).
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BINDINGS, HELP_SCOPES, type ViewId } from '../../src/ui/keys.js';
import { startLab, type Lab } from '../lab/lab.js';
import { BIN, killTmuxServer, waitFor } from './run.js';

const SERVER = `nwinput-${process.pid}`;
const S = 't';
let lab: Lab;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SERVER, ...args], { encoding: 'utf8' });
}
const screen = () => tmux('capture-pane', '-p', '-t', S);
const type = (s: string) => tmux('send-keys', '-t', S, '-l', s);
const key = (k: string) => tmux('send-keys', '-t', S, k);
/** the screen once `fn` holds for it (the last screen in the error when it never does) */
async function until(what: string, fn: (f: string) => boolean, ms = 15_000): Promise<string> {
  let last = '';
  try {
    return await waitFor(what, () => ((last = screen()), fn(last) ? last : false), ms, 50);
  } catch (e) {
    throw new Error(`${(e as Error).message}; the screen:\n${last}`);
  }
}

/**
 * every tcpdump on the node that a user's capture started, as its exact argv. The overview's
 * traffic summary runs its own short tcpdump (-w -) every few seconds; both run under capture.sh
 * (`sh -c SCRIPT TAG …`, tcpdump's parent), told apart by the tag: nw-cap-… for a capture the
 * user started, nw-traf-… for the summary.
 */
async function captures(node: string): Promise<string[][]> {
  const r = await lab.exec(node, [
    'sh',
    '-c',
    'for d in /proc/[0-9]*; do p=$(sed -n "s/^PPid:[[:space:]]*//p" "$d/status" 2>/dev/null); tr "\\0\\n" "\\037\\035" < "$d/cmdline" 2>/dev/null; printf "\\036"; tr "\\0\\n" "\\037\\035" < "/proc/$p/cmdline" 2>/dev/null; echo; done',
  ]);
  // NUL separates arguments, a newline inside one (the script) comes as \x1d
  const argv = (s: string) => s.split('\u001f').filter((a, i, all) => i < all.length - 1 || a !== '').map((a) => a.replaceAll('\u001d', '\n'));
  return r.stdout
    .split('\n')
    .map((l) => l.split('\u001e'))
    .filter(([self = '', parent = '']) => (argv(self)[0] ?? '').endsWith('tcpdump') && argv(self).includes('-w') && (argv(parent)[3] ?? '').startsWith('nw-cap-'))
    .map(([self = '']) => argv(self));
}

/** the help of a view lists every key of its scopes: each binding's help text is on the screen */
function expectHelp(f: string, view: ViewId) {
  expect(f).toMatch(/\? or esc closes/);
  for (const scope of HELP_SCOPES[view]) for (const b of BINDINGS.filter((x) => x.scope === scope)) expect(f, `${view}: ${b.help}`).toContain(b.help.slice(0, 30));
}

beforeAll(async () => {
  lab = await startLab({ nodes: [{ name: 'n1', kind: 'bridge', pods: 1 }, { name: 'n2', kind: 'routed', pods: 1 }, { name: 'n3', kind: 'bridge', pods: 1 }] });
  const cmd = `TERM=xterm-256color ${process.execPath} ${BIN} -F ${lab.sshConfigPath} --hosts n1,n2,n3; echo "EXITED $?"; sleep 600`;
  tmux('new-session', '-d', '-x', '160', '-y', '40', '-s', S, cmd);
  await until('every node live', (f) => (f.match(/ live /g) ?? []).length === 3, 30_000);
}, 120_000);

afterAll(async () => {
  killTmuxServer(SERVER);
  await lab?.stop();
});

// each test starts from the overview, also after one that failed inside another view
beforeEach(async () => {
  if (!lab) return;
  for (let i = 0; i < 4 && !/nodes 1–3 of 3/.test(screen()); i++) {
    key('Escape');
    await new Promise((r) => setTimeout(r, 300));
  }
  await until('overview', (f) => f.includes('nodes 1–3 of 3') && !f.includes('netwatch keys:'), 10_000);
});

const header = (f: string) => f.split('\n').filter((l) => l.startsWith('netwatch 3 nodes'));

describe('netwatch in a terminal', () => {
  it('kk moves twice, /n2 filters: each written in one write', async () => {
    type('jj');
    await until('n3 selected', (f) => f.split('\n').some((l) => /^> n3 /.test(l)));
    type('kk');
    await until('n1 selected', (f) => f.split('\n').some((l) => /^> n1 /.test(l)));
    type('/n2');
    const f = await until('filtered to n2', (f) => f.includes('nodes 1–1 of 1 (3 unfiltered)'));
    expect(f).not.toMatch(/^. n1 /m);
    expect(f).toMatch(/^> n2 /m);
    key('Escape');
    await until('filter cleared', (f) => f.includes('nodes 1–3 of 3'));
  });

  it('a filter typed into the capture prompt reaches tcpdump unchanged, 20 of 20 (split writes) and 20 of 20 (one write); esc ends it', async () => {
    let ok = 0;
    for (let i = 0; i < 40; i++) {
      const filter = `tcp port ${8000 + i}`;
      if (i < 20) {
        type('c');
        type(filter);
        key('Enter');
      } else type(`c${filter}\r`);
      const argv = await waitFor(`tcpdump with "${filter}"`, async () => (await captures('n1')).find((a) => a.at(-1)?.includes(filter)), 15_000, 50);
      // unchanged: the whole filter as one argument (netwatch may add the exclusion of its own SSH connection around it)
      const last = argv.at(-1)!;
      if (last === filter || last.includes(`(${filter})`)) ok++;
      expect(argv).toContain('eth0');
      await until('capture view', (f) => /^n1:eth0 {2}/m.test(f));
      key('Escape');
      await waitFor('tcpdump gone', async () => (await captures('n1')).length === 0, 10_000, 50);
      await until('overview back', (f) => f.includes('nodes 1–3 of 3'));
    }
    expect(ok).toBe(40);
    const f = screen();
    expect(header(f)).toHaveLength(1);
    expect(f).not.toContain('^[');
  }, 300_000);

  it('a filter pasted by the terminal (bracketed paste, tmux paste-buffer -p) arrives whole, line break and all', async () => {
    type('c');
    await until('capture prompt', (f) => f.includes('Capture: '));
    tmux('set-buffer', '-b', 'nw', 'tcp port 9090\nand not icmp');
    tmux('paste-buffer', '-p', '-b', 'nw', '-t', S);
    await until('pasted', (f) => f.includes('filter: tcp port 9090 and not icmp'));
    key('Enter');
    const argv = await waitFor('tcpdump', async () => (await captures('n1'))[0], 15_000, 50);
    expect(argv.at(-1)).toContain('tcp port 9090 and not icmp');
    key('Escape');
    await waitFor('tcpdump gone', async () => (await captures('n1')).length === 0, 10_000, 50);
    await until('overview back', (f) => f.includes('nodes 1–3 of 3'));
  }, 60_000);

  it('the snap length chosen with tab reaches tcpdump', async () => {
    type('c\t');
    await until('snap length 96', (f) => f.includes('snap length: 96 bytes'));
    const f = screen();
    expect(f).toContain('node n1, interface eth0');
    expect(f).toContain('filter: everything (no filter)');
    expect(f).toContain("netwatch's own SSH connection to the node is left out of the capture");
    key('Enter');
    const argv = await waitFor('tcpdump', async () => (await captures('n1'))[0], 15_000, 50);
    expect(argv[argv.indexOf('-s') + 1]).toBe('96');
    key('Escape');
    await waitFor('tcpdump gone', async () => (await captures('n1')).length === 0, 10_000, 50);
    await until('overview back', (f) => f.includes('nodes 1–3 of 3'));
  }, 60_000);

  it('? shows the keys of the view it is pressed in: overview, detail, capture prompt, capture, processes', async () => {
    type('?');
    expectHelp(await until('overview help', (f) => f.includes('netwatch keys: Overview')), 'overview');
    type('?');
    type('\r?');
    expectHelp(await until('detail help', (f) => f.includes('netwatch keys: Node detail')), 'detail');
    // a person's esc and the next key are apart in time: ESC followed at once by a key is how a
    // terminal sends alt+key, so each esc here waits for the screen it leads to
    key('Escape');
    await until('detail, help closed', (f) => !f.includes('netwatch keys') && f.includes('› n1 ›'));
    key('Escape');
    await until('overview', (f) => f.includes('nodes 1–3 of 3'));
    type('c?');
    expectHelp(await until('capture prompt help', (f) => f.includes('netwatch keys: Capture filter prompt')), 'capturePrompt');
    key('Escape');
    await until('capture prompt, help closed', (f) => !f.includes('netwatch keys') && f.includes('tcpdump filter'));
    type('\r?');
    expectHelp(await until('capture help', (f) => f.includes('netwatch keys: Capture ·')), 'capture');
    key('Escape');
    await until('capture view', (f) => /^n1:eth0 {2}/m.test(f));
    key('Escape');
    await until('overview', (f) => f.includes('nodes 1–3 of 3'));
    type('s');
    await until('process view', (f) => f.includes('Stale processes on n1'), 30_000);
    type('?');
    expectHelp(await until('processes help', (f) => f.includes('netwatch keys: Stale processes')), 'processes');
    key('Escape');
    await until('process view, help closed', (f) => !f.includes('netwatch keys') && f.includes('Stale processes on n1'));
    key('Escape');
    const f = await until('overview', (f) => f.includes('nodes 1–3 of 3'));
    expect(header(f)).toHaveLength(1);
  }, 90_000);

  it('a resize redraws the whole frame: one header, nothing half-drawn', async () => {
    for (const [x, y] of [[100, 30], [70, 20], [160, 40]] as const) {
      tmux('resize-window', '-t', S, '-x', String(x), '-y', String(y));
      const f = await until(`redrawn at ${x}x${y}`, (f) => f.split('\n')[0]!.startsWith('netwatch 3 nodes') && f.includes('nodes 1–3 of 3') && header(f).length === 1);
      const lines = f.split('\n');
      expect(header(f)).toHaveLength(1);
      expect(lines.filter((l) => l.includes('nodes 1–3 of 3'))).toHaveLength(1);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(x);
      expect(f).not.toContain('^[');
    }
  });

  it('q restores the terminal: the shell screen comes back, no frame left on it', async () => {
    type('q');
    const f = await until('exited', (f) => f.includes('EXITED 0'));
    expect(header(f)).toHaveLength(0);
    expect(f).not.toContain('nodes 1–3 of 3');
  });
});
