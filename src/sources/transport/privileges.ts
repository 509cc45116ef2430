/**
 * What this machine's netwatch cannot read without root, found by trying (open, readlink,
 * readdir: nothing is changed, sudo is never run). A normal user gets every value a normal user
 * can read, and this list says what is missing and why. Running netwatch locally never calls
 * sudo: a failed `sudo -n` by a user without sudo rights is an "incident" mailed to root.
 */
import { closeSync, existsSync, openSync, readdirSync, readlinkSync } from 'node:fs';

export interface NeedsRoot {
  /** what the user does not get */
  what: string;
  /** the file that could not be read */
  path: string;
  /** errno */
  code: string;
}

export interface FsProbe {
  open(path: string): void;
  readlink(path: string): void;
  readdir(path: string): void;
  exists(path: string): boolean;
}

const realFs: FsProbe = {
  open: (p) => closeSync(openSync(p, 'r')),
  readlink: (p) => void readlinkSync(p),
  readdir: (p) => void readdirSync(p),
  exists: existsSync,
};

/** what a non-root netwatch misses here; empty for root */
export function needsRoot(uid: number, fs: FsProbe = realFs): NeedsRoot[] {
  if (uid === 0) return [];
  const out: NeedsRoot[] = [];
  const probe = (what: string, path: string, fn: (p: string) => void) => {
    try {
      fn(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      if (code === 'EACCES' || code === 'EPERM') out.push({ what, path, code });
    }
  };
  probe("kernel log: 'nf_conntrack: table full' lines (or sysctl kernel.dmesg_restrict=0)", '/dev/kmsg', fs.open);
  if (fs.exists('/proc/net/stat/nf_conntrack')) probe('conntrack statistics (drops, insert failures)', '/proc/net/stat/nf_conntrack', fs.open);
  else if (fs.exists('/proc/sys/net/netfilter/nf_conntrack_count')) out.push({ what: 'conntrack statistics (conntrack -S needs CAP_NET_ADMIN)', path: 'conntrack -S', code: 'EPERM' });
  probe("pod <-> veth peers (other users' network namespaces)", '/proc/1/ns/net', fs.readlink);
  probe("sockets and open files of other users' processes (process view)", '/proc/1/fd', fs.readdir);
  return out;
}

/** one line per missing thing, for the text report and the log */
export function needsRootText(list: readonly NeedsRoot[]): string[] {
  if (!list.length) return [];
  return ['not root: shown is what this user can read; these need root (sudo netwatch):', ...list.map((n) => `  ${n.what}: ${n.path} (${n.code})`)];
}
