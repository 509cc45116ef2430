/**
 * --request-timeout bounds every Kubernetes request of `netwatch --once` (the real binary against
 * the test API server in its hang mode: connections accepted, nothing answered), as kubectl's
 * flag does; 0 means no timeout, as in kubectl.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestApiServer } from './apiserver.mjs';
import { makeNode } from './objects.mjs';
import { tempDir } from './helpers.js';
import { runNetwatch } from '../e2e/run.js';

let server: TestApiServer;
let tmp: ReturnType<typeof tempDir>;
let kubeconfig: string;
beforeAll(async () => {
  server = await TestApiServer.start();
  // never dialled: the list of nodes never comes back
  server.addNode(makeNode('gke', { name: 'gke-a-1', pool: 'pool-a', internalIP: '198.18.0.11' }));
  tmp = tempDir();
  kubeconfig = server.kubeconfig(join(tmp.dir, 'kubeconfig'));
});
afterEach(() => server.setHang(false));
afterAll(async () => {
  await server?.stop();
  tmp?.remove();
});

describe('--once against an API that never answers', () => {
  it('ends within the request timeout, exit 1, saying why', async () => {
    server.setHang(true);
    const t0 = Date.now();
    const r = await runNetwatch(['--kubeconfig', kubeconfig, '--nodes', 'pool-a', '--once', '--json', '--request-timeout', '2s'], { timeoutMs: 30_000 });
    const ms = Date.now() - t0;
    console.log(`[figure] --once, API hanging, --request-timeout 2s: ${ms} ms`);
    expect(r.code).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(2000);
    expect(ms).toBeLessThan(2000 + 3000);
    expect(r.stderr).toBe('netwatch: API unreachable: no answer to the list within 2 s (--request-timeout)\n');
  });

  it('--request-timeout 0 is no timeout, as kubectl: still waiting after 4 s', async () => {
    server.setHang(true);
    const r = await runNetwatch(['--kubeconfig', kubeconfig, '--nodes', 'pool-a', '--once', '--request-timeout', '0'], { timeoutMs: 4000 });
    expect(r.code).toBeNull(); // killed by the harness, not ended by netwatch
  });
});
