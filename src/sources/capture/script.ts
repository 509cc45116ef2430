/**
 * The remote side of a capture: constant POSIX sh scripts, their positional arguments
 * (validated here, never pasted), and the marker lines they write to stderr.
 *
 * CAPTURE_SH, run as `sh -c CAPTURE_SH nw-cap-<instance>-<epoch> TCPDUMP IFACE SNAPLEN COUNT
 * IDLE MAXLIFE FILTER`:
 *   1. `command -v TCPDUMP` or exit 127 (before the guard, whose EXIT trap would turn it into 0)
 *   2. the guard: ends the script's process group on stdin EOF, after IDLE seconds without a
 *      heartbeat line from netwatch (network drop), or at MAXLIFE
 *   3. `TCPDUMP -d -i IFACE -- FILTER`: tcpdump compiles the filter for that interface without
 *      capturing; on failure its own message is on stderr and nothing was started
 *   4. tcpdump in the background writing pcap to stdout (`-U --immediate-mode`: every packet
 *      is passed on at once, none waits in a kernel buffer block); when it ends by itself
 *      (count reached, interface gone) it reports its exit code and ends the script
 *   5. reads stdin: a line `stop` (or EOF) ends the capture: TERM to the process group, sent
 *      again after 1 s and KILL after 2 s by a helper that ignores TERM. The repeat matters: a
 *      TERM that reaches the background job between its fork and its reset of the inherited
 *      trap is lost (seen with dash on a stop right after start), and tcpdump would then run on
 *      with no guard left.
 */
import { GUARD_SH } from '../remote/guard.js';
import { InvalidNameError, validFilter, validInterfaceName, validProgram } from '../shell.js';

export const CAPTURE_SH =
  GUARD_SH +
  String.raw`
tcpd=$1 iface=$2 snap=$3 count=$4 idle=$5 maxlife=$6 filter=$7
command -v "$tcpd" >/dev/null 2>&1 || { echo "nw-cap: missing $tcpd" >&2; exit 127; }
nw_guard "$idle" "$maxlife"
if [ -n "$filter" ]; then set -- -- "$filter"; else set --; fi
if ! "$tcpd" -d -i "$iface" "$@" </dev/null >/dev/null; then echo 'nw-cap: rejected' >&2; exit 0; fi
echo "nw-cap: started $$" >&2
{ "$tcpd" -i "$iface" -s "$snap" -c "$count" -U --immediate-mode -w - "$@"; echo "nw-cap: exit $?" >&2; kill -TERM $$; } &
job=$!
while read -r line; do
  [ "$line" = stop ] && break
done
trap '' TERM
kill -TERM 0 2>/dev/null
( sleep 1; kill -TERM 0; sleep 1; kill -KILL 0 ) </dev/null >/dev/null 2>&1 &
wait "$job"
exit 0
`;

/** Filter check alone (the prompt, the CLI): `sh -c CHECK_SH TAG TCPDUMP IFACE FILTER`. */
export const CHECK_SH =
  GUARD_SH +
  String.raw`
tcpd=$1 iface=$2 filter=$3
command -v "$tcpd" >/dev/null 2>&1 || { echo "nw-cap: missing $tcpd" >&2; exit 127; }
nw_guard 15 30
if [ -n "$filter" ]; then set -- -- "$filter"; else set --; fi
if "$tcpd" -d -i "$iface" "$@" >/dev/null; then echo 'nw-cap: valid' >&2; else echo 'nw-cap: rejected' >&2; fi
exit 0
`;

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
}

function intIn(name: string, v: number, min: number, max: number): string {
  if (!Number.isInteger(v) || v < min || v > max) throw new InvalidNameError(`${name} must be a whole number from ${min} to ${max}, not ${v}`);
  return String(v);
}

/** Validated positional arguments for CAPTURE_SH. Throws InvalidNameError. */
export function captureArgs(a: CaptureArgs): string[] {
  return [
    validProgram(a.tcpdump),
    validInterfaceName(a.iface),
    intIn('snap length', a.snaplen, 64, 262144),
    intIn('packet count', a.count, 1, 100_000_000),
    intIn('idle limit', a.idleSeconds, 2, 3600),
    intIn('time cap', a.maxLifeSeconds, 2, 7 * 86400),
    validFilter(a.filter),
  ];
}

export function checkArgs(tcpdump: string, iface: string, filter: string): string[] {
  return [validProgram(tcpdump), validInterfaceName(iface), validFilter(filter)];
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
