/** Which nodes to watch and how to reach them: this machine, ssh hosts, or Kubernetes nodes. */
import { hostname } from 'node:os';
import type { ResolvedHost } from '../sources/ssh/config.js';
import { resolveSshHost } from '../sources/ssh/configFiles.js';
import { LocalTransport } from '../sources/transport/local.js';
import { SshTransport } from '../sources/transport/ssh.js';
import type { Transport } from '../sources/transport/types.js';
import type { Options } from './args.js';
import type { Logger } from './log.js';

export interface Target {
  name: string;
  address?: string;
  transport: Transport;
}

/**
 * --connect-timeout wins over ConnectTimeout from the ssh config, as `ssh -o ConnectTimeout=`
 * does; it applies to every hop of a ProxyJump chain (each hop is one attempt's handshake).
 */
export function withConnectTimeout(host: ResolvedHost, ms: number | undefined): ResolvedHost {
  if (ms === undefined) return host;
  return { ...host, connectTimeoutMs: ms, jumps: host.jumps.map((j) => ({ ...j, connectTimeoutMs: ms })) };
}

export function localTarget(): Target {
  return { name: hostname() || 'localhost', address: 'local', transport: new LocalTransport(hostname() || 'localhost') };
}

/**
 * An ssh destination as a node. A malformed or unreadable ssh config is a usage error for the
 * whole run (thrown); everything that happens when connecting is the node's own state.
 */
export function sshTarget(dest: string, opts: Options, log: Logger, name = dest): Target {
  const host = withConnectTimeout(resolveSshHost(dest, { configFile: opts.sshConfig }), opts.connectTimeoutMs);
  const transport = new SshTransport(host, { acceptNewHostKeys: opts.acceptNewHostKeys, log, name });
  const port = host.port === 22 ? '' : `:${host.port}`;
  return { name, address: `${host.user}@${host.hostName}${port}`, transport };
}
