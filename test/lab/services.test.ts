/**
 * A lab node with real iptables nat rules written like kube-proxy's for one Service (restored in
 * the node's network namespace), the test API server with that Service and its EndpointSlice.
 * The endpoints change in the API while the node's rules do not: with --slow-every 5 the node is
 * flagged `service-rules` within 2 slow periods, not before one period has passed since the change;
 * when the rules follow, the problem goes. `netwatch --service` says the same per node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli/args.js';
import { startKube, type Kube } from '../../src/cli/kube.js';
import { Monitor } from '../../src/sources/monitor.js';
import { createAppStore, type Store } from '../../src/state/store.js';
import { TestApiServer } from '../kube/apiserver.mjs';
import { makeEndpointSlice, makeNode, makePod, makeService } from '../kube/objects.mjs';
import { runNetwatch, waitFor } from '../e2e/run.js';
import { startLab, type Lab } from './lab.js';

const NODE = 'svc-a-1';
const VIP = '198.18.200.10';
const SLOW_MS = 5000;

let lab: Lab;
let api: TestApiServer;
let kubeconfig: string;

/** nat rules as kube-proxy (iptables mode) writes them for ns shop, Service web, port http */
function kubeProxyRules(endpoints: string[]): string {
  const seps = endpoints.map((_, i) => `KUBE-SEP-WEB${i}`);
  return [
    '*nat',
    ':KUBE-SERVICES - [0:0]',
    ':KUBE-MARK-MASQ - [0:0]',
    ':KUBE-SVC-WEBHTTPXXXXXXXXX - [0:0]',
    ...seps.map((s) => `:${s} - [0:0]`),
    '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
    `-A KUBE-SERVICES -d ${VIP}/32 -p tcp -m comment --comment "shop/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-WEBHTTPXXXXXXXXX`,
    ...endpoints.map((ep, i) => {
      const prob = i < endpoints.length - 1 ? ` -m statistic --mode random --probability ${(1 / (endpoints.length - i)).toFixed(10)}` : '';
      return `-A KUBE-SVC-WEBHTTPXXXXXXXXX -m comment --comment "shop/web:http -> ${ep}:8080"${prob} -j ${seps[i]}`;
    }),
    ...endpoints.map((ep, i) => `-A ${seps[i]} -p tcp -m comment --comment "shop/web:http" -m tcp -j DNAT --to-destination ${ep}:8080`),
    'COMMIT',
    '',
  ].join('\n');
}

async function setRules(endpoints: string[]): Promise<void> {
  // the whole nat table replaced, as kube-proxy's iptables-restore does
  const r = await lab.exec(NODE, ['iptables-restore'], { input: kubeProxyRules(endpoints) });
  expect(r.code, r.stderr).toBe(0);
}

function slice(ips: string[]) {
  return makeEndpointSlice({ name: 'web-x7k2p', service: 'web', namespace: 'shop', endpoints: ips.map((ip) => ({ ip, node: NODE })), ports: [{ name: 'http', port: 8080 }] });
}

beforeAll(async () => {
  lab = await startLab({ nodes: [{ name: NODE, kind: 'bridge', pods: 2 }] });
  api = await TestApiServer.start();
  const n = lab.node(NODE);
  api.addNode(makeNode('gke', { name: NODE, pool: 'pool-svc', internalIP: n.address }));
  for (const p of n.pods) api.addPod(makePod('gke', { name: p.name, namespace: 'shop', node: NODE, ip: p.ip, uid: p.uid, labels: { app: 'web' } }));
  api.putService(makeService({ name: 'web', namespace: 'shop', clusterIP: VIP, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }));
  api.putEndpointSlice(slice(n.pods.map((p) => p.ip)));
  await setRules(n.pods.map((p) => p.ip));
  kubeconfig = api.kubeconfig(`${lab.dir}/kubeconfig`);
}, 120_000);
afterAll(async () => {
  await api?.stop();
  await lab?.stop();
});

const serviceProblems = (store: Store) => store.getState().nodes[NODE]?.problems.filter((p) => p.code === 'service-rules') ?? [];

describe('service-rules in the lab', () => {
  it('endpoints changed in the API, rules not: flagged within 2 slow periods, not before one; cleared when the rules follow', async () => {
    const opts = parseCli(['--kubeconfig', kubeconfig, '-F', lab.sshConfigPath, '--nodes', 'pool-svc', '--slow-every', String(SLOW_MS / 1000)]);
    const store = createAppStore({ interval: 1, slowEvery: SLOW_MS / 1000 });
    const log = () => {};
    const monitor = new Monitor(store, { intervalMs: 1000, log, slowEveryMs: SLOW_MS });
    let kube: Kube | undefined;
    try {
      kube = await startKube(opts, store, monitor, log);
      monitor.start();
      await waitFor('a slow iptables read of the node', () => store.getState().nodes[NODE]?.model.iptables.value, 20_000);
      await waitFor('the Services from the API', () => store.getState().services?.endpoints.get('shop/web')?.endpoints.length === 2, 10_000);
      expect(serviceProblems(store)).toEqual([]);

      // one endpoint leaves the API; the node's rules keep it
      const [keep, gone] = lab.node(NODE).pods.map((p) => p.ip);
      const t0 = Date.now();
      api.putEndpointSlice(slice([keep!]));
      const p = await waitFor('service-rules on the node', () => serviceProblems(store)[0], 2 * SLOW_MS + 3000);
      const after = Date.now() - t0;
      console.log(`[figure] service-rules flagged ${after} ms after the endpoints changed (--slow-every ${SLOW_MS / 1000})`);
      expect(after).toBeGreaterThanOrEqual(SLOW_MS - 1000);
      expect(p).toMatchObject({ severity: 'warn', subject: 'shop/web' });
      expect(p.message).toContain(`stale ${gone}:8080`);

      // kube-proxy catches up
      await setRules([keep!]);
      await waitFor('service-rules cleared', () => serviceProblems(store).length === 0, 2 * SLOW_MS + 3000);
    } finally {
      monitor.stop();
      kube?.source.stop();
    }
  }, 90_000);

  it('netwatch --service shop/web --json: the node, its DNAT targets, the missing endpoint', async () => {
    const pods = lab.node(NODE).pods.map((p) => p.ip);
    api.putEndpointSlice(slice(pods));
    await setRules([pods[0]!]);
    const r = await runNetwatch(['--kubeconfig', kubeconfig, '-F', lab.sshConfigPath, '--nodes', 'pool-svc', '--service', 'shop/web', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep).toMatchObject({ service: 'shop/web', found: true, clusterIPs: [VIP] });
    expect(rep.endpoints.map((e: { ip: string }) => e.ip).sort()).toEqual([...pods].sort());
    const node = rep.nodes.find((n: { node: string }) => n.node === NODE);
    expect(node.mode).toBe('iptables');
    expect(node.ports[0]).toMatchObject({ vip: VIP, present: [`${pods[0]}:8080`], missing: [`${pods[1]}:8080`] });
  }, 60_000);
});
