/**
 * `netwatch --service NS/NAME` on top of the node model: a unit-level harness feeds node states
 * (slow iptables / IPVS reads) and the cluster's Services into a store and renders the per-node
 * view, text and JSON; hostile strings from the API and the nodes never reach the terminal raw.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '../../src/cli/args.js';
import { printable } from '../../src/cli/printable.js';
import type { IptablesState, NodeSample, ServiceEndpoints, ServiceInfo } from '../../src/sources/types.js';
import { serviceView, serviceViewJson, serviceViewLines } from '../../src/state/servicesView.js';
import { createAppStore } from '../../src/state/store.js';
import { parseIptablesSave } from '../support/iptsave.js';

const FIXTURE = join(__dirname, '..', 'fixtures', 'kube-proxy', 'kubernetes-proxier_test-TestOverallIPTablesRules.iptables-save');
const AT = 50_000_000;

function sample(at: number, iptables?: IptablesState, ipvs?: NodeSample['ipvs']): NodeSample {
  return {
    at, seq: 1,
    conntrack: { status: 'ok', data: { count: 1, max: 1000 } },
    interfaces: { status: 'ok', data: [] },
    tcpCounters: { status: 'ok', data: { activeOpens: 0, passiveOpens: 0, attemptFails: 0, estabResets: 0, currEstab: 0, retransSegs: 0, outRsts: 0, inErrs: 0 } },
    ...(iptables ? { iptables: { status: 'ok', data: iptables } } : {}),
    ...(ipvs ? { ipvs } : {}),
    kernelEvents: [], latencyMs: 1,
  };
}

function harness(svc: ServiceInfo, eps: ServiceEndpoints) {
  const store = createAppStore({ now: () => AT });
  const kubeProxy = parseIptablesSave(readFileSync(FIXTURE, 'utf8'));
  const ipt: IptablesState = { mode: 'nft', backends: { nft: { status: 'ok', data: kubeProxy } } };
  for (const n of ['node-a', 'node-b', 'node-c', 'node-d']) store.getState().addNode(n);
  store.getState().applyTick([
    ['node-a', { kind: 'sample', sample: sample(AT, ipt) }],
    // node-b: IPVS mode, one real server short
    ['node-b', { kind: 'sample', sample: sample(AT, undefined, { status: 'ok', data: { conns: {}, services: [{ proto: 'TCP', addr: '172.30.0.44', port: 80, scheduler: 'rr', reals: [{ addr: '10.180.0.4', port: 80, weight: 1, active: 0, inactive: 0 }] }] } }) }],
    // node-c: no kube-proxy rules at all
    ['node-c', { kind: 'sample', sample: sample(AT, { backends: { nft: { status: 'ok', data: parseIptablesSave('*filter\n:FORWARD ACCEPT [0:0]\nCOMMIT\n') } } }, { status: 'nodata', reason: 'no /proc/net/ip_vs' }) }],
    // node-d: no slow read yet
    ['node-d', { kind: 'sample', sample: sample(AT) }],
  ]);
  store.getState().setServicesStatus({ kind: 'ok' });
  store.getState().setServices(new Map([[`${svc.namespace}/${svc.name}`, svc]]), new Map([[`${svc.namespace}/${svc.name}`, eps]]));
  return store;
}

const SVC4: ServiceInfo = { namespace: 'ns4', name: 'svc4', type: 'NodePort', clusterIPs: ['172.30.0.44'], ports: [{ name: 'p80', port: 80, protocol: 'TCP', targetPort: 80 }] };
const EPS4: ServiceEndpoints = {
  endpoints: [
    { ip: '10.180.0.4', port: 80, protocol: 'TCP', portName: 'p80', node: 'node-a', pod: { namespace: 'ns4', name: 'web-1' } },
    { ip: '10.180.0.5', port: 80, protocol: 'TCP', portName: 'p80', node: 'node-b', pod: { namespace: 'ns4', name: 'web-2' } },
  ],
  changedAt: AT - 3_600_000,
};

describe('--service view', () => {
  it('per node: in sync, a real server missing (IPVS), cannot tell twice', () => {
    const store = harness(SVC4, EPS4);
    const v = serviceView(store.getState(), 'ns4/svc4');
    expect(v.nodes.map((n) => [n.node, n.mode ?? 'cannot tell', n.ports.map((p) => p.state).join()])).toEqual([
      ['node-a', 'iptables', 'ok'],
      ['node-b', 'ipvs', 'mismatch'],
      ['node-c', 'cannot tell', ''],
      ['node-d', 'cannot tell', ''],
    ]);
    const text = serviceViewLines(v, AT).join('\n');
    expect(text).toContain('Service ns4/svc4  type NodePort  VIP 172.30.0.44');
    expect(text).toContain('ports: p80 80/TCP -> 80');
    expect(text).toContain('endpoints (API, ready): 2 (changed 60m ago)');
    expect(text).toContain('10.180.0.4:80/TCP (p80) ns4/web-1 on node-a');
    expect(text).toMatch(/node-a: kube-proxy iptables, rules read 0s ago\n {4}172\.30\.0\.44:80\/TCP: in sync \[KUBE-SVC-4SW47YFZTEDKD3PK\]\n {6}DNAT to: 10\.180\.0\.4:80, 10\.180\.0\.5:80/);
    expect(text).toMatch(/node-b: kube-proxy ipvs[^\n]*\n {4}172\.30\.0\.44:80\/TCP: DIFFERS from the API \[TCP 172\.30\.0\.44:80\]\n {6}reals: 10\.180\.0\.4:80\n {6}missing: 10\.180\.0\.5:80/);
    expect(text).toContain('node-c: cannot tell — no kube-proxy rules on this node');
    expect(text).toContain('node-d: cannot tell — ');
    // the node's problems say it too
    expect(store.getState().nodes['node-b']!.problems.filter((p) => p.code === 'service-rules').map((p) => p.subject)).toEqual(['ns4/svc4']);
    expect(store.getState().nodes['node-a']!.problems.some((p) => p.code === 'service-rules')).toBe(false);
    const json = serviceViewJson(v) as { found: boolean; nodes: { node: string; rulesAt?: string }[] };
    expect(json.found).toBe(true);
    expect(json.nodes[0]).toMatchObject({ node: 'node-a', mode: 'iptables', rulesAt: new Date(AT).toISOString() });
  });

  it('not found, and no API: said, not guessed', () => {
    const store = harness(SVC4, EPS4);
    expect(serviceViewLines(serviceView(store.getState(), 'ns4/nope'), AT)).toEqual(['Service ns4/nope: not found in the API']);
    const bare = createAppStore();
    expect(serviceViewLines(serviceView(bare.getState(), 'ns4/svc4'), AT)[0]).toContain('cannot tell');
  });

  it('hostile names from the API and the nodes are printed without control bytes', () => {
    const evil = '\u001b]0;pwned\u0007\u001b[2J';
    const svc: ServiceInfo = { ...SVC4, type: `NodePort${evil}`, ports: [{ name: `p80${evil}`, port: 80, protocol: 'TCP', targetPort: `http${evil}` }] };
    const eps: ServiceEndpoints = { ...EPS4, endpoints: EPS4.endpoints.map((e) => ({ ...e, portName: `p80${evil}`, pod: { namespace: 'ns4', name: `web${evil}` }, node: `node-a${evil}` })) };
    const store = harness(svc, eps);
    const out = printable(serviceViewLines(serviceView(store.getState(), 'ns4/svc4'), AT).join('\n'));
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(out).toContain('pwned');
  });
});

describe('--service flag', () => {
  it('takes NS/NAME with the API, implies one read, allows --json', () => {
    const o = parseCli(['--nodes', 'pool-a', '--service', 'kube-system/kube-dns', '--json']);
    expect(o).toMatchObject({ service: 'kube-system/kube-dns', once: true, json: true });
    expect(() => parseCli(['--service', 'kube-system/kube-dns'])).toThrow(/needs the Kubernetes API/);
    expect(() => parseCli(['--nodes', 'a', '--service', 'kube-dns'])).toThrow(UsageError);
    expect(() => parseCli(['--nodes', 'a', '--service', 'ns/Bad$(x)'])).toThrow(/NAMESPACE\/NAME/);
  });
});
