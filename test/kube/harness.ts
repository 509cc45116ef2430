/** A seeded test cluster and a KubeSource recording everything it reports, for the e2e tests. */
import { join } from 'node:path';
import type { Logger, SourceStatus, Timing } from '../../src/sources/k8s/common.js';
import { loadKubeConfig } from '../../src/sources/k8s/kubeconfig.js';
import { KubeSource, type KubeSourceOptions } from '../../src/sources/k8s/source.js';
import type { NodeInfo, PodInfo } from '../../src/sources/types.js';
import { TestApiServer } from './apiserver.mjs';
import { makeNode, makePod } from './objects.mjs';

/** Fast retries so that the tests take seconds; the slow retry stays long unless a test shortens it. */
export const FAST: Partial<Timing> = { initialBackoffMs: 100, maxBackoffMs: 400, minWatchMs: 200 };

/** pool-a: 2 GKE nodes, pool-b: 1 GKE node, ng-1: 1 EKS node; 3 pods on each node. */
export function seed(server: TestApiServer): void {
  const nodes = [
    makeNode('gke', { name: 'gke-prod-pool-a-1', pool: 'pool-a', internalIP: '198.18.0.11' }),
    makeNode('gke', { name: 'gke-prod-pool-a-2', pool: 'pool-a', internalIP: '198.18.0.12' }),
    makeNode('gke', { name: 'gke-prod-pool-b-1', pool: 'pool-b', internalIP: '198.18.0.21' }),
    makeNode('eks', { name: 'ip-198-18-0-31.ec2.internal', pool: 'ng-1', internalIP: '198.18.0.31' }),
  ];
  nodes.forEach((n, i) => {
    server.addNode(n);
    for (let j = 0; j < 3; j++) {
      server.addPod(makePod(i === 3 ? 'eks' : 'gke', { name: `app-${i}-${j}`, namespace: 'lab', node: n.metadata.name, ip: `198.19.${i}.${10 + j}` }));
    }
  });
}

export interface Recorder {
  src: KubeSource;
  nodes: NodeInfo[][];
  pods: Map<string, PodInfo[][]>;
  status: { scope: string; status: SourceStatus; at: number }[];
  logs: string[];
  latestPods(node: string): PodInfo[] | undefined;
  latestStatus(scope: string): SourceStatus | undefined;
}

export function record(src: KubeSource, logs: string[] = []): Recorder {
  const r: Recorder = {
    src,
    nodes: [],
    pods: new Map(),
    status: [],
    logs,
    latestPods: (node) => r.pods.get(node)?.at(-1),
    latestStatus: (scope) => [...r.status].reverse().find((s) => s.scope === scope)?.status,
  };
  src.onNodes((nodes) => r.nodes.push(nodes));
  src.onPods((node, pods) => r.pods.set(node, [...(r.pods.get(node) ?? []), pods]));
  src.onStatus((scope, status) => r.status.push({ scope, status, at: Date.now() }));
  return r;
}

export function memoryLogger(lines: string[]): Logger {
  const at = (level: string) => (msg: string) => void lines.push(`${level} ${msg}`);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A KubeSource on the server's kubeconfig (written into dir), started and recorded. */
export function startSource(
  server: TestApiServer,
  dir: string,
  opts: Omit<KubeSourceOptions, 'kubeconfig'> & { token?: string } = {},
): Recorder {
  const { token, ...rest } = opts;
  const path = server.kubeconfig(join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`), token ? { token } : {});
  const logs: string[] = [];
  const src = new KubeSource({ kubeconfig: loadKubeConfig({ kubeconfig: path }), logger: memoryLogger(logs), timing: FAST, ...rest });
  const r = record(src, logs);
  src.start();
  return r;
}
