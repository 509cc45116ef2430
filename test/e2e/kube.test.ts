/**
 * Kubernetes end to end: `netwatch --nodes pool-a` against the test API server, whose nodes are
 * lab nodes (reached through ssh config Host entries named like the nodes) and whose pods are the
 * lab's pods. Every pod must map to its real veth on the bridge node and on the routed node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKube } from '../../src/cli/kube.js';
import { parseCli } from '../../src/cli/args.js';
import { Monitor } from '../../src/sources/monitor.js';
import { createAppStore } from '../../src/state/store.js';
import { TestApiServer } from '../kube/apiserver.mjs';
import { makeNode, makePod } from '../kube/objects.mjs';
import { startLab, type Lab, type LabPod } from '../lab/lab.js';
import { runNetwatch, waitFor } from './run.js';

let lab: Lab;
let api: TestApiServer;
let kubeconfig: string;

/** pod names are unique per namespace in a cluster; the lab names pods per node */
const podName = (node: string, p: LabPod) => `${node}-${p.name}`;

function apiPod(node: string, p: LabPod) {
  return makePod('gke', { name: podName(node, p), namespace: p.namespace, node, ip: p.ip, uid: p.uid });
}

beforeAll(async () => {
  lab = await startLab({
    nodes: [
      { name: 'gke-a-1', kind: 'bridge', pods: 2 },
      { name: 'gke-a-2', kind: 'routed', pods: 2, cgroupDriver: 'systemd' },
      { name: 'gke-b-1', kind: 'bridge', pods: 1 },
    ],
  });
  api = await TestApiServer.start();
  for (const n of lab.nodes) {
    api.addNode(makeNode('gke', { name: n.name, pool: n.name.startsWith('gke-a') ? 'pool-a' : 'pool-b', internalIP: n.address }));
    for (const p of n.pods) api.addPod(apiPod(n.name, p));
  }
  kubeconfig = api.kubeconfig(`${lab.dir}/kubeconfig`);
});
afterAll(async () => {
  await api?.stop();
  await lab?.stop();
});

describe('netwatch --nodes against the test API server and the lab', () => {
  it('shows exactly the pool, with every pod on its veth, bridge and routed', async () => {
    // traffic to the bridge node's pods, so its neighbour and forwarding tables know them
    await lab.makeConnections('gke-a-1', 2);
    const r = await runNetwatch(['--kubeconfig', kubeconfig, '-F', lab.sshConfigPath, '--nodes', 'pool-a', '--once', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.nodes.map((n: any) => n.node).sort()).toEqual(['gke-a-1', 'gke-a-2']);
    for (const name of ['gke-a-1', 'gke-a-2']) {
      const node = rep.nodes.find((n: any) => n.node === name);
      const want = lab.node(name).pods;
      expect(node.pods.items).toHaveLength(want.length);
      for (const p of want) {
        const got = node.pods.items.find((x: any) => x.name === podName(name, p));
        expect(got).toMatchObject({ namespace: p.namespace, veth: p.hostVeth, ips: [p.ip] });
        expect(got.method).toBe(lab.node(name).kind === 'routed' ? 'route' : 'neighbour+fdb');
      }
      expect(node.pods.strayVeths).toEqual([]);
    }
  });

  it('a node whose port 22 drops SYNs: --once ends within the connect timeout + 5 s, that node failed, no pod problems for it', async () => {
    await lab.setDropSyn('gke-b-1', true);
    try {
      const t0 = Date.now();
      const r = await runNetwatch(['--kubeconfig', kubeconfig, '-F', lab.sshConfigPath, '--nodes', 'pool-b', '--once', '--json', '--connect-timeout', '3']);
      const ms = Date.now() - t0;
      console.log(`[figure] --nodes pool-b --once, its node dropping SYNs, --connect-timeout 3: ${ms} ms`);
      expect(ms).toBeLessThan(3000 + 5000);
      expect(r.code).toBe(1);
      const node = JSON.parse(r.stdout).nodes.find((n: any) => n.node === 'gke-b-1');
      expect(node.status).toBe('failed');
      expect(node.error).toMatch(/no SSH handshake .* within 3s/);
      // only what is known: the node itself failed (a node-level problem, if any); nothing about its
      // pods, veths or bridges, whose state netwatch cannot see
      expect(node.problems.filter((p: { code: string }) => !p.code.startsWith('node-'))).toEqual([]);
      expect(node.pods.items).toHaveLength(1); // the API's pods are still listed, with no checks run on them
    } finally {
      await lab.setDropSyn('gke-b-1', false);
    }
  });

  it('a pool that matches nothing lists the pools that exist', async () => {
    const r = await runNetwatch(['--kubeconfig', kubeconfig, '-F', lab.sshConfigPath, '--nodes', 'pool-zz', '--once']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/pool-zz/);
    expect(r.stderr).toMatch(/pool-a/);
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(3);
  });

  it('pods added and deleted in the lab appear and disappear within 2 s, also when the route came late; a 403 keeps SSH data', async () => {
    const opts = parseCli(['--kubeconfig', kubeconfig, '-F', lab.sshConfigPath, '--nodes', 'pool-a', '--interval', '0.5'], { intervalMs: 1000 });
    const store = createAppStore({ interval: 0.5 });
    const monitor = new Monitor(store, { intervalMs: 500 });
    const kube = await startKube(opts, store, monitor, () => {});
    monitor.start();
    try {
      const node = () => store.getState().nodes['gke-a-2']!;
      // what a pod's mapping waits for, for a timeout's message: the API's pod, the route, the veth, the peer
      const mapState = (p: LabPod) => {
        const n = node();
        const link = n.kube?.links.find((l) => l.pod.name === podName('gke-a-2', p));
        const routes = n.model.routes4;
        return JSON.stringify({
          status: n.status.kind, samplesOk: n.samplesOk, sampleAgeMs: n.sample ? Date.now() - n.sample.at : null,
          inApiList: !!n.kube?.pods.some((x) => x.name === podName('gke-a-2', p)), link: link && { method: link.method, iface: link.iface?.name, reason: link.reason },
          routeKnown: !!routes.value?.some((r) => r.dst === `${p.ip}/32` || r.dst === p.ip), routesReadAgoMs: routes.at ? Date.now() - routes.at : null,
          veth: n.model.interfaces.value?.find((i) => i.name === p.hostVeth) ?? null, peer: n.podPeers[p.uid] ?? null,
        });
      };
      await waitFor('gke-a-2 live with pods', () => node().status.kind === 'live' && node().kube?.links.every((l) => l.iface));
      const p = await lab.addPod('gke-a-2', { name: 'late-pod', namespace: 'lab' });
      const t0 = Date.now();
      api.addPod(apiPod('gke-a-2', p));
      await waitFor('late-pod mapped', () => node().kube?.links.find((l) => l.pod.name === podName('gke-a-2', p) && l.iface?.name === p.hostVeth), 5000, 50, () => mapState(p));
      const appear = Date.now() - t0;
      api.deletePod(p.namespace, podName('gke-a-2', p));
      await lab.deletePod('gke-a-2', p.name);
      const t1 = Date.now();
      await waitFor('late-pod gone', () => !node().kube?.pods.some((x) => x.name === podName('gke-a-2', p)), 5000, 50);
      const gone = Date.now() - t1;
      console.log(`[figure] pod added -> mapped to its veth on screen data in ${appear} ms; deleted -> gone in ${gone} ms`);
      expect(appear).toBeLessThan(2000);
      expect(gone).toBeLessThan(2000);

      // a CNI that adds the pod's route well after its veth, and an API that names the pod after
      // that: netwatch read the veth and its (then missing) route long before; the pod from the API
      // makes the node's next tick read the routes, not their regular turn 15 ticks on
      const q = await lab.addPod('gke-a-2', { name: 'slow-route', namespace: 'lab' });
      const del = await lab.exec('gke-a-2', ['ip', 'route', 'del', `${q.ip}/32`, 'dev', q.hostVeth]);
      expect(del.code).toBe(0);
      await waitFor('slow-route veth known', () => node().model.interfaces.value?.some((i) => i.name === q.hostVeth && i.ifindex), 5000, 50);
      const seen = node().samplesOk;
      await waitFor('6 more ticks (the follow-up reads of the new veth are past)', () => node().samplesOk >= seen + 6, 10_000, 50);
      const add = await lab.exec('gke-a-2', ['ip', 'route', 'add', `${q.ip}/32`, 'dev', q.hostVeth, 'scope', 'link']);
      expect(add.code).toBe(0);
      const t2 = Date.now();
      api.addPod(apiPod('gke-a-2', q));
      await waitFor('slow-route mapped by its route', () => node().kube?.links.find((l) => l.pod.name === podName('gke-a-2', q) && l.iface?.name === q.hostVeth && l.method === 'route'), 5000, 50, () => mapState(q));
      const late = Date.now() - t2;
      console.log(`[figure] pod whose route came after its veth: mapped ${late} ms after the API named it`);
      expect(late).toBeLessThan(2000);
      api.deletePod(q.namespace, podName('gke-a-2', q));
      await lab.deletePod('gke-a-2', q.name);

      api.forbid('pods', { node: 'gke-a-1' });
      api.closeWatches();
      await waitFor('forbidden status on gke-a-1', () => store.getState().nodes['gke-a-1']!.kube?.status.kind === 'forbidden', 10_000);
      expect(store.getState().nodes['gke-a-1']!.kube!.status.message).toMatch(/forbidden/);
      const before = store.getState().nodes['gke-a-1']!.samplesOk;
      await new Promise((r) => setTimeout(r, 1500));
      expect(store.getState().nodes['gke-a-1']!.samplesOk).toBeGreaterThan(before);
      expect(store.getState().nodes['gke-a-2']!.kube!.status.kind).toBe('ok');
      api.allow('pods');
    } finally {
      kube.source.stop();
      monitor.stop();
    }
  });
});
