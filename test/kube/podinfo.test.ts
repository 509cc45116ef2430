// toPodInfo on GKE and EKS pod objects: containers of all kinds, restart state, IPs, hostNetwork.
import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
// what the generated API uses to turn list responses into model objects
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { toPodInfo } from '../../src/sources/k8s/pods.js';
import { fixture, makePod } from './objects.mjs';

describe('toPodInfo', () => {
  it('converts a GKE pod in CrashLoopBackOff with init, sidecar and ephemeral containers', () => {
    const p = toPodInfo(fixture('gke-pod-crashloop') as V1Pod);
    expect(p).toMatchObject({
      namespace: 'shop',
      name: 'checkout-7c9d8f6b5-q2x9z',
      uid: '8f14e45f-ceea-467e-a9d0-3b7c2f61a9e2',
      nodeName: 'gke-prod-default-pool-6d3b1c2e-x7kq',
      phase: 'Running',
      podIPs: ['10.44.3.17', '2600:1900:4010:7e2:0:3::11'],
      hostNetwork: false,
      hostIP: '10.132.0.14',
    });
    expect(p.containers.map((c) => `${c.kind}:${c.name}:${c.state}`)).toEqual([
      'init:migrate:terminated',
      'container:checkout:CrashLoopBackOff',
      'container:statsd-exporter:running',
      'ephemeral:debugger-xk2lp:running',
    ]);
    const checkout = p.containers[1];
    expect(checkout).toEqual({
      name: 'checkout',
      kind: 'container',
      containerID: 'containerd://e3d848a6f5955b37b1fbb76ef5cd483e5108fec85f5aaf7962c188b1ad10474e',
      ready: false,
      restartCount: 7,
      state: 'CrashLoopBackOff',
      lastTerminated: {
        reason: 'Error',
        message: 'dial tcp 10.48.7.12:5432: connect: connection timed out',
        exitCode: 1,
        containerID: 'containerd://3158ffdd67037b21147d1fa31c2eda01ef57038220a519accdcd21d600de0395',
      },
      ports: [
        { containerPort: 8080, protocol: 'TCP', name: 'http' },
        { containerPort: 9090, protocol: 'TCP', name: 'grpc' },
      ],
    });
    expect(p.containers[2]?.ports).toContainEqual({ containerPort: 9125, protocol: 'UDP', name: 'statsd' });
    expect(p.containers[3]?.ports).toEqual([]);
    expect(p.terminating).toBeUndefined();
  });

  it('converts an EKS pod restarted after an OOM kill', () => {
    const p = toPodInfo(fixture('eks-pod') as V1Pod);
    expect(p.podIPs).toEqual(['192.168.27.201']);
    expect(p.containers).toHaveLength(1);
    expect(p.containers[0]).toMatchObject({
      state: 'running',
      ready: true,
      restartCount: 1,
      lastTerminated: { reason: 'OOMKilled', exitCode: 137 },
    });
  });

  it('marks a hostNetwork pod, whose IP is the node IP', () => {
    const p = toPodInfo(fixture('eks-pod-hostnetwork') as V1Pod);
    expect(p.hostNetwork).toBe(true);
    expect(p.podIPs).toEqual(['192.168.12.34']);
    expect(p.containers.map((c) => c.name)).toEqual(['aws-vpc-cni-init', 'aws-node', 'aws-eks-nodeagent']);
    // the controller of metadata.ownerReferences: aws-node's DaemonSet (a node agent)
    expect(p.owner).toEqual({ kind: 'DaemonSet', name: 'aws-node' });
    expect(toPodInfo(fixture('eks-pod') as V1Pod).owner).toEqual({ kind: 'ReplicaSet', name: 'ledger-api-5f6c7d8b9' });
    // the test API server's pods can be given one (makePod's owner)
    expect(toPodInfo(makePod('gke', { name: 'calico-node-x7k2p', owner: { kind: 'DaemonSet', name: 'calico-node' } }) as V1Pod).owner).toEqual({ kind: 'DaemonSet', name: 'calico-node' });
  });

  it('converts an unscheduled pod: no node, no IP, containers waiting', () => {
    const p = toPodInfo(fixture('gke-pod-pending') as V1Pod);
    expect(p).toMatchObject({ nodeName: '', phase: 'Pending', podIPs: [] });
    expect(p.containers).toEqual([{ name: 'checkout', kind: 'container', ready: false, restartCount: 0, state: 'waiting', ports: [{ containerPort: 8080, protocol: 'TCP', name: 'http' }] }]);
  });

  it('reads an evicted, terminating pod with only status.podIP', () => {
    const raw = fixture('eks-pod');
    raw.metadata.deletionTimestamp = '2025-03-09T10:45:00Z';
    raw.status = { phase: 'Failed', reason: 'Evicted', podIP: '192.168.27.201' };
    const p = toPodInfo(raw as V1Pod);
    expect(p).toMatchObject({ phase: 'Failed', reason: 'Evicted', terminating: true, podIPs: ['192.168.27.201'] });
    expect(p.containers[0]?.state).toBe('waiting');
  });

  it('gives the same result for the client-node model (list) as for raw JSON (watch)', () => {
    const raw = fixture('gke-pod-crashloop');
    const model = ObjectSerializer.deserialize(raw, 'V1Pod', '') as V1Pod;
    expect(model.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(toPodInfo(model)).toEqual(toPodInfo(raw as V1Pod));
  });
});
