// The test API server, driven by @kubernetes/client-node itself: auth, lists with selectors,
// watches (events, selector transitions, bookmarks, timeouts, 410), 403, down/up, counters.
import { request } from 'node:https';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiException, CoreV1Api, KubeConfig, VersionApi, Watch } from '@kubernetes/client-node';
import { TestApiServer } from './apiserver.mjs';
import { makeNode, makePod } from './objects.mjs';
import { kubeConfigFor, tempDir, waitFor } from './helpers.js';

let server: TestApiServer;
let kc: KubeConfig;
let api: CoreV1Api;
const tmp = tempDir();

interface Collected {
  events: { type: string; obj: { metadata?: { name?: string; resourceVersion?: string }; code?: number } }[];
  ended: () => boolean;
  error: () => unknown;
  ctl: AbortController;
}

async function watch(path: string, query: Record<string, string | number | boolean | undefined>): Promise<Collected> {
  const events: Collected['events'] = [];
  let ended = false;
  let error: unknown;
  const ctl = await new Watch(kc).watch(path, query, (type, obj) => events.push({ type, obj }), (err) => {
    ended = true;
    error = err;
  });
  return { events, ended: () => ended, error: () => error, ctl };
}

const names = (items: { metadata?: { name?: string } }[]) => items.map((i) => i.metadata?.name).sort();

beforeAll(async () => {
  server = await TestApiServer.start({ bookmarkIntervalMs: 100, historyLimit: 50 });
  kc = kubeConfigFor(server, tmp.dir);
  api = kc.makeApiClient(CoreV1Api);
});
afterAll(async () => {
  await server.stop();
  tmp.remove();
});

beforeEach(() => {
  for (const n of server.nodes()) server.deleteNode(n.metadata.name);
  for (const p of server.pods()) server.deletePod(p.metadata.namespace, p.metadata.name);
  server.allow('pods');
  server.allow('nodes');
  server.addNode(makeNode('gke', { name: 'gke-a-1', pool: 'pool-a', labels: { tier: 'web' } }));
  server.addNode(makeNode('gke', { name: 'gke-a-2', pool: 'pool-a' }));
  server.addNode(makeNode('eks', { name: 'ip-10-0-0-1.ec2.internal', pool: 'ng-1', labels: { tier: 'db' } }));
  server.addPod(makePod('gke', { name: 'web-1', namespace: 'shop', node: 'gke-a-1' }));
  server.addPod(makePod('eks', { name: 'ledger-1', namespace: 'payments', node: 'ip-10-0-0-1.ec2.internal' }));
  server.addPod(makePod('pending', { name: 'pending-1', namespace: 'shop', node: null }));
});

describe('auth and discovery', () => {
  it('answers 401 with a Status to a request without the token', async () => {
    const body = await new Promise<{ code: number; text: string }>((resolve, reject) => {
      const req = request(`${server.url}/api/v1/nodes`, { ca: server.caPem }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(body.code).toBe(401);
    expect(JSON.parse(body.text)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it('rejects a wrong (expired) token through client-node with ApiException 401', async () => {
    const other = new KubeConfig();
    other.loadFromFile(server.kubeconfig(`${tmp.dir}/wrong`, { token: 'expired' }));
    const err = await other.makeApiClient(CoreV1Api).listNode().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiException);
    expect((err as ApiException<unknown>).code).toBe(401);
  });

  it('serves /version to client-node VersionApi', async () => {
    const v = await kc.makeApiClient(VersionApi).getCode();
    expect(v.major).toBe('1');
    expect(v.gitVersion).toMatch(/^v1\.\d+/);
  });
});

describe('lists and selectors', () => {
  it('lists nodes with a resourceVersion and label selectors of every kind', async () => {
    const all = await api.listNode();
    expect(names(all.items)).toEqual(['gke-a-1', 'gke-a-2', 'ip-10-0-0-1.ec2.internal']);
    expect(Number(all.metadata?.resourceVersion)).toBeGreaterThan(1000);
    const sel = async (labelSelector: string) => names((await api.listNode({ labelSelector })).items);
    expect(await sel('cloud.google.com/gke-nodepool=pool-a')).toEqual(['gke-a-1', 'gke-a-2']);
    expect(await sel('cloud.google.com/gke-nodepool==pool-a,tier=web')).toEqual(['gke-a-1']);
    expect(await sel('tier!=web')).toEqual(['gke-a-2', 'ip-10-0-0-1.ec2.internal']);
    expect(await sel('tier in (web, db)')).toEqual(['gke-a-1', 'ip-10-0-0-1.ec2.internal']);
    expect(await sel('tier notin (web)')).toEqual(['gke-a-2', 'ip-10-0-0-1.ec2.internal']);
    expect(await sel('eks.amazonaws.com/nodegroup')).toEqual(['ip-10-0-0-1.ec2.internal']);
    expect(await sel('!tier')).toEqual(['gke-a-2']);
  });

  it('answers 400 to a malformed label selector and an unsupported field', async () => {
    const bad = await api.listNode({ labelSelector: 'tier in web' }).catch((e: unknown) => e);
    expect((bad as ApiException<string>).code).toBe(400);
    expect(String((bad as ApiException<string>).body)).toContain('unable to parse requirement');
    const field = await api.listPodForAllNamespaces({ fieldSelector: 'spec.foo=x' }).catch((e: unknown) => e);
    expect((field as ApiException<string>).code).toBe(400);
    expect(String((field as ApiException<string>).body)).toContain('field label not supported: spec.foo');
  });

  it('filters pods by field selector and namespace', async () => {
    const onNode = await api.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=gke-a-1' });
    expect(names(onNode.items)).toEqual(['web-1']);
    const unscheduled = await api.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=' });
    expect(names(unscheduled.items)).toEqual(['pending-1']);
    const byName = await api.listPodForAllNamespaces({ fieldSelector: 'metadata.name=ledger-1,metadata.namespace=payments' });
    expect(names(byName.items)).toEqual(['ledger-1']);
    const ns = await api.listNamespacedPod({ namespace: 'shop' });
    expect(names(ns.items)).toEqual(['pending-1', 'web-1']);
    const one = await api.readNamespacedPod({ namespace: 'shop', name: 'web-1' });
    expect(one.spec?.nodeName).toBe('gke-a-1');
  });
});

describe('watch', () => {
  it('streams changes after a resourceVersion, with selector transitions as ADDED/DELETED', async () => {
    const list = await api.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=gke-a-1' });
    const w = await watch('/api/v1/pods', { fieldSelector: 'spec.nodeName=gke-a-1', resourceVersion: list.metadata?.resourceVersion });
    server.addPod(makePod('gke', { name: 'web-2', namespace: 'shop', node: 'gke-a-1' }));
    server.addPod(makePod('gke', { name: 'elsewhere', namespace: 'shop', node: 'gke-a-2' }));
    server.patchPod('shop', 'web-1', (p) => (p.metadata.labels.rev = '2'));
    server.patchPod('shop', 'pending-1', (p) => (p.spec.nodeName = 'gke-a-1')); // scheduled here: ADDED
    server.patchPod('shop', 'web-2', (p) => (p.spec.nodeName = 'gke-a-2')); // moved away: DELETED
    server.deletePod('shop', 'web-1');
    await waitFor(() => w.events.length >= 5, 'five events');
    w.ctl.abort();
    expect(w.events.map((e) => `${e.type} ${e.obj.metadata?.name}`)).toEqual([
      'ADDED web-2', 'MODIFIED web-1', 'ADDED pending-1', 'DELETED web-2', 'DELETED web-1',
    ]);
    const rvs = w.events.map((e) => Number(e.obj.metadata?.resourceVersion));
    expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
  });

  it('sends the current objects as ADDED for resourceVersion 0, then bookmarks', async () => {
    const w = await watch('/api/v1/nodes', { resourceVersion: '0', allowWatchBookmarks: true, labelSelector: 'cloud.google.com/gke-nodepool=pool-a' });
    await waitFor(() => w.events.some((e) => e.type === 'BOOKMARK'), 'a bookmark');
    w.ctl.abort();
    expect(w.events.filter((e) => e.type === 'ADDED').map((e) => e.obj.metadata?.name).sort()).toEqual(['gke-a-1', 'gke-a-2']);
    const bm = w.events.find((e) => e.type === 'BOOKMARK');
    expect(bm?.obj).toMatchObject({ kind: 'Node', apiVersion: 'v1' });
    expect(Number(bm?.obj.metadata?.resourceVersion)).toBeGreaterThan(1000);
  });

  it('ends a watch after timeoutSeconds', async () => {
    const t0 = Date.now();
    const w = await watch('/api/v1/nodes', { resourceVersion: '0', timeoutSeconds: 1 });
    await waitFor(() => w.ended(), 'the watch to end', 3_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(w.error()).toBeNull();
  });

  it('answers a watch from a compacted resourceVersion with an ERROR 410 event', async () => {
    const rv = (await api.listNode()).metadata?.resourceVersion;
    server.patchNode('gke-a-1', (n) => (n.metadata.labels.x = '1'));
    server.compact();
    const w = await watch('/api/v1/nodes', { resourceVersion: rv });
    await waitFor(() => w.ended(), 'the watch to end');
    expect(w.events).toHaveLength(1);
    expect(w.events[0]?.type).toBe('ERROR');
    expect(w.events[0]?.obj).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    expect(String((w.events[0]?.obj as { message?: string }).message)).toMatch(/^too old resource version/);
  });

  it('keeps a bounded history: past historyLimit events, old resourceVersions get 410', async () => {
    const rv = (await api.listNode()).metadata?.resourceVersion;
    for (let i = 0; i < 60; i++) server.patchNode('gke-a-2', (n) => (n.metadata.labels.i = String(i)));
    const w = await watch('/api/v1/nodes', { resourceVersion: rv });
    await waitFor(() => w.ended(), 'the watch to end');
    expect(w.events[0]?.obj.code).toBe(410);
  });

  it('ends open watches on closeWatches()', async () => {
    const w = await watch('/api/v1/pods', { resourceVersion: '0' });
    await waitFor(() => server.openWatches > 0, 'the watch to register');
    server.closeWatches();
    await waitFor(() => w.ended(), 'the watch to end');
  });
});

describe('faults and counters', () => {
  it('answers 403 like the real server, cluster-wide or for one node only', async () => {
    server.forbid('pods');
    const err = (await api.listPodForAllNamespaces().catch((e: unknown) => e)) as ApiException<string>;
    expect(err.code).toBe(403);
    expect(JSON.parse(err.body).message).toBe('pods is forbidden: User "netwatch-test" cannot list resource "pods" in API group "" at the cluster scope');
    const w = await watch('/api/v1/pods', { resourceVersion: '0' });
    await waitFor(() => w.ended(), 'the watch to fail');
    expect((w.error() as { statusCode?: number }).statusCode).toBe(403);
    server.allow('pods');
    server.forbid('pods', { node: 'gke-a-2' });
    await expect(api.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=gke-a-1' })).resolves.toBeTruthy();
    const one = (await api.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=gke-a-2' }).catch((e: unknown) => e)) as ApiException<string>;
    expect(one.code).toBe(403);
  });

  it('refuses connections while down and serves again on the same URL when up', async () => {
    const url = server.url;
    await server.setDown(true);
    const err = (await api.listNode().catch((e: unknown) => e)) as { code?: string };
    expect(err.code).toBe('ECONNREFUSED');
    await server.setDown(false);
    expect(server.url).toBe(url);
    expect((await api.listNode()).items).toHaveLength(3);
  });

  it('counts requests per verb and path', async () => {
    server.resetCounters();
    await api.listNode();
    await api.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=gke-a-1' });
    const w = await watch('/api/v1/pods', { resourceVersion: '0' });
    w.ctl.abort();
    expect(server.requestCounts()).toEqual({ 'list /api/v1/nodes': 1, 'list /api/v1/pods': 1, 'watch /api/v1/pods': 1 });
    expect(server.requestCount({ verb: 'watch' })).toBe(1);
  });
});
