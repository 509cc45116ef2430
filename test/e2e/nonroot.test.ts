/**
 * Plain `netwatch --once --json` run by a normal user (uid 65534 via setpriv) on this machine:
 * it samples what that user can read, names what needs root, and never runs sudo (a `sudo` first
 * on PATH records any call). Needs root to switch users.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, killTmuxServer, waitFor } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-nonroot-'));
chmodSync(dir, 0o777);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function asNobody(args: string[]) {
  const marker = join(dir, 'sudo-called');
  writeFileSync(join(dir, 'sudo'), `#!/bin/sh\necho "$@" >> ${marker}\nexit 1\n`, { mode: 0o755 });
  const env = { PATH: `${dir}:${process.env.PATH}`, HOME: dir, LANG: 'C.UTF-8' };
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args], {
    encoding: 'utf8',
    env,
    timeout: 30_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { ...r, sudoCalled: existsSync(marker) };
}

describe('netwatch as a normal user, on this machine', () => {
  it('--once --json: sampled, says what needs root, no sudo', () => {
    const r = asNobody(['--once', '--json', '--log', join(dir, 'nw.log')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.sudoCalled).toBe(false);
    const rep = JSON.parse(r.stdout);
    expect(rep.local.root).toBe(false);
    const paths = rep.local.needsRoot.map((n: { path: string }) => n.path);
    expect(paths).toContain('/proc/1/ns/net'); // other users' namespaces: pod <-> veth peers
    expect(paths).toContain('/proc/1/fd');
    const node = rep.nodes[0];
    expect(node.status).toBe('live');
    expect(node.interfaces.status).toBe('ok');
    expect(node.interfaces.data.length).toBeGreaterThan(0);
    expect(node.conntrack.status).toBe('ok');
    expect(node.problems.map((p: { code: string }) => p.code)).toContain('needs-root');
  });

  it('the live view says it too: on the node row and in its checks pane (tmux, as uid 65534)', async () => {
    const server = `nwnonroot-${process.pid}`;
    const tmux = (...a: string[]) => execFileSync('tmux', ['-L', server, ...a], { encoding: 'utf8' });
    const marker = join(dir, 'sudo-called');
    writeFileSync(join(dir, 'sudo'), `#!/bin/sh\necho "$@" >> ${marker}\nexit 1\n`, { mode: 0o755 });
    const cmd = `env PATH=${dir}:${process.env.PATH} HOME=${dir} TERM=xterm-256color setpriv --reuid=65534 --regid=65534 --clear-groups ${process.execPath} ${BIN} --log ${join(dir, 'live.log')}; sleep 600`;
    tmux('new-session', '-d', '-x', '160', '-y', '40', '-s', 't', cmd);
    try {
      const screen = () => tmux('capture-pane', '-p', '-t', 't');
      await waitFor('the local node live', () => / live /.test(screen()), 20_000, 100);
      tmux('send-keys', '-t', 't', 'Enter');
      tmux('send-keys', '-t', 't', '-l', '\t\t');
      const f = await waitFor('the checks pane says what needs root', () => {
        const s = screen();
        return /needs-root|not root: /.test(s) && /need root/.test(s) ? s : false;
      }, 10_000, 100);
      expect(f).toMatch(/kernel log/);
      expect(existsSync(marker)).toBe(false);
    } finally {
      killTmuxServer(server);
    }
  }, 60_000);

  it('--once (text): the table, then what needs root', () => {
    const r = asNobody(['--once', '--log', join(dir, 'nw.log')]);
    expect(r.status).toBe(0);
    expect(r.sudoCalled).toBe(false);
    expect(r.stdout).toMatch(/^NODE +STATUS/);
    expect(r.stdout).toMatch(/not root: shown is what this user can read; these need root \(sudo netwatch\):\n {2}[\s\S]*\/proc\/1\/ns\/net/);
  });

  it('as root nothing is listed as missing', () => {
    const r = spawnSync(process.execPath, [BIN, '--once', '--json', '--log', join(dir, 'root.log')], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).local).toEqual({ root: true, needsRoot: [] });
  });
});
