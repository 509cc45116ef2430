/**
 * What went wrong on an SSH connection, as one line for a node's row, and whether trying again
 * later can help. Authentication, DNS (a name that does not exist), host keys, sudo and config
 * problems never fix themselves: no retry. Refused, timed out, reset and a temporary DNS failure
 * (EAI_AGAIN: the resolver did not answer, as happens during an outage) are retried.
 */

/** Unreadable or malformed ssh config, or a host that cannot be resolved from it. */
export class SshConfigError extends Error {}

/** Unknown, changed or revoked host key (the message is the whole story). */
export class HostKeyError extends Error {}

export interface Failure {
  retry: boolean;
  reason: string;
}

export interface ErrorLike {
  message: string;
  code?: string | number;
  level?: string;
  reason?: number | string;
}

export interface Endpoint {
  host: string;
  port: number;
  user: string;
  connectTimeoutMs?: number;
}

const NO_SUCH_NAME = new Set(['ENOTFOUND', 'EAI_NONAME', 'EAI_NODATA', 'EAI_FAIL', 'EAI_ADDRFAMILY']);
const TRANSIENT = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'EHOSTDOWN', 'ENETDOWN']);

export function classifyError(err: ErrorLike, at: Endpoint): Failure {
  const hp = `${at.host}:${at.port}`;
  if (err instanceof SshConfigError || err instanceof HostKeyError) {
    return { retry: false, reason: err.message };
  }
  const code = typeof err.code === 'string' ? err.code : undefined;
  if (code && NO_SUCH_NAME.has(code)) return { retry: false, reason: `cannot resolve host name ${at.host} (${code})` };
  if (code === 'EAI_AGAIN') return { retry: true, reason: `DNS lookup of ${at.host} failed temporarily (EAI_AGAIN)` };
  // sshd ends the connection after MaxAuthTries keys were refused ("Too many authentication failures")
  if (err.level === 'client-authentication' || /authentication fail/i.test(err.message)) {
    return { retry: false, reason: `authentication failed for ${at.user}@${hp}` };
  }
  if (code === 'ECONNREFUSED') return { retry: true, reason: `connection refused by ${hp}` };
  if (code === 'EHOSTUNREACH') return { retry: true, reason: `no route to host ${hp} (EHOSTUNREACH)` };
  if (code === 'ENETUNREACH') return { retry: true, reason: `network unreachable for ${hp} (ENETUNREACH)` };
  if (err.level === 'client-timeout') {
    if (/keepalive/i.test(err.message)) return { retry: true, reason: `${hp} stopped answering keepalives` };
    const s = at.connectTimeoutMs ? ` within ${Math.round(at.connectTimeoutMs / 1000)}s` : '';
    return { retry: true, reason: `no SSH handshake from ${hp}${s}` };
  }
  if (code && TRANSIENT.has(code)) return { retry: true, reason: `${hp}: ${code}` };
  if (err.level === 'handshake') return { retry: false, reason: `SSH handshake with ${hp} failed: ${err.message}` };
  return { retry: true, reason: `${hp}: ${err.message}` };
}

/**
 * A jump host could not open the next hop (direct-tcpip). sshd reports a name it cannot resolve
 * and forwarding being disabled as permanent; a refused or unreachable next hop is retried.
 */
export function classifyForwardError(err: ErrorLike, jump: string, next: Endpoint): Failure {
  const m = err.message.replace(/^\(SSH\)\s*/, '').replace(/^Channel open failure:\s*/i, '');
  const where = `${next.host}:${next.port} via jump host ${jump}`;
  if (/name or service not known|unknown host|no address associated|nodename nor servname|not known/i.test(m)) {
    return { retry: false, reason: `cannot resolve host name ${next.host} (on jump host ${jump})` };
  }
  if (/administratively prohibited/i.test(m)) {
    return { retry: false, reason: `jump host ${jump} does not allow forwarding to ${next.host}:${next.port} (AllowTcpForwarding?)` };
  }
  return { retry: true, reason: `cannot reach ${where}: ${m}` };
}

/**
 * The line for a failed `sudo -n -- sh -c 'exit 0'` run once after login by a non-root user;
 * null when sudo works.
 */
export function sudoProblem(r: { code: number | null; stderr: string }, user: string, host: string): string | null {
  if (r.code === 0) return null;
  if (/password is required|terminal is required|askpass/i.test(r.stderr)) {
    return `sudo needs a password for ${user} on ${host}: allow NOPASSWD for netwatch's commands or log in as root`;
  }
  if (r.code === 127 || /sudo: (command )?not found|sudo: No such file/i.test(r.stderr)) {
    return `${user} on ${host} is not root and sudo is not installed: log in as root`;
  }
  const first = r.stderr.trim().split('\n')[0] ?? '';
  return `sudo -n does not work for ${user} on ${host} (${first || `exit ${r.code}`}): allow NOPASSWD for netwatch's commands or log in as root`;
}
