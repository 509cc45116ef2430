/**
 * 10 lab nodes in one pool (test API server labels), each with kube-proxy-like nat rules loaded by
 * iptables-restore inside its network namespace: 40 Services (KUBE-SVC-*, one KUBE-SEP-* each) on
 * nine nodes, and on one node (p6) only 8 of them, as a kube-proxy that stopped syncing leaves
 * them. `--once --json` flags exactly that node for the KUBE-SVC-* chain count, and no other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApiServer } from '../kube/apiserver.mjs';
import { makeNode } from '../kube/objects.mjs';
import { startLab, type Lab } from '../lab/lab.js';
import { runNetwatch } from './run.js';

const N = 10;
const ODD = 'p6';
const SERVICES = 40;
const STALE = 8;
let lab: Lab;
let api: TestApiServer;
let kubeconfig: string;

/** iptables-restore input: `count` Services as kube-proxy writes them (VIPs 198.18.200.x, endpoints 198.19.x) */
function kubeProxyNat(count: number): string {
  const hash = (i: number) => `POOL${String(i).padStart(12, '0')}`;
  const chains = [':KUBE-SERVICES - [0:0]', ':KUBE-MARK-MASQ - [0:0]'];
  const rules = ['-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000'];
  for (let i = 0; i < count; i++) {
    chains.push(`:KUBE-SVC-${hash(i)} - [0:0]`, `:KUBE-SEP-${hash(i)} - [0:0]`);
    rules.push(
      `-A KUBE-SERVICES -d 198.18.200.${i + 1}/32 -p tcp -m comment --comment "default/svc-${i}:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-${hash(i)}`,
      `-A KUBE-SVC-${hash(i)} -m comment --comment "default/svc-${i}:http -> 198.19.1.${i + 2}:8080" -j KUBE-SEP-${hash(i)}`,
      `-A KUBE-SEP-${hash(i)} -s 198.19.1.${i + 2}/32 -m comment --comment "default/svc-${i}:http" -j KUBE-MARK-MASQ`,
      `-A KUBE-SEP-${hash(i)} -p tcp -m comment --comment "default/svc-${i}:http" -m tcp -j DNAT --to-destination 198.19.1.${i + 2}:8080`,
    );
  }
  return ['*nat', ...chains, ...rules, 'COMMIT', ''].join('\n');
}

beforeAll(async () => {
  lab = await startLab({ nodes: Array.from({ length: N }, (_, i) => ({ name: `p${i + 1}`, kind: 'bridge' as const, pods: 1 })) });
  api = await TestApiServer.start();
  for (const n of lab.nodes) api.addNode(makeNode('gke', { name: n.name, pool: 'pool-a', internalIP: n.address }));
  kubeconfig = api.kubeconfig(`${lab.dir}/kubeconfig`);
  // inside each node's network namespace only (--noflush keeps the lab's own rules)
  for (const n of lab.nodes) {
    const r = await lab.exec(n.name, ['iptables-restore', '--noflush'], { input: kubeProxyNat(n.name === ODD ? STALE : SERVICES) });
    expect(r.code, r.stderr).toBe(0);
    const saved = await lab.exec(n.name, ['iptables-save', '-t', 'nat']);
    expect(saved.stdout.match(/^:KUBE-SVC-/gm)?.length).toBe(n.name === ODD ? STALE : SERVICES);
  }
}, 180_000);
afterAll(async () => {
  await api?.stop();
  await lab?.stop();
});

describe('pool outlier diff: a node with far fewer KUBE-SVC-* chains than its peers', () => {
  it('flags exactly that node for kube-svc-chains, and no other', async () => {
    const r = await runNetwatch(['--kubeconfig', kubeconfig, '-F', lab.sshConfigPath, '--nodes', 'pool-a', '--once', '--json', '--no-capture-summary'], { timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    const rep = JSON.parse(r.stdout);
    for (const n of rep.nodes) expect(n.collectors.iptables.status, n.node).toBe('ok');
    const svc = rep.differences.find((d: any) => d.fact === 'kube-svc-chains');
    expect(svc).toMatchObject({ pool: 'pool-a', numeric: true, nodes: N, majority: { value: SERVICES, count: N - 1 }, outliers: [{ node: ODD, value: STALE }] });
    const flagged = rep.nodes.flatMap((n: any) => n.problems.filter((p: any) => p.code === 'pool-outlier' && p.subject === 'kube-svc-chains').map(() => n.node));
    expect(flagged).toEqual([ODD]);
    // no other node has any pool-outlier problem (the SEP chains and nat rules differ on the same node only)
    const others = rep.nodes.filter((n: any) => n.node !== ODD && n.problems.some((p: any) => p.code === 'pool-outlier'));
    expect(others.map((n: any) => n.node)).toEqual([]);
    const msg = rep.nodes.find((n: any) => n.node === ODD).problems.find((p: any) => p.subject === 'kube-svc-chains').message;
    expect(msg).toBe(`KUBE-SVC-* chains ${STALE} on ${ODD}; ${SERVICES} (median, within 10%) on the other ${N - 1} nodes of pool-a`);
  }, 150_000);
});
