// KubeSource end to end against the test API server: pool selection, nodes joining and leaving,
// pods appearing and disappearing, batching, and the requests it makes at steady state.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestApiServer } from './apiserver.mjs';
import { makeNode, makePod } from './objects.mjs';
import { FAST, type Recorder, seed, startSource } from './harness.js';
import { sleep, tempDir, waitFor } from './helpers.js';

let server: TestApiServer;
let rec: Recorder | undefined;
const tmp = tempDir();

beforeEach(async () => {
  server = await TestApiServer.start();
  seed(server);
});
afterEach(async () => {
  rec?.src.stop();
  rec = undefined;
  await server.stop();
});
afterAll(() => tmp.remove());

const nodeNames = (r: Recorder) => (r.nodes.at(-1) ?? []).map((n) => n.name);

describe('node selection', () => {
  it('shows exactly the nodes of a pool, with their addresses', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'pool-a' });
    const nodes = await rec.src.ready();
    expect(nodes.map((n) => n.name)).toEqual(['gke-prod-pool-a-1', 'gke-prod-pool-a-2']);
    expect(nodes[0]).toMatchObject({ address: '198.18.0.11', addressVia: 'InternalIP', pool: 'pool-a', ready: true, podCIDRs: ['10.44.3.0/24'] });
    expect(rec.latestStatus('nodes')).toEqual({ kind: 'ok' });
  });

  it('narrows with -l on the server and a glob on the client', async () => {
    rec = startSource(server, tmp.dir, { selector: 'cloud.google.com/gke-nodepool', nodes: 'gke-prod-*-1' });
    const nodes = await rec.src.ready();
    expect(nodes.map((n) => n.name)).toEqual(['gke-prod-pool-a-1', 'gke-prod-pool-b-1']);
    expect(server.requests.find((r) => r.verb === 'list' && r.path === '/api/v1/nodes')?.query).toContain('labelSelector=cloud.google.com');
  });

  it('lets an ssh config Host entry and --address-type choose the address', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'pool-a,ng-1', addressType: 'ExternalIP', hasSshHostEntry: (n) => n === 'gke-prod-pool-a-2' });
    const nodes = await rec.src.ready();
    const by = Object.fromEntries(nodes.map((n) => [n.name, n]));
    expect(by['gke-prod-pool-a-1']).toMatchObject({ address: '203.0.113.14', addressVia: 'ExternalIP' });
    expect(by['gke-prod-pool-a-2']).toMatchObject({ address: 'gke-prod-pool-a-2', addressVia: 'ssh-config' });
    expect(by['ip-198-18-0-31.ec2.internal']?.address).toBe('203.0.113.34');
  });

  it('follows nodes joining and leaving the pool', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'pool-a' });
    await rec.src.ready();
    server.addNode(makeNode('gke', { name: 'gke-prod-pool-a-3', pool: 'pool-a' }));
    await waitFor(() => nodeNames(rec!).includes('gke-prod-pool-a-3'), 'the new node', 2_000);
    server.patchNode('gke-prod-pool-a-1', (n) => (n.metadata.labels['cloud.google.com/gke-nodepool'] = 'pool-b'));
    server.deleteNode('gke-prod-pool-a-2');
    await waitFor(() => nodeNames(rec!).join() === 'gke-prod-pool-a-3', 'the two nodes to leave', 2_000);
    await waitFor(() => server.requestCount({ verb: 'watch', node: 'gke-prod-pool-a-3' }) === 1, 'a pod watch for the new node');
  });

  it('reports readiness changes of a node', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'pool-b' });
    await rec.src.ready();
    server.patchNode('gke-prod-pool-b-1', (n) => {
      const c = n.status.conditions.find((x: { type: string }) => x.type === 'Ready');
      c.status = 'False';
    });
    await waitFor(() => rec!.nodes.at(-1)?.[0]?.ready === false, 'the node to be not ready', 2_000);
  });
});

describe('pods', () => {
  it('delivers the pods of every selected node, converted', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'pool-a' });
    await rec.src.ready();
    await waitFor(() => rec!.latestPods('gke-prod-pool-a-1') && rec!.latestPods('gke-prod-pool-a-2'), 'pods of both nodes');
    const pods = rec.latestPods('gke-prod-pool-a-2') ?? [];
    expect(pods.map((p) => p.name)).toEqual(['app-1-0', 'app-1-1', 'app-1-2']);
    expect(pods[0]).toMatchObject({ namespace: 'lab', nodeName: 'gke-prod-pool-a-2', podIPs: ['198.19.1.10'], phase: 'Running' });
    expect(pods[0]?.containers.map((c) => c.kind)).toEqual(['init', 'container', 'container', 'ephemeral']);
    expect(rec.src.pods('gke-prod-pool-a-2')).toEqual(pods);
    expect(rec.pods.has('gke-prod-pool-b-1')).toBe(false);
  });

  it('shows an added pod and drops a deleted one within 2 s', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'pool-b' });
    await rec.src.ready();
    await waitFor(() => rec!.latestPods('gke-prod-pool-b-1'), 'the first pods');
    let t0 = Date.now();
    server.addPod(makePod('gke', { name: 'new-pod', namespace: 'lab', node: 'gke-prod-pool-b-1', ip: '198.19.2.99' }));
    await waitFor(() => rec!.latestPods('gke-prod-pool-b-1')?.some((p) => p.name === 'new-pod'), 'the added pod', 2_000);
    const added = Date.now() - t0;
    t0 = Date.now();
    server.deletePod('lab', 'app-2-0');
    await waitFor(() => !rec!.latestPods('gke-prod-pool-b-1')?.some((p) => p.name === 'app-2-0'), 'the deleted pod to go', 2_000);
    expect(added).toBeLessThan(2_000);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('batches a burst of 300 pods into a few callbacks', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'ng-1' });
    await rec.src.ready();
    const node = 'ip-198-18-0-31.ec2.internal';
    await waitFor(() => rec!.latestPods(node), 'the first pods');
    const before = rec.pods.get(node)?.length ?? 0;
    for (let i = 0; i < 300; i++) server.addPod(makePod('eks', { name: `burst-${i}`, namespace: 'lab', node }));
    await waitFor(() => rec!.latestPods(node)?.length === 303, 'all 303 pods', 3_000);
    expect((rec.pods.get(node)?.length ?? 0) - before).toBeLessThanOrEqual(3);
  });

  it('makes only watch requests at steady state: one list and one watch per collection', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'pool-a,ng-1' });
    await rec.src.ready();
    await waitFor(() => rec!.pods.size === 3, 'pods of three nodes');
    server.addPod(makePod('gke', { name: 'x', namespace: 'lab', node: 'gke-prod-pool-a-1' }));
    await sleep(1_500);
    expect(server.requestCounts()).toEqual({ 'list /api/v1/nodes': 1, 'watch /api/v1/nodes': 1, 'list /api/v1/pods': 3, 'watch /api/v1/pods': 3 });
    const podWatch = server.requests.find((r) => r.verb === 'watch' && r.path === '/api/v1/pods');
    const q = new URLSearchParams(podWatch?.query);
    expect(q.get('fieldSelector')).toMatch(/^spec\.nodeName=/);
    expect(q.get('allowWatchBookmarks')).toBe('true');
    expect(Number(q.get('timeoutSeconds'))).toBeGreaterThanOrEqual(300);
    expect(server.openWatches).toBe(4);
  });

  it('renews a watch that the server ends at its timeout from the last resourceVersion, without listing', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'pool-b', timing: { ...FAST, watchTimeoutSeconds: [1, 1] } });
    await rec.src.ready();
    await waitFor(() => rec!.latestPods('gke-prod-pool-b-1'), 'the first pods');
    await sleep(1_200);
    server.addPod(makePod('gke', { name: 'between-watches', namespace: 'lab', node: 'gke-prod-pool-b-1' }));
    await sleep(2_000);
    expect(rec.latestPods('gke-prod-pool-b-1')?.some((p) => p.name === 'between-watches')).toBe(true);
    expect(server.requestCount({ verb: 'list' })).toBe(2);
    expect(server.requestCount({ verb: 'watch', node: 'gke-prod-pool-b-1' })).toBeGreaterThanOrEqual(3);
    const rvs = server.requests.filter((r) => r.verb === 'watch').map((r) => new URLSearchParams(r.query).get('resourceVersion'));
    expect(rvs.every((rv) => rv && rv !== '0')).toBe(true);
  });
});
