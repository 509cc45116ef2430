/**
 * The local machine as a node: `netwatch` with no target. Same scripts as over SSH, run with
 * child processes in their own session (setsid), so a remote-style `kill 0` in a script only
 * ever reaches what that script started. Not root: no sudo, ever (./privileges.ts).
 */
import { spawn as spawnChild } from 'node:child_process';
import { userInfo } from 'node:os';
import { buildCommand } from '../shell.js';
import { collect } from './process.js';
import type {
  ExecOptions,
  ExecResult,
  RemoteExit,
  RemoteProcess,
  SpawnOptions,
  Transport,
  TransportState,
} from './types.js';

export class LocalTransport implements Transport {
  readonly name: string;
  private readonly since = Date.now();
  private closed = false;
  private readonly children = new Set<RemoteProcess>();

  constructor(name = 'localhost') {
    this.name = name;
  }

  state(): TransportState {
    return this.closed ? { kind: 'closed', since: this.since } : { kind: 'ready', since: this.since };
  }

  onState(): () => void {
    return () => {};
  }

  async ready(): Promise<void> {
    if (this.closed) throw new Error('transport closed');
  }

  isRoot(): boolean {
    return userInfo().uid === 0;
  }

  spawn(script: string, args: readonly string[], opts: SpawnOptions = {}): RemoteProcess {
    if (this.closed) throw new Error('transport closed');
    // never sudo here (see privileges.ts): a normal user's privileged scripts run as that user
    // and read what they can; needsRoot() says what they miss
    void opts.privileged;
    const line = buildCommand(script, args, { tag: opts.tag });
    const child = spawnChild('/bin/sh', ['-c', line], {
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    const exit = new Promise<RemoteExit>((resolve) => {
      child.once('error', () => resolve({ code: null, signal: null }));
      child.once('close', (code, signal) => resolve({ code, signal }));
    });
    const proc: RemoteProcess = {
      stdin: child.stdin!,
      stdout: child.stdout!,
      stderr: child.stderr!,
      exit,
      close: () => {
        child.stdin?.destroy();
        // The script ends itself on EOF; a TERM to its group is the fallback for ones that don't.
        const pid = child.pid;
        if (pid && child.exitCode === null && child.signalCode === null) {
          setTimeout(() => {
            if (child.exitCode === null && child.signalCode === null) {
              try {
                process.kill(-pid, 'SIGTERM');
              } catch {
                /* already gone */
              }
            }
          }, 2000).unref();
        }
      },
    };
    child.stdin!.on('error', () => {});
    this.children.add(proc);
    void exit.then(() => this.children.delete(proc));
    return proc;
  }

  exec(script: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return collect(this.spawn(script, args, opts), opts);
  }

  close(): void {
    this.closed = true;
    for (const c of this.children) c.close();
  }
}
