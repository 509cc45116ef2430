/**
 * Issue 10, in the lab over SSH with the test API server (the built binary):
 * - the stale-process check: on node `bad`, pod shop/web's old container process still holds
 *   :8080 while the API lists a new container crash-looping on bind, and the runtime (a crictl in
 *   the node's own mount namespace that lists what containerd would: the pod's sidecar) does not
 *   know the old one -> `--once --json` names `stale-process` for bad and shop/web; node `good`
 *   (same setup, its pod healthy, nothing stale) has no such problem and its check says ok.
 * - the live overview (the binary in tmux) shows it on bad's row, from the background check;
 *   good's row does not.
 * - --window: on node `good`, a veth pair inside the node receives frames of an unknown
 *   ethertype during the window (real kernel rx_dropped) -> `--once --window 2 --json` shows a
 *   non-zero drop rate and iface-drops for it; `--window 0` shows no rates.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApiServer } from '../kube/apiserver.mjs';
import { makeNode } from '../kube/objects.mjs';
import { startLab, type Lab } from '../lab/lab.js';
import { healthyListener, injectStaleProcess } from '../support/stale.js';
import { BIN, killTmuxServer, runNetwatch, waitFor } from './run.js';

let lab: Lab;
let api: TestApiServer;
let kubeconfig: string;
let oldPid: number;

beforeAll(async () => {
  lab = await startLab({ nodes: [{ name: 'bad', kind: 'bridge' }, { name: 'good', kind: 'bridge' }] });
  api = await TestApiServer.start();
  for (const n of lab.nodes) api.addNode(makeNode('gke', { name: n.name, pool: 'pool-s', internalIP: n.address }));
  // bad: the sidecar (the pod's first process) and the old web container holding :8080 (test/support/stale.ts)
  oldPid = (await injectStaleProcess(lab, api, 'bad', { name: 'web', namespace: 'shop' })).oldPid;
  // good: one pod listening on :8080 in its own container, known to the API and the runtime
  await healthyListener(lab, api, 'good', 'shop-ok', 'shop');
  kubeconfig = api.kubeconfig(`${lab.dir}/kubeconfig`);
}, 180_000);
afterAll(async () => {
  await api?.stop();
  await lab?.stop();
});

const nodeOf = (rep: any, name: string) => rep.nodes.find((n: any) => n.node === name);

describe('--once: the stale-process check and --window rates, in the lab', () => {
  it('names stale-process on the bad node for shop/web; the good node has none and its check says ok', async () => {
    const r = await runNetwatch(['--kubeconfig', kubeconfig, '-F', lab.sshConfigPath, '--nodes', 'pool-s', '--once', '--json', '--window', '0'], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    const bad = nodeOf(rep, 'bad');
    expect(bad.stale).toMatchObject({ status: 'ok', procs: [{ pid: oldPid, proto: 'tcp', port: 8080, namespace: 'shop', pod: 'web', why: 'crashloop', container: 'web' }] });
    const p = bad.problems.filter((x: any) => x.code === 'stale-process');
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ severity: 'crit', subject: 'shop/web' });
    expect(p[0].message).toMatch(new RegExp(`^pid ${oldPid} \\(pod-listener\\) holds :8080 of pod shop/web — not a container the runtime knows; the new container cannot bind$`));
    expect(p[0].remedy).toMatch(/kill PID/);
    const good = nodeOf(rep, 'good');
    expect(good.stale).toMatchObject({ status: 'ok', procs: [] });
    expect(good.problems.filter((x: any) => x.code === 'stale-process')).toEqual([]);
    // --window 0: one sample, no rates
    expect(rep.windowSec).toBe(0);
    expect(good.rates).toBeUndefined();
  }, 120_000);

  it('--window 2: real rx drops on a veth of the good node during the window show as a rate and iface-drops', async () => {
    const mk = await lab.exec('good', ['sh', '-c', 'ip link add nwdrop0 type veth peer name nwdrop1 && ip link set nwdrop0 up && ip link set nwdrop1 up']);
    expect(mk.code, mk.stderr).toBe(0);
    // frames of an unknown ethertype (0x88b6, local experimental) into nwdrop0: the kernel counts them in rx_dropped
    const sender = lab.exec('good', [
      'python3', '-c',
      'import socket,time\ns=socket.socket(socket.AF_PACKET,socket.SOCK_RAW)\ns.bind(("nwdrop1",0))\nf=b"\\xff"*6+b"\\x02\\x00\\x00\\x00\\x00\\x01"+b"\\x88\\xb6"+b"\\x00"*50\nend=time.time()+25\nwhile time.time()<end:\n  s.send(f); time.sleep(0.01)\n',
    ]);
    try {
      const before = Number((await lab.exec('good', ['cat', '/sys/class/net/nwdrop0/statistics/rx_dropped'])).stdout.trim());
      const t0 = Date.now();
      const r = await runNetwatch(['--kubeconfig', kubeconfig, '-F', lab.sshConfigPath, '--nodes', 'good', '--once', '--json', '--window', '2'], { timeoutMs: 90_000 });
      const ms = Date.now() - t0;
      console.log(`[figure] --nodes good --once --window 2 (one lab node, API): ${ms} ms`);
      const after = Number((await lab.exec('good', ['cat', '/sys/class/net/nwdrop0/statistics/rx_dropped'])).stdout.trim());
      expect(after).toBeGreaterThan(before); // the kernel really dropped
      expect(r.code, r.stderr).toBe(0);
      const rep = JSON.parse(r.stdout);
      expect(rep.windowSec).toBe(2);
      const good = nodeOf(rep, 'good');
      expect(good.rates.ifaces.nwdrop0.dropsPerSec).toBeGreaterThan(10);
      expect(good.problems).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'iface-drops', subject: 'nwdrop0' })]));
      // the rest of the node is not dropping
      expect(good.problems.filter((x: any) => x.code === 'iface-drops').map((x: any) => x.subject)).toEqual(['nwdrop0']);
      expect(ms).toBeLessThan(30_000);
    } finally {
      await lab.exec('good', ['ip', 'link', 'del', 'nwdrop0']);
      await sender.catch(() => undefined);
    }
  }, 120_000);

  it('the live overview shows the stale process on the bad node\'s row (the background check), not on the good one', async () => {
    const server = `nwstale-${process.pid}`;
    const tmux = (...a: string[]) => execFileSync('tmux', ['-L', server, ...a], { encoding: 'utf8' });
    const cmd = `TERM=xterm-256color ${process.execPath} ${BIN} --kubeconfig ${kubeconfig} -F ${lab.sshConfigPath} --nodes pool-s --no-capture-summary; echo "EXITED $?"; sleep 600`;
    tmux('new-session', '-d', '-x', '200', '-y', '40', '-s', 't', cmd);
    let last = '';
    try {
      const row = (f: string, n: string) => f.split('\n').find((l) => new RegExp(`^\\W*${n}\\b`).test(l.trim())) ?? '';
      await waitFor('the stale process on bad\'s row', () => ((last = tmux('capture-pane', '-p', '-t', 't')), /holds :8080/.test(row(last, 'bad')) || /pid \d+ \(pod-listener\)/.test(row(last, 'bad'))), 40_000, 200);
      expect(row(last, 'bad')).toMatch(/pid \d+ \(pod-listener\)|holds :8080/);
      expect(row(last, 'good')).toMatch(/ live /);
      expect(row(last, 'good')).not.toMatch(/holds :8080|pod-listener|stale-process/);
    } catch (e) {
      throw new Error(`${(e as Error).message}; the screen:\n${last}`);
    } finally {
      killTmuxServer(server);
    }
  }, 90_000);
});
