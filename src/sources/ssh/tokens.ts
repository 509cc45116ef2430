/**
 * ssh_config value expansion (ssh_config(5) TOKENS and ENVIRONMENT VARIABLES): `~` for the home
 * directory, `%x` tokens, and `${VAR}` from the environment. Pure: every value comes in as data.
 */

export class TokenError extends Error {}

/** `%%` is a literal percent; any other `%x` must be in `tokens`. */
export function expandPercent(value: string, tokens: Readonly<Record<string, string>>, what: string, shown = value): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const t = value[++i];
    if (t === undefined) throw new TokenError(`${what}: "%" at the end of ${JSON.stringify(shown)}`);
    if (t === '%') out += '%';
    else if (Object.hasOwn(tokens, t)) out += tokens[t];
    else throw new TokenError(`${what}: token %${t} in ${JSON.stringify(shown)} is not supported`);
  }
  return out;
}

/** `${NAME}` from env; an unset variable is an error, as in OpenSSH. */
export function expandEnv(value: string, env: Readonly<Record<string, string | undefined>>, what: string): string {
  return value.replace(/\$\{([^}]*)\}/g, (_m, name: string) => {
    const v = env[name];
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || v === undefined) {
      throw new TokenError(`${what}: environment variable \${${name}} in ${JSON.stringify(value)} is not set`);
    }
    return v;
  });
}

/** `~` and `~/x` become the home directory; `~user/x` is refused (needs a passwd lookup). */
export function expandTilde(value: string, home: string, what: string): string {
  if (value === '~') return home;
  if (value.startsWith('~/')) return home.replace(/\/$/, '') + value.slice(1);
  if (value.startsWith('~')) throw new TokenError(`${what}: ~user paths (${JSON.stringify(value)}) are not supported`);
  return value;
}

/** The full treatment for path-like values (IdentityFile, UserKnownHostsFile, IdentityAgent). */
export function expandPath(
  value: string,
  tokens: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
  home: string,
  what: string,
): string {
  // OpenSSH order: tilde first, then %-tokens and ${VAR} (a % inside a variable's value stays).
  return expandEnv(expandPercent(expandTilde(value, home, what), tokens, what, value), env, what);
}
