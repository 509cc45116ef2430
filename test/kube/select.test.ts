// --nodes resolution and address choice on GKE, EKS, Karpenter, AKS and kOps node objects.
import { describe, expect, it } from 'vitest';
import type { V1Node } from '@kubernetes/client-node';
import { chooseAddress, parseAddressType } from '../../src/sources/k8s/address.js';
import { toNodeInfo } from '../../src/sources/k8s/nodes.js';
import { globToRegExp, listPools, poolOf, selectNodes } from '../../src/sources/k8s/select.js';
import { fixture, makeNode } from './objects.mjs';

const gke = toNodeInfo(fixture('gke-node') as V1Node);
const eks = toNodeInfo(fixture('eks-node') as V1Node);
const karpenter = toNodeInfo(fixture('eks-karpenter-node') as V1Node);
const aks = toNodeInfo(fixture('aks-node') as V1Node);
const kops = toNodeInfo(fixture('kops-node') as V1Node);

const cluster = [
  ...['x7kq', 'm2pd', 'r9tz'].map((s) => toNodeInfo(makeNode('gke', { name: `gke-prod-default-pool-6d3b1c2e-${s}`, pool: 'default-pool' }))),
  ...['4k1q', '8hbn'].map((s) => toNodeInfo(makeNode('gke', { name: `gke-prod-highmem-91ac07f2-${s}`, pool: 'highmem' }))),
  toNodeInfo(makeNode('gke', { name: 'gke-staging-default-pool-0b1c2d3e-aaaa', pool: 'default-pool' })),
];

describe('pool labels of real-shaped node objects', () => {
  it('finds the pool of each provider', () => {
    expect(poolOf(gke.labels)).toBe('default-pool');
    expect(poolOf(eks.labels)).toBe('ng-general');
    expect(poolOf(karpenter.labels)).toBe('general-spot');
    expect(poolOf(aks.labels)).toBe('nodepool1');
    expect(poolOf(kops.labels)).toBe('nodes-eu-west-1a');
    expect(gke.pool).toBe('default-pool');
  });

  it('does not take the instance type or zone for a pool', () => {
    const onlyType = { 'node.kubernetes.io/instance-type': 'e2-standard-4', 'topology.kubernetes.io/zone': 'europe-west1-b' };
    expect(poolOf(onlyType)).toBeUndefined();
  });

  it('counts pools once per node even when two labels carry the value (EKS + eksctl)', () => {
    expect(listPools([eks])).toEqual([{ name: 'ng-general', count: 1, labels: ['eks.amazonaws.com/nodegroup', 'alpha.eksctl.io/nodegroup-name'] }]);
    expect(listPools([aks])[0]?.labels).toEqual(['kubernetes.azure.com/agentpool', 'agentpool']);
  });
});

describe('selectNodes', () => {
  it('selects a GKE pool by name', () => {
    const s = selectNodes('highmem', cluster);
    expect(s).toEqual({ ok: true, names: ['gke-prod-highmem-91ac07f2-4k1q', 'gke-prod-highmem-91ac07f2-8hbn'], missing: [], how: 'pool' });
  });

  it('selects EKS, Karpenter, AKS and kOps pools', () => {
    const all = [gke, eks, karpenter, aks, kops];
    expect(selectNodes('ng-general', all)).toMatchObject({ ok: true, names: [eks.name] });
    expect(selectNodes('general-spot', all)).toMatchObject({ ok: true, names: [karpenter.name] });
    expect(selectNodes('nodepool1', all)).toMatchObject({ ok: true, names: [aks.name] });
    expect(selectNodes('nodes-eu-west-1a', all)).toMatchObject({ ok: true, names: [kops.name] });
  });

  it('selects a comma list of node names, and reports the ones that do not exist', () => {
    const s = selectNodes(`${eks.name}, ${kops.name},ip-10-9-9-9.ec2.internal`, [gke, eks, kops]);
    expect(s).toEqual({ ok: true, names: [kops.name, eks.name].sort(), missing: ['ip-10-9-9-9.ec2.internal'], how: 'names' });
  });

  it('selects by glob, and mixes globs, names and pools', () => {
    expect(selectNodes('gke-prod-*', cluster)).toMatchObject({ ok: true, names: cluster.slice(0, 5).map((n) => n.name).sort() });
    expect(selectNodes('gke-*-default-pool-*-????', cluster)).toMatchObject({ ok: true });
    const mixed = selectNodes('highmem,gke-staging-*', cluster);
    expect(mixed).toMatchObject({ ok: true, how: 'pool+glob' });
    expect(mixed.ok && mixed.names).toHaveLength(3);
  });

  it('selects everything without --nodes', () => {
    expect(selectNodes(undefined, cluster)).toMatchObject({ ok: true, names: cluster.map((n) => n.name).sort(), how: 'all nodes' });
  });

  it('explains a pool that matches nothing by listing the pools that exist', () => {
    const s = selectNodes('pool-x', cluster);
    expect(s).toEqual({
      ok: false,
      error: 'no node pool or node named "pool-x" (pools: default-pool (4 nodes), highmem (2 nodes)): check --nodes',
    });
  });

  it('explains a glob that matches nothing, and a cluster without pool labels', () => {
    const s = selectNodes('gke-dev-*', cluster);
    expect(!s.ok && s.error).toMatch(/^no node matches "gke-dev-\*" \(pools: default-pool/);
    const bare = toNodeInfo(makeNode('gke', { name: 'n1', labels: {} }));
    delete bare.labels['cloud.google.com/gke-nodepool'];
    const none = selectNodes('pool-a', [bare]);
    expect(!none.ok && none.error).toMatch(/no node carries a pool label \(cloud\.google\.com\/gke-nodepool, .*nodes: n1\)/);
  });

  it('says when a label selector matched no node', () => {
    expect(selectNodes(undefined, [], 'tier=web')).toEqual({ ok: false, error: 'no node matches the label selector "tier=web": check -l' });
  });

  it('turns globs into anchored expressions', () => {
    expect(globToRegExp('ip-10-0-[0-3]-*.ec2.internal').test('ip-10-0-2-17.ec2.internal')).toBe(true);
    expect(globToRegExp('ip-10-0-[!0-3]-*').test('ip-10-0-2-17')).toBe(false);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
    expect(globToRegExp('node-?').test('node-12')).toBe(false);
  });
});

describe('chooseAddress', () => {
  it('takes InternalIP by default', () => {
    expect(gke.address).toBe('10.132.0.14');
    expect(gke.addressVia).toBe('InternalIP');
    expect(chooseAddress(eks)).toEqual({ ok: true, address: '192.168.12.34', via: 'InternalIP' });
  });

  it('takes the asked type', () => {
    expect(chooseAddress(eks, { type: 'ExternalIP' })).toEqual({ ok: true, address: '203.0.113.34', via: 'ExternalIP' });
    expect(chooseAddress(eks, { type: 'InternalDNS' })).toMatchObject({ address: 'ip-192-168-12-34.us-west-2.compute.internal' });
    expect(chooseAddress(eks, { type: 'ExternalDNS' })).toMatchObject({ address: 'ec2-203-0-113-34.us-west-2.compute.amazonaws.com' });
    expect(chooseAddress(gke, { type: 'Hostname' })).toMatchObject({ address: 'gke-prod-default-pool-6d3b1c2e-x7kq' });
  });

  it('gives a one-line error for a node without that type, naming what it has', () => {
    expect(chooseAddress(karpenter, { type: 'ExternalIP' })).toEqual({
      ok: false,
      error:
        'node ip-192-168-140-7.us-west-2.compute.internal has no ExternalIP address (it has InternalIP, InternalDNS, Hostname): ' +
        'use --address-type InternalIP or add a Host ip-192-168-140-7.us-west-2.compute.internal entry to ~/.ssh/config',
    });
    const n = toNodeInfo(fixture('aks-node') as V1Node, { type: 'ExternalIP' });
    expect(n.address).toBeUndefined();
    expect(n.addressError).toMatch(/^node aks-nodepool1-28347562-vmss000000 has no ExternalIP address/);
  });

  it('lets an ~/.ssh/config Host entry for the node name win', () => {
    const has = (name: string) => name.startsWith('gke-prod-');
    expect(chooseAddress(gke, { type: 'ExternalIP', hasSshHostEntry: has })).toEqual({ ok: true, address: gke.name, via: 'ssh-config' });
    expect(chooseAddress(karpenter, { type: 'ExternalIP', hasSshHostEntry: has }).ok).toBe(false);
  });

  it('parses --address-type case-insensitively and rejects unknown ones', () => {
    expect(parseAddressType('externalip')).toBe('ExternalIP');
    expect(() => parseAddressType('PublicIP')).toThrow('unknown --address-type "PublicIP": use one of InternalIP, ExternalIP, Hostname, InternalDNS, ExternalDNS');
  });
});
