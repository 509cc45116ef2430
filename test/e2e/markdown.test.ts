/**
 * Markdown and marks as a person uses them: the real binary (npm run build) in a tmux pane of its
 * own server, watching this machine (no nodes given, no SSH). `--once -o markdown` prints the
 * table; in the live view `m` + a typed note + a pasted note (tmux paste-buffer -p: a bracketed
 * paste, with an OSC title sequence in it) + enter shows the mark in the header; `y` writes the
 * Markdown beside the log and sends it with OSC 52, which tmux (`set -g set-clipboard on`) keeps
 * as its buffer: `tmux show-buffer` is the file, byte for byte.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, killTmuxServer, tmuxPane, waitFor } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-e2e-md-'));
const conf = join(dir, 'tmux.conf');
writeFileSync(conf, 'set -g set-clipboard on\n');
const pane = tmuxPane(`nwmd-${process.pid}`, conf);
// netwatch inside a tmux inside a tmux: the inner one passes the DCS passthrough on (and ignores plain OSC 52), the outer keeps it as its buffer
const innerConf = join(dir, 'inner.conf');
writeFileSync(innerConf, 'set -g set-clipboard off\nset -g allow-passthrough on\nset -g status off\n');
const outer = tmuxPane(`nwmdo-${process.pid}`, conf);
const inner = `nwmdi-${process.pid}`;

afterAll(() => {
  pane.kill();
  outer.kill();
  killTmuxServer(inner);
  rmSync(dir, { recursive: true, force: true });
});

const env = `TERM=xterm-256color XDG_CONFIG_HOME=${dir}/none`;
const mdFiles = () => readdirSync(dir).filter((f) => f.endsWith('.md')).sort();

describe('Markdown and marks in a terminal (this machine)', () => {
  it('--once -o markdown prints the header and the node table; then the live view: m, a note typed and pasted, y', async () => {
    const once = `${env} ${process.execPath} ${BIN} --once --window 0 -o markdown --log ${dir}/once.log; echo "EXITED $?"`;
    const live = `${env} ${process.execPath} ${BIN} --log ${dir}/live.log; echo "EXITED $?"; sleep 600`;
    pane.run(`${once}; ${live}`);
    const printed = await pane.until('the --once output', (f) => f.includes('EXITED'), 30_000);
    expect(printed).toMatch(/^\*\*netwatch\*\* · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · 1 node, [01] with problems/m);
    expect(printed).toContain('| node | status | worst problem |\n|---|---|---|\n| ');
    expect(printed).toMatch(/^\| \S+ \| live \| .+ \|$/m);
    expect(printed).toContain('EXITED 0');

    await pane.until('the live view', (f) => / live /.test(f) && f.includes('nodes 1–1 of 1'), 30_000);
    pane.type('m');
    await pane.until('the mark prompt', (f) => f.includes('mark: █ enter adds · esc cancels'));
    pane.type('restarted ');
    pane.tmux('set-buffer', '-b', 'note', 'kube-proxy\non n3 \u001b]0;pwned\u0007q');
    pane.tmux('paste-buffer', '-p', '-d', '-b', 'note', '-t', pane.target);
    await pane.until('the pasted note', (f) => f.includes('mark: restarted kube-proxy on n3 ]0;pwnedq█'));
    pane.key('Enter');
    const marked = await pane.until('the mark in the header', (f) => /^netwatch 1 node .* · mark \d\d:\d\d:\d\d restarted kube-proxy on n3 \]0;pwnedq \(\S+\)/m.test(f));
    expect(marked).toContain('nodes 1–1 of 1');
    expect(pane.tmux('display-message', '-p', '-t', pane.target, '#{pane_title}')).not.toContain('pwned');

    // y on the overview: a file beside the log, the same bytes in tmux's buffer (OSC 52 through tmux)
    pane.type('y');
    const status = await pane.until('the status line', (f) => /copied node \S+ as Markdown \([\d.]+ kB\) to the clipboard \(OSC 52\) · saved /.test(f));
    const [file] = await waitFor('the Markdown file', () => (mdFiles().length === 1 ? mdFiles() : false));
    expect(status).toContain(join(dir, file!).slice(0, 60));
    const md = readFileSync(join(dir, file!), 'utf8');
    expect(md).toMatch(/^\*\*netwatch\*\* · .* UTC · 1 node, /);
    expect(md).toContain('| node | status | worst problem |');
    expect(md).toMatch(/\*\*Marks\*\* \(UTC\)\n\n- \d\d:\d\d:\d\d restarted kube-proxy on n3 \\\]0;pwnedq \(\S+\)\n$/);
    const buffer = await waitFor('tmux buffer from OSC 52', () => {
      const b = pane.tmux('show-buffer');
      return b === md ? b : false;
    }, 10_000);
    expect(buffer).toBe(md);

    // y in the node detail: that node, a second file
    pane.key('Enter');
    await pane.until('the detail', (f) => / › interfaces/.test(f));
    expect(pane.screen()).not.toContain('copied node'); // the overview's status line stayed there
    pane.type('y');
    const second = await waitFor('a second file', () => (mdFiles().length === 2 ? mdFiles().find((x) => x !== file) : false));
    await pane.until('the status line in the detail', (f) => new RegExp(`copied node \\S+ as Markdown .* saved .*${second!.replace(/\.md$/, '')}`).test(f));
    expect(readFileSync(join(dir, second!), 'utf8')).toMatch(/^\*\*netwatch · node \S+\*\* · /);
    // the frame is whole: one header, nothing of the sequence on screen
    const f = pane.screen();
    expect(f.split('\n').filter((l) => l.startsWith('netwatch 1 node'))).toHaveLength(1);
    expect(f).not.toMatch(/52;c;|\^\[/);
    pane.type('q');
    await pane.until('netwatch ended', (s) => s.includes('EXITED 0'), 15_000);
  }, 120_000);

  it('inside tmux without set-clipboard on: the passthrough-wrapped OSC 52 (allow-passthrough on) reaches the terminal outside', async () => {
    for (const f of mdFiles()) rmSync(join(dir, f));
    const cmd = `${env} ${process.execPath} ${BIN} --log ${dir}/nested.log; sleep 600`;
    outer.run(`tmux -L ${inner} -f ${innerConf} new-session -x 150 -y 35 ${JSON.stringify(cmd)}`);
    await outer.until('the live view in the inner tmux', (f) => / live /.test(f) && f.includes('nodes 1–1 of 1'), 30_000);
    outer.type('y');
    const [file] = await waitFor('the Markdown file', () => (mdFiles().length === 1 ? mdFiles() : false));
    const md = readFileSync(join(dir, file!), 'utf8');
    const buffer = await waitFor('the outer tmux buffer', () => {
      try {
        const b = outer.tmux('show-buffer');
        return b === md ? b : false;
      } catch {
        return false; // no buffer yet
      }
    }, 10_000);
    expect(buffer).toBe(md);
    expect(outer.screen()).not.toMatch(/52;c;|Ptmux/);
  }, 60_000);
});
