import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScript } from '../../src/sources/remote/load.js';
import { RESPAWN, Respawn, samplerEndReason } from '../../src/sources/respawn.js';
import { foldOutcome, newNode } from '../../src/state/store.js';

const end = (at: number, over: Partial<Parameters<Respawn['ended']>[0]> = {}) => ({
  code: 127, signal: null, startedAt: at, endedAt: at + 50, notes: ['N kmsg unreadable', 'E awk not found'], maxLifeMs: 3600_000, ...over,
});

describe('sampler respawn backoff', () => {
  it('retries a sampler that ends before its first frame after 30 s, then once a minute', () => {
    const r = new Respawn();
    let t = 0;
    const starts: number[] = [];
    // a tick every second for 10 minutes; every start ends at once
    for (; t < 600_000; t += 1000) {
      if (r.blocked(t) === undefined) {
        starts.push(t);
        r.ended(end(t));
      }
    }
    expect(starts.slice(0, 3)).toEqual([0, 31_000, 92_000]);
    for (let i = 2; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(RESPAWN.max);
    expect(starts.filter((s) => s < 70_000)).toHaveLength(2);
    expect(r.blocked(starts.at(-1)! + 10_000)).toBe('sampler: awk not found (exit 127); next try in 51s');
  });
  it('backs off 5 s doubling for a sampler that dies after frames, and forgets after a good minute', () => {
    const r = new Respawn();
    r.ended(end(0, { firstFrameAt: 10, endedAt: 2000 }));
    expect(r.blocked(2000 + 4999)).toMatch(/next try in 1s$/);
    expect(r.blocked(2000 + 5000)).toBeUndefined();
    r.ended(end(7000, { firstFrameAt: 7010, endedAt: 8000 }));
    expect(r.blocked(8000 + 9999)).toBeDefined();
    expect(r.blocked(8000 + 10_000)).toBeUndefined();
    expect(r.ended(end(20_000, { firstFrameAt: 20_010, endedAt: 90_000 }))).toBeUndefined();
    expect(r.failureCount).toBe(0);
    expect(r.blocked(90_000)).toBeUndefined();
  });
  it('restarts at once when the sampler lived out its planned life', () => {
    const r = new Respawn();
    expect(r.ended(end(0, { endedAt: 300_000, maxLifeMs: 300_000, code: null, signal: 'TERM' }))).toBeUndefined();
    expect(r.blocked(300_000)).toBeUndefined();
  });
  it('the real sampler.sh without awk says so and exits 127 at once', () => {
    const empty = mkdtempSync(join(tmpdir(), 'nw-noawk-'));
    try {
      const r = spawnSync('/bin/sh', ['-c', 'nw_guard() { :; }\n' + loadScript('sampler.sh'), 'nw-s-test', '60', '60'], { env: { PATH: empty }, input: '0 mrks\n', timeout: 5000 });
      expect([r.status, r.stdout.toString(), r.stderr.toString()]).toEqual([127, '', 'E awk not found\n']);
      expect(samplerEndReason({ code: r.status, signal: null, notes: r.stderr.toString().trim().split('\n') })).toBe('sampler: awk not found (exit 127)');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
  it('says why in the words of the node', () => {
    expect(samplerEndReason({ code: 0, signal: null, notes: ['sh: 77: exec: awk: not found'] })).toBe('sampler: awk not found (exit 0)');
    expect(samplerEndReason({ code: 1, signal: null, notes: ['sudo: a password is required'] })).toBe('sampler: sudo: a password is required (exit 1)');
    expect(samplerEndReason({ code: null, signal: null, notes: ['N kmsg unreadable'] })).toBe('sampler ended before answering (channel closed)');
  });
  it('puts the reason on the row instead of "connecting", keeping when it first failed', () => {
    const n = newNode('n1', undefined, 0, 1000);
    expect(n.status.kind).toBe('connecting');
    const down = foldOutcome(n, { kind: 'error', error: 'sampler: awk not found (exit 127); next try in 30s', samplerDown: true }, 1000);
    expect(down.status).toEqual({ kind: 'failed', since: 1000, reason: 'sampler: awk not found (exit 127); next try in 30s' });
    const later = foldOutcome(down, { kind: 'error', error: 'sampler: awk not found (exit 127); next try in 29s', samplerDown: true }, 2000);
    expect(later.status).toMatchObject({ kind: 'failed', since: 1000, reason: expect.stringContaining('29s') });
  });
});
