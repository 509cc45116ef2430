/**
 * Every wait of `netwatch --once` is bounded, against the lab and the real binary:
 * a node whose port 22 drops SYNs fails within --connect-timeout (+5 s) with its reason and
 * nothing invented for it; refused, no route and host unreachable fail at once; a login shell
 * slower than any fixed first-sample bound is waited for because it makes progress; the exit
 * status says which of these happened.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Monitor } from '../../src/sources/monitor.js';
import { resolveSshHost } from '../../src/sources/ssh/configFiles.js';
import { SshTransport } from '../../src/sources/transport/ssh.js';
import { createAppStore } from '../../src/state/store.js';
import { startLab, type Lab } from '../lab/lab.js';
import { BIN, runNetwatch, waitFor } from './run.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({
    nodes: [
      { name: 'ok1', kind: 'bridge', pods: 1 },
      { name: 'syn', kind: 'routed', pods: 1, dropSyn: true },
      { name: 'slow', kind: 'bridge', loginDelay: { seconds: 4 } },
    ],
  });
});
afterAll(async () => {
  await lab?.stop();
});

interface Report {
  nodes: Array<{ node: string; status: string; error?: string; problems: Array<{ code: string }>; sampledAt?: string }>;
}

async function timed(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) {
  const t0 = Date.now();
  const r = await runNetwatch(args, { timeoutMs: 60_000, ...opts });
  return { ...r, ms: Date.now() - t0 };
}

/** a port on 127.0.0.1 that nothing listens on */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('--once bounded waits', () => {
  it('a node dropping SYNs fails within the connect timeout + 5 s, with its reason, nothing invented', async () => {
    // --window 0: the bound here is the failing node's; the answering one would add its window (default 2 s)
    const r = await timed(['-F', lab.sshConfigPath, '--hosts', 'ok1,syn', '--once', '--json', '--connect-timeout', '3', '--window', '0']);
    console.log(`[figure] --once, one of 2 nodes dropping SYNs, --connect-timeout 3: ${r.ms} ms`);
    expect(r.ms).toBeLessThan(3000 + 5000);
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.stdout) as Report;
    const syn = rep.nodes.find((n) => n.node === 'syn')!;
    expect(syn.status).toBe('failed');
    expect(syn.error).toMatch(/no SSH handshake .* within 3s/);
    // only what is known: the node itself failed (a node-level problem, if any); nothing about its
    // pods, veths or bridges, whose state netwatch cannot see
    expect(syn.problems.filter((p: { code: string }) => !p.code.startsWith('node-'))).toEqual([]);
    expect(rep.nodes.find((n) => n.node === 'ok1')!.status).toBe('live');
    expect(r.stderr).toMatch(/^netwatch: syn: no SSH handshake/m);
  });

  it('ConnectTimeout from the ssh config applies, and --connect-timeout wins over it', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const cfg = `${lab.dir}/ssh_config.ct`;
    writeFileSync(cfg, readFileSync(lab.sshConfigPath, 'utf8').replace('Host syn\n', 'Host syn\n  ConnectTimeout 2\n'));
    const a = await timed(['-F', cfg, '--hosts', 'syn', '--once', '--json']);
    expect(a.code).toBe(1);
    expect(JSON.parse(a.stdout).nodes[0].error).toMatch(/within 2s/);
    expect(a.ms).toBeLessThan(2000 + 5000);
    const b = await timed(['-F', cfg, '--hosts', 'syn', '--once', '--json', '--connect-timeout', '1']);
    expect(JSON.parse(b.stdout).nodes[0].error).toMatch(/within 1s/);
  });

  it('connection refused fails at once', async () => {
    const port = await closedPort();
    const r = await timed(['--hosts', `root@127.0.0.1:${port}`, '--once', '--json']);
    console.log(`[figure] --once against a refused port: ${r.ms} ms`);
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(3000);
    const n = (JSON.parse(r.stdout) as Report).nodes[0]!;
    expect(n).toMatchObject({ status: 'failed' });
    expect(n.error).toContain('connection refused');
  });

  it('no route and host unreachable fail at once (netwatch run inside the lab underlay)', async () => {
    // the underlay netns has only 198.18.0.0/24 on its bridge and no default route
    const inUnderlay = (args: string[]) => {
      const t0 = Date.now();
      return new Promise<{ code: number | null; stdout: string; ms: number }>((resolve) => {
        import('node:child_process').then(({ execFile }) => {
          execFile('ip', ['netns', 'exec', `nwlab-${lab.id}-net`, process.execPath, BIN, ...args], { timeout: 60_000 }, (err, stdout) => {
            resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, ms: Date.now() - t0 });
          });
        });
      });
    };
    const noRoute = await inUnderlay(['--hosts', 'root@198.19.250.1', '--once', '--json', '--connect-timeout', '10']);
    expect(noRoute.code).toBe(1);
    expect((JSON.parse(noRoute.stdout) as Report).nodes[0]!.error).toMatch(/ENETUNREACH|network is unreachable/i);
    expect(noRoute.ms).toBeLessThan(3000);
    // on the bridge's subnet, nobody answers ARP: the kernel says EHOSTUNREACH after ~3 s
    const noHost = await inUnderlay(['--hosts', 'root@198.18.0.250', '--once', '--json', '--connect-timeout', '10']);
    expect(noHost.code).toBe(1);
    expect((JSON.parse(noHost.stdout) as Report).nodes[0]!.error).toMatch(/EHOSTUNREACH|no route to host/i);
    expect(noHost.ms).toBeLessThan(8000);
    console.log(`[figure] --once: no route ${noRoute.ms} ms, host unreachable (ARP) ${noHost.ms} ms`);
  });

  it('a 4 s login shell (beyond any fixed 3 s bound) is waited for: the node is sampled', async () => {
    const r = await timed(['-F', lab.sshConfigPath, '--hosts', 'slow,ok1', '--once', '--json']);
    console.log(`[figure] --once with a 4 s login shell: ${r.ms} ms`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout) as Report;
    expect(rep.nodes.every((n) => n.status === 'live' && n.sampledAt)).toBe(true);
  });

  it('live view: a 4 s login shell is not a stuck sampler: no restart, the node goes live', async () => {
    const store = createAppStore({ interval: 0.5 });
    const monitor = new Monitor(store, { intervalMs: 500 });
    monitor.add('slow', new SshTransport(resolveSshHost('slow', { configFile: lab.sshConfigPath }), { acceptNewHostKeys: false }));
    monitor.start();
    try {
      const n = () => store.getState().nodes.slow!;
      await waitFor('slow live', () => n().status.kind === 'live', 25_000);
      expect(n().samplesFailed).toBe(0); // a fixed 3 s bound failed and restarted it, forever
      const ok = n().samplesOk;
      await waitFor('more samples', () => n().samplesOk > ok + 2, 5000);
      expect(n().samplesFailed).toBe(0);
    } finally {
      monitor.stop();
    }
  });

  it('exit status: 3 with --fail-on when a problem at or above the level was found, 3 over 1', async () => {
    // a veth MTU below the bridge's is a problem (warn or crit) on ok1
    const veth = lab.node('ok1').pods[0]!.hostVeth;
    await lab.setMtu('ok1', veth, 1400);
    try {
      const r = await timed(['-F', lab.sshConfigPath, '--hosts', 'ok1', '--once', '--json', '--fail-on', 'warn']);
      const probs = (JSON.parse(r.stdout) as Report).nodes[0]!.problems;
      expect(probs.length).toBeGreaterThan(0);
      expect(r.code).toBe(3);
      const both = await timed(['-F', lab.sshConfigPath, '--hosts', 'ok1,syn', '--once', '--connect-timeout', '1', '--fail-on', 'warn']);
      expect(both.code).toBe(3);
      const ok = await timed(['-F', lab.sshConfigPath, '--hosts', 'slow', '--once', '--fail-on', 'crit']);
      expect(ok.code).toBe(0);
    } finally {
      await lab.setMtu('ok1', veth, 1500);
    }
  });
});
