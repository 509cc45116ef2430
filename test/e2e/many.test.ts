/**
 * `netwatch --once` over 50 lab nodes samples every one of them, 5 runs of 5, and again when
 * every root login shell on every node burns 0.5 s of CPU (a .bashrc running `pyenv init`):
 * first-sample waits follow progress, not a fixed 3 s. Heavy: one 50-node lab, ~2-3 min.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';
import { runNetwatch } from './run.js';

const N = 50;
let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ nodes: Array.from({ length: N }, (_, i) => ({ name: `m${i + 1}`, kind: i % 2 ? 'routed' : 'bridge' })) });
}, 180_000);
afterAll(async () => {
  await lab?.stop();
});

async function fiveRuns(what: string) {
  const hosts = lab.nodes.map((n) => n.name).join(',');
  const counts: number[] = [];
  const times: number[] = [];
  for (let run = 0; run < 5; run++) {
    const t0 = Date.now();
    const r = await runNetwatch(['-F', lab.sshConfigPath, '--hosts', hosts, '--once', '--json', '--no-capture-summary'], { timeoutMs: 120_000 });
    times.push(Date.now() - t0);
    const rep = JSON.parse(r.stdout) as { nodes: Array<{ node: string; status: string; sampledAt?: string; error?: string }> };
    const missing = rep.nodes.filter((n) => !n.sampledAt).map((n) => `${n.node}: ${n.status} ${n.error ?? ''}`);
    counts.push(N - missing.length);
    expect(missing, `run ${run + 1} (${what})`).toEqual([]);
    expect(r.code).toBe(0);
  }
  console.log(`[figure] --once over ${N} lab nodes, ${what}: sampled ${counts.join(', ')} of ${N}; wall ${times.join(', ')} ms`);
}

describe(`--once over ${N} lab nodes`, () => {
  it('samples every node, 5 runs of 5', async () => {
    await fiveRuns('plain login shells');
  }, 300_000);

  it('samples every node, 5 runs of 5, with 0.5 s login shells', async () => {
    await Promise.all(lab.nodes.map((n) => lab.setLoginDelay(n.name, { seconds: 0.5, mode: 'burn' })));
    const t0 = Date.now();
    const probe = await lab.ssh(lab.nodes[0]!.name, 'true');
    expect(probe.code).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450); // the delay is really there
    await fiveRuns('0.5 s login shells');
  }, 300_000);
});
