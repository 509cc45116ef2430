/**
 * The built netwatch binary's live view in a pty (script(1)), with its diagnostics hook
 * (src/cli/diag.ts) writing node statuses and active resources to a file every 250 ms.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { BIN, waitFor } from '../e2e/run.js';

export interface DiagLine {
  t: number;
  memory: NodeJS.MemoryUsage;
  resources: Record<string, number>;
  nodes?: Record<string, string>;
}

export interface LiveNetwatch {
  pid: number;
  child: ChildProcess;
  /** every diag line written so far */
  lines(): DiagLine[];
  /** node -> status kind, from the newest line */
  statuses(): Record<string, string>;
  /** open sockets of the netwatch process */
  sockets(): number;
  /** types 'q' and waits for the process to end; SIGKILL after 5 s. Returns true if q ended it. */
  quit(): Promise<boolean>;
}

export async function startLive(args: string[], diagFile: string): Promise<LiveNetwatch> {
  const cmd = `exec ${process.execPath} ${BIN} ${args.join(' ')}`;
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, TERM: 'xterm-256color', COLUMNS: '160', LINES: '50', NETWATCH_DIAG_FILE: diagFile, NETWATCH_DIAG_MS: '250' },
  });
  child.stdout!.on('data', () => {});
  const pid = await waitFor('netwatch started', () => {
    try {
      return Number(execFileSync('pgrep', ['-f', `^${process.execPath} ${BIN} ${args[0]} ${args[1]}`], { encoding: 'utf8' }).trim().split('\n')[0]);
    } catch {
      return undefined;
    }
  }, 10_000);
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const lines = (): DiagLine[] => {
    try {
      return readFileSync(diagFile, 'utf8').trim().split('\n').filter((l) => l.includes('"memory"')).map((l) => JSON.parse(l) as DiagLine);
    } catch {
      return [];
    }
  };
  return {
    pid,
    child,
    lines,
    statuses: () => lines().at(-1)?.nodes ?? {},
    sockets: () => readdirSync(`/proc/${pid}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:');
      } catch {
        return false;
      }
    }).length,
    quit: async () => {
      child.stdin!.write('q');
      const end = Date.now() + 5000;
      while (alive() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      if (!alive()) return true;
      process.kill(pid, 'SIGKILL');
      child.kill('SIGKILL');
      return false;
    },
  };
}
