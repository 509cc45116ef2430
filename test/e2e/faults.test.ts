/**
 * Issue 10's "done when", end to end: one lab node per fault plus two healthy control nodes, all
 * in one pool of the test API server (Nodes with the lab's podCIDR, the lab's pods, DaemonSet pods
 * of the node agents). `netwatch --nodes faults --once --json` must give each faulty node a problem
 * with the expected code and NO warn/crit to the healthy nodes; the live UI (tmux) shows the check
 * flagged in a faulty node's checks pane.
 *
 * Not here: ipvs-syn-recv. This kernel has no ip_vs, so no node can show /proc/net/ip_vs_conn
 * (docs/decisions.md, "Lab of faults (issue 10)"); the IPVS collector is tested on fixtures.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApiServer } from '../kube/apiserver.mjs';
import { makeNode, makePod } from '../kube/objects.mjs';
import {
  deletePodCidrRoute, deletePodRoute, dockerLegacyChain, kubeletLegacyMarkDrop, forwardDrop, hairpinConnect, kubeProxyNftRules, kubeProxyRules, orphanNetnsVeth,
  selinuxEnforcing, serviceDnat, setBridgeNfCallIptables, setHairpin, setIpForward, type LabService,
} from '../lab/k8s-faults.js';
import { startLab, type Lab, type LabAgent, type LabNodeSpec, type LabPod } from '../lab/lab.js';
import { injectStaleProcess } from '../support/stale.js';
import { BIN, killTmuxServer, runNetwatch, waitFor } from './run.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = any;

const POOL = 'faults';
const HEALTHY = ['h-bridge', 'h-routed'];
const CLUSTER_CIDR = '198.19.0.0/16';
const HAIRPIN_VIP = '198.18.128.10';

/** the nodes, each with the problem code it must get (and its subject when the brief names one) */
const FAULTS: Record<string, { spec: Omit<LabNodeSpec, 'name'>; code: string; severity?: 'crit' | 'warn' | 'info' }> = {
  'f-fwd': { spec: { kind: 'bridge', pods: 1 }, code: 'iptables-forward-drop', severity: 'crit' },
  'f-split': { spec: { kind: 'bridge', pods: 1 }, code: 'iptables-backend-split', severity: 'crit' },
  'f-markdrop': { spec: { kind: 'bridge', pods: 1 }, code: 'kube-proxy-chains', severity: 'crit' },
  'f-kubesvcs': { spec: { kind: 'routed', pods: 1 }, code: 'kube-proxy-chains', severity: 'crit' },
  // kube-proxy in nftables mode (real nft in the node's netns): its table is there, nothing jumps to its services chain
  'f-nftkp': { spec: { kind: 'bridge', pods: 1 }, code: 'kube-proxy-chains', severity: 'crit' },
  'f-agent': { spec: { kind: 'bridge', pods: 1 }, code: 'agent-missing', severity: 'crit' },
  'f-crash': { spec: { kind: 'bridge', pods: 1 }, code: 'agent-crashloop', severity: 'crit' },
  'f-route': { spec: { kind: 'routed', pods: 2 }, code: 'pod-no-route', severity: 'warn' },
  'f-cidr': { spec: { kind: 'bridge', pods: 1 }, code: 'podcidr-no-route', severity: 'crit' },
  'f-orphan': { spec: { kind: 'bridge', pods: 1 }, code: 'veth-no-pod', severity: 'info' },
  'f-hairpin': { spec: { kind: 'bridge', pods: 1 }, code: 'hairpin-off', severity: 'warn' },
  'f-selinux': { spec: { kind: 'bridge', pods: 1 }, code: 'selinux', severity: 'warn' },
  // a process of the pod's old container holds :8080, the new one crash-loops on bind; the node's runtime (a crictl in its
  // mount namespace, test/support/stale.ts) does not know the old container
  'f-stale': { spec: { kind: 'bridge', pods: 0 }, code: 'stale-process', severity: 'crit' },
  'f-outlier': { spec: { kind: 'bridge', pods: 1, mtu: 1400 }, code: 'pool-outlier', severity: 'warn' },
};

let lab: Lab;
let api: TestApiServer;
let kubeconfig: string;
const agents = new Map<string, LabAgent>();
const subjects = new Map<string, string>();
const staleUids = new Set<string>();

/** one ClusterIP Service per pod of the node (kube-proxy's rules), the same count on every node */
const servicesOf = (node: string, extra = 0): LabService[] => {
  // kube-proxy writes the same cluster-wide Services on every node (only the outlier has more)
  void node;
  return Array.from({ length: 3 + extra }, (_, i) => ({
    namespace: 'shop', name: `svc${i}`, portName: 'http', clusterIP: `198.18.129.${10 + i}`, port: 80, endpoints: ['198.19.250.10:8080', '198.19.250.11:8080'],
  }));
};

const podName = (node: string, p: LabPod) => `${node}-${p.name}`;

/** an ordinary Running, ready pod for a lab pod (its uid, ip, and its container id) */
function appPod(node: string, p: LabPod, opts: { crashLoop?: boolean; name?: string; port?: number } = {}): Obj {
  const pod = makePod(opts.crashLoop ? 'gke' : 'eks', { name: opts.name ?? podName(node, p), namespace: p.namespace, node, ip: p.ip, uid: p.uid, hostIP: lab.node(node).address });
  const st = pod.status.containerStatuses[0];
  st.containerID = `containerd://${p.containerId}`;
  pod.spec.containers = [{ ...pod.spec.containers[0], name: st.name, ports: [{ containerPort: opts.port ?? 8080, name: 'http', protocol: 'TCP' }] }];
  pod.status.containerStatuses = [st];
  return pod;
}

/** a node agent's DaemonSet pod (hostNetwork), Running and ready, or crash-looping (restartCount 7) */
function agentPod(node: string, ds: string, a: { podUid: string; containerId: string }, crashLoop = false): Obj {
  const pod = makePod('hostnetwork', { name: `${ds}-${node}`, namespace: 'kube-system', node, uid: a.podUid, hostIP: lab.node(node).address });
  pod.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds, uid: `00000000-0000-4000-8000-${Buffer.from(ds).toString('hex').padEnd(12, '0').slice(0, 12)}`, controller: true, blockOwnerDeletion: true }];
  pod.metadata.labels = { 'k8s-app': ds };
  pod.spec.containers = [{ ...pod.spec.containers[0], name: ds, ports: [] }];
  const st = { ...pod.status.containerStatuses[0], name: ds, containerID: `containerd://${a.containerId}` };
  if (crashLoop) {
    Object.assign(st, {
      ready: false, started: false, restartCount: 7,
      state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=${ds} pod=${ds}-${node}_kube-system(${a.podUid})` } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', containerID: `containerd://${a.containerId}`, startedAt: '2026-12-02T14:00:00Z', finishedAt: '2026-12-02T14:00:03Z' } },
    });
    pod.status.conditions = pod.status.conditions.map((c: Obj) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False' } : c));
  } else {
    Object.assign(st, { ready: true, started: true, restartCount: 0, state: { running: { startedAt: '2026-12-02T14:00:00Z' } }, lastState: {} });
  }
  pod.status.containerStatuses = [st];
  pod.status.phase = 'Running';
  return pod;
}

/** every node: kube-proxy running with its DaemonSet pod, healthy kube-proxy rules in nft, the lab's pods in the API */
async function baseline(node: string, opts: { rules?: boolean; agent?: boolean } = {}): Promise<void> {
  if (opts.agent !== false) {
    const a = await lab.startAgent(node, 'kube-proxy');
    agents.set(node, a);
    api.addPod(agentPod(node, 'kube-proxy', a));
  }
  if (opts.rules !== false) await kubeProxyRules(lab, node, { services: servicesOf(node), clusterCidr: CLUSTER_CIDR });
}

async function inject(node: string): Promise<void> {
  const n = lab.node(node);
  const pod0 = n.pods[0];
  switch (node) {
    case 'f-fwd': await baseline(node); await forwardDrop(lab, node); break;
    case 'f-split': await baseline(node); await dockerLegacyChain(lab, node); break;
    case 'f-markdrop':
      await baseline(node, { rules: false });
      await kubeProxyRules(lab, node, { services: servicesOf(node), clusterCidr: CLUSTER_CIDR, missing: 'KUBE-MARK-DROP' });
      // kubelet keeps it in the legacy backend only (kubelet ≥ 1.28 makes none: a missing chain alone is not a fault)
      await kubeletLegacyMarkDrop(lab, node);
      break;
    case 'f-kubesvcs':
      await baseline(node, { rules: false });
      await kubeProxyRules(lab, node, { services: servicesOf(node), clusterCidr: CLUSTER_CIDR, missing: 'KUBE-SERVICES' });
      break;
    case 'f-nftkp':
      await baseline(node, { rules: false });
      await kubeProxyNftRules(lab, node, { services: servicesOf(node), clusterCidr: CLUSTER_CIDR, hooked: false });
      subjects.set(node, 'ip kube-proxy services');
      break;
    case 'f-agent': {
      // the API lists kube-proxy Running and ready on this node; no such process runs here
      await baseline(node, { agent: false });
      const ghost = { podUid: '6d1c0de0-0000-4000-8000-00000000a9e1', containerId: 'ab'.repeat(32) };
      api.addPod(agentPod(node, 'kube-proxy', ghost));
      subjects.set(node, `kube-system/kube-proxy-${node}`);
      break;
    }
    case 'f-crash': {
      await baseline(node);
      const calico = await lab.startAgent(node, 'calico-node');
      api.addPod(agentPod(node, 'calico-node', calico, true));
      subjects.set(node, `kube-system/calico-node-${node}`);
      break;
    }
    case 'f-route': await baseline(node); await deletePodRoute(lab, node, pod0!); subjects.set(node, `${pod0!.namespace}/${podName(node, pod0!)}`); break;
    case 'f-cidr': await baseline(node); await deletePodCidrRoute(lab, node); break;
    case 'f-orphan': await baseline(node); await orphanNetnsVeth(lab, node); break;
    case 'f-hairpin':
      await baseline(node);
      await setHairpin(lab, node, pod0!, false);
      await serviceDnat(lab, node, HAIRPIN_VIP, 80, pod0!);
      await setBridgeNfCallIptables(lab, node, false);
      expect(await hairpinConnect(lab, node, pod0!, HAIRPIN_VIP, 80, 2)).toMatch(/^failed/);
      break;
    case 'f-selinux': await baseline(node); await selinuxEnforcing(lab, node); break;
    case 'f-stale': {
      await baseline(node);
      const st = await injectStaleProcess(lab, api, node, { name: 'web', namespace: 'shop' });
      staleUids.add(st.pod.uid);
      subjects.set(node, 'shop/web');
      break;
    }
    case 'f-outlier':
      await baseline(node, { rules: false });
      await kubeProxyRules(lab, node, { services: servicesOf(node, 5), clusterCidr: CLUSTER_CIDR });
      await setIpForward(lab, node, false);
      subjects.set(node, 'sysctl:net.ipv4.ip_forward');
      break;
    default: await baseline(node);
  }
  // the lab's pods (the stale-process pod is in the API already); f-selinux's pod crash-loops
  for (const p of n.pods.filter((x) => !staleUids.has(x.uid))) api.addPod(appPod(node, p, { crashLoop: node === 'f-selinux' }));
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('the fault lab e2e test must run as root (namespaces); it is not skipped');
  lab = await startLab({ nodes: [
    { name: 'h-bridge', kind: 'bridge', pods: 2 },
    { name: 'h-routed', kind: 'routed', pods: 2, cgroupDriver: 'systemd' },
    ...Object.entries(FAULTS).map(([name, f]) => ({ name, ...f.spec })),
  ] });
  api = await TestApiServer.start();
  for (const n of lab.nodes) api.addNode(makeNode('gke', { name: n.name, pool: POOL, internalIP: n.address, podCIDR: n.podCidr }));
  // nodes in parallel, each node's steps in order
  await Promise.all(lab.nodes.map((n) => inject(n.name)));
  kubeconfig = api.kubeconfig(`${lab.dir}/kubeconfig`);
}, 180_000);

afterAll(async () => {
  killTmuxServer(SERVER);
  await api?.stop();
  await lab?.stop();
});

const SERVER = `nwfaults-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', SERVER, ...args], { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-p', '-t', 'f');

describe('issue 10: every fault is found on its node, nothing on the healthy ones', () => {
  it('--once --json: each faulty node has its problem code; the healthy nodes have no warn or crit', async () => {
    const r = await runNetwatch(['--kubeconfig', kubeconfig, '-F', lab.sshConfigPath, '--nodes', POOL, '--once', '--json', '--processes'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.nodes.map((n: Obj) => n.node).sort()).toEqual(lab.nodes.map((n) => n.name).sort());
    const problems = (name: string): Obj[] => rep.nodes.find((n: Obj) => n.node === name).problems;
    for (const [name, f] of Object.entries(FAULTS)) {
      const got = problems(name).filter((p) => p.code === f.code);
      expect.soft(got, `${name}: ${JSON.stringify(problems(name))}`).not.toHaveLength(0);
      if (f.severity) expect.soft(got.map((p) => p.severity), name).toContain(f.severity);
      const subject = subjects.get(name);
      if (subject) expect.soft(got.map((p) => p.subject), name).toContain(subject);
    }
    // the outlier differs from the pool in ip_forward, eth0's MTU and the KUBE-SVC chain count
    expect(problems('f-outlier').filter((p) => p.code === 'pool-outlier').length).toBeGreaterThanOrEqual(3);
    for (const name of HEALTHY) {
      const bad = problems(name).filter((p) => p.severity !== 'info');
      expect(bad, `${name}: ${JSON.stringify(bad)}`).toEqual([]);
      expect(problems(name).map((p) => p.code)).not.toContain('pool-outlier');
    }
  }, 150_000);

  it('live UI: the checks pane of f-fwd shows iptables-forward-drop flagged (slow checks every 5 s)', async () => {
    const cmd = `TERM=xterm-256color ${process.execPath} ${BIN} --kubeconfig ${kubeconfig} -F ${lab.sshConfigPath} --nodes ${POOL} --slow-every 5; echo "EXITED $?"; sleep 600`;
    tmux('new-session', '-d', '-x', '180', '-y', '50', '-s', 'f', cmd);
    const until = async (what: string, fn: (s: string) => boolean, ms = 30_000): Promise<string> => {
      let last = '';
      try { return await waitFor(what, () => ((last = screen()), fn(last) ? last : false), ms, 100); } catch (e) { throw new Error(`${(e as Error).message}; the screen:\n${last}`); }
    };
    await until('every node live', (s) => (s.match(/ live /g) ?? []).length >= lab.nodes.length, 60_000);
    tmux('send-keys', '-t', 'f', '-l', '/f-fwd');
    tmux('send-keys', '-t', 'f', 'Enter');
    await until('filtered to f-fwd', (s) => s.includes('nodes 1–1 of 1'));
    tmux('send-keys', '-t', 'f', 'Enter');
    await until('f-fwd detail', (s) => s.includes('f-fwd') && !s.includes('nodes 1–1 of 1'));
    // tab to the checks pane: the active pane's tab is drawn as [name N]
    const active = (x: string): string => /\[(\w+) \d+\]/.exec(x)?.[1] ?? '';
    for (let i = 0; i < 3 && active(screen()) !== 'checks'; i++) {
      const before = active(screen());
      tmux('send-keys', '-t', 'f', 'Tab');
      await until('the next pane', (x) => active(x) !== before, 5000);
    }
    const s = await until('iptables-forward-drop in the checks pane', (x) => active(x) === 'checks' && /\biptables-forward-drop\b/.test(x), 15_000);
    expect(s).toMatch(/CRIT\S* +iptables-forward-drop/i);
    expect(s).not.toContain('EXITED');
  }, 120_000);
});
