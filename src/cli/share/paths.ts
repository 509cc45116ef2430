/**
 * Where shared sessions live and who may reach them: `$XDG_RUNTIME_DIR/netwatch/` (or
 * `/tmp/netwatch-$UID/` when unset), a directory of ours, 0700 (0750 and the group's with
 * --share-group), one socket per session named after its pid. A directory that is a symlink, not
 * ours, or has another mode is refused, never "fixed" (someone else may have made it).
 */
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export class ShareError extends Error {}

export function shareDir(env: NodeJS.ProcessEnv, uid: number): string {
  const x = env.XDG_RUNTIME_DIR;
  return x && x.startsWith('/') ? join(x, 'netwatch') : `/tmp/netwatch-${uid}`;
}

export const socketName = (pid: number): string => `session-${pid}.sock`;
const SOCKET_RE = /^session-(\d+)\.sock$/;

/** the mode a session directory must have: 0700, or 0750 with a group */
export const dirMode = (gid?: number): number => (gid === undefined ? 0o700 : 0o750);

/**
 * Makes (or checks) the session directory. Refuses a symlink, a non-directory, one owned by
 * another uid, or one whose mode differs from what we would make (with a group: also its group).
 */
export function ensureShareDir(dir: string, uid: number, gid?: number): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
    // mkdir honours the umask; a fresh directory of ours gets exactly the mode (and group) we want
    if (gid !== undefined) chownSync(dir, uid, gid);
    chmodSync(dir, dirMode(gid));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new ShareError(`cannot make ${dir}: ${(e as Error).message}`);
  }
  checkShareDir(dir, uid, gid);
}

/** the checks of ensureShareDir on an existing directory (attach runs them too, without a group) */
export function checkShareDir(dir: string, uid: number, gid?: number): void {
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) throw new ShareError(`${dir} is a symlink: refused (remove it; netwatch makes its own directory)`);
  if (!st.isDirectory()) throw new ShareError(`${dir} is not a directory: refused`);
  if (st.uid !== uid) throw new ShareError(`${dir} belongs to uid ${st.uid}, not to us (uid ${uid}): refused`);
  const mode = st.mode & 0o7777;
  if (mode !== dirMode(gid)) {
    throw new ShareError(`${dir} has mode ${mode.toString(8).padStart(4, '0')}, not ${dirMode(gid).toString(8).padStart(4, '0')}: refused (remove it or chmod it)`);
  }
  if (gid !== undefined && st.gid !== gid) throw new ShareError(`${dir} belongs to group ${st.gid}, not ${gid}: refused`);
}

export interface Session {
  pid: number;
  path: string;
}

/** the sessions in a directory, by pid (a socket whose process is gone is left out) */
export function listSessions(dir: string, alive: (pid: number) => boolean = pidAlive): Session[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Session[] = [];
  for (const n of names) {
    const m = SOCKET_RE.exec(n);
    if (!m) continue;
    const pid = Number(m[1]);
    if (alive(pid)) out.push({ pid, path: join(dir, n) });
  }
  return out.sort((a, b) => a.pid - b.pid);
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/* ---------- groups (pure parsers of /etc/group and /etc/passwd lines, and their readers) ---------- */

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** /etc/group: name:password:gid:member,member */
export function parseGroupFile(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || !/^\d+$/.test(f[2]!)) continue;
    out.push({ name: f[0]!, gid: Number(f[2]), members: f[3]!.split(',').map((s) => s.trim()).filter(Boolean) });
  }
  return out;
}

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

/** /etc/passwd: name:password:uid:gid:gecos:home:shell */
export function parsePasswdFile(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) continue;
    out.push({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) });
  }
  return out;
}

export interface Accounts {
  groups: GroupEntry[];
  users: PasswdEntry[];
}

export function readAccounts(root = '/etc'): Accounts {
  const read = (f: string) => {
    try {
      return readFileSync(join(root, f), 'utf8');
    } catch {
      return '';
    }
  };
  return { groups: parseGroupFile(read('group')), users: parsePasswdFile(read('passwd')) };
}

/** a group by name or number */
export function findGroup(acc: Accounts, group: string): GroupEntry | undefined {
  return acc.groups.find((g) => g.name === group) ?? (/^\d+$/.test(group) ? acc.groups.find((g) => g.gid === Number(group)) : undefined);
}

/** is this peer (uid and gid from SO_PEERCRED) in the group: its process gid, its primary gid, or a listed member */
export function inGroup(acc: Accounts, g: GroupEntry, peer: { uid: number; gid: number }): boolean {
  if (peer.gid === g.gid) return true;
  const users = acc.users.filter((u) => u.uid === peer.uid);
  return users.some((u) => u.gid === g.gid || g.members.includes(u.name));
}

/** the user name of a uid (the first /etc/passwd entry with it), for signing what a viewer does */
export function userNameOf(uid: number, acc: Pick<Accounts, 'users'> = readAccounts()): string | undefined {
  return acc.users.find((u) => u.uid === uid)?.name || undefined;
}
