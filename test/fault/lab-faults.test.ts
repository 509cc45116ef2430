/**
 * Faults against the real binary (live view in a pty) watching 10 lab nodes at --interval 0.2:
 * one node's sshd is killed twice, another node's uplink is cut twice, ~40 s in all. Afterwards
 * every node is live again within its backoff, the nodes that had no fault never lost their
 * connection, netwatch holds one socket per node again (nothing leaked across reconnects), the
 * cut node's orphaned sampler ended itself, and after netwatch quits no netwatch process is left
 * on any node.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';
import { netwatchProcs } from '../e2e/remote.js';
import { waitFor } from '../e2e/run.js';
import { startLive, type LiveNetwatch } from './pty.js';

const N = 10;
// reconnect backoff cap (src/sources/ssh/backoff.ts DEFAULT_BACKOFF.maxMs) + one connect
const BACK_WITHIN_MS = 40_000;
let lab: Lab;
let nw: LiveNetwatch | undefined;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'nw-fault-'));
  lab = await startLab({ nodes: Array.from({ length: N }, (_, i) => ({ name: `q${i + 1}`, kind: i % 2 ? 'routed' : 'bridge', pods: i < 2 ? 1 : 0 })) });
});
afterAll(async () => {
  if (nw) await nw.quit();
  await lab?.stop();
  rmSync(work, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fault suite: sshd kills and link cuts on two of 10 nodes at 0.2 s', () => {
  it('every node comes back, nothing leaks in netwatch or on the nodes', { timeout: 150_000 }, async () => {
    const names = lab.nodes.map((n) => n.name);
    nw = await startLive(['-F', lab.sshConfigPath, '--hosts', names.join(','), '--interval', '0.2', '--no-capture-summary'], join(work, 'diag.jsonl'));
    const live = nw!;
    const allLive = () => names.every((n) => live.statuses()[n] === 'live');
    await waitFor('all 10 nodes live', allLive, 30_000, 250);
    expect(live.sockets()).toBe(N);
    const perNode = (await Promise.all(names.map((n) => netwatchProcs(lab, n)))).map((p) => p.length);
    expect(Math.min(...perNode)).toBeGreaterThan(0); // a sampler runs on every node

    const [killed, cut] = ['q3', 'q4'];
    const seen: Record<string, Set<string>> = { [killed]: new Set(), [cut]: new Set() };
    const others = names.filter((n) => n !== killed && n !== cut);
    const t0 = live.lines().length;
    const backAfter: number[] = [];
    for (let round = 0; round < 2; round++) {
      await lab.stopSshd(killed);
      await lab.cutLink(cut);
      for (let i = 0; i < 24; i++) {
        // 6 s down: long enough for the keepalive and the sample deadline to notice
        for (const n of [killed, cut]) seen[n]!.add(live.statuses()[n] ?? '?');
        await sleep(250);
      }
      await lab.startSshd(killed);
      await lab.restoreLink(cut);
      const restored = Date.now();
      await waitFor(`${killed} and ${cut} live again (round ${round + 1})`, () => live.statuses()[killed] === 'live' && live.statuses()[cut] === 'live', BACK_WITHIN_MS, 100);
      backAfter.push(Date.now() - restored);
      await sleep(2000);
    }
    console.log(`[figure] faulted nodes back to live ${backAfter.map((ms) => (ms / 1000).toFixed(1)).join(' s, ')} s after the repair`);
    // the faults were seen: the killed node's connection dropped, the cut node went stale or dropped
    expect([...seen[killed]!].some((s) => s === 'reconnecting' || s === 'connecting')).toBe(true);
    expect([...seen[cut]!].some((s) => s !== 'live')).toBe(true);
    // the other 8 never lost their connection (stale is allowed on a loaded machine)
    for (const line of live.lines().slice(t0)) for (const n of others) expect(['live', 'stale']).toContain(line.nodes?.[n]);
    expect(allLive()).toBe(true);

    // one socket per node again: nothing left of the dropped connections
    await waitFor(`socket count back to ${N}`, () => live.sockets() === N, 10_000, 250);
    // the sampler orphaned on the cut node ends itself (idle bound); the node runs what the others run
    await waitFor(`${cut} runs no more netwatch processes than a healthy node`, async () => (await netwatchProcs(lab, cut)).length <= Math.max(...perNode), 30_000, 500);
    expect((await netwatchProcs(lab, killed)).length).toBeLessThanOrEqual(Math.max(...perNode));
    // timers do not pile up over reconnects
    const timers = live.lines().map((l) => l.resources.Timeout ?? 0);
    expect(timers.at(-1)!).toBeLessThanOrEqual(Math.max(...timers.slice(0, t0)) + 2);

    expect(await live.quit()).toBe(true);
    nw = undefined;
    await waitFor('no netwatch process left on any node', async () => (await Promise.all(names.map((n) => netwatchProcs(lab, n)))).every((p) => p.length === 0), 5000, 250);
  });
});
