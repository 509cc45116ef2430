/**
 * Building remote command lines. The only place where text becomes a shell command.
 *
 * Rule: every remote script is a constant in ./commands.ts (or a module's own constant), and
 * every value that comes from a user, a node or the Kubernetes API is passed as a positional
 * argument, single-quoted here, after being checked by a validator below. Nothing is pasted
 * into a script.
 */

/** POSIX single-quoting: 'it'\''s'. Safe for any byte string without NUL. */
export function shQuote(value: string): string {
  if (value.includes('\0')) throw new Error('a NUL byte cannot be passed to a shell');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const TAG_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The full command line for `sh -c SCRIPT TAG ARGS...`, optionally through `sudo -n`.
 * The remote login shell parses this line once; sh then receives the script and its arguments
 * verbatim.
 */
export function buildCommand(
  script: string,
  args: readonly string[],
  opts: { tag?: string; sudo?: boolean } = {},
): string {
  const tag = opts.tag ?? 'netwatch';
  if (!TAG_RE.test(tag)) throw new Error(`bad process tag ${JSON.stringify(tag)}`);
  const parts = ['sh', '-c', shQuote(script), shQuote(tag), ...args.map(shQuote)];
  if (opts.sudo) parts.unshift('sudo', '-n', '--');
  return 'exec ' + parts.join(' ');
}

export class InvalidNameError extends Error {}

/** Linux interface names: 1-15 bytes, no '/', no whitespace, not '.' or '..'. We are stricter. */
export function validInterfaceName(name: string): string {
  if (!/^[A-Za-z0-9_.@:+-]{1,15}$/.test(name) || name === '.' || name === '..' || name.startsWith('-')) {
    throw new InvalidNameError(`not an interface name: ${JSON.stringify(name)}`);
  }
  return name;
}

/** Kubernetes object names / namespaces (DNS-1123 subdomain, at most 253). */
export function validK8sName(name: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name)) {
    throw new InvalidNameError(`not a Kubernetes name: ${JSON.stringify(name)}`);
  }
  return name;
}

/** Pod UIDs as they appear in cgroup paths (dashes or, for the systemd driver, underscores). */
export function validPodUid(uid: string): string {
  if (!/^[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}$/i.test(uid)) {
    throw new InvalidNameError(`not a pod UID: ${JSON.stringify(uid)}`);
  }
  return uid;
}

export function validPid(pid: number | string): string {
  const s = String(pid);
  if (!/^[1-9][0-9]{0,9}$/.test(s)) throw new InvalidNameError(`not a pid: ${JSON.stringify(s)}`);
  return s;
}

/**
 * A tcpdump filter expression. It is passed to tcpdump as one argument (never through a shell),
 * and tcpdump itself validates it (`tcpdump -d`). Here we only refuse what is never a filter:
 * control characters and absurd lengths, and a leading '-' which tcpdump would read as an option.
 */
export function validFilter(expr: string): string {
  if (expr.length > 1024) throw new InvalidNameError('filter longer than 1024 characters');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(expr)) throw new InvalidNameError('filter has control characters (newline, tab, ...)');
  if (expr.trimStart().startsWith('-')) throw new InvalidNameError('a filter cannot start with "-"');
  return expr;
}

/** An absolute path or a bare command name for a program on the node (e.g. --tcpdump). */
export function validProgram(path: string): string {
  if (!/^(\/[A-Za-z0-9._+-]+)+$|^[A-Za-z0-9._+-]+$/.test(path) || path.startsWith('-')) {
    throw new InvalidNameError(`not a program path: ${JSON.stringify(path)}`);
  }
  return path;
}
