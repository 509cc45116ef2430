/**
 * `netwatch capture` for runbooks, against the lab over SSH: a pod target resolved through the
 * API to its veth, a node:interface target, a pcap that tcpdump reads back with the packet count
 * netwatch printed, and a bad filter refused with tcpdump's own message.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApiServer } from '../kube/apiserver.mjs';
import { makeNode, makePod } from '../kube/objects.mjs';
import { startLab, type Lab } from '../lab/lab.js';
import { runNetwatch } from './run.js';

let lab: Lab;
let api: TestApiServer;
let kubeconfig: string;

beforeAll(async () => {
  lab = await startLab({ nodes: [{ name: 'cap-1', kind: 'bridge', pods: 2 }] });
  api = await TestApiServer.start();
  const n = lab.node('cap-1');
  api.addNode(makeNode('gke', { name: n.name, pool: 'pool-c', internalIP: n.address }));
  for (const p of n.pods) api.addPod(makePod('gke', { name: p.name, namespace: 'shop', node: n.name, ip: p.ip, uid: p.uid }));
  kubeconfig = api.kubeconfig(`${lab.dir}/kubeconfig`);
});
afterAll(async () => {
  await api?.stop();
  await lab?.stop();
});

function packetsIn(file: string): number {
  return execFileSync('tcpdump', ['-nn', '-r', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean).length;
}

describe('netwatch capture', () => {
  it('captures a pod by namespace/name on its veth and writes a pcap tcpdump reads back', async () => {
    const pod = lab.node('cap-1').pods[0]!;
    const file = `${lab.dir}/pod.pcap`;
    const run = runNetwatch(['capture', `shop/${pod.name}`, '--kubeconfig', kubeconfig, '-F', lab.sshConfigPath, '--nodes', 'pool-c', '--seconds', '4', '-w', file]);
    await new Promise((r) => setTimeout(r, 2500));
    await lab.makeConnections('cap-1', 5);
    const r = await run;
    await lab.closeConnections('cap-1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`cap-1:${pod.hostVeth}`);
    const printed = Number(/(\d+) packets/.exec(r.stderr.trim().split('\n').at(-1)!)?.[1]);
    const read = packetsIn(file);
    expect(read).toBeGreaterThan(0);
    expect(read).toBe(printed);
  }, 60_000);

  it('refuses a bad filter with tcpdump\'s own message and starts nothing', async () => {
    const r = await runNetwatch(['capture', 'cap-1:cbr0', '-F', lab.sshConfigPath, '--filter', 'port 99999', '--seconds', '2', '-w', `${lab.dir}/bad.pcap`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/port 99999|illegal port|out of range/i);
  }, 60_000);
});
