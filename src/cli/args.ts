/** Command-line parsing. Pure: argv in, options or a usage error out. */
import { parseArgs } from 'node:util';
import { parseArgsProblem, parseRequestTimeout, UsageError } from './usage.js';
import { OUTPUT_FORMATS, type OutputFormat } from './formats.js';
import { flagName, SETTINGS, settingValue, type Setting, type SettingKey, type Settings } from './schema.js';

export { parseRequestTimeout, UsageError };

export interface Options {
  command: 'watch' | 'capture' | 'checks' | 'attach' | 'record' | 'replay';
  /** --share: serve the live view to `netwatch attach` (Unix socket, same user or --share-group) */
  share: boolean;
  /** --share-group GROUP: members of this group may attach too */
  shareGroup?: string;
  /** attach PID|PATH: which session (absent: the only one) */
  attachTo?: string;

  /** record / replay: the recording file */
  file?: string;
  /** record: stop after this long, ms (undefined: until SIGINT/SIGTERM) */
  durationMs?: number;
  /** record and --record: rotate FILE to FILE.1 before it passes this many bytes */
  maxSize?: number;
  /** record and --record: a full snapshot every this much stream time, ms */
  snapshotEveryMs: number;
  /** --record FILE: the live view records too */
  recordFile?: string;
  /** replay --at: an offset (5m, 90s), a clock time (03:12:00) or an ISO date */
  at?: string;
  /** replay --marks: list the marks */
  marks: boolean;
  hosts: string[];
  sshConfig?: string;
  acceptNewHostKeys: boolean;
  intervalMs: number;
  /** --slow-every: the slow collectors' period, ms */
  slowEveryMs: number;
  once: boolean;
  /** --window: --once takes a second sample this long after the first, for rates (0 = one sample) */
  windowMs: number;
  /** -o/--output (kubectl's flag): text unless given; --json is -o json */
  output: OutputFormat;
  /** output === 'json' (kept for the commands that only know JSON or text) */
  json: boolean;
  readonly: boolean;
  processes: boolean;
  /** --service NS/NAME: per node, what kube-proxy's rules say about this Service (implies --once) */
  service?: string;
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
  /** NETWATCH_INCREMENTAL=1: Ink's incremental rendering (docs/decisions.md) */
  incrementalRendering: boolean;
  /** NETWATCH_PARALLEL_HANDSHAKES, checked here; src/sources/ssh/handshakes.ts reads it */
  parallelHandshakes?: number;
  help: boolean;
  version: boolean;
}

export const USAGE = `usage: netwatch [--hosts H1,H2 | --nodes POOL|NAMES|GLOB | -l SELECTOR] [options]
       netwatch capture TARGET [--filter EXPR] [--seconds N] [--count N] -w FILE [options]
       netwatch checks [--json]   every check netwatch makes: id, severity, what it reads, source
       netwatch attach [PID|PATH] [--once [-o FORMAT]]   a viewer of a --share session (no SSH)

       netwatch record FILE [--hosts … | --nodes … | -l …] [--duration 2h] [--max-size 200M]
       netwatch replay FILE [--at 5m|03:12:00|ISO --once [-o FORMAT]] [--marks]

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
  --interval SECONDS      sampling interval (default 1, 0.2 to 60; also 500ms, 2s)
  --slow-every SECONDS    slow checks (iptables, IPVS, node agents, hairpin) at most this often
                          (default 60, 5 to 3600; key R reads them now). Rule text comes again
                          only when it changed; the nft rule set is saved only when its watcher
                          (xtables-monitor) saw a change, and at least every 20th read
  --once                  sample every node once, print and exit (exit status below)
  --window SECONDS        with --once: a second sample this long after the first, so rates
                          (drops/s, failed attempts/s) and their problems show (default 2, 0 to 60;
                          0 = one sample, no rates). --once ends within connect timeout + first
                          sample + window + one --interval (+ --request-timeout with the API)
  -o, --output FORMAT     with --once: json (as --json), markdown (a summary to paste in an
                          incident channel: nodes, worst problems, remedies) or wide (the text
                          table with address, kernel, primary MTU, conntrack %, pods, sample age);
                          default plain text
  --json                  with --once or --service: JSON output (-o json)
  --service NS/NAME       with --nodes/-l: per node, the Service's VIP, ports, the API's endpoints
                          and what the node's kube-proxy rules (iptables or IPVS) say; one read, exits
  --fail-on warn|crit     with --once: exit 3 when a problem at or above this level was found
  --processes             with --once --json: include the stale-process view
  --readonly              refuse destructive actions (kill)
Sharing
  --share                 the live view also serves its state to "netwatch attach" of the same user
                          (Unix socket in $XDG_RUNTIME_DIR/netwatch/, else /tmp/netwatch-$UID/; no TCP)
  --share-group GROUP     with --share: members of GROUP may attach too
  attach [PID|PATH]       a full, independent, read-only UI on a shared session (own selection,
                          screens, filter); m marks in the owner's session, c asks it to capture;
                          kill is refused. With several sessions give the PID or the socket's path.
                          attach --once [-o FORMAT] prints the shared state as --once does.
                          --connect-timeout bounds the connection (default 5 s)
Captures
  --no-capture-summary    no periodic short capture per node for the overview
  --capture-summary-every SECONDS   (default 10)
  --tcpdump PATH          tcpdump program or wrapper on the nodes (default tcpdump)
  --capture-dir DIR       where kept pcaps go (default .)
  --snaplen BYTES         bytes kept per packet (capture command and the live view's captures;
                          default 128, 0 = whole packet as with tcpdump -s 0, at most 262144)
  --filter EXPR --seconds N --count N -w FILE   (capture command)
Recording (docs/recording.md)
  record FILE             record headless (no terminal: nohup, tmux) until --duration, SIGINT or
                          SIGTERM; refuses an existing FILE. No capture summaries unless
                          --capture-summary
  --record FILE           the live view records too (a write error says so and stops recording only)
  --duration TIME         record for this long: 90s, 30m, 2h (at most 24h)
  --max-size SIZE         rotate FILE to FILE.1 (replacing it) before FILE passes SIZE (200M, 1G;
                          at least 64K); replay FILE reads FILE.1 first when it is the same recording
  --snapshot-every SECONDS  a full snapshot in the file this often (default 60): seeking reads at
                          most this much
  replay FILE             the live view's screens over recorded time
  --at WHEN               with replay --once: the state at WHEN: an offset from the start (5m, 90s,
                          1h2m), a clock time (03:12, 03:12:00: local time, the first such moment at
                          or after the recording's start) or an ISO date (2026-12-02T03:12:00Z)
  --marks                 with replay: list the marks (time, offset, who, note; -o json)
Other
  --config FILE           config file (JSON: {"readonly": true, "interval": 2, ...}; default $NETWATCH_CONFIG,
                          else ~/.config/netwatch/config.json). Settings also come from NETWATCH_*
                          variables; flag > environment > file > default (docs/config.md)
  --log FILE              log file (default ~/.local/state/netwatch/netwatch.log)
  -h, --help  --version

Exit status (--once)
  0 every node was sampled
  1 a node could not be sampled (its reason on stderr and in the output)
  2 usage error (bad option or value, unreadable config)
  3 --fail-on LEVEL was given and a sampled node has a problem at or above LEVEL;
    3 wins over 1 when both apply (a problem seen is certain, a failed node is a gap)
Without root (locally) netwatch shows what a normal user can read and names what needs root.`;

/** options whose value may start with "-" as a number does (--interval -1): taken as the value, so the schema speaks */
const NUMERIC = new Set(
  (Object.values(SETTINGS) as Setting[]).filter((s) => s.flag && ['seconds', 'duration', 'int'].includes(s.kind)).map((s) => flagName(s)!),
);

function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return [...out, ...argv.slice(i)];
    if (NUMERIC.has(a) && /^-[\d.]/.test(argv[i + 1] ?? '')) out.push(`${a}=${argv[++i]}`);
    else out.push(a);
  }
  return out;
}

/** where the settings come from besides the flags: the config file (already checked) and the environment */
export interface Layers {
  file?: Settings;
  env?: NodeJS.ProcessEnv;
  /** @deprecated older callers passed the default interval here; it is the schema's default now (ignored) */
  intervalMs?: number;
}

/**
 * Every setting of schema.ts: flag > environment > config file > default, each value checked by
 * the schema wherever it comes from (a bad value is refused even where a higher source wins).
 * An empty environment variable counts as unset.
 */
export function resolveSettings(flags: Record<string, string | boolean | undefined>, layers: Layers = {}): Settings {
  const out: Settings = {};
  for (const [key, s] of Object.entries(SETTINGS) as Array<[SettingKey, Setting]>) {
    const f = s.flag === undefined ? undefined : flags[s.flag];
    const e = s.env ? layers.env?.[s.env] : undefined;
    const envValue = e === undefined || e === '' ? undefined : settingValue(key, e, s.env!);
    let v: number | boolean | string | undefined;
    if (typeof f === 'string') v = settingValue(key, f, flagName(s)!);
    else if (f === true) v = !s.negated;
    if (v === undefined) v = envValue ?? layers.file?.[key] ?? (s.schema as { default?: number | boolean | string }).default;
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** -o FORMAT, checked; --json is -o json, and the two must agree */
export function outputOf(o: string | undefined, json: boolean): OutputFormat {
  if (o === undefined) return json ? 'json' : 'text';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(o)) throw new UsageError(`-o must be one of ${OUTPUT_FORMATS.join(', ')}, not ${JSON.stringify(o)}`);
  if (json && o !== 'json') throw new UsageError(`--json is -o json; it does not go with -o ${o}`);
  return o as OutputFormat;
}

/** --max-size: bytes, or with K, M, G (powers of 1024) */
export function parseSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]i?B?|B)?$/i.exec(v.trim());
  const mult: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
  const n = m ? Number(m[1]) * mult[(m[2] ?? '').charAt(0).toLowerCase()]! : NaN;
  if (!Number.isFinite(n) || n < 64 * 1024 || n > 1024 ** 4) throw new UsageError(`--max-size must be a size such as 200M, 1G or bytes, at least 64K, not ${JSON.stringify(v)}`);
  return Math.floor(n);
}

/** the flags of record and replay, checked against the command they go with */
function recordFlags(command: Options['command'], v: Record<string, string | boolean | undefined>, file: string | undefined) {
  const only = (flag: string, ok: boolean, what: string) => {
    if (v[flag] !== undefined && !ok) throw new UsageError(`--${flag} goes with ${what}`);
  };
  only('duration', command === 'record', 'netwatch record');
  only('capture-summary', command === 'record', 'netwatch record (the live view summarises unless --no-capture-summary)');
  only('max-size', command === 'record' || v.record !== undefined, 'netwatch record or --record');
  only('snapshot-every', command === 'record' || v.record !== undefined, 'netwatch record or --record');
  only('record', command === 'watch' && !v.once, 'the live view (netwatch record records headless)');
  only('at', command === 'replay', 'netwatch replay');
  only('marks', command === 'replay', 'netwatch replay');
  if (command === 'replay' && v.at !== undefined && !v.once) throw new UsageError('replay --at goes with --once (the replay view has its own keys to go to a time)');
  if (command === 'replay' && v.marks && v.once) throw new UsageError('replay --marks lists the marks; it does not go with --once');
  if (command === 'replay' && (v.hosts || v.nodes || v.selector)) throw new UsageError('replay reads a recording: --hosts, --nodes and -l do not go with it');
  if (command === 'record' && v.once) throw new UsageError('record does not go with --once');
  if (file === '' || v.record === '') throw new UsageError('the recording needs a file name');
  const durationMs = v.duration === undefined ? undefined : parseRequestTimeout(String(v.duration));
  if (durationMs === 0) throw new UsageError('--duration must be more than 0 (leave it out to record until stopped)');
  let snapshotEveryMs = 60_000;
  if (v['snapshot-every'] !== undefined) {
    const s = Number(v['snapshot-every']);
    if (!Number.isFinite(s) || s < 1 || s > 3600) throw new UsageError(`--snapshot-every must be seconds from 1 to 3600, not ${JSON.stringify(v['snapshot-every'])}`);
    snapshotEveryMs = Math.round(s * 1000);
  }
  return {
    ...(file !== undefined ? { file } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
    ...(v['max-size'] !== undefined ? { maxSize: parseSize(String(v['max-size'])) } : {}),
    snapshotEveryMs,
    ...(typeof v.record === 'string' ? { recordFile: v.record } : {}),
    ...(typeof v.at === 'string' ? { at: v.at } : {}),
    marks: v.marks === true,
  };
}

const ms = (s: number | boolean | string | undefined) => (s === undefined ? undefined : Math.round((s as number) * 1000));

export function parseCli(argv: readonly string[], layers: Layers = {}): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv),
      allowPositionals: true,
      strict: true,
      options: {
        hosts: { type: 'string' },
        F: { type: 'string', short: 'F' },
        'accept-new-host-keys': { type: 'boolean' },
        interval: { type: 'string' },
        'slow-every': { type: 'string' },
        once: { type: 'boolean' },
        window: { type: 'string' },
        json: { type: 'boolean' },
        output: { type: 'string', short: 'o' },
        readonly: { type: 'boolean' },
        processes: { type: 'boolean' },
        nodes: { type: 'string' },
        service: { type: 'string' },
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
        share: { type: 'boolean' },
        'share-group': { type: 'string' },

        duration: { type: 'string' },
        'max-size': { type: 'string' },
        'snapshot-every': { type: 'string' },
        'capture-summary': { type: 'boolean' },
        record: { type: 'string' },
        at: { type: 'string' },
        marks: { type: 'boolean' },
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
  } else if (pos[0] === 'checks') {
    command = 'checks';
    if (pos.length !== 1) throw new UsageError(`checks takes no argument, not ${JSON.stringify(pos[1])}`);
  } else if (pos[0] === 'attach') {
    command = 'attach';
    if (pos.length > 2) throw new UsageError('attach takes at most one PID or socket PATH');
    if (v.hosts || v.nodes || v.selector || v.service) throw new UsageError('attach takes no nodes: it shows the shared session\'s');
  } else if (pos[0] === 'record' || pos[0] === 'replay') {
    command = pos[0];
    if (pos.length !== 2) throw new UsageError(`${pos[0]} takes one FILE${pos.length > 2 ? `, not also ${JSON.stringify(pos[2])}` : ''}`);
  } else if (pos.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(pos[0])}`);
  }
  const attachTo = command === 'attach' ? pos[1] : undefined;
  if (v['share-group'] !== undefined && !v.share) throw new UsageError('--share-group goes with --share');
  if (v['share-group'] !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/.test(v['share-group'])) throw new UsageError(`--share-group takes a group name or gid, not ${JSON.stringify(v['share-group'])}`);
  if (v.share && (command !== 'watch' || v.once || v.service)) throw new UsageError('--share goes with the live view');
  const rec = recordFlags(command, v, pos[1]);
  const hosts = (v.hosts ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  if (v.hosts !== undefined && !hosts.length) throw new UsageError('--hosts needs at least one host');
  if (hosts.length && (v.nodes || v.selector)) throw new UsageError('--hosts cannot be combined with --nodes or --selector');
  const service = v.service;
  if (service !== undefined) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(service) || service.length > 317) {
      throw new UsageError(`--service takes NAMESPACE/NAME (Kubernetes names: lower case letters, digits, -), not ${JSON.stringify(service)}`);
    }
    if (!v.nodes && !v.selector) throw new UsageError('--service needs the Kubernetes API: give --nodes or -l to pick the nodes');
    if (command !== 'watch') throw new UsageError('--service does not go with capture');
  }
  const output = outputOf(v.output, v.json ?? false);
  if (v.output !== undefined && command === 'capture') throw new UsageError('-o does not go with capture (it writes a pcap)');
  if (command === 'checks' && output !== 'text' && output !== 'json') throw new UsageError(`checks prints text or JSON, not ${output}`);
  if (service !== undefined && output !== 'text' && output !== 'json') throw new UsageError(`--service prints text or JSON (-o json), not ${output}`);
  if ((v.output !== undefined || v.json) && !v.once && command === 'attach') throw new UsageError('-o/--json go with attach --once');

  if (command === 'replay' && !v.once && !v.marks && (v.output !== undefined || v.json)) throw new UsageError('-o/--json go with replay --once (or --marks)');
  if (command === 'record' && (v.output !== undefined || v.json)) throw new UsageError('record writes a recording; -o/--json go with --once and replay --once');
  if (v.output !== undefined && !v.once && !service && command === 'watch') throw new UsageError('-o goes with --once (the live view has y for Markdown)');
  if (v.json && !v.once && !service && command === 'watch') throw new UsageError('--json goes with --once');
  if (v.window !== undefined && !v.once && command === 'watch') throw new UsageError('--window goes with --once');
  const failOn = v['fail-on'];
  if (failOn !== undefined && failOn !== 'warn' && failOn !== 'crit') throw new UsageError(`--fail-on must be warn or crit, not ${JSON.stringify(failOn)}`);
  if (failOn && !v.once && !service) throw new UsageError('--fail-on goes with --once');
  const S = resolveSettings(v, layers);
  return {
    command,
    hosts,
    sshConfig: S.sshConfig as string | undefined,
    acceptNewHostKeys: S.acceptNewHostKeys as boolean,
    intervalMs: ms(S.interval)!,
    slowEveryMs: ms(S.slowEvery)!,
    once: (v.once ?? false) || service !== undefined,
    ...rec,
    ...(service !== undefined ? { service } : {}),
    windowMs: ms(S.window)!,
    output,
    json: output === 'json',
    // read-only is a policy: a file's true is not turned off by the environment; a replay cannot act on anything
    readonly: S.readonly === true || layers.file?.readonly === true || command === 'replay',
    processes: v.processes ?? false,
    nodes: v.nodes,
    selector: v.selector,
    kubeconfig: S.kubeconfig as string | undefined,
    context: S.context as string | undefined,
    addressType: S.addressType as string,
    // netwatch record: no periodic captures on the nodes unless --capture-summary asks
    captureSummary: command === 'record' ? v['capture-summary'] === true : (S.captureSummary as boolean),
    captureSummaryEvery: S.captureSummaryEvery as number,
    tcpdump: S.tcpdump as string,
    captureDir: S.captureDir as string,
    target,
    filter: v.filter,
    seconds: S.seconds as number | undefined,
    count: S.count as number | undefined,
    snaplen: S.snaplen as number | undefined,
    write: v.w,
    log: S.log as string | undefined,
    config: v.config,
    connectTimeoutMs: ms(S.connectTimeout),
    requestTimeoutMs: ms(S.requestTimeout)!,
    failOn,
    incrementalRendering: S.incrementalRendering === true,
    parallelHandshakes: S.parallelHandshakes as number | undefined,
    share: v.share ?? false,
    ...(v['share-group'] !== undefined ? { shareGroup: v['share-group'] } : {}),
    ...(attachTo !== undefined ? { attachTo } : {}),
    help: v.help ?? false,
    version: v.version ?? false,
  };
}
