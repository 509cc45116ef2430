/**
 * Keeps every node sampled: one transport and one sampler per node, one ticker for all. Each tick
 * asks every node at once and applies the answers to the store in ONE update (at most one render
 * per tick, never one per node). Transport states go to the store as they change. After every
 * (re)connect the node is swept of what an earlier connection of this instance left behind.
 */
import type { Store } from '../state/store.js';
import type { NodeStatus } from '../state/types.js';
import { parsePodPeers, type PodPeerLine } from './parsers/podcgroups.js';
import { PODPEER_SH } from './remote/scripts.js';
import { sweepEarlier } from './remote/sweep.js';
import { processTag, trackConnections } from './remote/tags.js';
import { NodeSampler, type SampleOutcome } from './sampler.js';
import type { Transport, TransportState } from './transport/types.js';

export interface MonitorOptions {
  intervalMs: number;
  /** remote side gives up after this many seconds without a request */
  idleSeconds?: number;
  log?: (line: string) => void;
}

interface Entry {
  name: string;
  transport: Transport;
  sampler: NodeSampler;
  unsub: () => void;
  /** true while the post-connect sweep runs: no sampling until it is done */
  sweeping: boolean;
  peerLookups: Set<string>;
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
      timeoutMs: Math.max(3000, 3 * this.opts.intervalMs),
    });
    const entry: Entry = { name, transport, sampler, unsub: () => {}, sweeping: false, peerLookups: new Set() };
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

  start(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs);
  }

  /** one sample of every node (for --once): resolves when all answered or failed */
  async once(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(this.entries.keys());
    const results: Array<readonly [string, SampleOutcome]> = [];
    while (pending.size && Date.now() < deadline) {
      await Promise.all(
        [...pending].map(async (name) => {
          const e = this.entries.get(name)!;
          const st = e.transport.state().kind;
          if (st === 'failed' || st === 'closed') {
            pending.delete(name);
            return;
          }
          if (st !== 'ready' || e.sweeping) return;
          const o = await e.sampler.sample(this.seq++);
          if (o.kind === 'sample' || o.kind === 'error') {
            results.push([name, o]);
            pending.delete(name);
            if (o.kind === 'sample') await this.lookupPeers(e, o);
          }
        }),
      );
      if (pending.size) await new Promise((r) => setTimeout(r, 100));
    }
    this.store.getState().applyTick(results);
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
      e.sweeping = true;
      sweepEarlier(e.transport, { timeoutMs: 10_000 })
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

  /** new pod UIDs in the cgroups: ask the node for their eth0 peer index (once per pod) */
  private async lookupPeers(e: Entry, o: SampleOutcome & { kind: 'sample' }): Promise<void> {
    const cg = o.sample.podCgroups;
    if (cg?.status !== 'ok') return;
    const known = this.store.getState().nodes[e.name]?.podPeers ?? {};
    const todo = cg.data.filter((p) => !(p.uid in known) && !e.peerLookups.has(p.uid) && p.pids.length);
    if (!todo.length) return;
    for (const p of todo) e.peerLookups.add(p.uid);
    try {
      const r = await e.transport.exec(PODPEER_SH, todo.map((p) => String(p.pids[0])), {
        privileged: true,
        tag: processTag('peer', e.transport),
        timeoutMs: 10_000,
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
