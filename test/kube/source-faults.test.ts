// KubeSource under faults: 403 on one node's pods, API down and back, 410 Gone, watches that end
// at once, a hanging API, bad credentials, a pool that matches nothing, and stop().
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../src/sources/k8s/kubeconfig.js';
import { KubeSource } from '../../src/sources/k8s/source.js';
import { TestApiServer } from './apiserver.mjs';
import { makePod } from './objects.mjs';
import { FAST, type Recorder, record, seed, startSource } from './harness.js';
import { sleep, tempDir, waitFor } from './helpers.js';

let server: TestApiServer;
let rec: Recorder | undefined;
const tmp = tempDir();
const A1 = 'gke-prod-pool-a-1';
const A2 = 'gke-prod-pool-a-2';

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

describe('403 on the pods of one node', () => {
  it('shows "forbidden: cannot list pods" for that node only, and asks again only after the slow retry', async () => {
    server.forbid('pods', { node: A2 });
    rec = startSource(server, tmp.dir, { nodes: 'pool-a' });
    await waitFor(() => rec!.latestStatus(A2)?.kind === 'forbidden', 'the forbidden status');
    expect(rec.latestStatus(A2)).toEqual({
      kind: 'forbidden',
      message: 'forbidden: cannot list pods',
      detail: 'pods is forbidden: User "netwatch-test" cannot list resource "pods" in API group "" at the cluster scope',
    });
    await waitFor(() => rec!.latestPods(A1)?.length === 3, 'the other node\'s pods');
    expect(rec.src.nodes().map((n) => n.name)).toEqual([A1, A2]); // the node stays, for its SSH data
    await sleep(3_000);
    expect(server.requestCount({ node: A2 })).toBe(1); // default slow retry: about one a minute
    expect(rec.latestStatus('nodes')).toEqual({ kind: 'ok' });
  });

  it('retries at the slow interval, never in a loop, and recovers when allowed', async () => {
    server.forbid('pods', { node: A2 });
    rec = startSource(server, tmp.dir, { nodes: 'pool-a', timing: { ...FAST, slowRetryMs: 1_000 } });
    await waitFor(() => rec!.latestStatus(A2)?.kind === 'forbidden', 'the forbidden status');
    await sleep(3_000);
    const n = server.requestCount({ node: A2 });
    expect(n).toBeGreaterThanOrEqual(2);
    expect(n).toBeLessThanOrEqual(5);
    server.allow('pods');
    await waitFor(() => rec!.latestPods(A2)?.length === 3, 'the pods once allowed', 3_000);
    expect(rec.latestStatus(A2)).toEqual({ kind: 'ok' });
  });
});

describe('API unreachable', () => {
  it('says so, keeps the nodes and pods it had, and catches up when the API is back', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'pool-a' });
    await rec.src.ready();
    await waitFor(() => rec!.latestPods(A1), 'the first pods');
    await server.setDown(true);
    await waitFor(() => rec!.latestStatus('nodes')?.kind === 'unreachable' && rec!.latestStatus(A1)?.kind === 'unreachable', 'unreachable statuses');
    expect(rec.latestStatus('nodes')).toMatchObject({ message: 'API unreachable (retrying)', detail: expect.stringContaining('ECONNREFUSED') });
    expect(rec.src.nodes()).toHaveLength(2);
    expect(rec.src.pods(A1)).toHaveLength(3);
    server.addPod(makePod('gke', { name: 'while-down', namespace: 'lab', node: A1 }));
    await sleep(500);
    await server.setDown(false);
    await waitFor(() => rec!.latestPods(A1)?.some((p) => p.name === 'while-down'), 'the pod added while down', 3_000);
    await waitFor(() => rec!.latestStatus('nodes')?.kind === 'ok' && rec!.latestStatus(A1)?.kind === 'ok', 'ok statuses');
  });

  it('rejects ready() with one line when the API is unreachable at start', async () => {
    await server.setDown(true);
    rec = startSource(server, tmp.dir, { nodes: 'pool-a' });
    await expect(rec.src.ready()).rejects.toThrow(/^API unreachable \(retrying\): request to https:\/\/127\.0\.0\.1:\d+\/api\/v1\/nodes.*ECONNREFUSED/);
  });

  it('gives up on a hanging API after the timeouts, and recovers', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'pool-b', timing: { ...FAST, listTimeoutMs: 500, watchConnectTimeoutMs: 500, watchTimeoutSeconds: [1, 1], watchIdleGraceMs: 500 } });
    await rec.src.ready();
    await waitFor(() => rec!.latestPods('gke-prod-pool-b-1'), 'the first pods');
    server.setHang(true);
    // the open watches go silent; past timeoutSeconds + grace they are abandoned, and new requests time out
    await waitFor(() => rec!.latestStatus('nodes')?.kind === 'unreachable', 'unreachable after the timeouts', 5_000);
    server.addPod(makePod('gke', { name: 'while-hung', namespace: 'lab', node: 'gke-prod-pool-b-1' }));
    server.setHang(false);
    await waitFor(() => rec!.latestPods('gke-prod-pool-b-1')?.some((p) => p.name === 'while-hung'), 'the pod added while hung', 5_000);
  });

  it('does not pile up connections while the API hangs, and leaves none after stop()', async () => {
    const fast = { ...FAST, listTimeoutMs: 300, watchConnectTimeoutMs: 300, watchTimeoutSeconds: [1, 1] as [number, number], watchIdleGraceMs: 300 };
    rec = startSource(server, tmp.dir, { nodes: 'pool-b', timing: fast });
    await rec.src.ready();
    await waitFor(() => server.openWatches === 2, 'two watches');
    server.setHang(true);
    let most = 0;
    for (let i = 0; i < 15; i++) {
      await sleep(200);
      most = Math.max(most, server.connections);
    }
    expect(most).toBeLessThanOrEqual(4); // two collections, each at most one attempt (+ one closing)
    rec.src.stop();
    await waitFor(() => server.connections === 0, 'no connection left');
  });
});

describe('410 Gone and short watches', () => {
  it('lists again when the watch resourceVersion was compacted away', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'pool-a' });
    await rec.src.ready();
    await waitFor(() => rec!.latestPods(A1) && rec!.latestPods(A2), 'the first pods');
    server.resetCounters();
    // in one tick: watches end, changes they will not see, history compacted
    server.closeWatches();
    server.deletePod('lab', 'app-0-0');
    server.addPod(makePod('gke', { name: 'after-compact', namespace: 'lab', node: A2 }));
    server.compact();
    await waitFor(() => !rec!.latestPods(A1)?.some((p) => p.name === 'app-0-0'), 'the deletion, through a relist');
    await waitFor(() => rec!.latestPods(A2)?.some((p) => p.name === 'after-compact'), 'the addition, through a relist');
    expect(server.requestCount({ verb: 'list', node: A1 })).toBe(1);
    expect(server.requestCount({ verb: 'list', node: A2 })).toBe(1);
    expect(server.requestCount({ verb: 'list', pathPrefix: '/api/v1/nodes' })).toBe(1);
    expect(rec.logs.some((l) => l.includes('410'))).toBe(true);
  });

  it('backs off when the server ends every watch at once (no hot loop)', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'pool-b', timing: { ...FAST, watchTimeoutSeconds: [0, 0] } });
    await rec.src.ready();
    await sleep(3_000);
    // ~100, 200, 400, 400, … ms apart: about ten in 3 s; a loop would make thousands
    expect(server.requestCount({ verb: 'watch', pathPrefix: '/api/v1/nodes' })).toBeLessThanOrEqual(15);
    expect(server.requestCount({ verb: 'list' })).toBe(2);
  });
});

describe('bad input', () => {
  it('maps an expired token (401) to a line telling to refresh credentials', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'pool-a', token: 'expired-token' });
    await expect(rec.src.ready()).rejects.toThrow(
      'Unauthorized: the API server rejected the credentials (expired token?): refresh them (gcloud container clusters get-credentials, ' +
        'aws eks update-kubeconfig, az aks get-credentials) and check with kubectl get nodes',
    );
    await sleep(1_000);
    expect(server.requestCount()).toBe(1); // 401 is retried slowly
  });

  it('reports a token that expires while running on every watch', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'pool-b' });
    await rec.src.ready();
    await waitFor(() => rec!.latestPods('gke-prod-pool-b-1'), 'the first pods');
    server.setToken('rotated');
    server.closeWatches();
    await waitFor(() => rec!.latestStatus('nodes')?.message?.startsWith('Unauthorized') && rec!.latestStatus('gke-prod-pool-b-1')?.message?.startsWith('Unauthorized'), 'Unauthorized statuses');
  });

  it('names the kubeconfig CA settings when the server certificate cannot be verified', async () => {
    const path = server.kubeconfig(join(tmp.dir, 'no-ca'));
    writeFileSync(path, readFileSync(path, 'utf8').replace(/^\s*certificate-authority-data:.*\n/m, ''));
    const src = new KubeSource({ kubeconfig: loadKubeConfig({ kubeconfig: path }), nodes: 'pool-a' });
    rec = record(src);
    src.start();
    await expect(src.ready()).rejects.toThrow(
      /^TLS: cannot verify the API server \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\): check certificate-authority\(-data\) and the server URL in the kubeconfig$/,
    );
  });

  it('lists the pools that exist when the pool matches nothing', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'pool-x' });
    await expect(rec.src.ready()).rejects.toThrow(
      'no node pool or node named "pool-x" (pools: pool-a (2 nodes), ng-1 (1 node), pool-b (1 node)): check --nodes',
    );
    expect(rec.latestStatus('nodes')?.kind).toBe('error');
  });

  it('stops every watch on stop() and makes no more requests', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'pool-a' });
    await rec.src.ready();
    await waitFor(() => server.openWatches === 3, 'three watches');
    rec.src.stop();
    await waitFor(() => server.openWatches === 0, 'no open watch');
    const n = server.requestCount();
    await sleep(500);
    expect(server.requestCount()).toBe(n);
  });
});
