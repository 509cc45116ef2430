/**
 * `S` on a pod in the node detail: the Services whose endpoints include the pod, each compared on
 * every node (the API's endpoints against the node's kube-proxy rules), and `c` there offering a
 * capture on the VIP (`host VIP and tcp port PORT` on the node's primary interface, through the
 * shell's capture prompt). Hostile strings from the API and the nodes never reach the frame raw.
 */
import { Text } from 'ink';
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IptablesState, ServiceEndpoints, ServiceInfo } from '../../src/sources/types.js';
import type { ClusterServices, NodeState } from '../../src/state/types.js';
import { App } from '../../src/ui/App.js';
import type { CaptureTarget } from '../../src/ui/types.js';
import { useCapturePrompt } from '../../src/ui/capture/prompt.js';
import { parseIptablesSave } from '../support/iptsave.js';
import { bridgeNode, NOW, testStore } from './fixtures.js';
import { expectClean, HOSTILE as H, shown } from './hostile.js';
import { KEY, renderSized } from './render.js';

afterEach(() => cleanup());

function CaptureSlot({ target }: { target: CaptureTarget }) {
  const p = useCapturePrompt()!;
  return <Text>{`CAPTURE VIEW ${target.node}:${target.iface} ${p.route.phase} [${p.route.filter}]`}</Text>;
}

const RULES = parseIptablesSave([
  '*nat',
  ':KUBE-SERVICES - [0:0]',
  ':KUBE-SVC-WEB - [0:0]',
  ':KUBE-SEP-ONE - [0:0]',
  '-A KUBE-SERVICES -d 10.96.0.80/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-WEB',
  '-A KUBE-SVC-WEB -m comment --comment "default/web:http -> 10.64.0.10:8080" -j KUBE-SEP-ONE',
  '-A KUBE-SEP-ONE -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.64.0.10:8080',
  'COMMIT',
].join('\n'));

function withRules(n: NodeState): NodeState {
  const ipt: IptablesState = { mode: 'nft', backends: { nft: { status: 'ok', data: RULES } } };
  return { ...n, model: { ...n.model, iptables: { value: ipt, at: NOW - 1000, periodMs: 60_000, status: 'ok', statusAt: NOW - 1000 } } };
}

function cluster(name = 'web', portName = 'http'): ClusterServices {
  const svc: ServiceInfo = { namespace: 'default', name, type: 'ClusterIP', clusterIPs: ['10.96.0.80'], ports: [{ name: portName, port: 80, protocol: 'TCP', targetPort: 8080 }] };
  const eps: ServiceEndpoints = {
    endpoints: [
      { ip: '10.64.0.10', port: 8080, protocol: 'TCP', portName, node: 'node-a', pod: { namespace: 'default', name: 'web-1' } },
      { ip: '10.64.0.11', port: 8080, protocol: 'TCP', portName, node: 'node-a', pod: { namespace: 'default', name: 'web-2' } },
    ],
    changedAt: NOW - 3_600_000,
  };
  return { services: new Map([[`default/${name}`, svc]]), endpoints: new Map([[`default/${name}`, eps]]), status: { kind: 'ok' } };
}

describe("a pod's Services (v)", () => {
  it('shows the Service, its endpoints and each node\'s rules; c opens the capture prompt on the VIP; esc goes back', async () => {
    const onCapture = vi.fn<(t: CaptureTarget) => void>();
    const nodes = [withRules(bridgeNode('node-a', { kube: true })), bridgeNode('node-b', { kube: true })];
    const store = testStore(nodes, { services: cluster() });
    const renderCapture = (t: CaptureTarget) => <CaptureSlot target={t} />;
    const ui = await renderSized(<App store={store} now={() => NOW} onCapture={onCapture} renderCapture={renderCapture} />, 140, 40);
    await ui.press(KEY.enter);
    await ui.press('p');
    expect(ui.frame()).toContain('S services');
    await ui.press('S');
    const f = ui.frame();
    expect(f).toContain('Services of pod default/web-1 (on node-a)');
    expect(f).toContain('Service default/web  type ClusterIP  VIP 10.96.0.80');
    expect(f).toContain('endpoints (API, ready): 2 (changed 60m ago)');
    expect(f).toMatch(/node-a: kube-proxy iptables, rules read 1s ago/);
    expect(f).toContain('10.96.0.80:80/TCP: DIFFERS from the API [KUBE-SVC-WEB]');
    expect(f).toContain('missing: 10.64.0.11:8080');
    expect(f).toContain('node-b: cannot tell');
    expect(f).toContain('c capture VIP');
    await ui.press('c');
    expect(onCapture).toHaveBeenLastCalledWith({ kind: 'node', node: 'node-a', iface: 'eth0' });
    // the shell's capture prompt, its filter typed in for the VIP (editable before enter)
    expect(ui.frame()).toBe('CAPTURE VIEW node-a:eth0 prompt [host 10.96.0.80 and tcp port 80]');
    await ui.press(KEY.esc, 200);
    expect(ui.frame()).toContain('Services of pod default/web-1');
    await ui.press(KEY.esc, 200);
    expect(ui.frame()).toContain('[pods 3]');
  });

  it('a pod that no Service lists says so; ? lists the keys of the view', async () => {
    const store = testStore([bridgeNode('node-a', { kube: true })], { services: cluster() });
    const ui = await renderSized(<App store={store} now={() => NOW} />, 120, 40);
    await ui.press(KEY.enter);
    await ui.press('p');
    await ui.press('j');
    await ui.press('j');
    await ui.press('S');
    expect(ui.frame()).toContain('no Service lists this pod among its ready endpoints');
    await ui.press('?');
    expect(ui.frame()).toContain("A pod's Services");
    expect(ui.frame()).toContain("capture on the selected Service's VIP");
  });

  it('hostile names from the API and the nodes are drawn as text', async () => {
    const c = cluster(`web${H.osc}`, `http${H.clear}`);
    const svc = [...c.services.values()][0]!;
    const evil: ClusterServices = {
      ...c,
      services: new Map([[`default/web${H.osc}`, { ...svc, type: `ClusterIP${H.c1}`, ports: [{ ...svc.ports[0]!, targetPort: `x${H.link}` }] }]]),
      endpoints: new Map([...c.endpoints].map(([k, e]) => [k, { ...e, endpoints: e.endpoints.map((x) => ({ ...x, node: `node-a${H.bidi}` })) }])),
    };
    const store = testStore([withRules(bridgeNode('node-a', { kube: true }))], { services: evil });
    const ui = await renderSized(<App store={store} now={() => NOW} />, 160, 40);
    await ui.press(KEY.enter);
    await ui.press('p');
    await ui.press('S');
    const f = expectClean(ui.frame(), "a pod's Services");
    expect(f).toContain(`Service default/${shown('osc').replace(/^/, 'web')}`);
  });
});
