/**
 * Drives the remote sampler (remote/sampler.sh) on one node: starts it on the node's transport,
 * writes one request line per tick and turns each answer into a NodeSample. A request still in
 * flight makes the next tick a no-op for this node (refresh never piles up).
 */
import { EVERY } from './cadence.js';
import { LineSplitter } from './lines.js';
import { Assembler } from './parsers/assemble.js';
import { ByteLineSplitter } from './parsers/bytes.js';
import { parseFrame } from './parsers/frame.js';
import { parseKmsgLine } from './parsers/kmsg.js';
import { SAMPLER_SH } from './remote/sampler.js';
import { Respawn } from './respawn.js';
import type { Transport, RemoteProcess } from './transport/types.js';
import type { KernelEvent, NodeSample } from './types.js';
import { laterSampleTimeoutMs, MIN_SAMPLE_TIMEOUT_MS, RTT_FACTOR } from './deadlines.js';

/** a later answer this slow, and twice the known round trip, gets the link probed */
const SLOW_ANSWER_MS = 500;
const PROBE_EVERY_MS = 15_000;

export interface SamplerOptions {
  /** process tag on the node: `nw-s-<instance>` so a reconnect sweep can find leftovers */
  tag: string;
  /** seconds without a request before the remote side ends itself (network drop bound) */
  idleSeconds: number;
  /** hard cap on the remote script's life; netwatch restarts it transparently */
  maxLifeSeconds: number;
  /** idle window (ms) for the first answer of a sampler process; asked each time it is needed */
  firstSampleMs: () => number;
  /** the slow collectors (remote/slow.sh) at most this often (--slow-every), and on readSlowNow() */
  slowEveryMs?: number;
}

/**
 * Seconds each slow command may take on the node: the read must end well inside its period
 * (a twelfth of --slow-every, 1 to 10 s). The answer's silence bound grows by as much.
 */
export function slowCommandSeconds(slowEveryMs: number): number {
  return Math.max(1, Math.min(10, Math.floor(slowEveryMs / 12_000)));
}

/** where a sampler's first answer is: what the user is told when it does not come */
type Phase = 'channel' | 'shell' | 'answer';
const PHASE_TEXT: Record<Phase, string> = {
  channel: 'no SSH channel opened',
  shell: 'the login shell did not start the sampler',
  answer: 'the first answer stopped arriving',
};

/** `rttMs`: the link's round trip as measured now (transport, probes), when known */
export type SampleOutcome =
  | { kind: 'sample'; sample: NodeSample; rttMs?: number }
  /** the request before is still out, since `waitedMs`; it may wait up to `boundMs` of silence */
  | { kind: 'busy'; waitedMs?: number; boundMs?: number; rttMs?: number }
  /** samplerDown: the remote sampler keeps ending by itself; error says why and when it is tried again */
  | { kind: 'error'; error: string; samplerDown?: boolean };

interface Pending {
  seq: number;
  sentAt: number;
  resolve: (o: SampleOutcome) => void;
  timer: NodeJS.Timeout;
  /** carried the slow collectors: its time is not a round trip of the link */
  slow?: boolean;
}

/**
 * Which extra sections tick number n asks for (see remote/sampler.sh). A new interface (a new
 * pod, most of the time) brings its identity and the routes/neighbours that map it at once;
 * `routes` asks for the routes/neighbours section out of turn (see NodeSampler.readRoutesSoon).
 */
export function flagsFor(n: number, needIdentity: boolean, routes = false): string {
  let f = '';
  if (n % EVERY.m === 0) f += 'm';
  if (needIdentity || routes || n % EVERY.r === 1) f += 'r';
  if (needIdentity || n % EVERY.k === 2) f += 'k';
  if (n % EVERY.s === 3 || n === 0) f += 's';
  if (n === 0) f = 'mrks';
  return f || '-';
}

/**
 * Waits (see deadlines.ts): the first answer of a sampler process has an idle window that
 * restarts on every sign of progress (channel open, bytes arriving), so a slow login shell or a
 * busy machine is waited for and only a stuck one gives up; later answers have a silence bound
 * that follows the measured round trip, and at its end a probe of the link decides: a slow link
 * is waited for, only a sampler that is silent on a link that answers is restarted.
 */
export class NodeSampler {
  private proc?: RemoteProcess;
  private pending?: Pending;
  private body: string[] | undefined;
  private assembler = new Assembler();
  private kernel: KernelEvent[] = [];
  private notes: string[] = [];
  private ticks = 0;
  private stopped = false;
  /** the running process has answered at least once */
  private answered = false;
  private phase: Phase = 'channel';
  private lastProgress = 0;
  private readonly latencies: number[] = [];
  private respawn = new Respawn();
  /** the running process's start and first frame (for the respawn backoff) */
  private life?: { startedAt: number; firstFrameAt?: number };
  /** the latest round trip a probe measured (an answer was late or slow) */
  private probed: number | undefined;
  private probedAt = -Infinity;
  /** when the last slow read was asked (performance.now), and whether one is wanted now */
  private slowAt = -Infinity;
  private slowWanted = false;
  /** the wanted read saves every rule set in full (key R), not only where a change signal fired */
  private slowFull = false;
  /** the next request reads routes, neighbours and pod cgroups out of turn (readRoutesSoon) */
  private routesWanted = false;
  /** tick numbers that read them again after a new interface (its route may come after it) */
  private routeFollowUps: number[] = [];

  constructor(
    private readonly transport: Transport,
    private readonly opts: SamplerOptions,
  ) {}

  /**
   * the next request carries the slow collectors (key R: "re-read the slow checks now"); `full`
   * (the default, key R) saves the nft rule set even when its watcher saw no change
   */
  readSlowNow(full = true): void {
    this.slowWanted = true;
    this.slowFull = full;
  }

  /**
   * The next request reads routes, neighbours, the bridge fdb and pod cgroups (section "r") out
   * of turn: the API named a pod on this node that was not there before, and the pod↔veth map
   * should not wait for the regular turn (EVERY.r ticks) to find its route or neighbour.
   */
  readRoutesSoon(): void {
    this.routesWanted = true;
  }

  /** the link's round trip as best known: the transport's measure or a later, slower probe */
  rttMs(): number | undefined {
    const t = this.transport.rttMs?.();
    if (t === undefined) return this.probed;
    return this.probed === undefined ? t : Math.max(t, this.probed);
  }

  /**
   * Answers much slower than the link's known round trip: the node is slow, or the link became
   * slow. One probe (at most every PROBE_EVERY_MS) tells which, so the row can say so.
   */
  private probeIfSlower(latencyMs: number): void {
    const known = this.rttMs() ?? 0;
    const now = performance.now();
    if (latencyMs < Math.max(SLOW_ANSWER_MS, 2 * known) || now - this.probedAt < PROBE_EVERY_MS || !this.transport.probeRtt) return;
    this.probedAt = now;
    void this.transport.probeRtt(Math.max(MIN_SAMPLE_TIMEOUT_MS, RTT_FACTOR * latencyMs)).then((rtt) => {
      if (rtt !== undefined && !this.stopped) this.probed = rtt;
    });
  }

  /** silence allowed for a later answer: max(3 s, 4 × p95 of its round trips, 4 × the link's) */
  private laterBoundMs(): number {
    return Math.max(laterSampleTimeoutMs(this.latencies), Math.round(RTT_FACTOR * (this.rttMs() ?? 0)));
  }

  sample(seq: number): Promise<SampleOutcome> {
    if (this.pending) {
      const waitedMs = performance.now() - this.pending.sentAt;
      return Promise.resolve({ kind: 'busy', waitedMs, boundMs: this.answered ? this.laterBoundMs() : undefined, rttMs: this.rttMs() });
    }
    if (this.stopped) return Promise.resolve({ kind: 'error', error: 'stopped' });
    if (this.transport.state().kind !== 'ready') {
      return Promise.resolve({ kind: 'error', error: 'not connected' });
    }
    const blocked = this.respawn.blocked(Date.now());
    if (!this.proc && blocked) return Promise.resolve({ kind: 'error', error: blocked, samplerDown: true });
    let proc: RemoteProcess;
    try {
      proc = this.ensureRunning();
    } catch (e) {
      return Promise.resolve({ kind: 'error', error: (e as Error).message });
    }
    const n = this.ticks++;
    const identity = this.assembler.needIdentity;
    // a CNI makes the veth first and adds its route (or the pod's first packet its neighbour) a
    // moment later: after the tick that reads a new interface's identity, routes twice more
    const followUp = this.routeFollowUps.some((t) => t <= n);
    if (followUp) this.routeFollowUps = this.routeFollowUps.filter((t) => t > n);
    let flags = flagsFor(n, identity, this.routesWanted || followUp);
    this.routesWanted = false;
    if (identity && n > 0) this.routeFollowUps = [n + 2, n + 4];
    // the slow collectors: on the first request of a process, at most once per --slow-every, on demand
    const slowEvery = this.opts.slowEveryMs ?? 60_000;
    const slowSec = slowCommandSeconds(slowEvery);
    const slow = this.slowWanted || performance.now() - this.slowAt >= slowEvery;
    let request = `${seq} ${flags}`;
    if (slow) {
      this.slowWanted = false;
      this.slowAt = performance.now();
      flags = flags === '-' ? 'x' : `${flags}x`;
      // the hashes of the rule sets netwatch has: the node ships a rule set again only when it changed
      // and the nft watcher's mark: the node saves the nft rule set only when its watcher saw a change
      request = `${seq} ${flags} ${this.assembler.knownHash('legacy') ?? '-'} ${this.assembler.knownHash('nft') ?? '-'} ${slowSec} ${this.assembler.knownNftHash() ?? '-'} ${this.assembler.nftMarkForRequest(this.slowFull)}`;
      this.slowFull = false;
    }
    const extraMs = slow ? slowSec * 1000 : 0;
    return new Promise<SampleOutcome>((resolve) => {
      const give = (error: string) => {
        if (this.pending?.seq !== seq) return;
        this.pending = undefined;
        resolve({ kind: 'error', error });
        // a stuck sampler is restarted on the next tick
        this.restart();
      };
      let timer: NodeJS.Timeout;
      const sentAt = performance.now();
      const rearm = (t: NodeJS.Timeout) => {
        timer = t;
        if (this.pending?.seq === seq) this.pending.timer = t;
      };
      if (this.answered) {
        // silence bound, restarted by every byte of the answer; at its end a round trip on the
        // link tells a slow link (wait on) from a stuck sampler (restart)
        const check = () => {
          if (this.pending?.seq !== seq) return;
          const ms = this.laterBoundMs() + extraMs;
          const idle = performance.now() - Math.max(sentAt, this.lastProgress);
          if (idle < ms) return rearm(setTimeout(check, ms - idle));
          const probe = this.transport.probeRtt;
          if (!probe) return give(`no answer in ${Math.round(ms)} ms (bound: 4 × round trip p95, at least 3 s)`);
          this.probedAt = performance.now();
          void probe.call(this.transport, ms).then((rtt) => {
            // what the link measured stays known, also when the answer came meanwhile
            if (rtt !== undefined && !this.stopped) this.probed = rtt;
            if (this.pending?.seq !== seq) return;
            const waited = performance.now() - sentAt;
            if (rtt === undefined) return give(`no answer in ${(waited / 1000).toFixed(1)} s and no reply to a round trip on the link`);
            if (RTT_FACTOR * rtt >= idle) return check(); // the link is that slow now: wait on
            give(`no answer in ${(waited / 1000).toFixed(1)} s though the link answers in ${(rtt / 1000).toFixed(1)} s`);
          });
        };
        timer = setTimeout(check, this.laterBoundMs() + extraMs);
      } else {
        // idle window: restarts on progress
        this.lastProgress = Math.max(this.lastProgress, performance.now());
        const check = () => {
          const win = this.opts.firstSampleMs();
          const idle = performance.now() - this.lastProgress;
          if (idle >= win) return give(`no first sample: ${PHASE_TEXT[this.phase]} within ${(win / 1000).toFixed(1)} s`);
          rearm(setTimeout(check, win - idle));
        };
        timer = setTimeout(check, this.opts.firstSampleMs());
      }
      this.pending = { seq, sentAt, resolve, timer, slow };
      proc.stdin.write(`${request}\n`);
    });
  }

  /** the process moved: a channel opened or bytes came */
  private progress(phase?: Phase): void {
    this.lastProgress = performance.now();
    if (phase) this.phase = phase;
  }

  /** ends the remote sampler (it also ends itself when the channel closes) */
  stop(): void {
    this.stopped = true;
    this.restart();
  }

  private restart(): void {
    const p = this.proc;
    this.proc = undefined;
    this.life = undefined;
    this.body = undefined;
    this.ticks = 0;
    this.routeFollowUps = [];
    this.answered = false;
    this.phase = 'channel';
    this.assembler = new Assembler();
    this.slowAt = -Infinity;
    p?.close();
  }

  private ensureRunning(): RemoteProcess {
    if (this.proc) return this.proc;
    const proc = this.transport.spawn(
      SAMPLER_SH,
      [String(this.opts.idleSeconds), String(this.opts.maxLifeSeconds)],
      { tag: this.opts.tag, privileged: true },
    );
    this.proc = proc;
    this.answered = false;
    this.progress('channel');
    const started = proc.started ?? Promise.resolve();
    void started.then(() => this.proc === proc && this.progress('shell'));
    this.notes = [];
    this.life = { startedAt: Date.now() };
    // stdout as bytes: names are not always UTF-8 (parsers/bytes.ts keeps every byte)
    const out = new ByteLineSplitter((l) => this.onLine(l));
    const err = new LineSplitter((l) => this.onErr(l));
    proc.stdout.on('data', (b: Buffer) => {
      if (this.proc === proc) this.progress('answer');
      out.push(b);
    });
    proc.stderr.on('data', (b: Buffer) => {
      if (this.proc === proc) this.progress();
      err.push(b);
    });
    proc.stdin.on('error', () => {});
    void proc.exit.then((ex) => {
      if (this.proc !== proc) return;
      this.proc = undefined;
      this.body = undefined;
      this.ticks = 0;
      this.answered = false;
      this.phase = 'channel';
      this.assembler = new Assembler();
      this.slowAt = -Infinity;
      const failed = this.onEnded(ex.code, ex.signal);
      const p = this.pending;
      if (p) {
        clearTimeout(p.timer);
        this.pending = undefined;
        const why = failed ?? this.notes.at(-1) ?? `sampler ended (code ${ex.code ?? ex.signal ?? 'none'})`;
        p.resolve({ kind: 'error', error: failed ? this.respawn.blocked(Date.now()) ?? failed : why, samplerDown: failed !== undefined });
      }
    });
    return proc;
  }

  /** an end netwatch did not ask for: the backoff decides when the next start may happen */
  private onEnded(code: number | null, signal: string | null): string | undefined {
    const life = this.life;
    this.life = undefined;
    // the channel went with the connection: the transport's reconnect is the bound, not this
    // (also when the channel closed without an exit status: the connection is going)
    if (!life || this.stopped || this.transport.state().kind !== 'ready' || (code === null && signal === null)) return undefined;
    return this.respawn.ended({
      code,
      signal,
      startedAt: life.startedAt,
      firstFrameAt: life.firstFrameAt,
      endedAt: Date.now(),
      notes: this.notes,
      maxLifeMs: this.opts.maxLifeSeconds * 1000,
    });
  }

  private onLine(line: string): void {
    if (line.startsWith('@@NW B ')) {
      this.body = [];
      return;
    }
    if (line.startsWith('@@NW E ')) {
      const seq = Number(line.slice(7));
      const body = this.body ?? [];
      this.body = undefined;
      if (this.life) this.life.firstFrameAt ??= Date.now();
      const p = this.pending;
      if (!p || p.seq !== seq) return; // an answer to a request that timed out
      clearTimeout(p.timer);
      this.pending = undefined;
      const latencyMs = performance.now() - p.sentAt;
      // the first answer carries the login and the biggest frame, a slow read runs commands: not round trips
      if (this.answered && !p.slow) {
        this.latencies.push(latencyMs);
        if (this.latencies.length > 30) this.latencies.shift();
        // the link is clearly faster again than a late answer's probe said: forget that probe
        if (this.probed !== undefined && latencyMs < this.probed / 2) this.probed = undefined;
        this.probeIfSlower(latencyMs);
      }
      this.answered = true;
      const events = this.kernel;
      this.kernel = [];
      const sample = this.assembler.assemble(parseFrame(seq, body), Date.now(), latencyMs, events);
      p.resolve({ kind: 'sample', sample, rttMs: this.rttMs() });
      return;
    }
    this.body?.push(line);
  }

  private onErr(line: string): void {
    const ev = parseKmsgLine(line);
    if (ev) {
      if (this.kernel.length < 1000) this.kernel.push(ev);
      return;
    }
    if (line.trim()) {
      this.notes.push(line.trim().slice(0, 300));
      if (this.notes.length > 20) this.notes.shift();
    }
  }
}
