/**
 * A shared session as two people on one jump host use it: the real binary in tmux.
 * The owner watches the lab's nodes with --share (and --record: one producer for both, the file
 * replays); `netwatch attach --once --json` (same user)
 * prints every node while the sshd processes on each node stay as many as before (no new SSH);
 * `attach` in a second pane shows the nodes, its selection moves on its own, `s` says read-only,
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
import { BIN, runNetwatch, tmuxPane, waitFor } from './run.js';

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
const sockets = () => readdirSync(join(xdg, 'netwatch')).filter((f) => f.endsWith('.sock'));

describe('shared session (lab)', () => {
  it('attach shows all nodes without new SSH sessions; independent selection; read-only; others refused', async () => {
    owner.run(`${env(xdg)} ${process.execPath} ${BIN} --hosts n1,n2 -F ${lab.sshConfigPath} --share --record ${dir}/owner.nwrec --log ${dir}/owner.log; echo "OWNER EXITED $?"; sleep 600`);
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

    // c in the viewer: the owner's session runs the capture, its lines show in the viewer
    viewer.type('c');
    const cap = await viewer.until('the capture in the owner\'s session', (f) => f.includes("capture in the owner's session") && /n1:eth0: capturing .* packets/.test(f), 30_000);
    expect(cap).toMatch(/owner: capturing n1:eth0 for at most 30 s in the owner's session|n1:eth0: capturing/);
    expect(readFileSync(`${dir}/owner.log`, 'utf8')).toMatch(/share: capture 1 for uid 0 \(attached\): n1:eth0/);
    viewer.key('Escape');
    await viewer.until('back', (f) => /^> n1 +live/m.test(f));

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
