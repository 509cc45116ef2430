/**
 * SO_PEERCRED for an accepted Unix socket: the pid, uid and gid the kernel recorded for the
 * process that connected. Node has no API for it and no maintained npm module offers it
 * (docs/decisions.md, "Shared sessions"), so the socket's descriptor is handed, as descriptor 3,
 * to the system's python3, whose socket module has getsockopt(SO_PEERCRED). Fixed paths only
 * (never $PATH: the owner may be root), isolated mode (-I -S: no site, no environment, no cwd).
 * Anything that goes wrong is an error: the caller refuses the peer (fail closed).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';

export interface PeerCred {
  pid: number;
  uid: number;
  gid: number;
}

export const PYTHONS = ['/usr/bin/python3', '/usr/local/bin/python3', '/bin/python3'];

const SCRIPT = 'import socket,struct\ns=socket.socket(fileno=3)\nprint(*struct.unpack("3i",s.getsockopt(socket.SOL_SOCKET,socket.SO_PEERCRED,12)))\ns.detach()';

/** "pid uid gid" → PeerCred (pure) */
export function parsePeerCred(text: string): PeerCred | undefined {
  const m = /^(-?\d+) (\d+) (\d+)\s*$/.exec(text);
  if (!m) return undefined;
  return { pid: Number(m[1]), uid: Number(m[2]), gid: Number(m[3]) };
}

export function findPython(candidates = PYTHONS): string | undefined {
  return candidates.find((p) => existsSync(p));
}

/** the descriptor of an accepted socket (a pipe handle on Unix), or undefined */
function fdOf(s: Socket): number | undefined {
  const fd = (s as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

export function peerCred(s: Socket, opts: { timeoutMs?: number; python?: string } = {}): Promise<PeerCred> {
  return new Promise((resolve, reject) => {
    const fd = fdOf(s);
    if (fd === undefined) return reject(new Error('no descriptor for the connection'));
    const py = opts.python ?? findPython();
    if (!py) return reject(new Error(`no python3 (looked at ${PYTHONS.join(', ')}) to read SO_PEERCRED`));
    const child = spawn(py, ['-I', '-S', '-c', SCRIPT], { stdio: ['ignore', 'pipe', 'pipe', fd], env: {} });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('SO_PEERCRED read timed out'));
    }, opts.timeoutMs ?? 3000);
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const c = parsePeerCred(out);
      if (code === 0 && c) resolve(c);
      else reject(new Error(`SO_PEERCRED read failed: ${err.trim().split('\n').at(-1) ?? `exit ${code}`}`));
    });
  });
}
