/**
 * The remote side of a capture: the scripts (../remote/capture.sh, check.sh, ownssh.sh), their
 * positional arguments (validated here, never pasted), and the marker lines they write to stderr.
 *
 * CAPTURE_SH, run as `sh -c CAPTURE_SH nw-cap-<instance>-<epoch> TCPDUMP IFACE SNAPLEN COUNT
 * IDLE MAXLIFE FILTER OWNSSH`:
 *   1. `command -v TCPDUMP` or exit 127 (before the guard, whose EXIT trap would turn it into 0)
 *   2. the guard: ends the script's process group on stdin EOF, after IDLE seconds without a
 *      heartbeat line from netwatch (network drop), or at MAXLIFE
 *   3. netwatch's own SSH connection, found on the node (SSH_CONNECTION of the script or its
 *      nearest ancestor, validated), is excluded: the filter applied is `(FILTER) and not (tcp
 *      and host C and port CP and host S and port SP)`, or the exclusion alone. OWNSSH `require`
 *      (over SSH) refuses to start without it; `ifset` (netwatch on the node itself) excludes
 *      the terminal's SSH session when there is one. Reported as `nw-cap: own-ssh C CP S SP`
 *      and `nw-cap: filter EXPR`, or `nw-cap: unprotected REASON` and nothing starts.
 *   4. `TCPDUMP -d -i IFACE -- FILTER`: tcpdump compiles the filter for that interface without
 *      capturing; on failure its own message is on stderr and nothing was started
 *   5. tcpdump in the background writing pcap to stdout (`-U --immediate-mode`: every packet
 *      is passed on at once, none waits in a kernel buffer block); when it ends by itself
 *      (count reached, interface gone) it reports its exit code and ends the script
 *   6. reads stdin: a line `stop` (or EOF) ends the capture: TERM to the process group, sent
 *      again after 1 s and KILL after 2 s by a helper that ignores TERM. The repeat matters: a
 *      TERM that reaches the background job between its fork and its reset of the inherited
 *      trap is lost (seen with dash on a stop right after start), and tcpdump would then run on
 *      with no guard left.
 *
 * CHECK_SH, `sh -c CHECK_SH TAG TCPDUMP IFACE FILTER OWNSSH`: steps 1-4 only, then
 * `nw-cap: valid` or `nw-cap: rejected`.
 */
import { InvalidNameError, validFilter, validInterfaceName, validProgram } from '../shell.js';

export { CAPTURE_SH, CHECK_SH } from '../remote/scripts.js';

export const CAPTURE_DEFAULTS = {
  snaplen: 128,
  count: 100_000,
  seconds: 300,
  tcpdump: 'tcpdump',
  idleSeconds: 10,
} as const;

export interface CaptureArgs {
  tcpdump: string;
  iface: string;
  snaplen: number;
  count: number;
  /** the guard's idle limit: seconds without a heartbeat line before the node ends the capture */
  idleSeconds: number;
  /** the guard's hard cap on the script's life */
  maxLifeSeconds: number;
  filter: string;
  /** how the node finds netwatch's own SSH connection to exclude (see ownSshMode) */
  ownSsh: OwnSshMode;
}

/**
 * `require`: netwatch reached the node over SSH, so the capture's ancestors on the node carry
 * SSH_CONNECTION; without a valid one the capture refuses to start. `ifset`: netwatch runs on
 * the node itself; the SSH session of its terminal (when there is one) is excluded.
 */
export type OwnSshMode = 'require' | 'ifset';

/** the largest snap length; 0 means the same (whole packets), as with tcpdump -s 0 */
export const MAX_SNAPLEN = 262144;

function intIn(name: string, v: number, min: number, max: number): string {
  if (!Number.isInteger(v) || v < min || v > max) throw new InvalidNameError(`${name} must be a whole number from ${min} to ${max}, not ${v}`);
  return String(v);
}

/** Validated positional arguments for CAPTURE_SH. Throws InvalidNameError. */
export function captureArgs(a: CaptureArgs): string[] {
  return [
    validProgram(a.tcpdump),
    validInterfaceName(a.iface),
    intIn('snap length', a.snaplen, 0, MAX_SNAPLEN),
    intIn('packet count', a.count, 1, 100_000_000),
    intIn('idle limit', a.idleSeconds, 2, 3600),
    intIn('time cap', a.maxLifeSeconds, 2, 7 * 86400),
    userFilter(a.filter),
    a.ownSsh,
  ];
}

export function checkArgs(tcpdump: string, iface: string, filter: string, ownSsh: OwnSshMode): string[] {
  return [validProgram(tcpdump), validInterfaceName(iface), userFilter(filter), ownSsh];
}

/**
 * The user's filter as the node combines it, `(FILTER) and not (...)`: besides validFilter's
 * rules its parentheses must balance, so that no text can close the group early. (pcap's `and`
 * and `or` bind equally, left to right, so the appended `and not` always applies to all of it.)
 */
export function userFilter(expr: string): string {
  validFilter(expr);
  let depth = 0;
  for (const c of expr) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) break;
  }
  if (depth !== 0) throw new InvalidNameError(`filter ${JSON.stringify(expr)} has unbalanced parentheses`);
  return expr;
}

/** netwatch's own SSH connection as the node reported it (the 4-tuple it excluded) */
export interface OwnSsh {
  client: string;
  clientPort: number;
  server: string;
  serverPort: number;
}

export interface TcpdumpStats {
  captured?: number;
  received?: number;
  dropped?: number;
}

/** What the script's stderr said: markers, tcpdump's statistics, and everything else verbatim. */
export interface StderrReport {
  missing?: string;
  rejected: boolean;
  valid: boolean;
  started: boolean;
  /** tcpdump's exit code when it ended by itself */
  exit?: number;
  /** the exact filter tcpdump was given ('' = everything) */
  appliedFilter?: string;
  /** netwatch's own SSH connection, excluded by appliedFilter */
  ownSsh?: OwnSsh;
  /** why the capture refused to start: the own SSH connection could not be told */
  unprotected?: string;
  stats: TcpdumpStats;
  /** tcpdump's (or sudo's) own lines, without markers, statistics and "listening on" */
  messages: string[];
}

export function parseStderr(text: string): StderrReport {
  const r: StderrReport = { rejected: false, valid: false, started: false, stats: {}, messages: [] };
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (!line) continue;
    let m: RegExpExecArray | null;
    if ((m = /^nw-cap: missing (.*)$/.exec(line))) r.missing = m[1];
    else if (line === 'nw-cap: rejected') r.rejected = true;
    else if (line === 'nw-cap: valid') r.valid = true;
    else if (/^nw-cap: started \d+$/.test(line)) r.started = true;
    // eslint-disable-next-line no-control-regex
    else if ((m = /^nw-cap: filter ?([^\u0000-\u001f\u007f]*)$/.exec(line))) r.appliedFilter = m[1];
    else if ((m = /^nw-cap: own-ssh ([0-9a-fA-F:.]+) (\d+) ([0-9a-fA-F:.]+) (\d+)$/.exec(line))) {
      r.ownSsh = { client: m[1]!, clientPort: Number(m[2]), server: m[3]!, serverPort: Number(m[4]) };
    } else if ((m = /^nw-cap: unprotected (.*)$/.exec(line))) r.unprotected = m[1];
    else if ((m = /^nw-cap: exit (\d+)$/.exec(line))) r.exit = Number(m[1]);
    else if ((m = /^(\d+) packets? captured$/.exec(line))) r.stats.captured = Number(m[1]);
    else if ((m = /^(\d+) packets? received by filter$/.exec(line))) r.stats.received = Number(m[1]);
    else if ((m = /^(\d+) packets? dropped by kernel$/.exec(line))) r.stats.dropped = Number(m[1]);
    else if (/^(tcpdump: )?listening on /.test(line)) continue;
    // the shell's own note about its background job ending by a signal (dash)
    else if (/^(Terminated|Killed)$/.test(line)) continue;
    else r.messages.push(line);
  }
  return r;
}

/** The message for a node without tcpdump: what is missing and the ways to fix it. */
export function missingTcpdumpMessage(node: string, program: string): string {
  return (
    `${program}: not found on ${node} (looked up as root with command -v). Captures need tcpdump on the node: ` +
    `install it (apt-get install tcpdump, dnf/yum install tcpdump, apk add tcpdump); ` +
    `on Container-Optimized OS tcpdump exists only inside toolbox: install it there and pass ` +
    `--tcpdump PATH with a wrapper script on the node that runs it; ` +
    `or pass --tcpdump PATH if it is installed outside PATH.`
  );
}
