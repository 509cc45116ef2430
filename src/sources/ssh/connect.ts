/**
 * One connection attempt to a host, through its ProxyJump hops: dial the first hop, then for
 * each next hop open a direct-tcpip channel on the previous one and run SSH over it. Every hop's
 * host key is checked against its known_hosts files before anything is sent to it. Rejects with
 * a Failure (reason + whether to retry); resolves with the clients, the target last.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { Client as ClientType, ConnectConfig, ServerHostKeyAlgorithm } from 'ssh2';
import { planAuth } from './auth.js';
import type { ResolvedHost, SshHop } from './config.js';
import { handshakeBounds } from '../deadlines.js';
import { classifyError, classifyForwardError, HostKeyError, type ErrorLike, type Failure } from './errors.js';
import { decideHostKey, hostKeyTarget } from './hostKeyPolicy.js';
import { orderHostKeyAlgorithms } from './hostKeyAlgorithms.js';
import { appendKnownHost, loadKnownHosts } from './knownHosts.js';

const { Client } = ssh2;

export type Lookup = (host: string, family: 0 | 4 | 6) => Promise<string>;

export const defaultLookup: Lookup = async (host, family) => (await dnsLookup(host, { family })).address;

export interface ConnectOptions {
  acceptNewHostKeys: boolean;
  lookup: Lookup;
  log: (line: string) => void;
}

/**
 * The host key algorithms to offer this hop, in order: its HostKeyAlgorithms, with those whose
 * key type known_hosts has for it first (OpenSSH's order_hostkeyalgs), so a known host is not
 * asked for another type first.
 */
export function hostKeyAlgorithmsFor(hop: SshHop, knownTypes: readonly string[]): ServerHostKeyAlgorithm[] {
  return orderHostKeyAlgorithms(hop.hostKeyAlgorithms, knownTypes) as ServerHostKeyAlgorithm[];
}

/** what one hop's handshake measured: its round trip (max of TCP connect and banner wait) */
export interface HandshakeTiming {
  rttMs: number;
  /** start of the attempt to 'ready' */
  totalMs: number;
}

const timings = new WeakMap<ClientType, HandshakeTiming>();

/** the round trip measured while this client's handshake ran (connectChain's clients) */
export function handshakeTiming(client: ClientType): HandshakeTiming | undefined {
  return timings.get(client);
}

export function isFailure(e: unknown): e is Failure {
  return typeof e === 'object' && e !== null && 'retry' in e && 'reason' in e;
}

/** SSH over `via` (a socket address or a forwarded channel) to one hop. */
function connectHop(hop: SshHop, via: { address: string } | { sock: Duplex }, prefix: string, opts: ConnectOptions): Promise<ClientType> {
  const label = prefix ? `${prefix}: ` : '';
  const target = hostKeyTarget(hop);
  const files = [...hop.userKnownHostsFiles, ...hop.globalKnownHostsFiles];
  const known = loadKnownHosts(files);
  for (const n of known.notes) opts.log(`${label}${n}`);
  const auth = planAuth(hop);
  for (const n of auth.notes) opts.log(`${label}${n}`);
  const serverHostKey = hostKeyAlgorithmsFor(hop, known.keyTypes(target.host, target.port));
  let hostKeyError: HostKeyError | undefined;
  const hostVerifier = (key: Buffer): boolean => {
    const d = decideHostKey(known.check(key, target.host, target.port), key, target, {
      acceptNew: opts.acceptNewHostKeys,
      strict: hop.strictHostKeyChecking,
      hashKnownHosts: hop.hashKnownHosts,
      recordFile: hop.userKnownHostsFiles[0] ?? null,
    });
    if (!d.accept) {
      hostKeyError = new HostKeyError(d.reason);
      return false;
    }
    if (d.record) {
      try {
        appendKnownHost(d.record.file, d.record.line);
        opts.log(`${label}${d.record.message}`);
      } catch (e) {
        opts.log(`${label}could not record the host key in ${d.record.file}: ${(e as Error).message}`);
      }
    }
    return true;
  };
  const cfg: ConnectConfig = {
    port: hop.port,
    username: hop.user,
    hostVerifier,
    authHandler: auth.handler,
    // bounded here (handshakeClock): the connect timeout up to the banner, then the round trip
    readyTimeout: 0,
    keepaliveInterval: hop.keepaliveIntervalMs,
    keepaliveCountMax: hop.keepaliveCountMax,
    algorithms: { serverHostKey },
  };
  return new Promise((resolve, reject) => {
    const client = new Client();
    let lastError: ErrorLike | undefined;
    let settled = false;
    // our own socket (or the jump host's channel), so the clock sees every byte of the handshake
    const sock: Duplex = 'sock' in via ? via.sock : new Socket().connect({ host: via.address, port: hop.port });
    const clock = handshakeClock(sock, !('sock' in via), hop.connectTimeoutMs, (message, level) => {
      lastError ??= { message, level };
      fail();
    });
    const fail = () => {
      if (settled) return;
      settled = true;
      clock.stop();
      client.destroy();
      sock.destroy();
      const endpoint = { host: hop.hostName, port: hop.port, user: hop.user, connectTimeoutMs: hop.connectTimeoutMs };
      const f = classifyError(hostKeyError ?? lastError ?? { message: 'connection closed during the handshake' }, endpoint);
      const authed = !hostKeyError && f.reason.startsWith('authentication failed');
      reject({ retry: f.retry, reason: `${label}${f.reason}${authed ? ` (${auth.describe()})` : ''}` });
    };
    client.on('error', (err: ErrorLike) => {
      if (err.level === 'agent') return opts.log(`${label}ssh-agent: ${err.message}`);
      lastError ??= err;
      // the connect timeout is the bound: a silent peer never closes, so do not wait for it
      if (err.level === 'client-timeout') return fail();
      if (!settled) setTimeout(fail, 2000).unref(); // 'close' normally comes first
    });
    client.once('close', fail);
    client.once('ready', () => {
      settled = true;
      timings.set(client, clock.stop());
      resolve(client);
    });
    try {
      client.connect({ ...cfg, sock });
    } catch (e) {
      lastError = { message: (e as Error).message, level: 'handshake' };
      fail();
    }
  });
}

/**
 * The handshake's deadlines (deadlines.ts handshakeBounds): the connect timeout up to the first
 * server byte; after it, an idle window and a total bound that follow the measured round trip.
 * `tcp`: sock is a TCP socket still connecting (its connect is a round trip to measure).
 */
function handshakeClock(sock: Duplex, tcp: boolean, connectTimeoutMs: number, timeout: (message: string, level: string) => void) {
  const t0 = performance.now();
  let connectedAt = tcp ? undefined : t0;
  let firstAt: number | undefined;
  let lastAt = t0;
  let rtt = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    const now = performance.now();
    if (firstAt === undefined) {
      const left = t0 + connectTimeoutMs - now;
      if (left <= 0) return timeout('Timed out while waiting for handshake', 'client-timeout');
      timer = setTimeout(arm, left);
      return;
    }
    const b = handshakeBounds(connectTimeoutMs, rtt);
    if (now - lastAt >= b.idleMs) {
      return timeout(`SSH handshake stalled: the server was silent for ${(b.idleMs / 1000).toFixed(1)}s after its banner (round trip ${(rtt / 1000).toFixed(1)}s)`, 'handshake-stall');
    }
    if (now - firstAt >= b.totalMs) {
      return timeout(`SSH handshake not done ${(b.totalMs / 1000).toFixed(1)}s after the banner (round trip ${(rtt / 1000).toFixed(1)}s)`, 'handshake-stall');
    }
    timer = setTimeout(arm, Math.min(lastAt + b.idleMs, firstAt + b.totalMs) - now + 1);
  };
  const onConnect = () => (connectedAt = performance.now());
  const onData = () => {
    const now = performance.now();
    lastAt = now;
    if (firstAt !== undefined) return;
    firstAt = now;
    const c = connectedAt ?? t0;
    rtt = Math.max(c - t0, now - c);
    arm();
  };
  sock.once('connect', onConnect);
  sock.on('data', onData);
  arm();
  return {
    stop(): HandshakeTiming {
      clearTimeout(timer);
      sock.off('data', onData);
      sock.off('connect', onConnect);
      return { rttMs: rtt, totalMs: performance.now() - t0 };
    },
  };
}

function forward(client: ClientType, hop: SshHop, jumpLabel: string, timeoutMs: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject({ retry: true, reason: `jump host ${jumpLabel}: no answer opening ${hop.hostName}:${hop.port} within ${Math.round(timeoutMs / 1000)}s` });
    }, timeoutMs);
    client.forwardOut('127.0.0.1', 0, hop.hostName, hop.port, (err, stream) => {
      clearTimeout(timer);
      if (err) reject(classifyForwardError(err, jumpLabel, { host: hop.hostName, port: hop.port, user: hop.user }));
      else resolve(stream);
    });
  });
}

/** DNS counts against the connect timeout too: a resolver that does not answer is an outage */
function lookupWithin(lookup: Lookup, host: string, family: 0 | 4 | 6, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error(`DNS lookup of ${host} timed out`), { code: 'EAI_AGAIN' })), ms);
    lookup(host, family).then(
      (a) => {
        clearTimeout(timer);
        resolve(a);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** Connects through every hop. On failure, whatever was connected is closed. */
export async function connectChain(host: ResolvedHost, opts: ConnectOptions): Promise<ClientType[]> {
  const hops: SshHop[] = [...host.jumps, host];
  const clients: ClientType[] = [];
  try {
    for (const [i, hop] of hops.entries()) {
      const prefix = i === hops.length - 1 ? '' : `jump host ${hop.alias}`;
      let via: { address: string } | { sock: Duplex };
      if (i === 0) {
        try {
          const family = hop.addressFamily === 'inet' ? 4 : hop.addressFamily === 'inet6' ? 6 : 0;
          via = { address: await lookupWithin(opts.lookup, hop.hostName, family, hop.connectTimeoutMs) };
        } catch (e) {
          const f = classifyError(e as ErrorLike, { host: hop.hostName, port: hop.port, user: hop.user });
          throw { retry: f.retry, reason: prefix ? `${prefix}: ${f.reason}` : f.reason };
        }
      } else {
        via = { sock: await forward(clients[i - 1]!, hop, hops[i - 1]!.alias, hop.connectTimeoutMs) };
      }
      clients.push(await connectHop(hop, via, prefix, opts));
    }
    return clients;
  } catch (e) {
    for (const c of clients.reverse()) c.end();
    if (isFailure(e)) throw e;
    throw { retry: true, reason: `${host.alias}: ${(e as Error).message}` } satisfies Failure;
  }
}
