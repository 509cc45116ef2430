/**
 * A throwaway OpenSSH sshd for tests, on 127.0.0.1 in the root namespace: its own host key,
 * an authorized client key and config in a temp dir, root login by key only. The listener runs
 * under a tiny sh watchdog that kills it when the test process goes away (its stdin closes),
 * so a crashed test run leaves no sshd behind.
 *
 * Sessions get HOME set to the temp dir (sshd SetEnv): root's login shell is bash, which reads
 * ~/.bashrc even for `ssh host cmd`; here that runs pyenv, whose rehash lock goes stale when a
 * test kills a session mid-startup and then stalls every root login on the machine for 60 s.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SshdOptions {
  /** default: a free port */
  port?: number;
  /** sshd_config lines placed first (sshd keeps the first value of a keyword) */
  extraConfig?: string[];
  /** environment for sessions (one SetEnv line); HOME defaults to the temp dir */
  env?: Record<string, string>;
  /** host key type; default ed25519 */
  hostKeyType?: 'ed25519' | 'ecdsa' | 'rsa';
}

export interface Sshd {
  port: number;
  dir: string;
  /** "ssh-ed25519 AAAA..." (no comment) */
  hostKeyPub: string;
  hostKeyBlob: Buffer;
  clientKeyPath: string;
  /** "[127.0.0.1]:PORT ssh-ed25519 AAAA..." */
  knownHostsLine: string;
  /** everything sshd logged (LogLevel VERBOSE) */
  log(): string;
  /** TCP connections sshd accepted so far (all starts of this instance) */
  connections(): number;
  /** the listener and every session die at once, as when sshd is killed; keys stay */
  kill(): Promise<void>;
  /** starts again on the same port with the same keys */
  start(): Promise<void>;
  /** SIGSTOP (true) / SIGCONT (false) the listener and every session: a peer that stops answering */
  freeze(frozen: boolean): void;
  /** kill, then remove the temp dir */
  stop(): Promise<void>;
}

const WATCHDOG = `/usr/sbin/sshd -D -e -f "$1" </dev/null &
pid=$!
echo "netwatch-test-sshd-pid $pid" >&2
read -r _ || true
kill "$pid" 2>/dev/null`;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** pid and all its descendants, from /proc. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const p = todo.pop()!;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation dir
  const dir = mkdtempSync(join(tmpdir(), 'netwatch-ssh-sshd-'));
  const type = opts.hostKeyType ?? 'ed25519';
  const keygen = (file: string, t: string) => execFileSync('ssh-keygen', ['-q', '-t', t, '-N', '', '-C', '', '-f', join(dir, file)]);
  keygen('host_key', type);
  keygen('client_key', 'ed25519');
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  const hostKeyPub = readFileSync(join(dir, 'host_key.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const port = opts.port ?? (await freePort());
  const conf = join(dir, 'sshd_config');
  writeFileSync(
    conf,
    [
      ...(opts.extraConfig ?? []),
      `SetEnv ${Object.entries({ HOME: dir, ...opts.env }).map(([k, v]) => `${k}=${v}`).join(' ')}`,
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PidFile none',
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'AllowTcpForwarding yes',
      'PrintMotd no',
      'MaxStartups 100',
      'LogLevel VERBOSE',
    ].join('\n') + '\n',
  );

  let logText = '';
  let watchdog: ChildProcess | null = null;
  let pid = 0;

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', WATCHDOG, 'netwatch-test-sshd', conf], { stdio: ['pipe', 'ignore', 'pipe'] });
      watchdog = child;
      let ready = false;
      const timer = setTimeout(() => reject(new Error(`sshd did not start on port ${port}:\n${logText}`)), 10_000);
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        logText += chunk;
        const m = /netwatch-test-sshd-pid (\d+)/.exec(logText);
        if (m) pid = Number(m[1]);
        if (!ready && logText.includes(`Server listening on 127.0.0.1 port ${port}.`)) {
          ready = true;
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', () => {
        if (!ready) {
          clearTimeout(timer);
          reject(new Error(`sshd exited before listening on port ${port}:\n${logText}`));
        }
      });
    });

  const kill = async () => {
    const w = watchdog;
    if (pid && alive(pid)) {
      for (const p of processTree(pid)) {
        try {
          process.kill(p, 'SIGKILL'); // also ends a SIGSTOPped tree
        } catch {
          /* already gone */
        }
      }
    }
    if (w) {
      w.stdin?.end();
      if (w.exitCode === null && w.signalCode === null) await new Promise((r) => w.once('exit', r));
    }
    for (let i = 0; i < 100 && pid && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
    watchdog = null;
    pid = 0;
  };

  await start();
  const blob = Buffer.from(hostKeyPub.split(' ')[1]!, 'base64');
  return {
    port,
    dir,
    hostKeyPub,
    hostKeyBlob: blob,
    clientKeyPath: join(dir, 'client_key'),
    knownHostsLine: `[127.0.0.1]:${port} ${hostKeyPub}`,
    log: () => logText,
    connections: () => (logText.match(/^Connection from /gm) ?? []).length,
    kill,
    start,
    freeze: (frozen) => {
      if (!pid) return;
      for (const p of processTree(pid)) {
        try {
          process.kill(p, frozen ? 'SIGSTOP' : 'SIGCONT');
        } catch {
          /* gone */
        }
      }
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
