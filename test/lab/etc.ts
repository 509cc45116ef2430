/**
 * Files bind-mounted over the node's /etc: passwd/group/shadow with two non-root users, hosts with the
 * node names, and a sudoers.d for them. The host's own /etc is never changed.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Non-root users present on every node (login with the lab's client key). */
export const LAB_USERS = {
  /** `sudo -n` works (NOPASSWD). */
  sudo: 'nwsudo',
  /** sudo wants a password, so `sudo -n` fails with "a password is required". */
  password: 'nwpass',
} as const;

const UIDS = { nwsudo: 64100, nwpass: 64101 };

export function writeNodeEtc(dir: string, nodes: { name: string; address: string }[]): string {
  const etc = join(dir, 'etc');
  mkdirSync(join(etc, 'sudoers.d'), { recursive: true, mode: 0o755 });
  const users = Object.entries(UIDS);
  writeFileSync(join(etc, 'passwd'), readFileSync('/etc/passwd', 'utf8') +
    users.map(([u, id]) => `${u}:x:${id}:${id}:netwatch lab:/:/bin/sh\n`).join(''), { mode: 0o644 });
  writeFileSync(join(etc, 'group'), readFileSync('/etc/group', 'utf8') +
    users.map(([u, id]) => `${u}:x:${id}:\n`).join(''), { mode: 0o644 });
  // shadow: the host's accounts with every password hash replaced by '*' (no secret leaves /etc),
  // plus ours; PAM's account check (sudo) needs an entry.
  const shadow = readFileSync('/etc/shadow', 'utf8').split('\n').filter(Boolean)
    .map((l) => l.split(':').map((f, i) => (i === 1 ? '*' : f)).join(':'));
  writeFileSync(join(etc, 'shadow'), [...shadow, ...users.map(([u]) => `${u}:*:20000:0:99999:7:::`)].join('\n') + '\n', { mode: 0o640 });
  const hosts = existsSync('/etc/hosts') ? readFileSync('/etc/hosts', 'utf8') : '127.0.0.1 localhost\n';
  writeFileSync(join(etc, 'hosts'), hosts + nodes.map((n) => `${n.address} ${n.name}\n`).join(''), { mode: 0o644 });
  writeFileSync(join(etc, 'sudoers.d', 'nwlab'), `${LAB_USERS.sudo} ALL=(root) NOPASSWD: ALL\n${LAB_USERS.password} ALL=(root) ALL\n`, { mode: 0o440 });
  return etc;
}
