/**
 * Reading ssh_config files for ./config.ts: `-F FILE` alone when given (it must exist, as with
 * ssh), else ~/.ssh/config then /etc/ssh/ssh_config (either may be missing). Include patterns
 * are expanded here. Any other read failure is one SshConfigError line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { resolveHost, type ConfigEnv, type ConfigFile, type ResolvedHost } from './config.js';
import { SshConfigError } from './errors.js';
import { parseServices, type ServiceLookup } from './keywords.js';
import { matchPattern } from './pattern.js';

export interface LoadOptions {
  /** ssh's -F: this file only */
  configFile?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** for tests: where "~/.ssh/config" and /etc/ssh/ssh_config are */
  userConfig?: string;
  systemConfig?: string;
}

export interface LoadedConfig {
  files: ConfigFile[];
  env: ConfigEnv;
}

function readConfig(path: string, required: boolean, system: boolean): ConfigFile | null {
  try {
    return { path, text: readFileSync(path, 'utf8'), system };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return null;
    throw new SshConfigError(`cannot read ssh config ${path}: ${code ?? (e as Error).message}`);
  }
}

/** glob(3)-style expansion of an absolute pattern, wildcards in any component, sorted. */
export function expandGlob(pattern: string): string[] {
  let paths = ['/'];
  for (const part of pattern.split('/').filter(Boolean)) {
    const next: string[] = [];
    for (const dir of paths) {
      if (!/[*?]/.test(part)) {
        next.push(join(dir, part));
        continue;
      }
      let names: string[] = [];
      try {
        names = readdirSync(dir).sort();
      } catch {
        continue;
      }
      for (const n of names) {
        if (n.startsWith('.') && !part.startsWith('.')) continue;
        if (matchPattern(part, n)) next.push(join(dir, n));
      }
    }
    paths = next;
  }
  return paths;
}

export function localEnv(env: Readonly<Record<string, string | undefined>> = process.env): Omit<ConfigEnv, 'include'> {
  let home = env.HOME ?? '/';
  let user = env.USER ?? 'root';
  let uid = process.getuid?.() ?? 0;
  try {
    const u = userInfo();
    home = u.homedir; // ssh takes these from the password database, not $HOME
    user = u.username;
    uid = u.uid;
  } catch {
    /* no passwd entry: keep the environment's */
  }
  return { home, localUser: user, uid, localHost: hostname(), env };
}

/** getservbyname from /etc/services (read once, when a Port is not a number) */
let services: ServiceLookup | undefined;
export const systemServices: ServiceLookup = (name) => {
  if (!services) {
    try {
      services = parseServices(readFileSync('/etc/services', 'utf8'));
    } catch {
      services = () => undefined;
    }
  }
  return services(name);
};

export function loadSshConfig(opts: LoadOptions = {}): LoadedConfig {
  const base = localEnv(opts.env);
  const files: ConfigFile[] = [];
  if (opts.configFile !== undefined) {
    files.push(readConfig(opts.configFile, true, false)!);
  } else {
    const user = readConfig(opts.userConfig ?? join(base.home, '.ssh', 'config'), false, false);
    const system = readConfig(opts.systemConfig ?? '/etc/ssh/ssh_config', false, true);
    for (const f of [user, system]) if (f) files.push(f);
  }
  const include = (pattern: string): ConfigFile[] =>
    expandGlob(pattern)
      .map((p) => readConfig(p, false, false))
      .filter((f): f is ConfigFile => f !== null);
  return { files, env: { ...base, include, services: systemServices } };
}

/** Reads the config files and resolves one host: what `ssh [-F FILE] -G target` would use. */
export function resolveSshHost(target: string, opts: LoadOptions = {}): ResolvedHost {
  const { files, env } = loadSshConfig(opts);
  return resolveHost(target, files, env);
}
