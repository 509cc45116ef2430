/**
 * The pool outlier diff end to end: 10 lab nodes that the test API server puts in one pool
 * (pool-a), one of them (p4) with ip_forward 0 in its network namespace and its eth0 MTU lowered.
 * `netwatch --nodes pool-a --once --json` flags exactly that node for each fact, and no other, in
 * its problems and in the top-level differences; plain `--once` prints the differences.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApiServer } from '../kube/apiserver.mjs';
import { makeNode } from '../kube/objects.mjs';
import { startLab, type Lab } from '../lab/lab.js';
import { runNetwatch } from './run.js';

const N = 10;
const ODD = 'p4';
let lab: Lab;
let api: TestApiServer;
let kubeconfig: string;

beforeAll(async () => {
  lab = await startLab({ nodes: Array.from({ length: N }, (_, i) => ({ name: `p${i + 1}`, kind: 'bridge' as const, pods: 1 })) });
  api = await TestApiServer.start();
  for (const n of lab.nodes) api.addNode(makeNode('gke', { name: n.name, pool: 'pool-a', internalIP: n.address }));
  kubeconfig = api.kubeconfig(`${lab.dir}/kubeconfig`);
  // every node forwards (as the lab sets them up) but the odd one; ip_forward is per network namespace
  for (const n of lab.nodes) {
    const r = await lab.exec(n.name, ['sh', '-c', 'echo "$1" > /proc/sys/net/ipv4/ip_forward', 'sh', n.name === ODD ? '0' : '1']);
    expect(r.code, r.stderr).toBe(0);
  }
  await lab.setMtu(ODD, 'eth0', 1400);
}, 180_000);
afterAll(async () => {
  await api?.stop();
  await lab?.stop();
});

describe('the pool outlier diff over 10 lab nodes of one pool', () => {
  it('flags exactly the node with ip_forward 0 and the odd eth0 MTU, for each fact, and no other', async () => {
    const r = await runNetwatch(['--kubeconfig', kubeconfig, '-F', lab.sshConfigPath, '--nodes', 'pool-a', '--once', '--json', '--no-capture-summary'], { timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    const rep = JSON.parse(r.stdout);
    expect(rep.nodes.map((n: any) => n.node).sort()).toEqual(lab.nodes.map((n) => n.name).sort());
    for (const n of rep.nodes) expect(n.status, n.node).toBe('live');
    // the facts really are as set: read by netwatch from each node
    expect(rep.nodes.find((n: any) => n.node === ODD).facts.data.sysctl['net.ipv4.ip_forward']).toBe('0');
    expect(rep.differences).toEqual([
      { pool: 'pool-a', fact: 'mtu:primary', label: 'primary NIC MTU', numeric: false, nodes: N, majority: { value: 1500, count: N - 1 }, outliers: [{ node: ODD, value: 1400 }] },
      { pool: 'pool-a', fact: 'sysctl:net.ipv4.ip_forward', label: 'ip_forward', numeric: false, nodes: N, majority: { value: '1', count: N - 1 }, outliers: [{ node: ODD, value: '0' }] },
    ]);
    const flagged = rep.nodes.flatMap((n: any) => n.problems.filter((p: any) => p.code === 'pool-outlier').map((p: any) => [n.node, p.subject, p.severity]));
    expect(flagged.sort()).toEqual([
      [ODD, 'mtu:primary', 'warn'],
      [ODD, 'sysctl:net.ipv4.ip_forward', 'warn'],
    ]);
    const odd = rep.nodes.find((n: any) => n.node === ODD);
    expect(odd.problems.find((p: any) => p.subject === 'sysctl:net.ipv4.ip_forward').message).toBe(`ip_forward 0 on ${ODD}; 1 on the other ${N - 1} nodes of pool-a`);
    expect(odd.problems.find((p: any) => p.subject === 'mtu:primary').message).toBe(`primary NIC MTU 1400 on ${ODD}; 1500 on the other ${N - 1} nodes of pool-a`);
  }, 150_000);

  it('plain --once prints the differences under the table', async () => {
    const r = await runNetwatch(['--kubeconfig', kubeconfig, '-F', lab.sshConfigPath, '--nodes', 'pool-a', '--once', '--no-capture-summary'], { timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    const tail = r.stdout.slice(r.stdout.indexOf('POOL DIFFERENCES'));
    expect(tail.split('\n').slice(1).filter(Boolean)).toEqual([
      `  pool-a: primary NIC MTU (mtu:primary): 1500 on ${N - 1} of ${N}; ${ODD} 1400`,
      `  pool-a: ip_forward (sysctl:net.ipv4.ip_forward): 1 on ${N - 1} of ${N}; ${ODD} 0`,
    ]);
  }, 150_000);
});
