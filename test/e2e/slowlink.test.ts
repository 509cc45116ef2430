/**
 * A node behind a slow link (3 s of added round trip: the lab relay holds every chunk 1.5 s each
 * way, this kernel has no netem) against the real binary and a live Monitor with default
 * settings: it connects (the handshake deadline follows the measured round trip), becomes live,
 * keeps updating every few seconds without a single sampler restart, and its row says why its
 * values are old; a node on a fast link beside it keeps its 1 s cadence.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Monitor } from '../../src/sources/monitor.js';
import { resolveSshHost } from '../../src/sources/ssh/configFiles.js';
import { SshTransport } from '../../src/sources/transport/ssh.js';
import type { RemoteProcess, SpawnOptions } from '../../src/sources/transport/types.js';
import { createAppStore } from '../../src/state/store.js';
import { nodeColumns } from '../../src/ui/tables.js';
import { startLab, type Lab } from '../lab/lab.js';
import { BIN, killTmuxServer, runNetwatch, waitFor } from './run.js';

const RTT = 3000;
let lab: Lab;
beforeAll(async () => {
  lab = await startLab({
    nodes: [
      { name: 'far', kind: 'bridge', pods: 1, addedRttMs: RTT },
      { name: 'near', kind: 'routed', pods: 1 },
      // fast at first (1 ms each way); the test makes it slow under a running sampler
      { name: 'turn', kind: 'bridge', addedRttMs: 2 },
    ],
  });
}, 60_000);
afterAll(async () => {
  await lab?.stop();
});

interface Report {
  nodes: Array<{ node: string; status: string; error?: string; problems: Array<{ code: string; message: string }>; sampledAt?: string; latencyMs?: number }>;
}

describe('a 3 s round trip link', () => {
  it('OpenSSH needs about 8 round trips through the lab relay (the link is as slow as said)', async () => {
    const t0 = Date.now();
    const r = await lab.ssh('far', 'echo hi', { timeoutMs: 90_000 });
    const ms = Date.now() - t0;
    console.log(`[figure] ssh (OpenSSH) to a 3 s RTT node: ${ms} ms`);
    expect(r.stdout.trim()).toBe('hi');
    expect(ms).toBeGreaterThan(5 * RTT);
  }, 100_000);

  it('--once --json with default settings: the slow node is sampled, within its bounds, and says its link is slow', async () => {
    const t0 = Date.now();
    const r = await runNetwatch(['-F', lab.sshConfigPath, '--hosts', 'far,near', '--once', '--json'], { timeoutMs: 150_000 });
    const ms = Date.now() - t0;
    console.log(`[figure] --once, a 3 s RTT node and a fast one, default settings: ${ms} ms`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout) as Report;
    const far = rep.nodes.find((n) => n.node === 'far')!;
    expect(far.status).toBe('live');
    expect(far.sampledAt).toBeTruthy();
    expect(far.problems.find((p) => p.code === 'slow-link')?.message).toMatch(/^slow link: RTT [3-9]\.\d s/);
    expect(rep.nodes.find((n) => n.node === 'near')!.status).toBe('live');
    // connect (~7 round trips), login probe (3), first sample (3+): about 13 round trips
    expect(ms).toBeLessThan(25 * RTT);
  }, 160_000);

  it('live: becomes live, keeps updating every few seconds, one sampler, the row says why; the fast node keeps 1 s', async () => {
    const store = createAppStore({ interval: 1 });
    const monitor = new Monitor(store, { intervalMs: 1000 });
    const starts: Record<string, string[]> = { far: [], near: [] };
    const transports: Record<string, SshTransport> = {};
    for (const name of ['far', 'near']) {
      const t = new SshTransport(resolveSshHost(name, { configFile: lab.sshConfigPath }), { acceptNewHostKeys: false });
      const spawn = t.spawn.bind(t);
      // count what is started on the node: the sampler is one process for the whole run
      t.spawn = (script: string, args: readonly string[], opts?: SpawnOptions): RemoteProcess => {
        if (opts?.tag) starts[name]!.push(opts.tag);
        return spawn(script, args, opts);
      };
      transports[name] = t;
      monitor.add(name, t);
    }
    monitor.start();
    try {
      const n = (name: string) => store.getState().nodes[name]!;
      const t0 = Date.now();
      await waitFor('far live', () => n('far').status.kind === 'live', 90_000, 200);
      console.log(`[figure] live Monitor: 3 s RTT node live after ${Date.now() - t0} ms`);
      const far0 = n('far').samplesOk;
      const near0 = n('near').samplesOk;
      const rows: string[] = [];
      const kinds = new Set<string>();
      const t1 = Date.now();
      while (Date.now() - t1 < 40_000) {
        await new Promise((r) => setTimeout(r, 1000));
        const node = n('far');
        kinds.add(node.status.kind);
        const cols = nodeColumns(160, [node], Date.now());
        rows.push(cols.map((c) => {
          const cell = c.cell(node, c.width);
          return typeof cell === 'string' ? cell : cell.text;
        }).join(' | '));
      }
      const farN = n('far').samplesOk - far0;
      const nearN = n('near').samplesOk - near0;
      const samplerStarts = starts.far!.filter((t) => t.startsWith('nw-s-')).length;
      console.log(`[figure] over 40 s: 3 s RTT node ${farN} samples, fast node ${nearN}; sampler starts on the slow node: ${samplerStarts}; statuses ${[...kinds].join(',')}`);
      console.log(`[figure] row: ${rows.at(-1)}; problems: ${n('far').problems.map((p) => `${p.code}: ${p.message}`).join("; ")}`);
      expect(farN).toBeGreaterThanOrEqual(5);
      expect(n('far').samplesFailed).toBe(0);
      expect(samplerStarts).toBe(1);
      expect([...kinds]).toEqual(['live']);
      // the reason is on the row: every row drawn says the link is slow and how slow
      expect(rows.every((r) => /slow link: RTT [3-9]\.\d s/.test(r))).toBe(true);
      expect(rows.some((r) => /sample \d+\.\d s old/.test(r))).toBe(true);
      // the fast node beside it keeps its cadence and is not called slow
      expect(nearN).toBeGreaterThanOrEqual(34);
      expect(n('near').samplesFailed).toBe(0);
      expect(n('near').problems.some((p) => p.code === 'slow-link')).toBe(false);
      // a round trip probe on the real connection (a global request sshd answers at once)
      const probeFar = await transports.far!.probeRtt(15_000);
      const probeNear = await transports.near!.probeRtt(15_000);
      console.log(`[figure] probe round trip: slow link ${probeFar?.toFixed(0)} ms, fast link ${probeNear?.toFixed(1)} ms; measured RTT ${transports.far!.rttMs()?.toFixed(0)} ms`);
      expect(probeFar).toBeGreaterThanOrEqual(RTT - 100);
      expect(probeFar).toBeLessThan(RTT + 1000);
      expect(probeNear).toBeLessThan(500);
      // on the node itself: one sampler of ours (one tagged process tree: its kmsg reader forks)
      const tag = starts.far!.find((t) => t.startsWith('nw-s-'))!;
      const ps = await lab.exec('far', ['ps', '-eo', 'pid=,ppid=,args=']);
      const tagged = ps.stdout.split('\n').filter((l) => l.includes(tag)).map((l) => l.trim().split(/\s+/));
      const pids = new Set(tagged.map((f) => f[0]));
      expect(tagged.filter((f) => !pids.has(f[1])).length).toBe(1);
    } finally {
      monitor.stop();
    }
  }, 200_000);

  it('the real binary in a terminal: the slow node goes live, its row says "slow link: RTT", it stays live', async () => {
    const server = `nwslow-${process.pid}`;
    const tmux = (...args: string[]) => execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
    const rowOf = (f: string, node: string) => f.split('\n').find((l) => new RegExp(`^[> ] ${node} `).test(l)) ?? '';
    const cmd = `TERM=xterm-256color ${process.execPath} ${BIN} -F ${lab.sshConfigPath} --hosts far,near; echo "EXITED $?"; sleep 600`;
    tmux('new-session', '-d', '-x', '160', '-y', '30', '-s', 't', cmd);
    let last = '';
    try {
      const t0 = Date.now();
      await waitFor('far live, slow link on its row', () => {
        last = tmux('capture-pane', '-p', '-t', 't');
        return / live /.test(rowOf(last, 'far')) && /slow link: RTT \d\.\d s/.test(rowOf(last, 'far'));
      }, 90_000, 250);
      console.log(`[figure] terminal: the 3 s RTT node's row live with its reason after ${Date.now() - t0} ms`);
      console.log(`[figure] row: ${rowOf(last, 'far').trimEnd()}`);
      const seen = new Set<string>();
      const t1 = Date.now();
      while (Date.now() - t1 < 20_000) {
        await new Promise((r) => setTimeout(r, 500));
        last = tmux('capture-pane', '-p', '-t', 't');
        const row = rowOf(last, 'far');
        seen.add(/ (live|stale|connecting|reconnecting|failed)/.exec(row)?.[1] ?? '?');
        expect(row).toMatch(/slow link: RTT \d\.\d s/);
        expect(rowOf(last, 'near')).toMatch(/ live /);
      }
      expect([...seen]).toEqual(['live']);
    } catch (e) {
      throw new Error(`${(e as Error).message}; the screen:\n${last}`);
    } finally {
      killTmuxServer(server);
    }
  }, 150_000);

  it('a link that becomes slow under a running sampler: no restart, a probe tells a slow link from a slow node, the row says so', async () => {
    const store = createAppStore({ interval: 1 });
    const monitor = new Monitor(store, { intervalMs: 1000 });
    const starts: string[] = [];
    const t = new SshTransport(resolveSshHost('turn', { configFile: lab.sshConfigPath }), { acceptNewHostKeys: false });
    const spawn = t.spawn.bind(t);
    t.spawn = (script: string, args: readonly string[], opts?: SpawnOptions): RemoteProcess => {
      if (opts?.tag) starts.push(opts.tag);
      return spawn(script, args, opts);
    };
    monitor.add('turn', t);
    monitor.start();
    try {
      const n = () => store.getState().nodes.turn!;
      await waitFor('turn live', () => n().status.kind === 'live' && n().samplesOk >= 3, 20_000);
      expect(n().problems.some((p) => p.code === 'slow-link')).toBe(false);
      await lab.setLatency('turn', RTT);
      const ok0 = n().samplesOk;
      const t1 = Date.now();
      let slowAt: number | undefined;
      while (Date.now() - t1 < 40_000) {
        await new Promise((r) => setTimeout(r, 500));
        if (slowAt === undefined && n().status.kind === 'live' && n().problems.some((p) => /^slow link: RTT [3-9]\.\d s/.test(p.message))) slowAt = Date.now() - t1;
      }
      const samples = n().samplesOk - ok0;
      console.log(`[figure] link slowed to 3 s RTT under a running sampler: row says slow link after ${slowAt} ms; ${samples} samples in 40 s; sampler starts ${starts.filter((x) => x.startsWith('nw-s-')).length}; failed ${n().samplesFailed}`);
      expect(slowAt).toBeDefined();
      expect(samples).toBeGreaterThanOrEqual(5);
      expect(n().samplesFailed).toBe(0);
      expect(starts.filter((x) => x.startsWith('nw-s-')).length).toBe(1);
      expect(n().status.kind).toBe('live');
    } finally {
      monitor.stop();
      await lab.setLatency('turn', 2);
    }
  }, 90_000);
});
