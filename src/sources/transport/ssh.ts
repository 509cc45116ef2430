/**
 * A node over SSH: one long-lived ssh2 connection (through ProxyJump hops if configured), every
 * command a channel on it. Host keys are checked against known_hosts before anything is sent;
 * keepalives are always on; a dropped connection is retried with jittered exponential backoff,
 * one attempt at a time, while authentication, DNS, host key and sudo problems stop in 'failed'.
 *
 * States: connecting -> ready; ready -> reconnecting (connection lost) -> connecting -> ...;
 * connecting -> reconnecting (retryable) | failed; any -> closed. In 'connecting' and
 * 'reconnecting', `attempt` is the number of the attempt under way / coming (1 = first).
 */
import type { Client } from 'ssh2';
import { isIP } from 'node:net';
import { LOGIN_SH, SUDO_CHECK_SH } from '../remote/scripts.js';
import { buildCommand } from '../shell.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from '../ssh/backoff.js';
import { ChannelSlots, SshProcess } from '../ssh/channel.js';
import type { ResolvedHost } from '../ssh/config.js';
import { connectChain, defaultLookup, handshakeTiming, isFailure, type Lookup } from '../ssh/connect.js';
import { commandTimeoutMs } from '../deadlines.js';
import { RttMeter } from '../ssh/rtt.js';
import { classifyError, sudoProblem, type ErrorLike, type Failure } from '../ssh/errors.js';
import { sharedHandshakes, type HandshakeLimiter } from '../ssh/handshakes.js';
import { collect } from './process.js';
import type { ExecOptions, ExecResult, RemoteProcess, SpawnOptions, Transport, TransportState } from './types.js';

export interface SshTransportOptions {
  /** --accept-new-host-keys: trust and record keys of hosts not yet in known_hosts */
  acceptNewHostKeys: boolean;
  /** 'auto' (default): privileged commands of a non-root login go through `sudo -n` */
  sudo?: 'auto' | 'never';
  /** one line per event; never the console (Ink owns the terminal) */
  log?: (line: string) => void;
  reconnect?: BackoffOptions;
  /** the name shown for this node; default: the config alias */
  name?: string;
  /** DNS lookup of the first hop; default node:dns lookup */
  lookup?: Lookup;
  /** concurrent channels (sshd's MaxSessions is 10 by default); default 8 */
  maxChannels?: number;
  /** how long a command waits for a free channel before failing; default 15 s */
  channelWaitMs?: number;
  /** connection attempts run at most N at a time per limiter; default: one per process (handshakes.ts) */
  handshakes?: HandshakeLimiter;
}

interface Connection {
  clients: Client[];
  slots: ChannelSlots;
  /** set once when any hop's connection closes */
  dropped: string | null;
  firstError: string | null;
  /** round trips measured on this connection */
  rtt: RttMeter;
}

export class SshTransport implements Transport {
  readonly name: string;
  private st: TransportState;
  private readonly stateListeners = new Set<(s: TransportState) => void>();
  private readonly readyListeners = new Set<() => void | Promise<void>>();
  private conn: Connection | null = null;
  private root = false;
  private login: number | undefined;
  private nodeAddress: string | undefined;
  private failures = 0;
  private gen = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly procs = new Set<SshProcess>();
  private readonly log: (line: string) => void;
  private readonly logged = new Set<string>();
  /** notes that would repeat on every reconnect attempt (skipped keys, ignored lines) */
  private readonly logOnce = (line: string) => {
    if (this.logged.has(line)) return;
    this.logged.add(line);
    this.log(line);
  };
  private readonly backoff: BackoffOptions;

  constructor(
    private readonly host: ResolvedHost,
    private readonly opts: SshTransportOptions,
  ) {
    this.name = opts.name ?? host.alias;
    const log = opts.log ?? (() => {});
    this.log = (line) => log(`${this.name}: ${line}`);
    this.backoff = opts.reconnect ?? DEFAULT_BACKOFF;
    for (const n of host.notes) this.log(n);
    this.st = { kind: 'connecting', attempt: 1, since: Date.now() };
    void this.attempt();
  }

  state(): TransportState {
    return this.st;
  }

  onState(listener: (s: TransportState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Called after every (re)connect, once commands can run: sweep leftovers, restart samplers. */
  onReady(listener: () => void | Promise<void>): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (s: TransportState): boolean => {
        if (s.kind === 'ready') resolve();
        else if (s.kind === 'failed') reject(new Error(s.reason));
        else if (s.kind === 'closed') reject(new Error(`${this.name}: transport closed`));
        else return false;
        return true;
      };
      if (check(this.st)) return;
      const off = this.onState((s) => check(s) && off());
    });
  }

  isRoot(): boolean {
    return this.root;
  }

  loginMs(): number | undefined {
    return this.login;
  }

  connectedAddress(): string | undefined {
    return this.nodeAddress;
  }

  rttMs(): number | undefined {
    return this.conn?.rtt.median();
  }

  /** one round trip on the current connection now (ssh/rtt.ts) */
  probeRtt(timeoutMs: number): Promise<number | undefined> {
    const conn = this.conn;
    const client = conn?.clients[conn.clients.length - 1];
    if (!conn || !client) return Promise.resolve(undefined);
    return conn.rtt.probe(client, timeoutMs, () => this.conn === conn);
  }

  /** After 'failed' (e.g. once the user accepted the host key by hand): try again now. */
  retry(): void {
    if (this.st.kind !== 'failed') return;
    this.failures = 0;
    void this.attempt();
  }

  spawn(script: string, args: readonly string[], opts: SpawnOptions = {}): RemoteProcess {
    const conn = this.conn;
    if (this.st.kind !== 'ready' || !conn) throw new Error(`${this.name}: not connected (${this.st.kind})`);
    const sudo = Boolean(opts.privileged) && !this.root && this.opts.sudo !== 'never';
    const line = buildCommand(script, args, { tag: opts.tag, sudo });
    let release: (() => void) | undefined;
    const proc = new SshProcess(
      () => this.procs.delete(proc),
      () => release?.(),
    );
    this.procs.add(proc);
    void conn.slots.acquire().then((r) => {
      if (!r) return proc.fail(`all ${conn.slots.max} SSH channels to ${this.name} are busy`);
      if (proc.done || this.conn !== conn) {
        r();
        return proc.fail('connection lost');
      }
      release = r;
      conn.rtt.timeStart(proc.started, () => this.conn === conn);
      proc.start(conn.clients[conn.clients.length - 1]!, line);
    });
    return proc;
  }

  exec(script: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    try {
      return collect(this.spawn(script, args, opts), opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  close(): void {
    if (this.st.kind === 'closed') return;
    this.gen++;
    clearTimeout(this.timer);
    const conn = this.conn;
    this.conn = null;
    for (const p of this.procs) p.close();
    for (const c of conn?.clients.slice().reverse() ?? []) c.end();
    for (const p of [...this.procs]) p.abort();
    this.setState({ kind: 'closed', since: Date.now() });
  }

  private setState(s: TransportState): void {
    this.st = s;
    for (const l of [...this.stateListeners]) {
      try {
        l(s);
      } catch (e) {
        this.log(`state listener failed: ${(e as Error).message}`);
      }
    }
  }

  private async attempt(): Promise<void> {
    const gen = ++this.gen;
    this.setState({ kind: 'connecting', attempt: this.failures + 1, since: Date.now() });
    let conn: Connection | undefined;
    const release = await (this.opts.handshakes ?? sharedHandshakes).acquire();
    try {
      if (gen !== this.gen) throw { retry: false, reason: 'superseded' } satisfies Failure;
      const clients = await connectChain(this.host, {
        acceptNewHostKeys: this.opts.acceptNewHostKeys,
        lookup: this.opts.lookup ?? defaultLookup,
        log: this.logOnce,
      });
      conn = { clients, slots: new ChannelSlots(this.opts.maxChannels ?? 8, this.opts.channelWaitMs ?? 15_000), dropped: null, firstError: null, rtt: new RttMeter() };
      const hs = handshakeTiming(clients[clients.length - 1]!);
      if (hs?.rttMs) conn.rtt.push(hs.rttMs);
      this.watch(conn, gen);
      if (gen !== this.gen) throw { retry: false, reason: 'superseded' } satisfies Failure;
      await this.checkUser(conn);
      if (gen !== this.gen) throw { retry: false, reason: 'superseded' } satisfies Failure;
      if (conn.dropped) throw { retry: true, reason: conn.dropped } satisfies Failure;
    } catch (e) {
      release();
      for (const c of conn?.clients ?? []) c.end();
      if (gen !== this.gen) return;
      const f = isFailure(e) ? e : classifyError(e as ErrorLike, { host: this.host.hostName, port: this.host.port, user: this.host.user });
      if (f.retry) this.scheduleRetry(f.reason);
      else {
        this.log(f.reason);
        this.setState({ kind: 'failed', reason: f.reason, since: Date.now() });
      }
      return;
    }
    release();
    this.conn = conn;
    this.failures = 0;
    const via = this.host.jumps.length ? ` via ${this.host.jumps.map((j) => j.alias).join(', ')}` : '';
    this.log(`connected to ${this.host.user}@${this.host.hostName}:${this.host.port}${via}`);
    this.setState({ kind: 'ready', since: Date.now() });
    for (const l of [...this.readyListeners]) {
      const failed = (e: unknown) => this.log(`ready hook failed: ${(e as Error).message}`);
      try {
        Promise.resolve(l()).catch(failed);
      } catch (e) {
        failed(e);
      }
    }
  }

  /** Any hop closing takes the whole connection down; its first error is the reason shown. */
  private watch(conn: Connection, gen: number): void {
    const hops = [...this.host.jumps, this.host];
    conn.clients.forEach((c, i) => {
      const hop = hops[i]!;
      const prefix = i === hops.length - 1 ? '' : `jump host ${hop.alias}: `;
      c.on('error', (e: ErrorLike) => {
        if (e.level === 'agent') return;
        conn.firstError ??= prefix + classifyError(e, { host: hop.hostName, port: hop.port, user: hop.user }).reason;
      });
      c.once('close', () => {
        if (conn.dropped) return;
        conn.dropped = conn.firstError ?? `${prefix}connection to ${hop.hostName}:${hop.port} closed`;
        if (this.conn === conn && gen === this.gen) this.down(conn);
      });
    });
  }

  private down(conn: Connection): void {
    this.conn = null;
    for (const c of conn.clients) c.end();
    for (const p of [...this.procs]) p.abort();
    this.scheduleRetry(conn.dropped ?? 'connection lost');
  }

  private scheduleRetry(reason: string): void {
    this.failures++;
    const delay = backoffDelay(this.failures, this.backoff);
    const now = Date.now();
    this.log(`${reason}; retrying in ${(delay / 1000).toFixed(1)}s`);
    this.setState({ kind: 'reconnecting', attempt: this.failures + 1, nextAttemptAt: now + delay, reason, since: now });
    const gen = this.gen;
    this.timer = setTimeout(() => {
      if (gen === this.gen) void this.attempt();
    }, delay);
  }

  /** Once per connection: is the login root, and if not, does `sudo -n` work? */
  private async checkUser(conn: Connection): Promise<void> {
    const client = conn.clients[conn.clients.length - 1]!;
    const run = (line: string) => {
      const p = new SshProcess();
      conn.rtt.timeStart(p.started);
      p.start(client, line);
      // a few round trips and the login shell: bounded by the connect timeout plus the round trip
      return collect(p, { timeoutMs: commandTimeoutMs(this.host.connectTimeoutMs, conn.rtt.max()) });
    };
    const t0 = performance.now();
    const id = await run(buildCommand(LOGIN_SH, [], { tag: 'netwatch-id' }));
    if (id.code === 0) this.login = performance.now() - t0;
    const probe = parseLoginProbe(id.stdout);
    this.root = probe.uid === '0';
    this.nodeAddress = probe.address;
    if (id.code !== 0 && !conn.dropped) this.log(`the login probe failed (${id.stderr.trim() || `exit ${id.code}`}); assuming not root`);
    if (this.root || this.opts.sudo === 'never' || conn.dropped) return;
    const r = await run(buildCommand(SUDO_CHECK_SH, [], { tag: 'netwatch-sudo-check', sudo: true }));
    if (conn.dropped) return;
    if (r.code === null) throw { retry: true, reason: `sudo check on ${this.host.hostName} did not finish` } satisfies Failure;
    const problem = sudoProblem(r, this.host.user, this.host.hostName);
    if (problem) throw { retry: false, reason: problem } satisfies Failure;
  }
}

/**
 * remote/login.sh's answer: the last "uid N" line (a chatty login shell may print before it) and
 * the node-side address of the connection, kept only when it is an IP address.
 */
export function parseLoginProbe(stdout: string): { uid?: string; address?: string } {
  let uid: string | undefined;
  let address: string | undefined;
  for (const line of stdout.split('\n')) {
    const u = /^uid (\d+)$/.exec(line.trim());
    if (u) uid = u[1];
    const a = /^ssh (\S+)$/.exec(line.trim());
    if (a && isIP(a[1]!)) address = a[1];
  }
  return { uid, address };
}
