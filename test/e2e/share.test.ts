/**
 * A shared session as two people on one jump host use it: the real binary in tmux.
 * The owner watches the lab's nodes with --share (and --record: one producer for both, the file
 * replays); `netwatch attach --once --json` (same user)
 * prints every node while the sshd processes on each node stay as many as before (no new SSH);
 * `attach` in a second pane shows the nodes, its selection moves on its own, `c` with a typed
 * filter runs in the owner's session (the node's tcpdump has the filter; both panes show it; esc
 * stops it), hostile pasted filters and mark notes reach no terminal raw, `s` says read-only,
 * a kill request is refused by the owner; the owner quitting ends the viewer. Another user is
 * refused with one clear line: by the socket's permissions (uid 65534 on root's session) and by
 * the owner's SO_PEERCRED check (root attaching to uid 65534's session).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';
import { BIN, offenders, runNetwatch, tmuxPane, waitFor } from './run.js';

let lab: Lab;
const dir = mkdtempSync(join(tmpdir(), 'nw-e2e-share-'));
const xdg = join(dir, 'xdg');
mkdirSync(xdg, { mode: 0o700 });
const owner = tmuxPane(`nwsho-${process.pid}`);
const viewer = tmuxPane(`nwshv-${process.pid}`);
const other = tmuxPane(`nwshx-${process.pid}`);
const nobodyXdg = join(tmpdir(), `nw-e2e-share-nobody-${process.pid}`);

beforeAll(async () => {
  lab = await startLab({ nodes: [{ name: 'n1', kind: 'bridge', pods: 1 }, { name: 'n2', kind: 'routed', pods: 1 }] });
}, 120_000);
afterAll(async () => {
  owner.kill();
  viewer.kill();
  other.kill();
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(nobodyXdg, { recursive: true, force: true });
});

const env = (x: string) => `TERM=xterm-256color XDG_CONFIG_HOME=${dir}/none XDG_RUNTIME_DIR=${x}`;
async function sshdCount(node: string): Promise<number> {
  const r = await lab.exec(node, ['ps', '-e', '-o', 'comm=']);
  return r.stdout.split('\n').filter((l) => /^sshd/.test(l.trim())).length;
}
/** the capturing tcpdumps on a node, as ps shows their argv (not the sh around them, nor the traffic summary's) */
async function tcpdumps(node: string): Promise<string[]> {
  const r = await lab.exec(node, ['ps', '-eo', 'args']);
  return r.stdout.split('\n').filter((l) => /^(\S*\/)?tcpdump -i \S+ -s \d+ -c \d+ .*-w - /.test(l));
}
const ownerRaw = join(dir, 'owner.raw');
const viewerRaw = join(dir, 'viewer.raw');
/** a paste as tmux gives it to an application that asked for bracketed paste (netwatch does) */
function pasteInto(p: ReturnType<typeof tmuxPane>, text: string): void {
  p.tmux('set-buffer', '-b', 'nw', '--', text);
  p.tmux('paste-buffer', '-p', '-d', '-b', 'nw', '-t', p.target);
}
const sockets = () => readdirSync(join(xdg, 'netwatch')).filter((f) => f.endsWith('.sock'));

describe('shared session (lab)', () => {
  it('attach shows all nodes without new SSH sessions; independent selection; read-only; others refused', async () => {
    owner.run(`${env(xdg)} ${process.execPath} ${BIN} --hosts n1,n2 -F ${lab.sshConfigPath} --share --record ${dir}/owner.nwrec --log ${dir}/owner.log; echo "OWNER EXITED $?"; sleep 600`);
    owner.tmux('pipe-pane', '-o', '-t', owner.target, `cat >> ${ownerRaw}`);
    await owner.until('both nodes live', (f) => /^> n1 +live/m.test(f) && /^ {2}n2 +live/m.test(f), 60_000);
    const [sock] = await waitFor('the session socket', () => (sockets().length === 1 ? sockets() : false));
    const path = join(xdg, 'netwatch', sock!);
    const before = [await sshdCount('n1'), await sshdCount('n2')];
    expect(before.every((n) => n > 0)).toBe(true);

    const once = await runNetwatch(['attach', '--once', '--json', '--log', `${dir}/once.log`], { env: { XDG_RUNTIME_DIR: xdg, XDG_CONFIG_HOME: `${dir}/none` }, timeoutMs: 30_000 });
    expect(once.stderr).toBe('');
    expect(once.code).toBe(0);
    const report = JSON.parse(once.stdout) as { nodes: { node: string; status: string }[] };
    expect(report.nodes.map((n) => [n.node, n.status])).toEqual([['n1', 'live'], ['n2', 'live']]);
    expect([await sshdCount('n1'), await sshdCount('n2')]).toEqual(before);

    // the viewer: a full UI of its own
    viewer.run(`${env(xdg)} ${process.execPath} ${BIN} attach --log ${dir}/viewer.log; echo "VIEWER EXITED $?"; sleep 600`);
    viewer.tmux('pipe-pane', '-o', '-t', viewer.target, `cat >> ${viewerRaw}`);
    await viewer.until('the viewer shows both nodes', (f) => /^> n1 +live/m.test(f) && /^ {2}n2 +live/m.test(f) && f.includes('READ-ONLY'), 30_000);
    viewer.type('j');
    await viewer.until('the viewer selection moved', (f) => /^> n2 +live/m.test(f));
    expect(owner.screen()).toMatch(/^> n1 +live/m);
    owner.type('j');
    owner.type('j');
    await owner.until('the owner moved on its own', (f) => /^> n2 +live/m.test(f));
    viewer.type('k');
    await viewer.until('the viewer back on n1', (f) => /^> n1 +live/m.test(f));
    expect(owner.screen()).toMatch(/^> n2 +live/m);

    // c in the viewer: the filter prompt; a filter typed in one write (as a paste over a laggy link) and
    // enter: the owner's session runs it on n1 (the node's tcpdump has that filter), both panes show it
    viewer.type('c');
    await viewer.until('the prompt', (f) => f.includes("in the owner's session") && f.includes('tcpdump filter'));
    viewer.type('tcp port 22');
    viewer.key('Enter');
    await viewer.until("the capture in the owner's session", (f) => f.includes("capture in the owner's session (started by root (attached))") && /n1:eth0 +tcp port 22: (capturing|checking)/.test(f), 30_000);
    await owner.until('the owner sees who started it', (f) => /capturing for root \(attached\): n1:eth0 · filter tcp port 22 · /.test(f), 15_000);
    const args = await waitFor('tcpdump on n1 with the viewer\'s filter', async () => {
      const ps = (await tcpdumps('n1')).filter((l) => l.includes('tcp port 22'));
      return ps.length ? ps : false;
    }, 20_000);
    expect(args[0]).toMatch(/\(tcp port 22\) and not \(/); // the viewer's filter, the owner's own SSH left out
    expect(readFileSync(`${dir}/owner.log`, 'utf8')).toMatch(/share: capture 1 for root \(attached\): n1:eth0 filter "tcp port 22"/);
    // V on the owner: the viewer's capture in the owner's own capture view; esc there leaves it running
    owner.type('V');
    await owner.until("the owner's capture view of it", (f) => f.includes('started by root (attached) on n1:eth0 (attached viewer)') && /n1:eth0 +tcp port 22 +(capturing|checking)/.test(f), 15_000);
    owner.key('Escape');
    await owner.until('the owner back', (f) => /nodes 1–2 of 2/.test(f));
    expect((await tcpdumps('n1')).some((l) => l.includes('tcp port 22'))).toBe(true);
    // esc in the viewer: the capture stops in the owner's session too
    viewer.key('Escape');
    await viewer.until('back', (f) => /^> n1 +live/m.test(f));
    await owner.until("the owner's line: ended", (f) => /capture asked by root \(attached\): n1:eth0 · filter tcp port 22 · stopped/.test(f), 15_000);
    await waitFor('tcpdump gone from n1', async () => !(await tcpdumps('n1')).some((l) => l.includes('tcp port 22')), 20_000);

    // hostile strings pasted (bracketed, as a terminal pastes) into the filter and a mark note: ESC
    // sequences, BEL, a very long name, unicode. The prompt keeps no control byte; what reaches the
    // node is the printable rest (one argv element); no raw byte reaches either terminal
    const evil = `tcp port 22 and not host 198.18.0.250${'\u001b]0;pwned\u0007'}${'\u001b[2J'}\u0007`;
    viewer.type('c');
    await viewer.until('the prompt again', (f) => f.includes('tcpdump filter'));
    pasteInto(viewer, evil);
    viewer.key('Enter');
    await owner.until('the hostile filter, cleaned, on the owner', (f) => f.includes('filter tcp port 22 and not host 198.18.0.250]0;pwned[2J'), 30_000);
    await viewer.until('refused by tcpdump, back at the prompt', (f) => f.includes('> tcp port 22 and not host 198.18.0.250]0;pwned[2J') && f.includes("tcpdump: can't parse filter expression"), 30_000);
    await owner.until("the owner's line: refused", (f) => /capture asked by root \(attached\): .* · refused by tcpdump/.test(f), 15_000);
    // a very long filter (unicode too): the owner refuses it before anything runs on a node
    viewer.type('\u0015'); // ctrl-u clears the prompt
    pasteInto(viewer, `host 198.18.0.1 or ${'port 1 or '.repeat(110)}port 2 ${'ü'.repeat(10)}`);
    viewer.key('Enter');
    await viewer.until('the long filter refused', (f) => f.includes("the owner's session refused: filter longer than 1024 characters"), 15_000);
    viewer.key('Escape');
    await viewer.until('back from the prompt', (f) => /^> n1 +live/m.test(f));
    const long = `${'界'.repeat(80)}${'x'.repeat(400)}`;
    viewer.type('m');
    pasteInto(viewer, `rolled back${'\u001b]0;pwned\u0007'}${'\u001b[2J'} ${long}`);
    viewer.key('Enter');
    await owner.until('the mark on the owner', (f) => f.includes('rolled back]0;pwned[2J 界界'), 15_000);
    await viewer.until('the mark on the viewer', (f) => f.includes('rolled back]0;pwned[2J 界界'), 15_000);
    for (const p of [owner, viewer]) {
      expect(p.tmux('display-message', '-p', '-t', p.target, '#{pane_title}')).not.toMatch(/pwned/);
    }
    expect(offenders(readFileSync(ownerRaw))).toEqual([]);
    expect(offenders(readFileSync(viewerRaw))).toEqual([]);

    // y in the viewer: the shared state as Markdown, a file beside the viewer's log
    viewer.type('y');
    await viewer.until('copied', (f) => /copied 2 nodes as Markdown .* saved /.test(f.replace(/\n/g, '')), 15_000);
    const md = readdirSync(dir).filter((x) => x.endsWith('.md'));
    expect(md).toHaveLength(1);
    expect(readFileSync(join(dir, md[0]!), 'utf8')).toMatch(/\| n1 \| live[^\n]*\n\| n2 \| live/);

    // kill: the viewer's UI says read-only without asking; the owner refuses a kill request anyway
    viewer.type('s');
    await viewer.until('read-only', (f) => f.includes('read-only: attached viewer'));
    viewer.key('Escape');
    const script = `const s=require('net').connect(process.argv[1]);let b='';s.setEncoding('utf8');s.on('data',d=>{b+=d;for(const l of b.split('\\n')){if(l.includes('"reply"')){console.log(l);process.exit(0)}}});s.write(JSON.stringify({r:'kill'})+'\\n');setTimeout(()=>process.exit(3),10000)`;
    const kill = execFileSync(process.execPath, ['-e', script, path], { encoding: 'utf8' });
    expect(kill).toContain('kill refused: attached viewers are read-only');
    expect([await sshdCount('n1'), await sshdCount('n2')]).toEqual(before);

    // another user on root's session: the socket's directory lets nobody else in
    let err = '';
    let status: number | null = 0;
    try {
      execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'attach', path, '--once', '--json', '--log', '/dev/null'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000, env: { ...process.env, HOME: '/nonexistent', XDG_CONFIG_HOME: '/nonexistent', XDG_RUNTIME_DIR: '' } });
    } catch (e) {
      err = String((e as { stderr: string }).stderr);
      status = (e as { status: number | null }).status;
    }
    expect(status).toBe(1);
    expect(err.trim()).toBe(`netwatch: attach refused: permission denied on ${path} (only its owner, or the members of its --share-group, may attach)`);

    // the owner quits: the viewer says so and exits cleanly
    owner.type('q');
    await owner.until('owner exited', (f) => f.includes('OWNER EXITED 0'), 15_000);
    const end = await viewer.until('the viewer ended', (f) => f.includes('VIEWER EXITED 0'), 15_000);
    expect(end).toContain('netwatch: owner ended the session');
    expect(sockets()).toEqual([]);
    // --record beside --share: one producer served the viewers and wrote the file; it replays
    const rep = await runNetwatch(['replay', `${dir}/owner.nwrec`, '--once', '--json', '--log', `${dir}/replay.log`], { env: { XDG_CONFIG_HOME: `${dir}/none` }, timeoutMs: 30_000 });
    expect(rep.code).toBe(0);
    const replayed = JSON.parse(rep.stdout) as { nodes: { node: string; status: string }[] };
    expect(replayed.nodes.map((n) => n.node)).toEqual(['n1', 'n2']);
  }, 240_000);

  it("root attaching to uid 65534's session is refused by the owner's SO_PEERCRED check", async () => {
    mkdirSync(nobodyXdg, { mode: 0o700 });
    chownSync(nobodyXdg, 65534, 65534);
    other.run(`TERM=xterm-256color XDG_CONFIG_HOME=${nobodyXdg}/none XDG_RUNTIME_DIR=${nobodyXdg} HOME=${nobodyXdg} setpriv --reuid=65534 --regid=65534 --clear-groups ${process.execPath} ${BIN} --share --log ${nobodyXdg}/owner.log; echo "NOBODY EXITED $?"; sleep 600`);
    await other.until('the local view', (f) => / live /.test(f) && f.includes('nodes 1–1 of 1'), 60_000);
    const sdir = join(nobodyXdg, 'netwatch');
    const [sock] = await waitFor('its socket', () => {
      const s = readdirSync(sdir).filter((f) => f.endsWith('.sock'));
      return s.length === 1 ? s : false;
    });
    const r = await runNetwatch(['attach', join(sdir, sock!), '--once', '--json', '--log', `${dir}/refused.log`], { timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('netwatch: attach refused: uid 0 is not the owner (uid 65534)\n');
    other.type('q');
    await other.until('exited', (f) => f.includes('NOBODY EXITED 0'), 15_000);
  }, 120_000);
});
