import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/state/types.js';
import { nodeDrops, nodeTraffic, podCount, podRows, primaryIface, sortIfaces, statusLabel, worstProblem } from '../../src/ui/select.js';
import { captureTarget, viewModel } from '../../src/ui/view.js';
import { initialUi, uiReducer } from '../../src/ui/nav.js';
import { appState, bridgeNode, iface, NOW, pod } from './fixtures.js';

const p = (severity: Problem['severity'], code: string, subject?: string): Problem => ({ severity, code, message: code, subject });

describe('selectors', () => {
  it('picks the worst problem, first among equals', () => {
    expect(worstProblem([p('info', 'a'), p('warn', 'b'), p('crit', 'c'), p('crit', 'd')])?.code).toBe('c');
    expect(worstProblem([])).toBeUndefined();
  });

  it('finds the primary NIC from the default route, else the first device that is up', () => {
    const n = bridgeNode('n');
    expect(primaryIface(n)).toBe('eth0');
    const ifaces = [iface('ens4', 'device', { operstate: 'down' }), iface('ens5', 'device'), iface('cbr0', 'bridge')];
    const s = { ...n, model: { ...n.model, routes4: { periodMs: 15_000, status: 'pending' as const }, interfaces: { ...n.model.interfaces, value: ifaces } } };
    expect(primaryIface(s)).toBe('ens5');
  });

  it('sorts interfaces: primary, devices, bridges, overlays, veths by bridge and number, loopback', () => {
    const list = [
      iface('lo', 'loopback'),
      iface('veth10', 'veth', { master: 'cbr0' }),
      iface('flannel.1', 'vxlan'),
      iface('veth2', 'veth', { master: 'cbr0' }),
      iface('cbr0', 'bridge'),
      iface('ens5', 'device'),
      iface('ens4', 'device'),
    ];
    expect(sortIfaces(list, 'ens5').map((i) => i.name)).toEqual(['ens5', 'ens4', 'cbr0', 'flannel.1', 'veth2', 'veth10', 'lo']);
  });

  it('labels each status', () => {
    expect(statusLabel({ kind: 'live', since: 0 }, NOW)).toEqual({ text: 'live', tone: 'ok' });
    expect(statusLabel({ kind: 'stale', since: 0, ageMs: 12_400, reason: 'x' }, NOW).text).toBe('stale 12s');
    const r = { kind: 'reconnecting' as const, since: 0, attempt: 3, nextAttemptAt: NOW + 4000, reason: 'x' };
    expect(statusLabel(r, NOW).text).toBe('reconnecting in 4s (attempt 3)');
    expect(statusLabel(r, NOW, true).text).toBe('retry 4s #3');
    expect(statusLabel({ kind: 'failed', since: 0, reason: 'host key\nchanged' }, NOW)).toEqual({ text: 'failed: host key changed', tone: 'bad' });
  });

  it('node traffic is the primary NIC; drops add interfaces and conntrack', () => {
    const n = bridgeNode('n');
    expect(nodeTraffic(n)).toEqual({ rx: 2_500_000, tx: 1_200_000 });
    expect(nodeDrops({ ...n, rates: { ...n.rates, conntrackDropsPerSec: 2 } })).toBe(3.5);
  });

  it('pod rows: veth as sampled now, problems by pod or veth, cgroup-only pods, stray veths', () => {
    const n = bridgeNode('node-a', { kube: true, problems: [p('warn', 'pod-mtu', 'default/web-1'), p('crit', 'veth-down', 'veth3')] });
    const ghost = pod('?', 'poduid-9', '', { uid: 'uid-9', podIPs: [] });
    n.kube!.links.push({ pod: ghost, method: 'none' });
    n.kube!.strayVeths = [iface('vethX', 'veth')];
    const rows = podRows(n);
    expect(rows.map((r) => r.pod?.name ?? r.iface?.name)).toEqual(['poduid-9', 'web-1', 'web-2', 'web-3', 'vethX']);
    expect(rows[1]!.problems.map((x) => x.code)).toEqual(['pod-mtu']);
    expect(rows[3]!.problems.map((x) => x.code)).toEqual(['veth-down']);
    expect(rows[2]!.iface?.mtu).toBe(1500);
    expect(rows[2]!.rates?.rxBps).toBe(20_000);
    expect(podCount(n)).toBe(4);
  });
});

describe('view model', () => {
  it('targets: a check about an interface captures on that interface', () => {
    const n = bridgeNode('node-a', { problems: [p('warn', 'veth-mtu', 'veth2')] });
    const ui = uiReducer(initialUi, { type: 'open', node: 'node-a', pane: 'checks' });
    const vm = viewModel(appState([n]), ui, { columns: 80, rows: 24 }, NOW);
    expect(captureTarget(vm)).toEqual({ kind: 'interface', node: 'node-a', iface: 'veth2' });
  });
  it('a node that left the store still has a detail view, with nothing to act on', () => {
    const ui = uiReducer(initialUi, { type: 'open', node: 'gone' });
    const vm = viewModel(appState([]), ui, { columns: 80, rows: 24 }, NOW);
    expect(vm).toMatchObject({ kind: 'detail', name: 'gone', rows: [] });
    expect(captureTarget(vm)).toBeUndefined();
  });
});
