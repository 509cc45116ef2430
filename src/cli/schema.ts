/**
 * The one table of netwatch's settings: each with its type, bounds, default and the places it can
 * come from (flag, environment, config file), as TypeBox schemas (which are JSON Schema). Every
 * value, whatever its source, goes through `settingValue`: the same parsing, the same schema check
 * and the same words when it is refused. Precedence (docs/config.md): flag > environment > config
 * file > default. Pure.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { UsageError } from './usage.js';

type Kind = 'seconds' | 'duration' | 'int' | 'boolean' | 'string' | 'enum';

export interface Setting {
  kind: Kind;
  /** the long flag (without --), or a short one (-F); none: not a flag */
  flag?: string;
  /** a boolean flag that turns the setting off (--no-capture-summary) */
  negated?: boolean;
  env?: string;
  /** may be set in the config file (under its key) */
  file: boolean;
  /** the canonical value: seconds for durations, bytes, booleans, strings */
  schema: TSchema;
  help: string;
}

/** "or a duration such as 500ms, 1m": examples inside the setting's own bounds */
function secondsForms(min: number, max: number): string {
  const short = min <= 0.5 && max >= 0.5 ? '500ms' : `${Math.max(min, 1)}s`;
  const long = max >= 120 ? '2m' : max >= 60 ? '1m' : `${max}s`;
  return `or a duration such as ${short}, ${long}`;
}
const seconds = (minimum: number, maximum: number, def: number | undefined, help: string, env?: string, file = true, flag?: string): Setting => ({
  kind: 'seconds', flag, env, file, help,
  schema: Type.Number({ minimum, maximum, ...(def === undefined ? {} : { default: def }), description: `${help} (seconds)` }),
});
const int = (minimum: number, maximum: number, help: string, o: Partial<Setting> = {}): Setting => ({
  kind: 'int', file: false, help, ...o, schema: Type.Integer({ minimum, maximum, description: help }),
});
const bool = (def: boolean, help: string, o: Partial<Setting> = {}): Setting => ({ kind: 'boolean', file: true, help, ...o, schema: Type.Boolean({ default: def, description: help }) });
const str = (help: string, o: Partial<Setting> = {}, def?: string): Setting => ({
  kind: 'string', file: true, help, ...o, schema: Type.String({ minLength: 1, ...(def === undefined ? {} : { default: def }), description: help }),
});

export const ADDRESS_TYPES = ['InternalIP', 'ExternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS'] as const;

/** every setting that has a type beyond "given or not"; keys are the config file's keys */
export const SETTINGS = {
  interval: { ...seconds(0.2, 60, 1, 'sampling interval', 'NETWATCH_INTERVAL'), flag: 'interval' },
  slowEvery: { ...seconds(5, 3600, 60, 'how often the slow checks (iptables, IPVS, node agents, hairpin) are read on each node; key R reads them now', 'NETWATCH_SLOW_EVERY'), flag: 'slow-every' },
  readonly: bool(false, 'refuse destructive actions (kill); a flag or env can only turn it on over the file', { flag: 'readonly', env: 'NETWATCH_READONLY' }),
  acceptNewHostKeys: bool(false, 'trust and record keys of hosts not yet in known_hosts', { flag: 'accept-new-host-keys', env: 'NETWATCH_ACCEPT_NEW_HOST_KEYS' }),
  sshConfig: str('ssh config file (as ssh -F)', { flag: 'F', env: 'NETWATCH_SSH_CONFIG' }),
  connectTimeout: { ...seconds(0.1, 3600, undefined, 'TCP connect + SSH handshake + login, per attempt (default: ssh config ConnectTimeout, else 10)', 'NETWATCH_CONNECT_TIMEOUT'), flag: 'connect-timeout' },
  requestTimeout: {
    kind: 'duration', flag: 'request-timeout', env: 'NETWATCH_REQUEST_TIMEOUT', file: true, help: 'one Kubernetes API request; 0 = none',
    schema: Type.Number({ minimum: 0, maximum: 86400, default: 10, description: 'one Kubernetes API request (seconds; 0 = no timeout)' }),
  } as Setting,
  kubeconfig: str('kubeconfig file (default: $KUBECONFIG, ~/.kube/config)', { flag: 'kubeconfig' }),
  context: str('kubeconfig context', { flag: 'context' }),
  addressType: {
    kind: 'enum', flag: 'address-type', env: 'NETWATCH_ADDRESS_TYPE', file: true, help: 'which node address to reach it by',
    schema: Type.Union(ADDRESS_TYPES.map((a) => Type.Literal(a)), { default: 'InternalIP', description: 'which node address to reach it by' }),
  } as Setting,
  window: { ...seconds(0, 60, 2, '--once: seconds between its two samples, so rates (drops/s) are measured; 0 = one sample, no rates', 'NETWATCH_WINDOW'), flag: 'window' },
  captureSummary: bool(true, 'a periodic short capture per node for the overview', { flag: 'no-capture-summary', negated: true, env: 'NETWATCH_CAPTURE_SUMMARY' }),
  captureSummaryEvery: { ...seconds(2, 3600, 10, 'how often the overview capture runs', 'NETWATCH_CAPTURE_SUMMARY_EVERY'), flag: 'capture-summary-every' },
  tcpdump: str('tcpdump program or wrapper on the nodes', { flag: 'tcpdump', env: 'NETWATCH_TCPDUMP' }, 'tcpdump'),
  captureDir: str('where kept pcaps go', { flag: 'capture-dir', env: 'NETWATCH_CAPTURE_DIR' }, '.'),
  snaplen: int(0, 262144, 'bytes kept per packet (0 = whole packet; default 128)', { flag: 'snaplen', env: 'NETWATCH_SNAPLEN', file: true }),
  log: str('log file (default ~/.local/state/netwatch/netwatch.log)', { flag: 'log', env: 'NETWATCH_LOG' }),
  seconds: { ...seconds(1, 86400, undefined, 'capture command: stop after this long', undefined, false), flag: 'seconds' },
  count: int(1, 100_000_000, 'capture command: stop after this many packets', { flag: 'count' }),
  incrementalRendering: bool(false, 'draw only the changed lines of the live view', { env: 'NETWATCH_INCREMENTAL', file: false }),
  parallelHandshakes: int(1, 1000, 'SSH handshakes in flight at once (default 50)', { env: 'NETWATCH_PARALLEL_HANDSHAKES' }),
} satisfies Record<string, Setting>;

export type SettingKey = keyof typeof SETTINGS;
export type Settings = { [K in SettingKey]?: number | boolean | string };

/** what a value must be, in netwatch's words (derived from the schema's bounds) */
export function describe(s: Setting): string {
  const sc = s.schema as { minimum?: number; maximum?: number; anyOf?: Array<{ const: string }> };
  switch (s.kind) {
    case 'seconds':
      return `a number of seconds from ${sc.minimum} to ${sc.maximum} (${secondsForms(sc.minimum ?? 0, sc.maximum ?? Infinity)})`;
    case 'duration':
      return 'a duration such as 10s, 1m or plain seconds (0 = no timeout), at most 24h';
    case 'int':
      return `a whole number from ${sc.minimum} to ${sc.maximum}`;
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${sc.anyOf!.map((a) => a.const).join(', ')}`;
    case 'string':
      return 'a non-empty string';
  }
}

const DURATION_PATTERN = '^(\\d+(\\.\\d*)?|\\.\\d+|((\\d+(\\.\\d+)?)(ns|us|µs|ms|s|m|h))+)$';
const bounds = (s: Setting) => s.schema as { minimum?: number; maximum?: number; default?: unknown };

const UNIT_S: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** plain decimal seconds (no sign, hex, exponent) or a Go duration as kubectl takes it: 1m30s, 500ms */
export function parseSeconds(t: string): number | undefined {
  if (/^(\d+(\.\d*)?|\.\d+)$/.test(t)) return Number(t);
  if (!/^((\d+(\.\d+)?)(ns|us|µs|ms|s|m|h))+$/.test(t)) return undefined;
  let s = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) s += Number(m[1]) * UNIT_S[m[2]!]!;
  return s;
}

function fromText(s: Setting, t: string): unknown {
  switch (s.kind) {
    case 'seconds':
    case 'duration':
      return parseSeconds(t);
    case 'int':
      return /^\d{1,15}$/.test(t) ? Number(t) : undefined;
    case 'boolean':
      return /^(1|true|yes|on)$/i.test(t) ? true : /^(0|false|no|off)$/i.test(t) ? false : undefined;
    default:
      return t;
  }
}

/**
 * One value from one source, checked against the setting's schema. `raw` is a string (flag,
 * environment) or a JSON value (config file: numbers for seconds, or the flag's text forms).
 * `where` names the source in the error: "--interval", "NETWATCH_INTERVAL",
 * `config file F: "interval"`.
 */
export function settingValue(key: SettingKey, raw: unknown, where: string, from: 'text' | 'json' = 'text'): number | boolean | string {
  const s: Setting = SETTINGS[key];
  // text (flags, environment) is parsed; in JSON only durations have a text form (the flag's)
  const parse = typeof raw === 'string' && (from === 'text' ? s.kind !== 'string' && s.kind !== 'enum' : s.kind === 'seconds' || s.kind === 'duration');
  const v = parse ? fromText(s, raw.trim() === raw ? raw : '\0') : raw;
  if (v === undefined || !Value.Check(s.schema, v)) {
    throw new UsageError(`${where} must be ${describe(s)}, not ${JSON.stringify(raw) ?? String(raw)}`);
  }
  return v as number | boolean | string;
}

/** NETWATCH_* variables that are no setting (a typo is logged, not an error: tools may set their own) */
export function unknownEnv(env: NodeJS.ProcessEnv): string[] {
  const known = new Set(['NETWATCH_CONFIG', ...(Object.values(SETTINGS) as Setting[]).flatMap((s) => (s.env ? [s.env] : []))]);
  return Object.keys(env).filter((k) => k.startsWith('NETWATCH_') && !known.has(k));
}

export function flagName(s: Setting): string | undefined {
  return s.flag === undefined ? undefined : s.flag.length === 1 ? `-${s.flag}` : `--${s.flag}`;
}

/** the config file's own JSON Schema (docs/config.schema.json): file keys in their file forms */
export function configFileSchema(): TSchema {
  const props: Record<string, TSchema> = { $schema: Type.String({ description: 'the schema of this file (ignored)' }) };
  for (const [k, s] of Object.entries(SETTINGS) as Array<[string, Setting]>) {
    if (!s.file) continue;
    const sources = [flagName(s) && `flag ${flagName(s)}`, s.env && `env ${s.env}`].filter(Boolean).join(', ');
    const description = `${s.help}${sources ? ` (also ${sources})` : ''}`;
    props[k] = s.kind === 'seconds' || s.kind === 'duration'
      ? Type.Union([Type.Number({ minimum: bounds(s).minimum, maximum: bounds(s).maximum }), Type.String({ pattern: DURATION_PATTERN })], { description, default: bounds(s).default })
      : { ...s.schema, description };
  }
  return Type.Object(props, { additionalProperties: false, title: 'netwatch config file', description: 'precedence: flag > environment > this file > default' });
}
