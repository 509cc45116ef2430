/** Runs the built netwatch binary (npm test builds first) and collects its output. */
import { execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/netwatch.js', import.meta.url));

export function runNetwatch(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    const t = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `why` (optional) says, when the wait times out, what was there instead (it goes in the error) */
export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, stepMs = 100, why?: () => string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${why ? `: ${why()}` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/**
 * Ends the tmux server `-L name` and removes its socket: tmux 3.3 leaves the socket file in
 * $TMUX_TMPDIR/tmux-UID/ when its server ends (kill-server, or its last session's command exited).
 */
export function killTmuxServer(name: string): void {
  try {
    execFileSync('tmux', ['-L', name, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // not started, or already gone
  }
  rmSync(join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, name), { force: true });
}

/**
 * A tmux server of its own (-L NAME, no user config unless `conf` is given) with one pane: `run`
 * the command, `screen` = capture-pane -p, `type` = send-keys -l (one write), `key` = a named key,
 * `until` = the screen once `fn` holds for it (the last screen in the error when it never does).
 */
export function tmuxPane(name: string, conf = '/dev/null') {
  const S = 't';
  const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', name, '-f', conf, ...args], { encoding: 'utf8' });
  const screen = () => tmux('capture-pane', '-p', '-t', S);
  return {
    tmux,
    target: S,
    run: (cmd: string, columns = 160, rows = 40) => tmux('new-session', '-d', '-x', String(columns), '-y', String(rows), '-s', S, cmd),
    screen,
    type: (s: string) => tmux('send-keys', '-t', S, '-l', s),
    key: (k: string) => tmux('send-keys', '-t', S, k),
    async until(what: string, fn: (f: string) => boolean, ms = 15_000): Promise<string> {
      let last = '';
      try {
        return await waitFor(what, () => ((last = screen()), fn(last) ? last : false), ms, 50);
      } catch (e) {
        throw new Error(`${(e as Error).message}; the screen:\n${last}`);
      }
    },
    kill: () => killTmuxServer(name),
  };
}

/** the CSI forms Ink (ansi-escapes, log-update) and src/ui/terminal.ts write; nothing else may start with ESC */
// eslint-disable-next-line no-control-regex
const ALLOWED = /^\u001b\[(?:[0-9;]*[mABCDEFGHJK]|\?(?:25|1049|2004|2026)[hl])/;

/** every escape sequence and control in the raw output that is not allowed, with context */
export function offenders(bytes: Buffer): string[] {
  const s = bytes.toString('latin1');
  const bad: string[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x1b) {
      const m = ALLOWED.exec(s.slice(i, i + 16));
      if (m) {
        i += m[0].length - 1;
        continue;
      }
    } else if (c >= 0x20 && c !== 0x7f) continue;
    else if (c === 0x0a || c === 0x0d) continue;
    bad.push(JSON.stringify(s.slice(Math.max(0, i - 24), i + 24)));
  }
  // as text: no C1 control, bidi control or line separator; and valid UTF-8 throughout
  const text = bytes.toString('utf8');
  // eslint-disable-next-line no-control-regex
  const u = /[\u0080-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
  for (const m of text.matchAll(u)) bad.push(`U+${m[0].codePointAt(0)!.toString(16)} at ${JSON.stringify(text.slice(Math.max(0, m.index - 24), m.index + 24))}`);
  if (!Buffer.from(text, 'utf8').equals(bytes)) bad.push('invalid UTF-8 in the output');
  return bad;
}
