// The real netwatch binary in a pty (script(1)) for the soak benchmarks, with its diagnostics hook
// (src/cli/diag.ts) writing memory and active-resource counts to a file.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { root, sleep } from './lab.mjs';

export const BIN = join(root, 'bin/netwatch.js');

export function rssMb(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** open sockets of a pid (fds that are socket:[inode]) */
export function socketCount(pid) {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      /* closed meanwhile */
    }
  }
  return n;
}

/** the last JSON line of the diag file with a memory reading, or undefined */
export function lastDiag(file) {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.trim().split('\n').filter((l) => l.includes('"memory"'));
  return lines.length ? JSON.parse(lines.at(-1)) : undefined;
}

/** the snapshot paths the diag file names so far */
export function snapshots(file) {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter((l) => l.includes('"snapshot"')).map((l) => JSON.parse(l).snapshot);
  } catch {
    return [];
  }
}

/**
 * Starts `node [--expose-gc] bin/netwatch.js args` in a pty (160x50); returns { pid, child, stop }.
 * env: extra environment (NETWATCH_DIAG_FILE, NETWATCH_HEAP_SNAPSHOT_DIR, NETWATCH_DIAG_MS).
 */
export async function startNetwatch(args, env = {}, { exposeGc = false } = {}) {
  const node = exposeGc ? `${process.execPath} --expose-gc` : process.execPath;
  const head = `${node} ${BIN} ${args[0]} ${args[1]}`; // -F <lab ssh_config>: unique per lab
  const cmd = `exec ${node} ${BIN} ${args.join(' ')}`;
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, TERM: 'xterm-256color', COLUMNS: '160', LINES: '50', ...env },
  });
  child.stdout.on('data', () => {});
  let pid;
  for (let i = 0; i < 50 && !pid; i++) {
    await sleep(100);
    try {
      pid = Number(execFileSync('pgrep', ['-f', `^${head}`], { encoding: 'utf8' }).trim().split('\n')[0]);
    } catch {
      /* not yet */
    }
  }
  if (!pid) throw new Error('netwatch did not start');
  // a bench stopped by a signal (the lab's handlers exit) takes its netwatch with it
  process.once('exit', () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  });
  const stop = async () => {
    child.stdin.write('q');
    for (let i = 0; i < 30; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        return true; // exited by itself on q
      }
      await sleep(100);
    }
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    child.kill('SIGKILL');
    return false;
  };
  return { pid, child, stop };
}

/** least-squares slope of ys over xs */
export function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return num / den;
}

/**
 * Processes on a lab node whose command line carries a netwatch tag ("nw-<kind>-<hex>") or that
 * are tcpdump (the probe of test/e2e/remote.ts: the pattern is built in the shell so it never
 * matches itself).
 */
export async function nodeProcs(lab, node) {
  const r = await lab.exec(node, [
    'sh',
    '-c',
    'p=$(printf "n%s" "w-"); for f in /proc/[0-9]*/cmdline; do case "$(tr "\\0\\n" "  " < "$f" 2>/dev/null)" in *"$p"[a-z]*-[0-9a-f]*|tcpdump*) d=${f%/cmdline}; echo "${d#/proc/} $(tr "\\0\\n" "  " < "$f" | cut -c1-60)";; esac; done',
  ]);
  return r.stdout.split('\n').filter((l) => l.trim() && !l.includes('tr \\0'));
}

/** every diag line with node statuses: [{ t, nodes, resources }] */
export function diagLines(file) {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter((l) => l.includes('"memory"')).map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

/** Theil–Sen slope (median of the pairwise slopes): one GC spike does not tilt it */
export function robustSlope(xs, ys) {
  const s = [];
  for (let i = 0; i < xs.length; i++) for (let j = i + 1; j < xs.length; j++) if (xs[j] !== xs[i]) s.push((ys[j] - ys[i]) / (xs[j] - xs[i]));
  if (!s.length) return NaN;
  s.sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
