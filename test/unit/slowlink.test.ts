/**
 * Slow links, without a network: the handshake and command bounds as functions of the measured
 * round trip; a later answer that is late is waited for while bytes arrive or the link's round
 * trip (measured, or probed when the answer is late) explains it, and the sampler restarts only
 * when the link answers fast and the sampler does not; the row's reason (store fold).
 */
import { describe, expect, it } from 'vitest';
import { commandTimeoutMs, handshakeBounds } from '../../src/sources/deadlines.js';
import { NodeSampler } from '../../src/sources/sampler.js';
import type { Transport } from '../../src/sources/transport/types.js';
import type { NodeSample } from '../../src/sources/types.js';
import { foldOutcome, newNode } from '../../src/state/store.js';
import { FakeNode } from './fake-node.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** a node whose sampler answers as the test says (FakeNode), on a link with a given round trip */
class FakeLink extends FakeNode {
  probes = 0;
  rtt: number | undefined;
  /** what a probe measures (undefined: no reply); it replies after that long */
  probeMs: number | undefined;
  override transport(): Transport {
    return {
      ...super.transport(),
      rttMs: () => this.rtt,
      probeRtt: async (timeoutMs: number) => {
        this.probes++;
        const ms = this.probeMs;
        await sleep(Math.min(ms ?? timeoutMs, timeoutMs));
        return ms !== undefined && ms <= timeoutMs ? ms : undefined;
      },
    };
  }
}

const opts = { tag: 'nw-s-test', idleSeconds: 15, maxLifeSeconds: 3600, firstSampleMs: () => 1000 };

async function answeredOnce(link: FakeLink): Promise<NodeSampler> {
  const s = new NodeSampler(link.transport(), opts);
  const first = s.sample(0);
  link.answer(0);
  expect((await first).kind).toBe('sample');
  return s;
}

describe('deadlines that follow the round trip', () => {
  it('handshake: the connect timeout until the banner, then 4 round trips of silence and 30 in all, never less than the timeout', () => {
    expect(handshakeBounds(10_000, 2)).toEqual({ idleMs: 10_000, totalMs: 10_000 });
    expect(handshakeBounds(10_000, 3000)).toEqual({ idleMs: 12_000, totalMs: 90_000 });
    expect(commandTimeoutMs(10_000, undefined)).toBe(10_000);
    expect(commandTimeoutMs(10_000, 3000)).toBe(22_000);
  });
});

describe('late later answers', () => {
  it('the measured round trip explains a 3.5 s answer: taken late, no restart, busy says how long and why', async () => {
    const link = new FakeLink();
    link.rtt = 1000; // bound: 4 s
    link.probeMs = 1000;
    const s = await answeredOnce(link);
    const out = s.sample(1);
    await sleep(1500);
    const busy = await s.sample(2);
    expect(busy).toMatchObject({ kind: 'busy', rttMs: 1000, boundMs: 4000 });
    expect((busy as { waitedMs: number }).waitedMs).toBeGreaterThan(1400);
    await sleep(2000);
    link.answer(1);
    expect(await out).toMatchObject({ kind: 'sample', rttMs: 1000 });
    expect(link.spawned).toBe(1);
    expect(link.closed).toBe(0);
    // no probe while it was late (the round trip explained it); one after it, as the answer took
    // more than twice the round trip (a slow node, or a link that became slow)
    expect(link.probes).toBe(1);
    s.stop();
  }, 10_000);

  it('bytes arriving keep a late answer alive past the bound', async () => {
    const link = new FakeLink();
    const s = await answeredOnce(link);
    const out = s.sample(1);
    for (let i = 0; i < 5; i++) {
      await sleep(1000);
      link.reply('@@ part of a big frame\n');
    }
    link.answer(1);
    expect((await out).kind).toBe('sample');
    expect(link.closed).toBe(0);
    s.stop();
  }, 12_000);

  it('the link got slow: silent past the bound, a probe measures 1.2 s, the answer at 4.5 s is taken', async () => {
    const link = new FakeLink();
    link.probeMs = 1200;
    const s = await answeredOnce(link);
    const out = s.sample(1);
    setTimeout(() => link.answer(1), 4500);
    expect((await out).kind).toBe('sample');
    expect(link.probes).toBe(1);
    expect(link.closed).toBe(0);
    expect(s.rttMs()).toBe(1200);
    s.stop();
  }, 10_000);

  it('the link answers at once but the sampler does not: restarted, with that reason', async () => {
    const link = new FakeLink();
    link.probeMs = 5;
    const s = await answeredOnce(link);
    const o = await s.sample(1);
    expect(o).toMatchObject({ kind: 'error' });
    expect((o as { error: string }).error).toMatch(/no answer in 3\.\d s though the link answers in 0\.0 s/);
    expect(link.closed).toBe(1);
    s.stop();
  }, 10_000);

  it('no reply to the probe either: given up, with that reason', async () => {
    const link = new FakeLink();
    const s = await answeredOnce(link);
    const o = await s.sample(1);
    expect((o as { error: string }).error).toMatch(/no reply to a round trip on the link/);
    s.stop();
  }, 12_000);
});

describe('the row says why', () => {
  const now = 100_000;
  const live = () => ({ ...newNode('n', undefined, 0), status: { kind: 'live' as const, since: 0 }, sample: { at: now - 6400 } as NodeSample });

  it('a slow link within its bound: live, "slow link: RTT 3.1 s, sample 6.4 s old"', () => {
    const n = foldOutcome(live(), { kind: 'busy', waitedMs: 3000, boundMs: 12_400, rttMs: 3100 }, now);
    expect(n.status.kind).toBe('live');
    expect(n.problems.find((p) => p.code === 'slow-link')?.message).toBe('slow link: RTT 3.1 s, sample 6.4 s old');
  });

  it('a slow link past its bound: stale, saying the link and the wait', () => {
    const n = foldOutcome(live(), { kind: 'busy', waitedMs: 13_000, boundMs: 12_400, rttMs: 3100 }, now);
    expect(n.status).toMatchObject({ kind: 'stale', reason: 'slow link: RTT 3.1 s, no answer for 13.0 s' });
  });

  it('a fast link and a late answer: the node is slow, not the link', () => {
    const n = foldOutcome(live(), { kind: 'busy', waitedMs: 1000, boundMs: 3000, rttMs: 2 }, now);
    expect(n.status).toMatchObject({ kind: 'stale', reason: 'node slow to answer' });
    expect(n.problems.some((p) => p.code === 'slow-link')).toBe(false);
  });
});
