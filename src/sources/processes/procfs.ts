/**
 * Pure parsers for per-process /proc files and the socket tables. No I/O: tested on real files
 * in test/fixtures/processes/.
 */

export interface ProcStat {
  pid: number;
  /** field 2, the text between the first '(' and the LAST ')': comm may contain spaces, ')' */
  comm: string;
  /** field 3 */
  state: string;
  /** field 4 */
  ppid: number;
  /** field 9 (PF_* flags; PF_KTHREAD = 0x00200000) */
  flags: number;
  /** field 22, clock ticks since boot */
  startTicks: number;
}

const PF_KTHREAD = 0x00200000;

/**
 * /proc/PID/stat. comm is whatever the process set (prctl PR_SET_NAME, up to 15 bytes): spaces,
 * parentheses and even newlines are possible, so the fields after comm are found from the last
 * ')'. Returns undefined when the text is not a stat line (truncated, empty).
 */
export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open <= 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open));
  const rest = text.slice(close + 1).trim().split(/\s+/);
  // rest[0] is field 3; field N is rest[N - 3]
  const state = rest[0];
  const ppid = Number(rest[1]);
  const flags = Number(rest[6]);
  const startTicks = Number(rest[19]);
  if (!Number.isInteger(pid) || pid <= 0 || !state || !/^[A-Za-z]$/.test(state)) return undefined;
  if (!Number.isFinite(ppid) || !Number.isFinite(startTicks)) return undefined;
  return {
    pid,
    comm: text.slice(open + 2, close),
    state,
    ppid,
    flags: Number.isFinite(flags) ? flags : 0,
    startTicks,
  };
}

export function isKernelThread(s: ProcStat): boolean {
  return (s.flags & PF_KTHREAD) !== 0;
}

/**
 * /proc/PID/cmdline: arguments separated (and usually terminated) by NUL. A process that
 * rewrote its title (setproctitle) may have one string with spaces and no NUL: one argument.
 */
export function parseCmdline(raw: string): string[] {
  if (raw === '') return [];
  const parts = raw.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** One row of /proc/net/{tcp,tcp6,udp,udp6}. */
export interface SocketRow {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** hex state: 0A = TCP LISTEN, 07 = TCP CLOSE / UDP unconnected, 01 = ESTABLISHED */
  state: number;
  uid: number;
  inode: number;
}

/**
 * The kernel prints addresses as the in-memory __be32 words in host byte order (little-endian
 * on x86 and arm64): each 8-hex-digit group has its bytes reversed. Ports are plain big hex.
 */
export function hexToAddress(hex: string, littleEndian = true): string | undefined {
  if (!/^[0-9A-Fa-f]+$/.test(hex) || (hex.length !== 8 && hex.length !== 32)) return undefined;
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = [0, 2, 4, 6].map((i) => parseInt(hex.slice(w + i, w + i + 2), 16));
    bytes.push(...(littleEndian ? word.reverse() : word));
  }
  if (bytes.length === 4) return bytes.join('.');
  return formatIpv6(bytes);
}

function formatIpv6(b: number[]): string {
  const isV4Mapped = b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (isV4Mapped) return `::ffff:${b.slice(12).join('.')}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first one on a tie
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** One data row of a socket table (the header row and malformed rows give undefined). */
export function parseSocketRow(line: string): SocketRow | undefined {
  const f = line.trim().split(/\s+/);
  if (f.length < 10 || !/^\d+:$/.test(f[0] ?? '')) return undefined;
  const [la, lp] = (f[1] ?? '').split(':');
  const [ra, rp] = (f[2] ?? '').split(':');
  const localAddress = la ? hexToAddress(la) : undefined;
  const remoteAddress = ra ? hexToAddress(ra) : undefined;
  if (!localAddress || !remoteAddress || !lp || !rp) return undefined;
  const inode = Number(f[9]);
  const uid = Number(f[7]);
  if (!Number.isFinite(inode)) return undefined;
  return {
    localAddress,
    localPort: parseInt(lp, 16),
    remoteAddress,
    remotePort: parseInt(rp, 16),
    state: parseInt(f[3] ?? '', 16),
    uid,
    inode,
  };
}

export const TCP_LISTEN = 0x0a;
export const UDP_UNCONNECTED = 0x07;

/** Is this row a listening socket: TCP in LISTEN, or UDP bound and not connected. */
export function isListening(proto: 'tcp' | 'udp', row: SocketRow): boolean {
  if (proto === 'tcp') return row.state === TCP_LISTEN;
  return row.state === UDP_UNCONNECTED && row.localPort !== 0;
}

/** All listening sockets of a whole table file (header included). */
export function parseSocketTable(text: string, proto: 'tcp' | 'udp'): SocketRow[] {
  const out: SocketRow[] = [];
  for (const line of text.split('\n')) {
    const row = parseSocketRow(line);
    if (row && isListening(proto, row)) out.push(row);
  }
  return out;
}
