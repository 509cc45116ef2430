/**
 * Keeps every node sampled: one transport and one sampler per node, one ticker for all. Each tick
 * asks every node at once and applies the answers to the store in ONE update (at most one render
 * per tick, never one per node). Transport states go to the store as they change. After every
 * REconnect the node is swept of what an earlier connection of this instance left behind (the
 * first connection of a netwatch process has nothing to sweep: tags carry the instance id).
 *
 * once() (--once) makes one connection attempt per node: a node whose attempt fails (refused, no
 * route, timed out, auth...) is failed with that reason at once, not retried. A node still on its
 * way is waited for as long as it makes progress (see deadlines.ts); every node ends sampled or
 * failed with a reason.
 */
import type { Store } from '../state/store.js';
import type { NodeStatus } from '../state/types.js';
import { parsePodPeers, type PodPeerLine } from './parsers/podcgroups.js';
import { PODPEER_SH } from './remote/scripts.js';
import { sweepEarlier } from './remote/sweep.js';
import { processTag, trackConnections } from './remote/tags.js';
import { NodeSampler, type SampleOutcome } from './sampler.js';
import { commandTimeoutMs, firstSampleWindowMs, machineLoad } from './deadlines.js';
import type { Transport, TransportState } from './transport/types.js';
import type { PodCgroup } from './types.js';

export interface MonitorOptions {
  intervalMs: number;
  /** remote side gives up after this many seconds without a request */
  idleSeconds?: number;
  /** the slow collectors' period (--slow-every), ms */
  slowEveryMs?: number;
  log?: (line: string) => void;
}

interface Entry {
  name: string;
  transport: Transport;
  sampler: NodeSampler;
  unsub: () => void;
  /** true while the post-connect sweep runs: no sampling until it is done */
  sweeping: boolean;
  /** connections that reached ready so far */
  connects: number;
  peerLookups: Set<string>;
  /** pod UID -> when its cgroup was first seen on the node (ms), for peerLookupsDue */
  cgroupSeen: Map<string, number>;
  /** a pod cgroup list of this node has been read */
  cgroupsListed: boolean;
}

/** a pod whose eth0 lookup said "host" is asked again while its cgroup is this young */
export const YOUNG_POD_MS = 30_000;

/**
 * The pods (from the node's pod cgroups) whose eth0 peer to look up now: those not looked up
 * yet, and those whose answer was "host network" while the pod is young: first seen by netwatch
 * less than YOUNG_POD_MS ago, in a later pod list than the node's first. A runtime puts a pod's
 * first process in its cgroup before the process enters the pod's network namespace, so a read
 * in between sees the node's namespace; once the pod is older than YOUNG_POD_MS a "host" answer
 * stands. `seen` (first sighting per UID) is updated here and keeps only the pods listed. Pure
 * apart from `seen`.
 */
export function peerLookupsDue(cgroups: readonly PodCgroup[], known: Readonly<Record<string, PodPeerLine>>, seen: Map<string, number>, inFlight: ReadonlySet<string>, now: number, first = false): PodCgroup[] {
  const listed = new Set(cgroups.map((p) => p.uid));
  for (const uid of seen.keys()) if (!listed.has(uid)) seen.delete(uid);
  // the node's first pod list (`first`): those pods were there before netwatch, not young
  for (const p of cgroups) if (!seen.has(p.uid)) seen.set(p.uid, first ? now - YOUNG_POD_MS : now);
  return cgroups.filter((p) => {
    if (!p.pids.length || inFlight.has(p.uid)) return false;
    const k = known[p.uid];
    return k === undefined || (k === 'host' && now - seen.get(p.uid)! < YOUNG_POD_MS);
  });
}

export class Monitor {
  private readonly entries = new Map<string, Entry>();
  private timer?: NodeJS.Timeout;
  private seq = 0;
  private late: Array<readonly [string, SampleOutcome]> = [];

  constructor(
    private readonly store: Store,
    private readonly opts: MonitorOptions,
  ) {}

  get nodes(): string[] {
    return [...this.entries.keys()];
  }

  transport(name: string): Transport | undefined {
    return this.entries.get(name)?.transport;
  }

  add(name: string, transport: Transport, address?: string): void {
    if (this.entries.has(name)) return;
    const idle = this.opts.idleSeconds ?? Math.max(15, Math.ceil((5 * this.opts.intervalMs) / 1000));
    const sampler = new NodeSampler(transport, {
      tag: processTag('sampler', transport),
      idleSeconds: idle,
      maxLifeSeconds: 6 * 3600,
      firstSampleMs: () => firstSampleWindowMs(this.entries.size, transport.loginMs?.(), machineLoad()),
      slowEveryMs: this.opts.slowEveryMs,
    });
    const entry: Entry = { name, transport, sampler, unsub: () => {}, sweeping: false, connects: 0, peerLookups: new Set(), cgroupSeen: new Map(), cgroupsListed: false };
    this.entries.set(name, entry);
    this.store.getState().addNode(name, address);
    const unsubState = transport.onState((s) => this.onTransport(entry, s));
    // a new epoch when the connection drops: the sweep on reconnect spares only the new one's
    const unsubEpochs = trackConnections(transport);
    entry.unsub = () => {
      unsubState();
      unsubEpochs();
    };
    this.onTransport(entry, transport.state());
  }

  remove(name: string): void {
    const e = this.entries.get(name);
    if (!e) return;
    this.entries.delete(name);
    e.unsub();
    e.sampler.stop();
    e.transport.close();
    this.store.getState().removeNode(name);
  }

  /** stops watching a node but keeps its connection open, for a caller that goes on using it */
  detach(name: string): Transport | undefined {
    const e = this.entries.get(name);
    if (!e) return undefined;
    this.entries.delete(name);
    e.unsub();
    e.sampler.stop();
    return e.transport;
  }

  /** the next request of one node (or every node) reads the slow collectors (key R) */
  readSlowNow(name?: string): void {
    for (const e of this.entries.values()) if (name === undefined || e.name === name) e.sampler.readSlowNow();
  }

  /** the next request of this node reads its routes and neighbours (a pod the API just named) */
  readRoutesSoon(name: string): void {
    this.entries.get(name)?.sampler.readRoutesSoon();
  }

  start(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs);
  }

  /**
   * One sample of every node (for --once): resolves when each answered or failed, and leaves
   * every node either sampled or failed with its reason. `capMs` (optional) is an overall bound
   * for callers that need one; without it the per-phase bounds apply (connect timeout per
   * attempt, the sampler's progress-following first-sample window).
   */
  /**
   * One more sample of every node that has one and is still connected (--once --window): the
   * second sample rates are computed from (store.ts). Each request is bounded by the sampler's
   * later-sample bound (it follows the link's round trip). A node that does not answer keeps its
   * first sample and no rates; it is not failed (it was sampled). Returns why nodes missed it.
   * The wait is at most max(3 s, 4 × the node's first-sample latency).
   */
  async again(): Promise<string[]> {
    const st = this.store.getState();
    const results: Array<readonly [string, SampleOutcome]> = [];
    const missed: string[] = [];
    await Promise.all(
      [...this.entries.values()].map(async (e) => {
        if (!st.nodes[e.name]?.sample || e.transport.state().kind !== 'ready') return;
        // bounded also on a link that keeps answering slowly: 4 × the first sample's round trip, at least 3 s
        const capMs = Math.max(3000, 4 * (st.nodes[e.name]!.sample!.latencyMs ?? 0));
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<SampleOutcome>((r) => {
          timer = setTimeout(() => r({ kind: 'error', error: `no answer within ${(capMs / 1000).toFixed(1)} s` }), capMs);
        });
        const o = await Promise.race([e.sampler.sample(this.seq++), late]);
        clearTimeout(timer);
        if (o.kind === 'sample') results.push([e.name, o]);
        else missed.push(`${e.name}: no second sample (${o.kind === 'error' ? o.error : 'still answering the first'})`);
      }),
    );
    if (results.length) this.store.getState().applyTick(results);
    return missed;
  }

  async once(capMs?: number): Promise<void> {
    const cap = capMs === undefined ? Infinity : Date.now() + capMs;
    const pending = new Set(this.entries.keys());
    const asking = new Set<string>();
    const failed = new Map<string, string>();
    const results: Array<readonly [string, SampleOutcome]> = [];
    const ask = async (e: Entry) => {
      asking.add(e.name);
      const o = await e.sampler.sample(this.seq++);
      asking.delete(e.name);
      if (o.kind === 'busy') return;
      pending.delete(e.name);
      results.push([e.name, o]);
      if (o.kind === 'sample') await this.lookupPeers(e, o);
      else failed.set(e.name, o.error);
    };
    const work: Promise<void>[] = [];
    while (pending.size && Date.now() < cap) {
      for (const name of [...pending]) {
        const e = this.entries.get(name);
        if (!e) {
          pending.delete(name);
          continue;
        }
        if (asking.has(name)) continue;
        const st = e.transport.state();
        if (st.kind === 'failed' || st.kind === 'reconnecting') {
          failed.set(name, st.reason);
          pending.delete(name);
        } else if (st.kind === 'closed') {
          failed.set(name, 'connection closed');
          pending.delete(name);
        } else if (st.kind === 'ready' && !e.sweeping) work.push(ask(e));
      }
      if (pending.size) await new Promise((r) => setTimeout(r, 50));
    }
    if (!pending.size) await Promise.all(work);
    for (const name of pending) failed.set(name, `no sample within the ${Math.round((capMs ?? 0) / 1000)} s bound`);
    this.store.getState().applyTick(results);
    const now = Date.now();
    for (const [name, reason] of failed) {
      if (!this.entries.has(name)) continue;
      this.entries.get(name)!.transport.close(); // one attempt: no retry behind our back
      this.store.getState().setStatus(name, { kind: 'failed', since: now, reason });
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const name of [...this.entries.keys()]) {
      const e = this.entries.get(name)!;
      e.unsub();
      e.sampler.stop();
      e.transport.close();
    }
    this.entries.clear();
  }

  private async tick(): Promise<void> {
    const seq = this.seq++;
    const entries = [...this.entries.values()];
    const batch: Array<readonly [string, SampleOutcome]> = this.late;
    this.late = [];
    let flushed = false;
    const flush = () => {
      if (flushed) return;
      flushed = true;
      if (batch.length) this.store.getState().applyTick(batch);
    };
    // flush when every node answered, or at half the interval with what has arrived; answers
    // after that go into the next tick's batch
    const timer = setTimeout(flush, Math.max(50, this.opts.intervalMs / 2));
    await Promise.all(
      entries.map(async (e) => {
        if (e.transport.state().kind !== 'ready' || e.sweeping) return;
        const o = await e.sampler.sample(seq);
        if (o.kind === 'sample') void this.lookupPeers(e, o);
        if (flushed) this.late.push([e.name, o]);
        else batch.push([e.name, o]);
      }),
    );
    clearTimeout(timer);
    flush();
  }

  private onTransport(e: Entry, s: TransportState): void {
    if (!this.entries.has(e.name)) return;
    const st = this.store.getState();
    if (s.kind === 'ready') {
      st.setStatus(e.name, { kind: 'connecting', since: s.since });
      // where the node says this connection arrived: the primary interface's last fallback
      st.setConnectedAddress(e.name, e.transport.connectedAddress?.());
      if (e.connects++ === 0) return; // nothing of this instance can be on the node yet
      e.sweeping = true;
      sweepEarlier(e.transport, { timeoutMs: commandTimeoutMs(10_000, e.transport.rttMs?.()) })
        .then((swept) => {
          if (swept.length) this.opts.log?.(`${e.name}: swept ${swept.map((p) => `${p.pid} ${p.tag}`).join(', ')}`);
        })
        .catch((err: Error) => this.opts.log?.(`${e.name}: ${err.message}`))
        .finally(() => {
          e.sweeping = false;
        });
      return;
    }
    st.setStatus(e.name, toNodeStatus(s));
  }

  /** new pod UIDs in the cgroups: ask the node for their eth0 peer index (see peerLookupsDue) */
  private async lookupPeers(e: Entry, o: SampleOutcome & { kind: 'sample' }): Promise<void> {
    const cg = o.sample.podCgroups;
    if (cg?.status !== 'ok') return;
    const known = this.store.getState().nodes[e.name]?.podPeers ?? {};
    const todo = peerLookupsDue(cg.data, known, e.cgroupSeen, e.peerLookups, Date.now(), !e.cgroupsListed);
    e.cgroupsListed = true;
    if (!todo.length) return;
    for (const p of todo) e.peerLookups.add(p.uid);
    try {
      const r = await e.transport.exec(PODPEER_SH, todo.map((p) => String(p.pids[0])), {
        privileged: true,
        tag: processTag('peer', e.transport),
        timeoutMs: commandTimeoutMs(10_000, e.transport.rttMs?.()),
      });
      const byPid = parsePodPeers(r.stdout.split('\n'));
      const peers: Record<string, PodPeerLine> = {};
      for (const p of todo) {
        const v = byPid.get(p.pids[0]!);
        if (v !== undefined) peers[p.uid] = v;
      }
      if (Object.keys(peers).length) this.store.getState().setPodPeers(e.name, peers);
    } catch {
      /* node went away; retried when the pod shows up again */
    } finally {
      for (const p of todo) e.peerLookups.delete(p.uid);
    }
  }
}

export function toNodeStatus(s: TransportState): NodeStatus {
  switch (s.kind) {
    case 'connecting':
      return { kind: 'connecting', since: s.since };
    case 'ready':
      return { kind: 'connecting', since: s.since };
    case 'reconnecting':
      return { kind: 'reconnecting', since: s.since, attempt: s.attempt, nextAttemptAt: s.nextAttemptAt, reason: s.reason };
    case 'failed':
      return { kind: 'failed', since: s.since, reason: s.reason };
    case 'closed':
      return { kind: 'failed', since: s.since, reason: 'closed' };
  }
}
