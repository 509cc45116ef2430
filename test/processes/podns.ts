/**
 * Kubelet-looking pods on this machine, for the real tests and the benchmark (root only): a pod
 * is a fresh network namespace held by its first process; each "container" is a process in that
 * netns placed in cgroups named like kubelet + containerd name them:
 *   v1 pids hierarchy (cgroupfs driver):  /<root>/kubepods/besteffort/pod<uid>/<id>
 *   cgroup2 (systemd driver naming):      /<root>/kubepods.slice/kubepods-besteffort.slice/
 *                                           kubepods-besteffort-pod<uid_>.slice/cri-containerd-<id>.scope
 * <root> is nwproc-<random>, so nothing collides with other people's tests. cleanup() kills only
 * the processes started here (by pid) and removes only the cgroups created here; it also runs on
 * process exit.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSocketTable, parseStat } from '../../src/sources/processes/procfs.js';

export type ContainerKind = 'listen' | 'sleep' | 'ignore-term' | 'zombies' | 'pause';

export interface FakeContainer {
  id: string;
  pid: number;
  startTicks: number;
  port?: number;
}

export interface FakePod {
  uid: string;
  /** pid whose netns is the pod's */
  holder: number;
  netns: number;
  containers: FakeContainer[];
}

const PERL: Record<Exclude<ContainerKind, 'pause' | 'sleep'>, string> = {
  listen:
    'use Socket; socket(S,PF_INET,SOCK_STREAM,0) or die; setsockopt(S,SOL_SOCKET,SO_REUSEADDR,1); bind(S,sockaddr_in($ARGV[0],INADDR_ANY)) or die "bind $!"; listen(S,5) or die; sleep 100000',
  'ignore-term':
    '$SIG{TERM}="IGNORE"; use Socket; socket(S,PF_INET,SOCK_STREAM,0) or die; bind(S,sockaddr_in($ARGV[0],INADDR_ANY)) or die "bind $!"; listen(S,5) or die; sleep 100000',
  zombies: 'for (1..$ARGV[0]) { exit 0 unless fork } sleep 100000',
};

// writes its own pid into every cgroup given, then becomes the program (same pid)
const START_SH = `
mode=$1 ns=$2 shift 2
while [ "$1" != -- ]; do echo $$ > "$1/cgroup.procs" || exit 1; shift; done
shift
if [ "$mode" = new ]; then exec unshare --net -- "$@"; fi
exec nsenter --net="$ns" -- "$@"`;

const hierarchies = (): { base: string; style: 'cgroupfs' | 'systemd' }[] => {
  const out: { base: string; style: 'cgroupfs' | 'systemd' }[] = [];
  if (existsSync('/sys/fs/cgroup/pids/cgroup.procs')) out.push({ base: '/sys/fs/cgroup/pids', style: 'cgroupfs' });
  if (existsSync('/sys/fs/cgroup/unified/cgroup.procs')) out.push({ base: '/sys/fs/cgroup/unified', style: 'systemd' });
  else if (existsSync('/sys/fs/cgroup/cgroup.controllers')) out.push({ base: '/sys/fs/cgroup', style: 'systemd' });
  return out;
};

export function statOf(pid: number) {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

export function netnsOf(pid: number): number | undefined {
  try {
    const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(what: string, fn: () => T | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

/** Is a TCP port listened on in the netns of pid (from its /proc/PID/net/tcp). */
export function listening(pid: number, port: number): boolean {
  try {
    return parseSocketTable(readFileSync(`/proc/${pid}/net/tcp`, 'utf8'), 'tcp').some((r) => r.localPort === port);
  } catch {
    return false;
  }
}

export class PodNsLab {
  readonly root = `nwproc-${randomBytes(4).toString('hex')}`;
  readonly pods: FakePod[] = [];
  private readonly pids = new Set<number>();
  private readonly dirs: string[] = [];
  private readonly bin = mkdtempSync(join(tmpdir(), 'nwproc-bin-'));
  private readonly onExit = () => this.cleanupSync();

  constructor() {
    symlinkSync('/bin/sleep', join(this.bin, 'pause'));
    process.on('exit', this.onExit);
  }

  private cgroupsFor(uid: string, id: string): string[] {
    const u = uid.replace(/-/g, '_');
    return hierarchies().map(({ base, style }) => {
      const rel =
        style === 'cgroupfs'
          ? ['kubepods', 'besteffort', `pod${uid}`, id]
          : ['kubepods.slice', 'kubepods-besteffort.slice', `kubepods-besteffort-pod${u}.slice`, `cri-containerd-${id}.scope`];
      let dir = join(base, this.root);
      for (const part of ['', ...rel]) {
        dir = part ? join(dir, part) : dir;
        if (!existsSync(dir)) {
          mkdirSync(dir);
          this.dirs.push(dir);
        }
      }
      return dir;
    });
  }

  private argv(kind: ContainerKind, port: number | undefined): string[] {
    if (kind === 'pause') return [join(this.bin, 'pause'), 'infinity'];
    if (kind === 'sleep') return ['sleep', 'infinity'];
    return ['perl', '-e', PERL[kind], String(kind === 'zombies' ? (port ?? 2) : (port ?? 8080))];
  }

  private async start(mode: 'new' | 'join', ns: string, cgroups: string[], argv: string[]): Promise<number> {
    const child = spawn('sh', ['-c', START_SH, 'nwproc-start', mode, ns, ...cgroups, '--', ...argv], {
      detached: true,
      stdio: 'ignore',
    });
    child.unref();
    const pid = child.pid;
    if (!pid) throw new Error('spawn failed');
    this.pids.add(pid);
    const exe = argv[0]!.split('/').pop()!;
    // it has become the program (comm changed from sh) in its netns
    await until(`pid ${pid} running ${exe}`, () => statOf(pid)?.comm === exe.slice(0, 15));
    return pid;
  }

  /** A pod: a new netns held by a pause process (or by the first container when pause is false). */
  async addPod(opts: { uid?: string; pause?: boolean; first?: { kind: ContainerKind; port?: number; id?: string } } = {}): Promise<FakePod> {
    const uid = opts.uid ?? randomUUID();
    const first = opts.pause === false ? (opts.first ?? { kind: 'sleep' }) : { kind: 'pause' as const };
    const id = ('id' in first && first.id) || randomBytes(32).toString('hex');
    const pid = await this.start('new', '-', this.cgroupsFor(uid, id), this.argv(first.kind, first.port));
    const netns = await until('netns', () => netnsOf(pid));
    const pod: FakePod = { uid, holder: pid, netns, containers: [] };
    pod.containers.push({ id, pid, startTicks: statOf(pid)!.startTicks, ...(first.port ? { port: first.port } : {}) });
    if (first.kind === 'listen' || first.kind === 'ignore-term') await until('listener', () => listening(pid, first.port ?? 8080));
    this.pods.push(pod);
    return pod;
  }

  async addContainer(pod: FakePod, kind: ContainerKind, opts: { port?: number; id?: string } = {}): Promise<FakeContainer> {
    const id = opts.id ?? randomBytes(32).toString('hex');
    const pid = await this.start('join', `/proc/${pod.holder}/ns/net`, this.cgroupsFor(pod.uid, id), this.argv(kind, opts.port));
    await until('same netns', () => netnsOf(pid) === pod.netns);
    if (kind === 'listen' || kind === 'ignore-term') await until(`listener on ${opts.port}`, () => listening(pid, opts.port ?? 8080));
    const c: FakeContainer = { id, pid, startTicks: statOf(pid)!.startTicks, ...(opts.port ? { port: opts.port } : {}) };
    pod.containers.push(c);
    return c;
  }

  async cleanup(): Promise<void> {
    for (const pid of this.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await until('our processes gone', () => [...this.pids].every((p) => !statOf(p) || statOf(p)?.state === 'Z'), 10_000).catch(() => {});
    this.pids.clear();
    for (let i = 0; i < 50 && !this.removeDirs(); i++) await sleep(50);
    rmSync(this.bin, { recursive: true, force: true });
    process.off('exit', this.onExit);
  }

  private cleanupSync(): void {
    for (const pid of this.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    this.removeDirs();
    rmSync(this.bin, { recursive: true, force: true });
  }

  /** removes our cgroups deepest first; true when all are gone */
  private removeDirs(): boolean {
    for (const d of [...this.dirs].reverse()) {
      try {
        if (existsSync(d)) rmdirSync(d);
      } catch {
        /* still busy */
      }
    }
    return this.dirs.every((d) => !existsSync(d));
  }
}
