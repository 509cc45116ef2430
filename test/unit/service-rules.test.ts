/**
 * service-rules: a node's kube-proxy rules (iptables nat KUBE-SERVICES/KUBE-SVC/KUBE-SEP or IPVS
 * virtual servers) compared with the API's ready endpoints, with one slow period of grace. The
 * iptables rules are kube-proxy's own expected output from its test suite
 * (test/fixtures/kube-proxy/, read with the test-only reader in test/support/iptsave.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeEndpoints, readyEndpoints, toServiceInfo } from '../../src/sources/k8s/services.js';
import type { IptRuleset, IpvsState, NodeSample, ServiceEndpoint, ServiceEndpoints, ServiceInfo } from '../../src/sources/types.js';
import { modelWith } from '../../src/state/model.js';
import { checkService, serviceRules, servicesOfPod } from '../../src/state/services.js';
import { createAppStore, newNode } from '../../src/state/store.js';
import type { ClusterServices, NodeState } from '../../src/state/types.js';
import { makeEndpointSlice, makeService } from '../kube/objects.mjs';
import { parseIptablesSave } from '../support/iptsave.js';

const FIXTURE = join(__dirname, '..', 'fixtures', 'kube-proxy', 'kubernetes-proxier_test-TestOverallIPTablesRules.iptables-save');
const KUBE_PROXY = parseIptablesSave(readFileSync(FIXTURE, 'utf8'));

const AT = 10_000_000;
const PERIOD = 60_000;

function nodeWith(o: { ipt?: IptRuleset; ipvs?: IpvsState; at?: number }): NodeState {
  const n = newNode('n1');
  const model = modelWith(
    {
      ...(o.ipt ? { iptables: { version: 'iptables v1.8.9 (nf_tables)', mode: 'nft' as const, backends: { nft: { status: 'ok' as const, data: o.ipt } } } } : {}),
      ...(o.ipvs ? { ipvs: o.ipvs } : {}),
    },
    o.at ?? AT,
  );
  model.iptables.periodMs = PERIOD;
  model.ipvs.periodMs = PERIOD;
  return { ...n, model, status: { kind: 'live', since: 0 } };
}

const svc = (ns: string, name: string, vip: string, port = 80, protocol = 'TCP'): ServiceInfo => ({
  namespace: ns, name, type: 'ClusterIP', clusterIPs: [vip], ports: [{ name: 'p80', port, protocol, targetPort: port }],
});
const ep = (ip: string, port = 80): ServiceEndpoint => ({ ip, port, protocol: 'TCP', portName: 'p80' });

function cluster(entries: [ServiceInfo, string[], number?][]): ClusterServices {
  const services = new Map<string, ServiceInfo>();
  const endpoints = new Map<string, ServiceEndpoints>();
  for (const [s, ips, changedAt] of entries) {
    const key = `${s.namespace}/${s.name}`;
    services.set(key, s);
    endpoints.set(key, { endpoints: ips.map((ip) => ep(ip)), changedAt: changedAt ?? AT - 10 * PERIOD });
  }
  return { services, endpoints, status: { kind: 'ok' } };
}

const SVC1 = svc('ns1', 'svc1', '172.30.0.41');
const SVC4 = svc('ns4', 'svc4', '172.30.0.44');

describe('service-rules, iptables mode (kube-proxy proxier_test output)', () => {
  const node = nodeWith({ ipt: KUBE_PROXY });

  it('in sync: the KUBE-SVC chains DNAT to exactly the API endpoints, nothing flagged', () => {
    const c = cluster([[SVC1, ['10.180.0.1']], [SVC4, ['10.180.0.4', '10.180.0.5']], [svc('ns3', 'svc3', '172.30.0.43'), ['10.180.0.3']]]);
    expect(serviceRules(node, c)).toEqual([]);
    const r = checkService(node, SVC4, c.endpoints.get('ns4/svc4'));
    expect(r.mode).toBe('iptables');
    expect(r.ports).toEqual([
      expect.objectContaining({ vip: '172.30.0.44', state: 'ok', via: 'KUBE-SVC-4SW47YFZTEDKD3PK', expected: ['10.180.0.4:80', '10.180.0.5:80'], present: ['10.180.0.4:80', '10.180.0.5:80'] }),
    ]);
  });

  it('an endpoint the API lists is missing on the node: flagged with the Service name', () => {
    const c = cluster([[SVC4, ['10.180.0.4', '10.180.0.5', '10.180.0.6']]]);
    const p = serviceRules(node, c);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ code: 'service-rules', severity: 'warn', subject: 'ns4/svc4' });
    expect(p[0]!.message).toContain('172.30.0.44:80/TCP: missing 10.180.0.6:80');
    expect(p[0]!.message).not.toContain('stale');
  });

  it('a stale endpoint the API no longer lists is still in the rules: flagged', () => {
    const c = cluster([[SVC4, ['10.180.0.4']]]);
    const p = serviceRules(node, c);
    expect(p.map((x) => x.subject)).toEqual(['ns4/svc4']);
    expect(p[0]!.message).toContain('stale 10.180.0.5:80');
    expect(checkService(node, SVC4, c.endpoints.get('ns4/svc4')).ports[0]).toMatchObject({ state: 'mismatch', missing: [], extra: ['10.180.0.5:80'] });
  });

  it('no KUBE-SERVICES rule for a VIP with ready endpoints: flagged', () => {
    const c = cluster([[svc('ns7', 'svc7', '172.30.0.47'), ['10.180.0.7']]]);
    const p = serviceRules(node, c);
    expect(p[0]).toMatchObject({ subject: 'ns7/svc7' });
    expect(p[0]!.message).toContain('172.30.0.47:80/TCP: no KUBE-SERVICES rule (API: 1 endpoint)');
  });

  it('a Service without ready endpoints (ns6/svc6, REJECT in filter) is not checked', () => {
    const c = cluster([[svc('ns6', 'svc6', '172.30.0.46'), []]]);
    expect(serviceRules(node, c)).toEqual([]);
    expect(checkService(node, svc('ns6', 'svc6', '172.30.0.46'), c.endpoints.get('ns6/svc6')).ports[0]!.state).toBe('no-endpoints');
  });

  it('lagging within one slow period of the change: not flagged; past it: flagged', () => {
    // the endpoints changed half a period before the rules were read: kube-proxy may not have synced
    const recent = cluster([[SVC4, ['10.180.0.4', '10.180.0.5', '10.180.0.6'], AT - PERIOD / 2]]);
    expect(serviceRules(node, recent)).toEqual([]);
    expect(checkService(node, SVC4, recent.endpoints.get('ns4/svc4')).ports[0]!.state).toBe('lagging');
    // exactly one period: still grace; the next read (one period later) shows the same rules
    expect(serviceRules(node, cluster([[SVC4, ['10.180.0.4', '10.180.0.5', '10.180.0.6'], AT - PERIOD]]))).toEqual([]);
    const nextRead = nodeWith({ ipt: KUBE_PROXY, at: AT + PERIOD });
    expect(serviceRules(nextRead, recent).map((p) => p.subject)).toEqual(['ns4/svc4']);
  });

  it('real iptables-save output (nf_tables 1.8.9, -d VIP/32): in sync, then one endpoint gone from the API', () => {
    const saved = parseIptablesSave(readFileSync(join(__dirname, '..', 'fixtures', 'kube-proxy', 'lab-netns-iptables-nft-1.8.9-one-service.iptables-save'), 'utf8'));
    const web: ServiceInfo = { namespace: 'shop', name: 'web', type: 'ClusterIP', clusterIPs: ['198.18.200.10'], ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] };
    const eps = (ips: string[]): ServiceEndpoints => ({ endpoints: ips.map((ip) => ({ ip, port: 8080, protocol: 'TCP', portName: 'http' })), changedAt: AT - 2 * PERIOD });
    const n = nodeWith({ ipt: saved });
    const c = (ips: string[]): ClusterServices => ({ services: new Map([['shop/web', web]]), endpoints: new Map([['shop/web', eps(ips)]]), status: { kind: 'ok' } });
    expect(serviceRules(n, c(['198.19.0.10', '198.19.0.11']))).toEqual([]);
    expect(serviceRules(n, c(['198.19.0.10']))[0]!.message).toContain('198.18.200.10:80/TCP: stale 198.19.0.11:8080');
  });

  it('rules written by iptables-save (-d VIP/32 -p tcp … --dport) read the same', () => {
    const saved = parseIptablesSave([
      '*nat',
      ':KUBE-SERVICES - [0:0]',
      ':KUBE-SVC-AAA - [0:0]',
      ':KUBE-SEP-BBB - [0:0]',
      '-A KUBE-SERVICES -d 172.30.0.41/32 -p tcp -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp --dport 80 -j KUBE-SVC-AAA',
      '-A KUBE-SVC-AAA -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-BBB',
      '-A KUBE-SEP-BBB -p tcp -m comment --comment "ns1/svc1:p80" -m tcp -j DNAT --to-destination 10.180.0.1:80',
      'COMMIT',
    ].join('\n'));
    expect(serviceRules(nodeWith({ ipt: saved }), cluster([[SVC1, ['10.180.0.1']]]))).toEqual([]);
    expect(serviceRules(nodeWith({ ipt: saved }), cluster([[SVC1, ['10.180.0.9']]]))[0]!.message).toContain('missing 10.180.0.9:80; stale 10.180.0.1:80');
  });
});

describe('service-rules, IPVS mode', () => {
  const ipvsNat = parseIptablesSave([
    '*nat',
    ':KUBE-SERVICES - [0:0]',
    '-A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP src,dst -j KUBE-MARK-MASQ',
    '-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT',
    'COMMIT',
  ].join('\n'));
  const ipvs: IpvsState = {
    services: [{ proto: 'TCP', addr: '172.30.0.44', port: 80, scheduler: 'rr', reals: [
      { addr: '10.180.0.4', port: 80, weight: 1, active: 0, inactive: 0 },
      { addr: '10.180.0.5', port: 80, weight: 1, active: 0, inactive: 0 },
    ] }],
    conns: {},
  };
  const node = nodeWith({ ipt: ipvsNat, ipvs });

  it('the virtual server\'s real servers equal the endpoints: nothing flagged', () => {
    const c = cluster([[SVC4, ['10.180.0.4', '10.180.0.5']]]);
    expect(serviceRules(node, c)).toEqual([]);
    expect(checkService(node, SVC4, c.endpoints.get('ns4/svc4'))).toMatchObject({ mode: 'ipvs', ports: [{ state: 'ok', via: 'TCP 172.30.0.44:80' }] });
  });

  it('a real server missing, and a virtual server missing: flagged', () => {
    const p = serviceRules(node, cluster([[SVC4, ['10.180.0.4', '10.180.0.5', '10.180.0.6']], [SVC1, ['10.180.0.1']]]));
    expect(p.map((x) => x.subject).sort()).toEqual(['ns1/svc1', 'ns4/svc4']);
    expect(p.find((x) => x.subject === 'ns4/svc4')!.message).toContain('ipvs rules');
    expect(p.find((x) => x.subject === 'ns4/svc4')!.message).toContain('missing 10.180.0.6:80');
    expect(p.find((x) => x.subject === 'ns1/svc1')!.message).toContain('no IPVS virtual server');
  });
});

describe('service-rules cannot tell', () => {
  const c = cluster([[SVC4, ['10.180.0.4', '10.180.0.9']]]);

  it('no kube-proxy rules on the node (no KUBE-SERVICES, no IPVS): not flagged, says why', () => {
    const bare = parseIptablesSave('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\nCOMMIT\n');
    const node = nodeWith({ ipt: bare, ipvs: { services: [], conns: {} } });
    expect(serviceRules(node, c)).toEqual([]);
    expect(checkService(node, SVC4, c.endpoints.get('ns4/svc4'))).toEqual({ cannotTell: expect.stringContaining('no kube-proxy rules'), ports: [] });
  });

  it('slow collectors not read yet: cannot tell', () => {
    const node = { ...newNode('n1'), status: { kind: 'live' as const, since: 0 } };
    expect(serviceRules(node, c)).toEqual([]);
    expect(checkService(node, SVC4, undefined).cannotTell).toContain('not read');
  });

  it('no API, or the Service watch forbidden: not flagged', () => {
    const node = nodeWith({ ipt: KUBE_PROXY });
    expect(serviceRules(node, undefined)).toEqual([]);
    expect(serviceRules(node, { ...c, status: { kind: 'forbidden', message: 'forbidden: cannot list services' } })).toEqual([]);
  });
});

describe('services in the store', () => {
  it('the node\'s problems include service-rules once the Services arrive, and lose it when they agree', () => {
    const store = createAppStore();
    store.getState().addNode('n1');
    const sample: NodeSample = {
      at: AT, seq: 1, conntrack: { status: 'ok', data: { count: 1, max: 1000 } }, interfaces: { status: 'ok', data: [] },
      tcpCounters: { status: 'ok', data: { activeOpens: 0, passiveOpens: 0, attemptFails: 0, estabResets: 0, currEstab: 0, retransSegs: 0, outRsts: 0, inErrs: 0 } },
      iptables: { status: 'ok', data: { mode: 'nft', backends: { nft: { status: 'ok', data: KUBE_PROXY } } } },
      kernelEvents: [], latencyMs: 1,
    };
    store.getState().applyTick([['n1', { kind: 'sample', sample }]]);
    expect(store.getState().nodes['n1']!.problems.some((p) => p.code === 'service-rules')).toBe(false);
    const bad = cluster([[SVC4, ['10.180.0.4']]]);
    store.getState().setServicesStatus({ kind: 'ok' });
    store.getState().setServices(bad.services, bad.endpoints);
    expect(store.getState().nodes['n1']!.problems.filter((p) => p.code === 'service-rules').map((p) => p.subject)).toEqual(['ns4/svc4']);
    // the next tick (no slow read in it) keeps the problem
    store.getState().applyTick([['n1', { kind: 'sample', sample: (({ iptables: _i, ...rest }) => ({ ...rest, at: AT + 1000, seq: 2 }))(sample) }]]);
    expect(store.getState().nodes['n1']!.problems.filter((p) => p.code === 'service-rules')).toHaveLength(1);
    const good = cluster([[SVC4, ['10.180.0.4', '10.180.0.5']]]);
    store.getState().setServices(good.services, good.endpoints);
    expect(store.getState().nodes['n1']!.problems.filter((p) => p.code === 'service-rules')).toEqual([]);
    store.getState().setServices(bad.services, bad.endpoints);
    store.getState().setServicesStatus({ kind: 'forbidden', message: 'forbidden: cannot list endpointslices' });
    expect(store.getState().nodes['n1']!.problems.filter((p) => p.code === 'service-rules')).toEqual([]);
  });
});

describe('Service and EndpointSlice conversion', () => {
  it('merges ready endpoints across slices, keeps changedAt while the set is the same', () => {
    const s1 = makeEndpointSlice({ service: 'web', namespace: 'shop', changedAt: 5000, endpoints: [{ ip: '10.1.0.1', node: 'n1', pod: 'web-a' }, { ip: '10.1.0.2', ready: false }], ports: [{ name: 'http', port: 8080 }] });
    const s2 = makeEndpointSlice({ service: 'web', namespace: 'shop', changedAt: 3000, endpoints: [{ ip: '10.1.0.3' }], ports: [{ name: 'http', port: 8080 }] });
    expect(readyEndpoints([s1, s2]).map((e) => `${e.ip}:${e.port}`)).toEqual(['10.1.0.1:8080', '10.1.0.3:8080']);
    const first = mergeEndpoints([s1, s2], new Map(), 1000);
    // first seen: the controller's last-change-trigger-time (the latest of the slices), never after now
    expect(mergeEndpoints([s2], new Map(), 10_000).get('shop/web')!.changedAt).toBe(3000);
    expect(mergeEndpoints([s1, s2], new Map(), 10_000).get('shop/web')!.changedAt).toBe(5000);
    expect(first.get('shop/web')).toMatchObject({ changedAt: 1000, endpoints: [{ ip: '10.1.0.1', node: 'n1', pod: { namespace: 'shop', name: 'web-a' } }, { ip: '10.1.0.3' }] });
    expect(mergeEndpoints([s2, s1], first, 2000).get('shop/web')!.changedAt).toBe(1000);
    expect(mergeEndpoints([s1], first, 3000).get('shop/web')!.changedAt).toBe(3000);
    expect(mergeEndpoints([], first, 4000).get('shop/web')).toEqual({ endpoints: [], changedAt: 4000 });
    const info = toServiceInfo(makeService({ name: 'web', namespace: 'shop', clusterIP: '172.30.9.9', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }));
    expect(info).toEqual({ namespace: 'shop', name: 'web', type: 'ClusterIP', clusterIPs: ['172.30.9.9'], ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] });
    const c: ClusterServices = { services: new Map([['shop/web', info]]), endpoints: first, status: { kind: 'ok' } };
    expect(servicesOfPod(c, { namespace: 'shop', name: 'web-a', podIPs: ['10.1.0.1'] })).toEqual(['shop/web']);
    expect(servicesOfPod(c, { namespace: 'shop', name: 'other', podIPs: ['10.1.0.9'] })).toEqual([]);
  });
});
