/**
 * The pool differences view (`D`) and a pod's Services view (`S` on a pod in the pods pane), as a
 * person uses them: the real binary in tmux against a lab pool of 4 nodes over SSH and the test
 * API server. Node dv3 alone has ip_forward 0 and an OS name with an OSC title sequence in it:
 * `D` names dv3 and each fact, the OS name escaped. Every node has
 * kube-proxy rules for one Service whose only endpoint is dv1's pod (dv4's in nftables mode, real
 * nft; the others iptables); dv2's rules still DNAT to an old endpoint. `S` on that pod shows the VIP, the API's endpoint and per node what its
 * rules say (in sync, DIFFERS). The Service, its namespace and the pod carry control bytes and
 * escape sequences in their names: the screen shows them escaped, and nothing raw reaches the
 * terminal (the pane's raw output is checked byte by byte, as in hostile.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApiServer } from '../kube/apiserver.mjs';
import { makeEndpointSlice, makeNode, makePod, makeService } from '../kube/objects.mjs';
import { kubeProxyNftRules, kubeProxyRules, setIpForward } from '../lab/k8s-faults.js';
import { startLab, type Lab } from '../lab/lab.js';
import { BIN, offenders, tmuxPane } from './run.js';

const NODES = ['dv1', 'dv2', 'dv3', 'dv4'];
const ODD = 'dv3';
const LAGGING = 'dv2';
const NFT_NODE = 'dv4';
const modeOf = (n: string) => (n === NFT_NODE ? 'nftables' : 'iptables');
const POOL = 'pool-dv';
const VIP = '198.18.140.10';
// hostile names from the API: an OSC title, a CSI clear, a C1 CSI, a bidi override, a BEL
const SVC_NS = 'shop-\u009b2J';
const SVC_NAME = 'web-\u001b]0;svcpwn\u0007';
const POD_NAME = 'api-\u001b[2J\u202e';
const SVC_SHOWN = 'shop-\\x9b2J/web-\\x1b]0;svcpwn\\x07';
const POD_SHOWN = 'api-\\x1b[2J\\u202e';
const OS_SHOWN = 'Evil\\x1b]0;ospwn\\x07 OS';

let lab: Lab;
let api: TestApiServer;
let raw: string;
let podIp: string;
const pane = tmuxPane(`nwdiffsvc-${process.pid}`);

beforeAll(async () => {
  lab = await startLab({ nodes: NODES.map((name) => ({ name, kind: 'bridge' as const, pods: name === 'dv1' ? 1 : 0 })) });
  api = await TestApiServer.start();
  for (const n of lab.nodes) api.addNode(makeNode('gke', { name: n.name, pool: POOL, internalIP: n.address, podCIDR: n.podCidr }));
  const pod = lab.node('dv1').pods[0]!;
  podIp = pod.ip;
  api.addPod(makePod('gke', { name: POD_NAME, namespace: SVC_NS, node: 'dv1', ip: pod.ip, uid: pod.uid }));
  api.putService(makeService({ name: SVC_NAME, namespace: SVC_NS, clusterIP: VIP, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }));
  // the endpoints changed 10 minutes ago: a node whose rules differ is past any grace
  api.putEndpointSlice(makeEndpointSlice({ name: 'web-x1', service: SVC_NAME, namespace: SVC_NS, changedAt: Date.now() - 600_000, endpoints: [{ ip: pod.ip, node: 'dv1', pod: POD_NAME }], ports: [{ name: 'http', port: 8080 }] }));
  // kube-proxy's rules on every node (names in rule comments stay plain: the check matches the VIP, not names);
  // dv4's kube-proxy runs in nftables mode (real nft in its netns)
  await Promise.all(NODES.map((n) => {
    const o = {
      clusterCidr: '198.19.0.0/16',
      services: [{ namespace: 'shop', name: 'web', portName: 'http', clusterIP: VIP, port: 80, endpoints: [n === LAGGING ? '198.19.250.99:8080' : `${pod.ip}:8080`] }],
    };
    return n === NFT_NODE ? kubeProxyNftRules(lab, n, o) : kubeProxyRules(lab, n, o);
  }));
  await setIpForward(lab, ODD, false);
  // and an OS name with an OSC title in it (its own /etc/os-release, in the node's mount namespace only; /run is the node's tmpfs)
  const os = await lab.exec(ODD, ['sh', '-c', 'printf "PRETTY_NAME=\\"Evil\\033]0;ospwn\\007 OS\\"\\n" > /run/nw-os-release && mount --bind /run/nw-os-release /etc/os-release']);
  expect(os.code, os.stderr).toBe(0);
  const kubeconfig = api.kubeconfig(join(lab.dir, 'kubeconfig'));
  raw = join(lab.dir, 'raw.out');
  pane.run(`sleep 0.5; TERM=xterm-256color ${process.execPath} ${BIN} --kubeconfig ${kubeconfig} -F ${lab.sshConfigPath} --nodes ${POOL}; echo "EXITED $?"; sleep 600`, 160, 45);
  pane.tmux('pipe-pane', '-o', '-t', pane.target, `cat >> ${raw}`);
  await pane.until('every node live', (f) => (f.match(/ live /g) ?? []).length === NODES.length, 60_000);
}, 180_000);

afterAll(async () => {
  pane.kill();
  await api?.stop();
  await lab?.stop();
});

describe('D and S in tmux with the real binary', () => {
  it('D names the odd node and its fact; S on the pod shows the VIP and each node\'s rules; hostile names escaped; q quits clean', async () => {
    // ---- D: the pool differences (the slow collectors read on the first request, facts on the first s tick)
    pane.type('D');
    let f = await pane.until('the ip_forward row naming dv3', (s) => s.split('\n').some((l) => /ip_forward/.test(l) && /\bdv3 0\b/.test(l)), 40_000);
    const row = f.split('\n').find((l) => /ip_forward/.test(l))!;
    expect(row).toContain(POOL);
    expect(row).toMatch(/1 on 3\/4/);
    // no other node is odd in ip_forward
    for (const n of NODES.filter((x) => x !== ODD)) expect(row).not.toMatch(new RegExp(`\\b${n}\\b`));
    // the odd node's OS name, from the node, escaped
    f = await pane.until('the OS row naming dv3', (s) => s.split('\n').some((l) => / OS /.test(l) && l.includes(`dv3 ${OS_SHOWN}`)), 20_000);
    expect(f.split('\n').find((l) => l.includes(OS_SHOWN))).toMatch(new RegExp(`${POOL} +OS `));
    pane.key('Escape');
    f = await pane.until('overview', (s) => s.includes('nodes 1–4 of 4'));

    // ---- S: the pod's Services, from dv1's pods pane
    pane.type('/dv1');
    pane.key('Enter');
    await pane.until('filtered to dv1', (s) => s.includes('nodes 1–1 of 1'));
    pane.key('Enter');
    await pane.until('dv1 detail', (s) => s.includes('› dv1'));
    pane.type('p');
    await pane.until('the pod in the pods pane, escaped', (s) => s.includes(POD_SHOWN));
    pane.type('S');
    f = await pane.until(
      'the Services view with every node\'s rules read',
      (s) => s.includes('Services of pod') && NODES.every((n) => new RegExp(`^ *${n}: kube-proxy ${modeOf(n)}`, 'm').test(s)) && /DIFFERS/.test(s),
      60_000,
    );
    expect(f).toContain(`Services of pod ${SVC_NS.replace('\u009b', '\\x9b')}/${POD_SHOWN} (on dv1)`);
    expect(f).toContain(`Service ${SVC_SHOWN}  type ClusterIP  VIP ${VIP}`);
    expect(f).toContain(`${podIp}:8080/TCP (http)`);
    const lines = f.split('\n');
    // per node: the VIP's state under the node's line
    const stateOf = (n: string) => {
      const i = lines.findIndex((l) => new RegExp(`^ *${n}: kube-proxy ${modeOf(n)}`).test(l));
      return lines.slice(i + 1, i + 3).join('\n');
    };
    for (const n of NODES.filter((x) => x !== LAGGING)) expect(stateOf(n), n).toMatch(new RegExp(`${VIP.replaceAll('.', '\\.')}:80/TCP: in sync`));
    expect(stateOf(LAGGING)).toMatch(new RegExp(`${VIP.replaceAll('.', '\\.')}:80/TCP: DIFFERS from the API`));
    expect(f).toMatch(/missing: 198\.19\.\d+\.\d+:8080/);
    expect(f).toContain('extra (stale): 198.19.250.99:8080');
    // the help of this view lists its keys
    pane.type('?');
    await pane.until('services help', (s) => s.includes("netwatch keys: A pod's Services"));
    pane.key('Escape');
    await pane.until('services view again', (s) => s.includes('Services of pod') && !s.includes('netwatch keys'));
    pane.key('Escape');
    await pane.until('back in the detail', (s) => s.includes('› dv1') && !s.includes('Services of pod'));

    pane.key('Escape');
    pane.key('Escape');
    pane.type('q');
    await pane.until('exited', (s) => s.includes('EXITED 0'), 20_000);
    // nothing raw reached the terminal: no OSC (the pane title), no clear, no C1 or bidi control
    expect(pane.tmux('display-message', '-p', '-t', pane.target, '#{pane_title}')).not.toMatch(/svcpwn|ospwn/);
    const bytes = readFileSync(raw);
    const bad = offenders(bytes);
    expect(bad, bad.slice(0, 10).join('\n')).toEqual([]);
    const text = bytes.toString('utf8');
    expect(text).toContain(SVC_SHOWN);
    expect(text).toContain(POD_SHOWN);
    expect(text).toContain(OS_SHOWN);
  }, 240_000);
});
