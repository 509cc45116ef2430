/** Command-line parsing. Pure: argv in, options or a usage error out. */
import { parseArgs } from 'node:util';
import { parseArgsProblem, parseRequestTimeout, UsageError } from './usage.js';

export { parseRequestTimeout, UsageError };

export interface Options {
  command: 'watch' | 'capture';
  hosts: string[];
  sshConfig?: string;
  acceptNewHostKeys: boolean;
  intervalMs: number;
  once: boolean;
  json: boolean;
  readonly: boolean;
  processes: boolean;
  /** Kubernetes selection */
  nodes?: string;
  selector?: string;
  kubeconfig?: string;
  context?: string;
  addressType: string;
  /** captures */
  captureSummary: boolean;
  captureSummaryEvery: number;
  tcpdump: string;
  captureDir: string;
  target?: string;
  filter?: string;
  seconds?: number;
  count?: number;
  snaplen?: number;
  write?: string;
  log?: string;
  config?: string;
  /** --connect-timeout: TCP connect + SSH handshake + authentication, per attempt (wins over ssh config) */
  connectTimeoutMs?: number;
  /** --request-timeout: one Kubernetes API request (0 = none, as kubectl); default 10 s */
  requestTimeoutMs: number;
  /** --fail-on: exit 3 when a problem at or above this severity was found */
  failOn?: 'warn' | 'crit';
  help: boolean;
  version: boolean;
}

export const USAGE = `usage: netwatch [--hosts H1,H2 | --nodes POOL|NAMES|GLOB | -l SELECTOR] [options]
       netwatch capture TARGET [--filter EXPR] [--seconds N] [--count N] -w FILE [options]

With no target netwatch watches this machine (no SSH).

Nodes
  --hosts LIST            ssh destinations (aliases from ~/.ssh/config, [user@]host[:port])
  -F FILE                 ssh config file (as ssh -F)
  --accept-new-host-keys  trust and record keys of hosts not yet in known_hosts (never changed keys)
  --nodes ARG             Kubernetes node pool name, comma list of node names, or glob
  -l, --selector SEL      Kubernetes label selector for nodes
  --kubeconfig FILE       kubeconfig (default: $KUBECONFIG, ~/.kube/config)
  --context NAME          kubeconfig context
  --address-type TYPE     InternalIP (default), ExternalIP, Hostname, InternalDNS, ExternalDNS
  --connect-timeout SECONDS  TCP connect + SSH handshake + login, per attempt (default: the ssh
                          config's ConnectTimeout, else 10); the flag wins, as ssh -o does
  --request-timeout TIME  one Kubernetes API request, as kubectl: 10s, 1m, or plain seconds;
                          0 = no timeout (default 10s)
Display
  --interval SECONDS      sampling interval (default 1, 0.2 to 60)
  --once                  sample every node once, print and exit (exit status below)
  --json                  with --once: JSON output
  --fail-on warn|crit     with --once: exit 3 when a problem at or above this level was found
  --processes             with --once --json: include the stale-process view
  --readonly              refuse destructive actions (kill)
Captures
  --no-capture-summary    no periodic short capture per node for the overview
  --capture-summary-every SECONDS   (default 10)
  --tcpdump PATH          tcpdump program or wrapper on the nodes (default tcpdump)
  --capture-dir DIR       where kept pcaps go (default .)
  --snaplen BYTES         bytes kept per packet (capture command and the live view's captures;
                          default 128, 0 = whole packet as with tcpdump -s 0, at most 262144)
  --filter EXPR --seconds N --count N -w FILE   (capture command)
Other
  --config FILE           config file (JSON: {"readonly": true, ...}; default ~/.config/netwatch/config.json)
  --log FILE              log file (default ~/.local/state/netwatch/netwatch.log)
  -h, --help  --version

Exit status (--once)
  0 every node was sampled
  1 a node could not be sampled (its reason on stderr and in the output)
  2 usage error (bad option or value, unreadable config)
  3 --fail-on LEVEL was given and a sampled node has a problem at or above LEVEL;
    3 wins over 1 when both apply (a problem seen is certain, a failed node is a gap)
Without root (locally) netwatch shows what a normal user can read and names what needs root.`;

function num(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max || v.trim() === '') {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, not ${JSON.stringify(v)}`);
  }
  return n;
}

export function parseCli(argv: readonly string[], fileConfig: Partial<Options> = {}): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        hosts: { type: 'string' },
        F: { type: 'string', short: 'F' },
        'accept-new-host-keys': { type: 'boolean' },
        interval: { type: 'string' },
        once: { type: 'boolean' },
        json: { type: 'boolean' },
        readonly: { type: 'boolean' },
        processes: { type: 'boolean' },
        nodes: { type: 'string' },
        selector: { type: 'string', short: 'l' },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        'address-type': { type: 'string' },
        'no-capture-summary': { type: 'boolean' },
        'capture-summary-every': { type: 'string' },
        tcpdump: { type: 'string' },
        'capture-dir': { type: 'string' },
        filter: { type: 'string' },
        seconds: { type: 'string' },
        count: { type: 'string' },
        snaplen: { type: 'string' },
        w: { type: 'string', short: 'w' },
        log: { type: 'string' },
        config: { type: 'string' },
        'connect-timeout': { type: 'string' },
        'request-timeout': { type: 'string' },
        'fail-on': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (e) {
    throw new UsageError(parseArgsProblem(e as Error & { code?: string }, argv));
  }
  const v = parsed.values;
  const pos = parsed.positionals;
  let command: Options['command'] = 'watch';
  let target: string | undefined;
  if (pos[0] === 'capture') {
    command = 'capture';
    if (pos.length !== 2) throw new UsageError('capture takes one TARGET: namespace/pod, NODE or NODE:INTERFACE');
    target = pos[1];
    if (!v.w) throw new UsageError('capture needs -w FILE');
  } else if (pos.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(pos[0])}`);
  }
  const hosts = (v.hosts ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  if (v.hosts !== undefined && !hosts.length) throw new UsageError('--hosts needs at least one host');
  if (hosts.length && (v.nodes || v.selector)) throw new UsageError('--hosts cannot be combined with --nodes or --selector');
  const addressTypes = ['InternalIP', 'ExternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS'];
  const addressType = v['address-type'] ?? 'InternalIP';
  if (!addressTypes.includes(addressType)) throw new UsageError(`--address-type must be one of ${addressTypes.join(', ')}`);
  if (v.json && !v.once && command === 'watch') throw new UsageError('--json goes with --once');
  const interval = num('interval', v.interval, 0.2, 60) ?? fileConfig.intervalMs! / 1000;
  const connect = num('connect-timeout', v['connect-timeout'], 0.1, 3600);
  const failOn = v['fail-on'];
  if (failOn !== undefined && failOn !== 'warn' && failOn !== 'crit') throw new UsageError(`--fail-on must be warn or crit, not ${JSON.stringify(failOn)}`);
  if (failOn && !v.once) throw new UsageError('--fail-on goes with --once');
  return {
    command,
    hosts,
    sshConfig: v.F,
    acceptNewHostKeys: v['accept-new-host-keys'] ?? false,
    intervalMs: Math.round((Number.isFinite(interval) ? interval : 1) * 1000),
    once: v.once ?? false,
    json: v.json ?? false,
    readonly: (v.readonly ?? false) || (fileConfig.readonly ?? false),
    processes: v.processes ?? false,
    nodes: v.nodes,
    selector: v.selector,
    kubeconfig: v.kubeconfig,
    context: v.context,
    addressType,
    captureSummary: !(v['no-capture-summary'] ?? false) && (fileConfig.captureSummary ?? true),
    captureSummaryEvery: num('capture-summary-every', v['capture-summary-every'], 2, 3600) ?? fileConfig.captureSummaryEvery ?? 10,
    tcpdump: v.tcpdump ?? fileConfig.tcpdump ?? 'tcpdump',
    captureDir: v['capture-dir'] ?? fileConfig.captureDir ?? '.',
    target,
    filter: v.filter,
    seconds: num('seconds', v.seconds, 1, 86400),
    count: num('count', v.count, 1, 100_000_000),
    snaplen: snaplenOption(v.snaplen),
    write: v.w,
    log: v.log,
    config: v.config,
    connectTimeoutMs: connect === undefined ? undefined : Math.round(connect * 1000),
    requestTimeoutMs: v['request-timeout'] === undefined ? 10_000 : parseRequestTimeout(v['request-timeout']),
    failOn,
    help: v.help ?? false,
    version: v.version ?? false,
  };
}

/** --snaplen: a whole number of bytes 0..262144 (0: whole packets, as tcpdump -s 0) */
function snaplenOption(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,6}$/.test(v.trim()) || Number(v) > 262144) {
    throw new UsageError(`--snaplen must be a whole number of bytes from 0 (whole packets) to 262144, not ${JSON.stringify(v)}`);
  }
  return Number(v);
}
