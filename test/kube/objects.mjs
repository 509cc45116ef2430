// Builders of node and pod objects for the test API server, the lab and the benchmark, made from
// the shaped-like-real fixtures in test/fixtures/k8s (see the README there).

import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'k8s');

/** @param {string} name file name in test/fixtures/k8s, with or without .json */
export function fixture(name) {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, name.endsWith('.json') ? name : `${name}.json`), 'utf8'));
}

/** node templates and the labels that carry their pool name */
export const NODE_TEMPLATES = {
  gke: { file: 'gke-node', poolLabels: ['cloud.google.com/gke-nodepool'] },
  eks: { file: 'eks-node', poolLabels: ['eks.amazonaws.com/nodegroup', 'alpha.eksctl.io/nodegroup-name'] },
  'eks-karpenter': { file: 'eks-karpenter-node', poolLabels: ['karpenter.sh/nodepool'] },
  aks: { file: 'aks-node', poolLabels: ['kubernetes.azure.com/agentpool', 'agentpool'] },
  kops: { file: 'kops-node', poolLabels: ['kops.k8s.io/instancegroup'] },
};

export const POD_TEMPLATES = {
  gke: 'gke-pod-crashloop',
  eks: 'eks-pod',
  hostnetwork: 'eks-pod-hostnetwork',
  pending: 'gke-pod-pending',
};

/** @param {any} obj @param {string} from @param {string} to */
function renameDeep(obj, from, to) {
  // names as JSON writes them: a name may hold any character (hostile-name tests)
  const esc = (/** @type {string} */ v) => JSON.stringify(v).slice(1, -1);
  return JSON.parse(JSON.stringify(obj).split(esc(from)).join(esc(to)));
}

/**
 * @param {keyof typeof NODE_TEMPLATES} template
 * @param {import('./objects.d.mts').NodeOptions} o
 */
export function makeNode(template, o) {
  const t = NODE_TEMPLATES[template];
  const base = fixture(t.file);
  const node = renameDeep(base, base.metadata.name, o.name);
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp']) delete node.metadata[k];
  const labels = node.metadata.labels;
  labels['kubernetes.io/hostname'] = o.name;
  if (o.pool !== undefined) for (const l of t.poolLabels) labels[l] = o.pool;
  Object.assign(labels, o.labels ?? {});
  /** @type {{ type: string, address: string }[]} */
  let addrs = node.status.addresses;
  if (o.internalIP !== undefined) addrs = addrs.map((a) => (a.type === 'InternalIP' ? { ...a, address: o.internalIP } : a));
  if (o.externalIP === null) addrs = addrs.filter((a) => a.type !== 'ExternalIP' && a.type !== 'ExternalDNS');
  else if (o.externalIP !== undefined) addrs = addrs.map((a) => (a.type === 'ExternalIP' ? { ...a, address: o.externalIP } : a));
  if (o.addresses) addrs = o.addresses;
  node.status.addresses = addrs;
  if (o.podCIDR === null) {
    delete node.spec.podCIDR;
    delete node.spec.podCIDRs;
  } else if (o.podCIDR !== undefined) {
    node.spec.podCIDR = o.podCIDR;
    node.spec.podCIDRs = [o.podCIDR];
  }
  if (o.ready === false) {
    const ready = node.status.conditions.find((/** @type {any} */ c) => c.type === 'Ready');
    Object.assign(ready, { status: 'False', reason: 'KubeletNotReady', message: 'container runtime network not ready: NetworkReady=false' });
  }
  return node;
}

/** @param {any} pod */
function freshContainerIDs(pod) {
  /** @type {Map<string, string>} */
  const ids = new Map();
  const text = JSON.stringify(pod).replace(/(containerd|docker|cri-o):\/\/[0-9a-f]{64}/g, (m) => {
    if (!ids.has(m)) ids.set(m, `${m.split('://')[0]}://${randomBytes(32).toString('hex')}`);
    return /** @type {string} */ (ids.get(m));
  });
  return JSON.parse(text);
}

/**
 * @param {keyof typeof POD_TEMPLATES} template
 * @param {import('./objects.d.mts').PodOptions} o
 */
export function makePod(template, o) {
  const base = fixture(POD_TEMPLATES[template]);
  const uid = o.uid ?? randomUUID();
  let pod = renameDeep(base, base.metadata.uid, uid);
  pod = renameDeep(pod, base.metadata.name, o.name);
  pod = freshContainerIDs(pod);
  delete pod.metadata.resourceVersion;
  delete pod.metadata.creationTimestamp;
  if (o.namespace) pod = renameDeep(pod, `_${base.metadata.namespace}(`, `_${o.namespace}(`);
  pod.metadata.namespace = o.namespace ?? base.metadata.namespace;
  Object.assign(pod.metadata.labels, o.labels ?? {});
  if (o.node === null) delete pod.spec.nodeName;
  else if (o.node !== undefined) pod.spec.nodeName = o.node;
  if (o.hostIP !== undefined) {
    pod.status.hostIP = o.hostIP;
    pod.status.hostIPs = [{ ip: o.hostIP }];
  }
  const ips = o.ips ?? (o.ip !== undefined ? [o.ip] : pod.spec.hostNetwork && o.hostIP ? [o.hostIP] : undefined);
  if (ips) {
    pod.status.podIP = ips[0];
    pod.status.podIPs = ips.map((ip) => ({ ip }));
  }
  if (o.phase) pod.status.phase = o.phase;
  // the controller (a DaemonSet for node agents): { kind, name }
  if (o.owner) pod.metadata.ownerReferences = [{ apiVersion: o.owner.kind === 'DaemonSet' ? 'apps/v1' : 'v1', kind: o.owner.kind, name: o.owner.name, uid: randomUUID(), controller: true, blockOwnerDeletion: true }];
  return pod;
}

/**
 * A ClusterIP Service as the API server returns it (the fields kube-proxy reads).
 * @param {import('./objects.d.mts').ServiceOptions} o
 */
export function makeService(o) {
  const namespace = o.namespace ?? 'default';
  return {
    metadata: { name: o.name, namespace, labels: o.labels ?? { app: o.name } },
    spec: {
      type: o.type ?? 'ClusterIP',
      clusterIP: o.clusterIP,
      clusterIPs: o.clusterIPs ?? [o.clusterIP],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      sessionAffinity: 'None',
      selector: o.selector ?? { app: o.name },
      ports: o.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? 'TCP', targetPort: p.targetPort ?? p.port })),
    },
    status: { loadBalancer: {} },
  };
}

/**
 * An EndpointSlice of a Service, as the endpointslice controller writes it.
 * @param {import('./objects.d.mts').EndpointSliceOptions} o
 */
export function makeEndpointSlice(o) {
  const namespace = o.namespace ?? 'default';
  return {
    metadata: {
      name: o.name ?? `${o.service}-${randomBytes(3).toString('hex').slice(0, 5)}`,
      namespace,
      generateName: `${o.service}-`,
      annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': new Date(o.changedAt ?? Date.now()).toISOString().replace(/\.\d+Z$/, 'Z') },
      labels: { 'kubernetes.io/service-name': o.service, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: o.service, uid: randomUUID(), controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints: o.endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.ready ?? true, terminating: false },
      ...(e.node ? { nodeName: e.node } : {}),
      ...(e.pod ? { targetRef: { kind: 'Pod', namespace, name: e.pod, uid: randomUUID() } } : {}),
    })),
    ports: o.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? 'TCP' })),
  };
}
