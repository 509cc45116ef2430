/**
 * The reconnect sweep: after a connection to a node comes back, end what this netwatch's
 * earlier connections left running there (captures whose guard has not fired yet, e.g. during
 * the idle window after a network drop). Only this instance's tags of earlier epochs are
 * touched: other people's netwatch (another instance id) and this connection's own captures
 * (the current epoch) are spared.
 *
 * A candidate must be a `sh -c SCRIPT TAG ...` process (argv[1] = -c) whose argv[3] is
 * `nw-cap-<instance>-<epoch>` with an epoch other than the current one (NUL and newline are
 * swapped before sed, as the script in argv[2] has newlines). No ${...} in the script: it lives
 * in a template literal. When it leads its
 * process group (sshd, LocalTransport) the group gets TERM, then KILL a second later; when it
 * does not (under sudo) the script gets TERM and its own trap ends its group.
 */
import type { Transport, TransportState } from '../transport/types.js';
import { CAPTURE_INSTANCE_ID, captureTag, nextCaptureEpoch, validInstanceId } from './limiter.js';

export const SWEEP_SH = String.raw`
inst=$1 keep=$2
case $inst in ''|*[!a-z0-9]*) echo "nw-sweep: bad instance" >&2; exit 2;; esac
me=$$ groups= pids=
for f in $(grep -lzx -e "nw-cap-$inst-[0-9]*" /proc/[0-9]*/cmdline 2>/dev/null); do
  set -f
  IFS=/; set -- $f; IFS=' 	
'
  pid=$3
  [ "$pid" = "$me" ] && continue
  set -- $(tr '\0\n' '\n\0' 2>/dev/null < "$f" | sed -n '2p;4p')
  [ $# -eq 2 ] && [ "$1" = -c ] || continue
  tag=$2
  case $tag in "nw-cap-$inst-"*) ;; *) continue;; esac
  [ "$tag" = "$keep" ] && continue
  read -r stat 2>/dev/null < "/proc/$pid/stat" || continue
  set -- $stat
  case $2 in '('*')') ;; *) continue;; esac
  if [ "$5" = "$pid" ]; then kill -TERM "-$pid" 2>/dev/null && groups="$groups $pid"
  else kill -TERM "$pid" 2>/dev/null && pids="$pids $pid"; fi
  echo "swept $pid $tag"
done
if [ -n "$groups$pids" ]; then
  sleep 1
  for g in $groups; do kill -KILL "-$g" 2>/dev/null; done
  for p in $pids; do kill -KILL "$p" 2>/dev/null; done
fi
exit 0
`;

export interface SweptProcess {
  pid: number;
  tag: string;
}

/**
 * Ends every capture of this instance on the node from epochs before the current one. With
 * `newEpoch` (default) a new epoch starts first, so everything started so far is swept; run it
 * right after (re)connecting, before starting captures there. watchReconnects does it for you.
 */
export async function sweepCaptures(
  t: Transport,
  opts: { instance?: string; newEpoch?: boolean } = {},
): Promise<SweptProcess[]> {
  const instance = opts.instance ?? CAPTURE_INSTANCE_ID;
  const keep = opts.newEpoch === false ? captureTag(t, instance) : nextCaptureEpoch(t, instance);
  const r = await t.exec(SWEEP_SH, [validInstanceId(instance), keep], { privileged: true, tag: 'nw-sweep', timeoutMs: 15_000 });
  if (r.code !== 0) throw new Error(`capture sweep on ${t.name} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  return parseSweep(r.stdout);
}

export function parseSweep(stdout: string): SweptProcess[] {
  const out: SweptProcess[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^swept (\d+) (\S+)$/.exec(line);
    if (m) out.push({ pid: Number(m[1]), tag: m[2]! });
  }
  return out;
}

/**
 * Keeps a node swept: when its connection drops, a new capture epoch starts (captures started
 * from then on belong to the next connection); when it is ready again, the earlier epochs are
 * swept. Returns the unsubscribe function. Errors go to `onError` (a failed sweep is retried at
 * the next reconnect; the guards end leftovers within their idle limit anyway).
 */
export function watchReconnects(
  t: Transport,
  opts: { instance?: string; onSwept?: (swept: SweptProcess[]) => void; onError?: (e: Error) => void } = {},
): () => void {
  let wasReady = t.state().kind === 'ready';
  let dropped = false;
  return t.onState((s: TransportState) => {
    if (s.kind === 'ready') {
      if (dropped) {
        dropped = false;
        sweepCaptures(t, { instance: opts.instance, newEpoch: false }).then(
          (swept) => opts.onSwept?.(swept),
          (e: Error) => opts.onError?.(e),
        );
      }
      wasReady = true;
    } else if (wasReady && (s.kind === 'reconnecting' || s.kind === 'connecting')) {
      wasReady = false;
      dropped = true;
      nextCaptureEpoch(t, opts.instance);
    }
  });
}
