/**
 * Resolving a host the way `ssh -G HOST` does, from ssh_config text: first obtained value wins,
 * Host/Match blocks, Include, tokens, ProxyJump chains (each hop resolved through the same
 * config). Pure: files and the environment come in as data (reading them: ./configFiles.ts).
 * Parsing is ssh-config's; evaluation is ours, so nothing here runs commands (Match exec) or
 * does DNS (CanonicalizeHostName).
 */
import { parse, LineType, type Line } from 'ssh-config';
import { restoreHash, stripComments } from './comments.js';
import { assembleHostKeyAlgorithms, SUPPORTED_HOST_KEY_ALGORITHMS, type HostKeyAlgorithms } from './hostKeyAlgorithms.js';
import { directiveProblem, parsePort, parseTimeValue, type ServiceLookup } from './keywords.js';
import { matchPatternList } from './pattern.js';
import { expandPath, expandPercent, expandTilde, TokenError } from './tokens.js';
import { parseDestination, type Destination } from './destination.js';
import { SshConfigError } from './errors.js';

export { parseDestination, SshConfigError, type Destination };

export interface ConfigFile {
  path: string;
  text: string;
  /** /etc/ssh/ssh_config and what it includes: relative Include paths are under /etc/ssh */
  system?: boolean;
}

export interface ConfigEnv {
  home: string;
  localUser: string;
  uid: number;
  /** this machine's host name (%l, %L) */
  localHost: string;
  env: Readonly<Record<string, string | undefined>>;
  /** the files an Include pattern (absolute, wildcards allowed) names, in order */
  include?: (pattern: string) => ConfigFile[];
  /** TCP service names for `Port ssh` (getservbyname); without it only numbers are ports */
  services?: ServiceLookup;
}

export type StrictHostKeyChecking = 'yes' | 'no' | 'accept-new';

/** Everything needed to dial and authenticate one SSH hop. */
export interface SshHop {
  /** the name as given (Host patterns match it exactly, as in ssh) */
  alias: string;
  /** HostName with %h expanded, else the alias; lowercased, as ssh does */
  hostName: string;
  port: number;
  user: string;
  /** absolute paths, in the order to try */
  identityFiles: string[];
  /** false when identityFiles are ssh's defaults (missing ones are skipped quietly) */
  identityFilesConfigured: boolean;
  identitiesOnly: boolean;
  /** agent socket path; null: no agent */
  identityAgent: string | null;
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  /** 'ask' (ssh's default) is 'yes' here: the transport never prompts */
  strictHostKeyChecking: StrictHostKeyChecking;
  hashKnownHosts: boolean;
  hostKeyAlias: string | null;
  /** HostKeyAlgorithms as ssh assembles it; ordered by known_hosts when connecting (connect.ts) */
  hostKeyAlgorithms: HostKeyAlgorithms;
  addressFamily: 'any' | 'inet' | 'inet6';
  connectTimeoutMs: number;
  /** always on: ServerAliveInterval unset or 0 gives the default */
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
}

export interface ResolvedHost extends SshHop {
  /** jump hosts in dialling order: jumps[0] directly, each next one through the previous */
  jumps: SshHop[];
  /** things in the config netwatch does not act on, one line each */
  notes: string[];
}

export const DEFAULT_KEEPALIVE_INTERVAL_MS = 5000;
export const DEFAULT_KEEPALIVE_COUNT_MAX = 3;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** ssh's default identity files, in its order (`ssh -G`, OpenSSH 9.2); missing ones are skipped */
export const DEFAULT_IDENTITIES = [
  '~/.ssh/id_rsa',
  '~/.ssh/id_ecdsa',
  '~/.ssh/id_ecdsa_sk',
  '~/.ssh/id_ed25519',
  '~/.ssh/id_ed25519_sk',
  '~/.ssh/id_xmss',
  '~/.ssh/id_dsa',
];
const MAX_INCLUDE_DEPTH = 16;
const MAX_JUMP_DEPTH = 8;

type Keyword = string; // lowercased
interface Collected {
  opts: Map<Keyword, string[]>;
  identityFiles: string[];
  ignoreUnknown: string[];
  notes: string[];
}

function lineArgs(line: Line): string[] {
  if (line.type !== LineType.DIRECTIVE) return [];
  const v = line.value;
  return (typeof v === 'string' ? [v] : v.map((x) => x.val)).map(restoreHash);
}

/** `path line N` for the first line that satisfies `test`, else `path` (for error lines). */
function where(file: ConfigFile, test: (line: string) => boolean): string {
  const i = file.text.split('\n').findIndex(test);
  return i >= 0 ? `${file.path} line ${i + 1}` : file.path;
}

/** The line of a directive: the one with its keyword and first argument, else its keyword. */
function directiveLine(file: ConfigFile, keyword: string, arg = ''): string {
  const word = (l: string) => l.trim().split(/[\s=]+/)[0]?.toLowerCase();
  const exact = where(file, (l) => word(l) === keyword && l.includes(arg));
  return exact !== file.path ? exact : where(file, (l) => word(l) === keyword);
}

function parseFile(file: ConfigFile): Line[] {
  try {
    return [...parse(stripComments(file.text))];
  } catch (e) {
    const at = where(file, (l) => (l.replace(/#.*/, '').match(/"/g) ?? []).length % 2 === 1);
    throw new SshConfigError(`malformed ssh config ${at}: ${(e as Error).message}`);
  }
}

function evaluate(files: readonly ConfigFile[], env: ConfigEnv, alias: string, first: Destination, jump?: string): Collected {
  const c: Collected = { opts: new Map(), identityFiles: [], ignoreUnknown: [], notes: [] };
  const set = (k: Keyword, args: string[]) => {
    if (k === 'identityfile') c.identityFiles.push(args[0]!);
    else if (k === 'proxycommand' && c.opts.has('proxyjump')) return; // whichever comes first wins
    else if (k === 'proxyjump' && c.opts.has('proxycommand')) return;
    else if (!c.opts.has(k)) c.opts.set(k, args);
  };
  if (first.user !== undefined) set('user', [first.user]);
  if (first.port !== undefined) set('port', [String(first.port)]);
  if (jump !== undefined) set('proxyjump', [jump]);

  const currentHost = () => {
    const hn = c.opts.get('hostname')?.[0];
    return hn ? expandPercent(hn, { h: alias }, 'HostName') : alias;
  };
  const matchBlock = (line: Line, file: ConfigFile): boolean => {
    if (line.type !== LineType.DIRECTIVE || !('criteria' in line)) return false;
    for (const [rawKey, rawVal] of Object.entries(line.criteria)) {
      const neg = rawKey.startsWith('!');
      const key = (neg ? rawKey.slice(1) : rawKey).toLowerCase();
      const list = restoreHash(typeof rawVal === 'string' ? rawVal : rawVal.map((x) => x.val).join(',')).split(',');
      const subject: Record<string, string> = {
        host: currentHost(),
        originalhost: alias,
        user: c.opts.get('user')?.[0] ?? env.localUser,
        localuser: env.localUser,
      };
      let ok: boolean;
      if (key === 'all') ok = true;
      else if (subject[key] !== undefined) ok = matchPatternList(list, subject[key]!, key.endsWith('host'));
      else {
        c.notes.push(`${file.path}: "Match ${key}" is not evaluated by netwatch; that block is skipped`);
        return false;
      }
      if (ok === neg) return false;
    }
    return true;
  };
  const walk = (lines: readonly Line[], file: ConfigFile, active: boolean, depth: number) => {
    for (const line of lines) {
      if (line.type !== LineType.DIRECTIVE) continue;
      const k = line.param.toLowerCase();
      const args = lineArgs(line);
      if (k === 'ignoreunknown' && active && c.ignoreUnknown.length === 0) c.ignoreUnknown = args.join(',').split(',');
      const problem = directiveProblem(line.param, args, c.ignoreUnknown, env.services);
      if (problem) throw new SshConfigError(`malformed ssh config ${directiveLine(file, k.trim(), args[0])}: ${problem}`);
      if ('config' in line) {
        const on = k === 'host' ? matchPatternList(args, alias) : matchBlock(line, file);
        walk(line.config, file, on, depth);
      } else if (k === 'include') {
        if (active) include(args, file, depth);
      } else if (active) {
        set(k, args);
      }
    }
  };
  const include = (args: string[], from: ConfigFile, depth: number) => {
    if (depth >= MAX_INCLUDE_DEPTH) throw new SshConfigError(`ssh config ${from.path}: Include nested too deeply`);
    if (!env.include) {
      c.notes.push(`${from.path}: Include ${args.join(' ')} not followed`);
      return;
    }
    for (const arg of args) {
      let p = expandTilde(arg, env.home, 'Include');
      if (!p.startsWith('/')) p = `${from.system ? '/etc/ssh' : `${env.home}/.ssh`}/${p}`;
      for (const f of env.include(p)) walk(parseFile(f), { ...f, system: from.system }, true, depth + 1);
    }
  };
  for (const file of files) walk(parseFile(file), file, true, 0);
  return c;
}

const yes = (v: string | undefined) => v === 'yes' || v === 'true';
const int = (v: string | undefined, dflt: number) => (v === undefined ? dflt : Number(v));

function finalize(c: Collected, alias: string, env: ConfigEnv): SshHop {
  const get = (k: Keyword) => c.opts.get(k)?.[0]?.trim();
  const getLower = (k: Keyword) => get(k)?.toLowerCase();
  if (c.opts.has('proxycommand') && getLower('proxycommand') !== 'none') {
    throw new SshConfigError(`ssh config for ${alias}: ProxyCommand is not supported by netwatch; use ProxyJump`);
  }
  const hostName = (get('hostname') ? expandPercent(get('hostname')!, { h: alias }, 'HostName') : alias).toLowerCase();
  const port = get('port') ? (parsePort(get('port')!, env.services) ?? 22) : 22;
  const user = get('user') ?? env.localUser;
  const hostKeyAlias = get('hostkeyalias') ?? null;
  const tokens: Record<string, string> = {
    d: env.home,
    h: hostName,
    i: String(env.uid),
    k: hostKeyAlias ?? alias,
    L: env.localHost.split('.')[0] ?? env.localHost,
    l: env.localHost,
    n: alias,
    p: String(port),
    r: user,
    u: env.localUser,
  };
  const path = (v: string, what: string) => expandPath(v, tokens, env.env, env.home, what);
  const configured = c.identityFiles.length > 0;
  const identityFiles = [...new Set((configured ? c.identityFiles : DEFAULT_IDENTITIES).map((f) => path(f, 'IdentityFile')))];

  const agentRaw = get('identityagent');
  let identityAgent: string | null = env.env.SSH_AUTH_SOCK || null;
  if (agentRaw === 'none') identityAgent = null;
  else if (agentRaw === 'SSH_AUTH_SOCK') identityAgent = env.env.SSH_AUTH_SOCK || null;
  else if (agentRaw?.startsWith('$')) identityAgent = env.env[agentRaw.slice(1)] || null;
  else if (agentRaw !== undefined) identityAgent = path(agentRaw, 'IdentityAgent');

  const files = (k: Keyword, dflt: string[], what: string) => {
    const list = c.opts.get(k) ?? dflt;
    return list[0]?.toLowerCase() === 'none' ? [] : list.map((f) => path(f, what));
  };
  const hostKeyAlgorithms = assembleHostKeyAlgorithms(get('hostkeyalgorithms'))!; // checked in keywords.ts
  if (!hostKeyAlgorithms.list.some((a) => SUPPORTED_HOST_KEY_ALGORITHMS.has(a))) {
    throw new SshConfigError(`ssh config for ${alias}: HostKeyAlgorithms ${get('hostkeyalgorithms')}: none that netwatch supports (${[...SUPPORTED_HOST_KEY_ALGORITHMS].join(', ')})`);
  }
  const strict = getLower('stricthostkeychecking') ?? 'ask';
  const interval = parseTimeValue(get('serveraliveinterval') ?? '0') ?? 0;
  return {
    alias,
    hostName,
    port,
    user,
    identityFiles,
    identityFilesConfigured: configured,
    identitiesOnly: yes(getLower('identitiesonly')),
    identityAgent,
    userKnownHostsFiles: files('userknownhostsfile', ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'], 'UserKnownHostsFile'),
    globalKnownHostsFiles: files('globalknownhostsfile', ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'], 'GlobalKnownHostsFile'),
    strictHostKeyChecking: strict === 'accept-new' ? 'accept-new' : ['no', 'off', 'false'].includes(strict) ? 'no' : 'yes',
    hashKnownHosts: yes(getLower('hashknownhosts')),
    hostKeyAlias,
    hostKeyAlgorithms,
    addressFamily: (getLower('addressfamily') ?? 'any') as SshHop['addressFamily'],
    connectTimeoutMs: (parseTimeValue(get('connecttimeout') ?? '') ?? 0) * 1000 || DEFAULT_CONNECT_TIMEOUT_MS,
    keepaliveIntervalMs: interval > 0 ? interval * 1000 : DEFAULT_KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: int(get('serveralivecountmax'), DEFAULT_KEEPALIVE_COUNT_MAX) || DEFAULT_KEEPALIVE_COUNT_MAX,
  };
}

function resolveAt(dest: Destination, files: readonly ConfigFile[], env: ConfigEnv, jump: string | undefined, depth: number): ResolvedHost {
  if (depth > MAX_JUMP_DEPTH) throw new SshConfigError(`ProxyJump chain for ${dest.host} is deeper than ${MAX_JUMP_DEPTH} hops (a loop?)`);
  const alias = dest.host;
  try {
    const c = evaluate(files, env, alias, dest, jump);
    const hop = finalize(c, alias, env);
    const notes = [...new Set(c.notes)];
    const rawSpec = c.opts.get('proxyjump')?.[0]?.trim();
    // ProxyJump accepts %%, %h, %n, %p and %r of this host (ssh_config(5) TOKENS); a chain
    // passed down from a later hop was expanded there already
    const tokens = { h: hop.hostName, n: alias, p: String(hop.port), r: hop.user };
    const spec = rawSpec && jump === undefined ? expandPercent(rawSpec, tokens, 'ProxyJump') : rawSpec;
    let jumps: SshHop[] = [];
    if (spec && spec.toLowerCase() !== 'none') {
      const parts = spec.split(',').map((s) => s.trim());
      const last = parts.pop()!;
      // "a,b": b is reached through a, and a chain given for b overrides b's own ProxyJump
      const r = resolveAt(parseDestination(last), files, env, parts.length ? parts.join(',') : undefined, depth + 1);
      const { jumps: before, notes: more, ...lastHop } = r;
      jumps = [...before, lastHop];
      notes.push(...more.filter((n) => !notes.includes(n)));
    }
    return { ...hop, jumps, notes };
  } catch (e) {
    if (e instanceof TokenError) throw new SshConfigError(`ssh config for ${alias}: ${e.message}`);
    throw e;
  }
}

/**
 * What `ssh -G target` would use. `target` is `[user@]host[:port]` or `ssh://...`; a user or
 * port given there wins over the config, as on ssh's command line.
 */
export function resolveHost(target: string, files: readonly ConfigFile[], env: ConfigEnv): ResolvedHost {
  return resolveAt(parseDestination(target), files, env, undefined, 0);
}
