/**
 * Synchronous teardown of a lab (usable from exit/signal handlers) and the on-disk registry
 * that test/lab/cleanup.sh reads: /run/nwlab/<id>/{owner,dir,netns,cgroups}.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleepSync } from './sys.js';

export const REGISTRY = '/run/nwlab';

export interface LabRecord { id: string; dir: string; netns: string; cgroups: string[] }

export function register(rec: LabRecord): void {
  const d = join(REGISTRY, rec.id);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'owner'), `${process.pid}\n`);
  writeFileSync(join(d, 'dir'), `${rec.dir}\n`);
  writeFileSync(join(d, 'netns'), `${rec.netns}\n`);
  writeFileSync(join(d, 'cgroups'), rec.cgroups.map((c) => `${c}\n`).join(''));
}

/** Directories of a cgroup tree, children before parents. */
export function treePostOrder(dir: string): string[] {
  let subs: string[] = [];
  try {
    subs = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
  } catch { return []; }
  return [...subs.flatMap(treePostOrder), dir];
}

function procsIn(dirs: string[]): number[] {
  const out: number[] = [];
  for (const d of dirs) {
    try {
      for (const l of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n')) if (l) out.push(Number(l));
    } catch { /* gone */ }
  }
  return out;
}

function kill(pid: number): void {
  try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
}

/**
 * Kills every process in the lab's cgroups (holders first: killing a node's PID 1 kills its
 * whole PID namespace), deletes the underlay netns, removes the cgroup trees bottom-up and the
 * lab dir. Idempotent; never throws; returns what could not be removed.
 */
export function teardownSync(rec: LabRecord, holderPids: number[] = []): string[] {
  for (const pid of holderPids) if (pid > 0) kill(pid);
  const deadline = Date.now() + 5000;
  for (;;) {
    const pids = procsIn(rec.cgroups.flatMap(treePostOrder));
    if (pids.length === 0 || Date.now() > deadline) break;
    for (const pid of pids) kill(pid);
    sleepSync(20);
  }
  const problems: string[] = [];
  if (existsSync(join('/run/netns', rec.netns))) {
    try { execFileSync('ip', ['netns', 'del', rec.netns], { stdio: 'ignore' }); } catch { problems.push(`netns ${rec.netns}`); }
  }
  for (const root of rec.cgroups) {
    for (const d of treePostOrder(root)) {
      for (let i = 0; ; i++) {
        try { rmdirSync(d); break; } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') break;
          if (i >= 100) { problems.push(`cgroup ${d}`); break; }
          sleepSync(20);
        }
      }
    }
  }
  if (rec.dir.includes('nwlab-')) rmSync(rec.dir, { recursive: true, force: true });
  if (problems.length === 0) rmSync(join(REGISTRY, rec.id), { recursive: true, force: true });
  return problems;
}

// Labs of this process still up, torn down on exit and on SIGINT/SIGTERM/SIGHUP.
const live = new Map<string, () => void>();
let installed = false;

export function trackLab(id: string, teardown: () => void): void {
  live.set(id, teardown);
  if (installed) return;
  installed = true;
  process.on('exit', stopAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      stopAll();
      process.removeListener(sig, handler);
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

export function untrackLab(id: string): void {
  live.delete(id);
}

function stopAll(): void {
  for (const [id, fn] of [...live]) {
    live.delete(id);
    fn();
  }
}
