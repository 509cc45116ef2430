// Services and EndpointSlices through KubeSource against the test API server: list + watch (no
// polling), add/update/delete, the kubernetes.io/service-name selector on slices, ready endpoints
// merged across slices with the time they last changed, and a 403 said as a status.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceSet } from '../../src/sources/k8s/source.js';
import { TestApiServer } from './apiserver.mjs';
import { makeEndpointSlice, makeService } from './objects.mjs';
import { type Recorder, seed, startSource } from './harness.js';
import { sleep, tempDir, waitFor } from './helpers.js';

let server: TestApiServer;
let rec: Recorder | undefined;
const tmp = tempDir();

beforeEach(async () => {
  server = await TestApiServer.start();
  seed(server);
  server.putService(makeService({ name: 'web', namespace: 'shop', clusterIP: '198.18.100.10', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }));
  server.putEndpointSlice(makeEndpointSlice({ name: 'web-abcde', service: 'web', namespace: 'shop', endpoints: [{ ip: '198.19.0.10', node: 'gke-prod-pool-a-1', pod: 'app-0-0' }], ports: [{ name: 'http', port: 8080 }] }));
  // a slice no Service owns (no kubernetes.io/service-name): not asked for
  server.putEndpointSlice({ metadata: { name: 'orphan', namespace: 'shop' }, addressType: 'IPv4', endpoints: [{ addresses: ['198.19.9.9'] }], ports: [{ port: 1 }] });
});
afterEach(async () => {
  rec?.src.stop();
  rec = undefined;
  await server.stop();
});
afterAll(() => tmp.remove());

function watchServices(r: Recorder): ServiceSet[] {
  const sets: ServiceSet[] = [];
  r.src.onServices((s) => sets.push(s));
  return sets;
}
const ips = (s: ServiceSet | undefined, key: string) => s?.endpoints.get(key)?.endpoints.map((e) => `${e.ip}:${e.port}`);

describe('Services and EndpointSlices', () => {
  it('lists and then watches both; add, update, delete arrive without polling', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'pool-a', services: true });
    const sets = watchServices(rec);
    await waitFor(() => ips(sets.at(-1), 'shop/web')?.length === 1, "the services update", 5000);
    const first = sets.at(-1)!;
    expect(first.services.get('shop/web')).toEqual({ namespace: 'shop', name: 'web', type: 'ClusterIP', clusterIPs: ['198.18.100.10'], ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] });
    expect(first.endpoints.get('shop/web')!.endpoints[0]).toMatchObject({ ip: '198.19.0.10', port: 8080, portName: 'http', node: 'gke-prod-pool-a-1', pod: { namespace: 'shop', name: 'app-0-0' } });
    expect([...first.endpoints.keys()]).toEqual(['shop/web']);
    const changed0 = first.endpoints.get('shop/web')!.changedAt;
    expect(rec.src.servicesStatus('services')).toEqual({ kind: 'ok' });
    expect(rec.src.servicesStatus('endpointslices')).toEqual({ kind: 'ok' });
    const sliceList = server.requests.find((r) => r.verb === 'list' && r.path === '/apis/discovery.k8s.io/v1/endpointslices');
    expect(decodeURIComponent(sliceList!.query)).toContain('labelSelector=kubernetes.io/service-name');

    // a second slice of the same Service: merged
    await sleep(20);
    server.putEndpointSlice(makeEndpointSlice({ name: 'web-fghij', service: 'web', namespace: 'shop', endpoints: [{ ip: '198.19.1.10' }], ports: [{ name: 'http', port: 8080 }] }));
    await waitFor(() => ips(sets.at(-1), 'shop/web')?.length === 2, "the services update", 5000);
    expect(ips(sets.at(-1), 'shop/web')).toEqual(['198.19.0.10:8080', '198.19.1.10:8080']);
    expect(sets.at(-1)!.endpoints.get('shop/web')!.changedAt).toBeGreaterThan(changed0);

    // an endpoint turns not ready: gone from the ready set
    server.putEndpointSlice(makeEndpointSlice({ name: 'web-fghij', service: 'web', namespace: 'shop', endpoints: [{ ip: '198.19.1.10', ready: false }], ports: [{ name: 'http', port: 8080 }] }));
    await waitFor(() => ips(sets.at(-1), 'shop/web')?.length === 1, "the services update", 5000);

    // a Service updated, added, deleted
    server.putService(makeService({ name: 'web', namespace: 'shop', clusterIP: '198.18.100.10', ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 8443 }] }));
    server.putService(makeService({ name: 'dns', namespace: 'kube-system', clusterIP: '198.18.100.53', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }));
    await waitFor(() => sets.at(-1)!.services.get('shop/web')!.ports.length === 2 && sets.at(-1)!.services.has('kube-system/dns'), "the services update", 5000);
    server.deleteService('kube-system', 'dns');
    server.deleteEndpointSlice('shop', 'web-abcde');
    server.deleteEndpointSlice('shop', 'web-fghij');
    await waitFor(() => !sets.at(-1)!.services.has('kube-system/dns') && ips(sets.at(-1), 'shop/web')?.length === 0, "the services update", 5000);

    // all of it over the watches: one list each
    const counts = server.requestCounts();
    expect(counts['list /api/v1/services']).toBe(1);
    expect(counts['list /apis/discovery.k8s.io/v1/endpointslices']).toBe(1);
    expect(counts['watch /api/v1/services']).toBe(1);
    expect(counts['watch /apis/discovery.k8s.io/v1/endpointslices']).toBe(1);
  });

  it('a watch resumes from its resourceVersion after the server ends it, and relists after 410', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'pool-a', services: true });
    const sets = watchServices(rec);
    await waitFor(() => ips(sets.at(-1), 'shop/web')?.length === 1, "the services update", 5000);
    server.closeWatches();
    server.putEndpointSlice(makeEndpointSlice({ name: 'web-abcde', service: 'web', namespace: 'shop', endpoints: [{ ip: '198.19.0.10' }, { ip: '198.19.0.11' }], ports: [{ name: 'http', port: 8080 }] }));
    await waitFor(() => ips(sets.at(-1), 'shop/web')?.length === 2, "the services update", 5000);
    server.compact();
    server.closeWatches();
    server.putEndpointSlice(makeEndpointSlice({ name: 'web-abcde', service: 'web', namespace: 'shop', endpoints: [{ ip: '198.19.0.12' }], ports: [{ name: 'http', port: 8080 }] }));
    await waitFor(() => ips(sets.at(-1), 'shop/web')?.join() === '198.19.0.12:8080', "the services update", 8000);
  });

  it('403 on endpointslices: a forbidden status for them, the Services still come', async () => {
    server.forbid('endpointslices');
    rec = startSource(server, tmp.dir, { nodes: 'pool-a', services: true });
    const statuses: string[] = [];
    rec.src.onServicesStatus((what, s) => statuses.push(`${what}:${s.kind}`));
    const sets = watchServices(rec);
    await waitFor(() => rec!.src.servicesStatus('endpointslices')?.kind === 'forbidden', "the services update", 5000);
    expect(rec.src.servicesStatus('endpointslices')?.message).toBe('forbidden: cannot list endpointslices');
    await waitFor(() => sets.at(-1)?.services.has('shop/web') === true, "the services update", 5000);
    expect(statuses).toContain('endpointslices:forbidden');
    expect(rec.latestStatus('nodes')).toEqual({ kind: 'ok' });
  });

  it('without services: true nothing is asked about Services', async () => {
    rec = startSource(server, tmp.dir, { nodes: 'pool-a' });
    await rec.src.ready();
    await sleep(300);
    expect(server.requests.filter((r) => r.path.includes('services') || r.path.includes('endpointslices'))).toEqual([]);
  });
});
