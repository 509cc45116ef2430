/** Command-line parsing. Pure: argv in, options or a usage error out. */
import { parseArgs } from 'node:util';

export class UsageError extends Error {}

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
  /** --request-timeout: one Kubernetes API request (0 = none, as kubectl); default 30 s */
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
                          0 = no timeout (default 30s)
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
  --filter EXPR --seconds N --count N --snaplen N -w FILE   (capture command)
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
    snaplen: num('snaplen', v.snaplen, 64, 262144),
    write: v.w,
    log: v.log,
    config: v.config,
    connectTimeoutMs: connect === undefined ? undefined : Math.round(connect * 1000),
    requestTimeoutMs: v['request-timeout'] === undefined ? 30_000 : parseRequestTimeout(v['request-timeout']),
    failOn,
    help: v.help ?? false,
    version: v.version ?? false,
  };
}

/** the names parseArgs knows, for messages */
const LONG = [
  'hosts', 'accept-new-host-keys', 'interval', 'once', 'json', 'readonly', 'processes', 'nodes', 'selector', 'kubeconfig', 'context',
  'address-type', 'no-capture-summary', 'capture-summary-every', 'tcpdump', 'capture-dir', 'filter', 'seconds', 'count', 'snaplen',
  'log', 'config', 'connect-timeout', 'request-timeout', 'fail-on', 'help', 'version',
];

function closest(name: string): string | undefined {
  const d = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const t = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = t;
      }
    }
    return row[b.length]!;
  };
  const best = LONG.map((l) => [l, l.startsWith(name) && name.length >= 3 ? 0 : d(name, l)] as const).sort((a, b) => a[1] - b[1])[0];
  return best && best[1] <= Math.max(1, Math.floor(name.length / 3)) ? best[0] : undefined;
}

/** node:util parseArgs' error, said in netwatch's words (its own text names internals) */
export function parseArgsProblem(e: Error & { code?: string }, argv: readonly string[]): string {
  const opt = /'(--?[^' <=,]+)/.exec(e.message)?.[1] ?? '';
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const hint = opt.startsWith('--') ? closest(opt.slice(2)) : undefined;
      return `unknown option ${opt}${hint ? ` (did you mean --${hint}?)` : ''}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      if (/does not take an argument/.test(e.message)) return `${opt} takes no value`;
      const i = argv.findIndex((a) => a === opt || (opt.length === 2 && a.startsWith(opt)));
      const next = i >= 0 ? argv[i + 1] : undefined;
      if (next === undefined) return `${opt} needs a value`;
      return `${opt} needs a value, and ${JSON.stringify(next)} looks like an option (write ${opt}=${next} if it is the value)`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${JSON.stringify(/'([^']*)'/.exec(e.message)?.[1] ?? '')}`;
    default:
      return `cannot read the command line (${argv.join(' ')})`;
  }
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** kubectl's --request-timeout: a Go duration (10s, 1m30s, 500ms) or plain seconds; 0 = none */
export function parseRequestTimeout(v: string): number {
  const t = v.trim();
  const bad = () => new UsageError(`--request-timeout must be a duration such as 10s, 1m or plain seconds (0 = no timeout), not ${JSON.stringify(v)}`);
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  if (!/^((\d+(\.\d+)?)(ns|us|µs|ms|s|m|h))+$/.test(t)) throw bad();
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  if (!Number.isFinite(ms) || ms > 24 * 3_600_000) throw bad();
  return Math.round(ms);
}
