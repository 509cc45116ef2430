/**
 * Low-level helpers for the lab: running commands, entering a node's namespaces, cgroup
 * hierarchies, /proc scans. Every shell script here is a constant; values go as positional args.
 */
import { spawn, type SpawnOptions } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export interface RunResult { stdout: string; stderr: string; code: number }
export interface RunOpts { input?: string; timeoutMs?: number; allowFail?: boolean }

/** A predictable environment for everything the lab runs inside nodes. */
export const CLEAN_ENV: NodeJS.ProcessEnv = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
  TERM: 'dumb',
};

export class CommandError extends Error {
  constructor(readonly argv: readonly string[], readonly result: RunResult) {
    super(`${argv.slice(0, 6).join(' ')}… exited ${result.code}: ${result.stderr.trim().slice(0, 500)}`);
  }
}

/** Runs argv, collects output. Rejects on non-zero exit unless allowFail. */
export function run(argv: readonly string[], opts: RunOpts = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('empty argv');
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: CLEAN_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { stdout, stderr, code: code ?? (signal ? 128 : 1) };
      if (result.code !== 0 && !opts.allowFail) reject(new CommandError(argv, result));
      else resolve(result);
    });
  });
}

/** Runs argv with the network namespace of host pid `pid` (no other namespace). */
export function runInNetns(pid: number, argv: readonly string[], opts: RunOpts = {}): Promise<RunResult> {
  return run(['nsenter', `--net=/proc/${pid}/ns/net`, '--', ...argv], opts);
}

/**
 * `sh -c JOIN_CGROUPS sh N file1..fileN cmd args...`: writes its pid into each cgroup.procs file,
 * then execs cmd. Used from the host (host paths) and from inside a node (node paths).
 */
export const JOIN_CGROUPS = `n=$1; shift
while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done
exec "$@"`;

export function joinCgroupsArgv(procsFiles: readonly string[], argv: readonly string[]): string[] {
  return ['sh', '-c', JOIN_CGROUPS, 'sh', String(procsFiles.length), ...procsFiles, ...argv];
}

/** nsenter into every namespace of a node (its holder), then argv. */
export function nsenterNodeArgv(holderPid: number, argv: readonly string[]): string[] {
  return ['nsenter', '-t', String(holderPid), '--net', '--pid', '--mount', '--cgroup', '--uts', '--', ...argv];
}

/** Spawn options for long-lived lab processes (clean env, no stdin). */
export function spawnOpts(extra: SpawnOptions = {}): SpawnOptions {
  return { env: CLEAN_ENV, stdio: ['ignore', 'ignore', 'ignore'], ...extra };
}

/** One cgroup hierarchy of this machine that the lab uses. */
export interface Hierarchy {
  /** Name as in /proc/PID/cgroup: 'memory', 'name=systemd', '' for the unified hierarchy. */
  name: string;
  /** Where it is mounted on the host, e.g. /sys/fs/cgroup/memory. */
  hostMount: string;
  /** Directory name under the node's /sys/fs/cgroup. */
  dir: string;
  /** mount(8) arguments to mount it inside a node: ['-t', 'cgroup', '-o', 'memory']. */
  mountArgs: string[];
  /** Our own cgroup in it (the lab nests under it), e.g. /process_api/abc. */
  base: string;
}

/** The hierarchies the lab uses: every v1 hierarchy except cpuset, plus cgroup2. */
export function cgroupHierarchies(): Hierarchy[] {
  const own = new Map<string, string>();
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) own.set(m[1] ?? '', m[2] ?? '/');
  }
  const out: Hierarchy[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const [fstype, , superOpts = ''] = post.split(' ');
    const mountPoint = pre.split(' ')[4] ?? '';
    if (fstype === 'cgroup2' && own.has('')) {
      out.push({ name: '', hostMount: mountPoint, dir: 'unified', mountArgs: ['-t', 'cgroup2'], base: own.get('') ?? '/' });
    } else if (fstype === 'cgroup') {
      const ctrls = superOpts.split(',').filter((o) => o !== 'rw' && o !== 'ro' && !o.startsWith('release_agent') && o !== 'clone_children');
      const name = ctrls.join(',');
      if (ctrls.includes('cpuset') || !own.has(name)) continue;
      const dir = mountPoint.split('/').pop() ?? name;
      const opts = name.startsWith('name=') ? `none,${name}` : name;
      out.push({ name, hostMount: mountPoint, dir, mountArgs: ['-t', 'cgroup', '-o', opts], base: own.get(name) ?? '/' });
    }
  }
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Blocking sleep, for exit handlers. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`lab: timed out waiting for ${what}`);
    await sleep(20);
  }
}

export function nsInode(pid: number, ns: 'pid' | 'net' | 'mnt' | 'cgroup'): string | undefined {
  try { return readlinkSync(`/proc/${pid}/ns/${ns}`); } catch { return undefined; }
}

/** Host pids of processes in the same PID namespace as `holderPid`, with their comm. */
export function processesInPidNs(holderPid: number): { pid: number; comm: string }[] {
  const ns = nsInode(holderPid, 'pid');
  if (!ns) return [];
  const out: { pid: number; comm: string }[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (nsInode(pid, 'pid') !== ns) continue;
    try { out.push({ pid, comm: readFileSync(`/proc/${pid}/comm`, 'utf8').trim() }); } catch { /* gone */ }
  }
  return out;
}

/** The pid of a host process as seen in its innermost PID namespace (NSpid's last field). */
export function innerPid(hostPid: number): number | undefined {
  try {
    const m = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${hostPid}/status`, 'utf8'));
    const last = m?.[1]?.trim().split(/\s+/).pop();
    return last ? Number(last) : undefined;
  } catch { return undefined; }
}

/** Is something listening on ip:port in the network namespace of host pid `pid`? */
export function isListening(pid: number, ip: string, port: number): boolean {
  const hexIp = ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0').toUpperCase()).reverse().join('');
  const want = `${hexIp}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  try {
    return readFileSync(`/proc/${pid}/net/tcp`, 'utf8').split('\n').some((l) => {
      const f = l.trim().split(/\s+/);
      return (f[1] === want || f[1] === `00000000:${want.slice(9)}`) && f[3] === '0A';
    });
  } catch { return false; }
}
