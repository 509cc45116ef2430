/**
 * The sampler's waits: a first answer that is slow but making progress is waited for (no
 * restart), a stuck one gives up with the phase it was stuck in, later answers are bounded by
 * the measured round trip; the pure deadline functions; the handshake limiter.
 */
import { describe, expect, it } from 'vitest';
import { firstSampleWindowMs, laterSampleTimeoutMs, p95 } from '../../src/sources/deadlines.js';
import { NodeSampler } from '../../src/sources/sampler.js';
import { HandshakeLimiter } from '../../src/sources/ssh/handshakes.js';
import { FakeNode } from './fake-node.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const opts = (firstMs: number) => ({ tag: 'nw-s-test', idleSeconds: 15, maxLifeSeconds: 3600, firstSampleMs: () => firstMs });

describe('sampler waits', () => {
  it('waits for a slow first answer while bytes keep arriving, and does not restart it', async () => {
    const node = new FakeNode();
    const s = new NodeSampler(node.transport(), opts(300));
    const out = s.sample(0);
    // 1.2 s of progress, 4x the idle window, before the answer
    for (let i = 0; i < 6; i++) {
      await sleep(200);
      node.proc!.stdout.write('@@ filler\n');
    }
    node.answer(0);
    expect((await out).kind).toBe('sample');
    expect(node.spawned).toBe(1);
    expect(node.closed).toBe(0);
    s.stop();
  });

  it('gives up on a first answer with no progress for the window, naming the phase', async () => {
    const node = new FakeNode();
    const s = new NodeSampler(node.transport(), opts(300));
    const t0 = Date.now();
    const o = await s.sample(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(o).toMatchObject({ kind: 'error' });
    // the fake process has no `started`: it runs once spawned, so the login shell is what hangs
    expect((o as { error: string }).error).toMatch(/the login shell did not start the sampler within 0.3 s/);
    expect(node.closed).toBe(1);
    s.stop();
  });

  it('bounds later answers by the measured round trip (at least 3 s)', async () => {
    const node = new FakeNode();
    const s = new NodeSampler(node.transport(), opts(300));
    const first = s.sample(0);
    node.answer(0);
    await first;
    const second = s.sample(1);
    setTimeout(() => node.answer(1), 20);
    expect((await second).kind).toBe('sample');
    const t0 = Date.now();
    const third = await s.sample(2); // never answered
    expect(third).toMatchObject({ kind: 'error' });
    expect((third as { error: string }).error).toMatch(/no answer in 3000 ms/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2900);
    s.stop();
  }, 10_000);
});

describe('deadline functions', () => {
  const idle = { load1: 0.1, cores: 2 };
  it('first-sample window grows with nodes, measured login time and load', () => {
    expect(firstSampleWindowMs(1, undefined, idle)).toBe(3000);
    expect(firstSampleWindowMs(50, undefined, idle)).toBe(3000 + 49 * 150);
    expect(firstSampleWindowMs(1, 2000, idle)).toBe(8000);
    expect(firstSampleWindowMs(1, undefined, { load1: 8, cores: 2 })).toBe(12_000);
  });
  it('later bound: max(3 s, 4 x p95)', () => {
    expect(p95([])).toBeUndefined();
    expect(p95(Array.from({ length: 100 }, (_, i) => i + 1))).toBe(95);
    expect(laterSampleTimeoutMs([])).toBe(3000);
    expect(laterSampleTimeoutMs([100, 120, 2000])).toBe(8000);
  });
});

describe('handshake limiter', () => {
  it('runs at most N at once, in order, and a lease ends a slow turn', async () => {
    const l = new HandshakeLimiter(2, 200);
    const order: number[] = [];
    const a = await l.acquire();
    await l.acquire(); // never released by hand: its lease ends it
    const c = l.acquire().then((r) => (order.push(3), r));
    const d = l.acquire().then((r) => (order.push(4), r));
    expect(l.waiting).toBe(2);
    a();
    await c;
    expect(order).toEqual([3]);
    await d; // after the second one's lease (200 ms)
    expect(order).toEqual([3, 4]);
  });
});
