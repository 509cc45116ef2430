/**
 * The slow collectors against the lab: real iptables-legacy and iptables-nft rules inside a lab
 * node's network namespace, read by `netwatch --hosts … --once --json` (rule counts per backend),
 * and by the sampler over SSH twice (the second read ships no rule text: the hash was unchanged),
 * on the change signals alone (nothing shipped), after one nft rule more (its watcher caught it)
 * and once more after one Service's rules changed (the text comes again).
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeSampler, type SampleOutcome } from '../../src/sources/sampler.js';
import { resolveSshHost } from '../../src/sources/ssh/configFiles.js';
import { SshTransport } from '../../src/sources/transport/ssh.js';
import type { IptablesState } from '../../src/sources/types.js';
import { kubeProxyRestore } from '../lab/iptables-rules.mjs';
import { startLab, type Lab } from '../lab/lab.js';
import { BIN, killTmuxServer, runNetwatch, waitFor } from './run.js';

let lab: Lab;
const SERVICES = 20;
// 3 filter + 7 nat head + 7 per Service (test/lab/iptables-rules.mjs)
const LEGACY_RULES = 3 + 7 + 7 * SERVICES;

beforeAll(async () => {
  lab = await startLab({ nodes: [{ name: 'n1', kind: 'bridge', pods: 1 }, { name: 'n2', kind: 'bridge', pods: 1 }] });
  const r = await lab.exec('n1', ['iptables-legacy-restore'], { input: kubeProxyRestore(SERVICES) });
  expect(r.code, r.stderr).toBe(0);
  // and one rule in the nft backend: the split the checks look for
  const n = await lab.exec('n1', ['iptables-nft', '-A', 'FORWARD', '-s', '198.18.50.0/24', '-j', 'ACCEPT']);
  expect(n.code, n.stderr).toBe(0);
}, 180_000);
const SERVER = `nw-slowlab-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', SERVER, ...args], { encoding: 'utf8' });
afterAll(async () => {
  killTmuxServer(SERVER);
  await lab?.stop();
});

type Ipt = { status: string; data?: IptablesState };

describe('slow collectors in the lab', () => {
  it('--once --json carries both backends with their rule counts', async () => {
    const r = await runNetwatch(['-F', lab.sshConfigPath, '--hosts', 'n1,n2', '--once', '--json'], { timeoutMs: 90_000 });
    expect(r.stdout, r.stderr).not.toBe('');
    const rep = JSON.parse(r.stdout) as { nodes: Array<{ node: string; iptables?: Ipt; collectors: Record<string, { status: string }>; agents?: { status: string } }> };
    const n1 = rep.nodes.find((n) => n.node === 'n1')!;
    const n2 = rep.nodes.find((n) => n.node === 'n2')!;
    expect(n1.collectors.iptables!.status).toBe('ok');
    const ipt = n1.iptables!.data!;
    expect(ipt.version).toMatch(/^iptables v1\.\d/);
    // the lab's own rules (n2 has only those) plus kube-proxy's
    const base = n2.iptables!.data!.backends.legacy!;
    const baseCount = base.status === 'ok' ? base.data.ruleCount : NaN;
    expect(ipt.backends.legacy!.status).toBe('ok');
    const lr = ipt.backends.legacy!.status === 'ok' ? ipt.backends.legacy!.data : undefined;
    // nat is kube-proxy's alone here: 7 head rules + 7 per Service
    const natRules = Object.values(lr!.tables.nat!).reduce((k, c) => k + c.rules.length, 0);
    expect(natRules).toBe(7 + 7 * SERVICES);
    expect(lr!.ruleCount).toBe(LEGACY_RULES + baseCount);
    // the lab's own rules live in the nft backend (its `iptables` is iptables-nft): n2's count, plus ours
    const nftBase = n2.iptables!.data!.backends.nft!;
    expect(nftBase.status).toBe('ok');
    expect(ipt.backends.nft).toMatchObject({ status: 'ok', data: { ruleCount: (nftBase.status === 'ok' ? nftBase.data.ruleCount : NaN) + 1 } });
    const legacy = ipt.backends.legacy!;
    expect(legacy.status === 'ok' && Object.keys(legacy.data.tables.nat!).filter((c) => c.startsWith('KUBE-SVC-'))).toHaveLength(SERVICES);
    expect(ipt.shippedBytes).toBeGreaterThan(0);
    // the other node has nothing in either backend
    expect(base.status === 'ok' && base.data.tables.nat).toBeFalsy();
    expect(n1.collectors.agents!.status).toBe('ok');
  }, 120_000);

  it('an unchanged rule set is not shipped again; a changed Service is', async () => {
    const ssh = new SshTransport(resolveSshHost('n1', { configFile: lab.sshConfigPath, env: {} }), { acceptNewHostKeys: false });
    await ssh.ready();
    const s = new NodeSampler(ssh, { tag: 'nw-s-slowlab', idleSeconds: 30, maxLifeSeconds: 600, firstSampleMs: () => 30_000, slowEveryMs: 3_600_000 });
    const ipt = (o: SampleOutcome): IptablesState => {
      expect(o.kind, o.kind === 'error' ? o.error : '').toBe('sample');
      const got = o.kind === 'sample' ? o.sample.iptables : undefined;
      expect(got?.status).toBe('ok');
      return (got as { data: IptablesState }).data;
    };
    try {
      const first = ipt(await s.sample(1));
      expect(first.shippedBytes).toBeGreaterThan(LEGACY_RULES * 50);
      // no slow read between (period 1 h) …
      const fast = await s.sample(2);
      expect(fast.kind === 'sample' && fast.sample.iptables).toBe(undefined);
      // … until asked (key R: a full read; the hashes are the same, so no text)
      s.readSlowNow();
      const again = ipt(await s.sample(3));
      expect(again.shippedBytes).toBe(0);
      expect(again.backends.legacy).toEqual(first.backends.legacy);
      // a read on the change signals alone (the periodic read): still nothing shipped …
      s.readSlowNow(false);
      const quiet = ipt(await s.sample(5));
      expect(quiet.shippedBytes).toBe(0);
      // … and one rule more in the nft backend is caught by its watcher and shipped
      const nftAdd = await lab.exec('n1', ['iptables-nft', '-A', 'FORWARD', '-s', '198.18.51.0/24', '-j', 'ACCEPT']);
      expect(nftAdd.code, nftAdd.stderr).toBe(0);
      s.readSlowNow(false);
      const nftChanged = ipt(await s.sample(6));
      expect(nftChanged.shippedBytes).toBeGreaterThan(0);
      const nftBefore = first.backends.nft!;
      expect(nftChanged.backends.nft).toMatchObject({ status: 'ok', data: { ruleCount: (nftBefore.status === 'ok' ? nftBefore.data.ruleCount : NaN) + 1 } });
      expect(nftChanged.backends.legacy).toEqual(first.backends.legacy);
      // one Service more in the legacy backend: its text comes again, with the new rule
      const add = await lab.exec('n1', ['iptables-legacy', '-t', 'nat', '-A', 'KUBE-SERVICES', '-d', '198.19.9.9/32', '-p', 'tcp', '-m', 'tcp', '--dport', '80', '-j', 'KUBE-MARK-MASQ']);
      expect(add.code, add.stderr).toBe(0);
      s.readSlowNow(false);
      const changed = ipt(await s.sample(7));
      expect(changed.shippedBytes).toBeGreaterThan(LEGACY_RULES * 50);
      const before = first.backends.legacy!;
      expect(changed.backends.legacy).toMatchObject({ status: 'ok', data: { ruleCount: (before.status === 'ok' ? before.data.ruleCount : NaN) + 1 } });
      expect(changed.backends.nft).toEqual(nftChanged.backends.nft);
    } finally {
      s.stop();
      ssh.close();
    }
  }, 120_000);

  it('live UI: a rule added in either backend shows in the slow checks line at the next read; q leaves no watcher', async () => {
    const watchers = async () => (await lab.exec('n1', ['sh', '-c', 'for p in /proc/[0-9]*; do read -r c < $p/comm 2>/dev/null && [ "$c" = xtables-monitor ] && echo ${p#/proc/}; done; true'])).stdout.trim();
    const cmd = `TERM=xterm-256color ${process.execPath} ${BIN} -F ${lab.sshConfigPath} --hosts n1 --slow-every 5; echo "EXITED $?"; sleep 600`;
    tmux('new-session', '-d', '-x', '180', '-y', '45', '-s', 's', cmd);
    const screen = () => tmux('capture-pane', '-p', '-t', 's');
    const until = async (what: string, re: RegExp, ms = 30_000): Promise<RegExpExecArray> => {
      let last = '';
      try {
        return await waitFor(what, () => ((last = screen()), re.exec(last) ?? false), ms, 200);
      } catch (e) {
        throw new Error(`${(e as Error).message}; the screen:\n${last}`);
      }
    };
    await until('n1 live', / live /, 60_000);
    tmux('send-keys', '-t', 's', 'Enter');
    const line = /slow checks: iptables nft (\d+) rules \(legacy (\d+) rules\)/;
    const m0 = await until('the slow checks read', line, 30_000);
    const [nft0, legacy0] = [Number(m0[1]), Number(m0[2])];
    expect(await watchers()).toMatch(/^\d+$/);
    const nft = await lab.exec('n1', ['iptables-nft', '-A', 'FORWARD', '-s', '198.18.60.0/24', '-j', 'ACCEPT']);
    expect(nft.code, nft.stderr).toBe(0);
    await until('nft + 1 on screen', new RegExp(`slow checks: iptables nft ${nft0 + 1} rules \\(legacy ${legacy0} rules\\)`), 30_000);
    const leg = await lab.exec('n1', ['iptables-legacy', '-A', 'FORWARD', '-s', '198.18.62.0/24', '-j', 'ACCEPT']);
    expect(leg.code, leg.stderr).toBe(0);
    await until('legacy + 1 on screen', new RegExp(`slow checks: iptables nft ${nft0 + 1} rules \\(legacy ${legacy0 + 1} rules\\)`), 30_000);
    tmux('send-keys', '-t', 's', 'q');
    await until('netwatch ended', /EXITED 0/, 20_000);
    await waitFor('no xtables-monitor left on n1', async () => (await watchers()) === '', 20_000, 250);
  }, 180_000);
});
