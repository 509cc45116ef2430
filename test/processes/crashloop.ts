/**
 * A made-up node for the ownership and UI tests (see ownership.test.ts for what is on it), as
 * collect.sh output through scenario.ts, so everything goes through the real parser.
 */
import { processViewFromOutput } from '../../src/sources/processes/collect.js';
import type { NetnsView, ProcessView } from '../../src/sources/processes/types.js';
import type { ContainerInfo, PodInfo } from '../../src/sources/types.js';
import { cid, nodeOutput, podCgroupfs, podCgroupSystemd, type NodeSpec, type Proc } from './scenario.js';

export const UA = '3a4917f9-d29b-4a67-aa92-d674f558e951';
export const UB = '5188f397-7cba-4d83-b3e4-7819c0695be1';
export const UC = 'f7af04c7-7909-4dce-9797-21679d23575f';
export const UL = '14f0f99b-7647-4969-988b-40ae634a834d';
export const [SA, OLD, NEW, PREV, SB, B1, SC, C1, E1, SL, L1] = ['sa', 'old', 'new', 'prev', 'sb', 'b1', 'sc', 'c1', 'e1', 'sl', 'l1'].map(cid) as string[];

export const procs: Proc[] = [
  // shop/web: systemd driver (underscores in the slice), netns 100
  { pid: 200, comm: 'pause', netns: 100, start: 1000, cgroup: podCgroupSystemd(UA, SA!), args: ['/pause'] },
  { pid: 201, comm: 'web', netns: 100, start: 1100, cgroup: podCgroupSystemd(UA, OLD!), args: ['/web', '--port=8080'], sockets: [5001] },
  // shop/api: cgroupfs driver, netns 101
  { pid: 300, comm: 'pause', netns: 101, start: 2000, cgroup: podCgroupfs(UB, SB!), args: ['/pause'] },
  { pid: 301, comm: 'api', netns: 101, start: 2100, cgroup: podCgroupfs(UB, B1!), args: ['/api'], sockets: [5002] },
  { pid: 302, ppid: 301, comm: 'api-worker', netns: 101, start: 2200, cgroup: podCgroupfs(UB, B1!), sockets: [5002] },
  { pid: 303, ppid: 301, comm: 'sh', state: 'Z' },
  { pid: 304, ppid: 301, comm: 'sh', state: 'Z' },
  { pid: 305, comm: 'tcpdump', netns: 101, start: 9000, cgroup: '/user.slice/user-0.slice/session-3.scope', args: ['tcpdump', '-ni', 'eth0'] },
  // tools/debug: an ephemeral container, netns 102
  { pid: 400, comm: 'pause', netns: 102, start: 3000, cgroup: podCgroupSystemd(UC, SC!) },
  { pid: 401, comm: 'sleep', netns: 102, start: 3100, cgroup: podCgroupSystemd(UC, C1!) },
  { pid: 402, comm: 'sh', netns: 102, start: 3200, cgroup: podCgroupSystemd(UC, E1!) },
  // a deleted pod's namespace, still with processes, netns 103
  { pid: 500, comm: 'pause', netns: 103, start: 500, cgroup: podCgroupfs(UL, SL!) },
  { pid: 501, comm: 'old-job', netns: 103, start: 600, cgroup: podCgroupfs(UL, L1!), sockets: [5003] },
  // `ip netns exec blue dnsmasq`: no container, netns 104
  { pid: 600, comm: 'dnsmasq', netns: 104, start: 700, cgroup: '/system.slice/blue.service' },
  // the node itself (its netns is the script's): never looked at
  { pid: 700, comm: 'kubelet', netns: 4026531833, cgroup: '/system.slice/kubelet.service' },
];
export const listens = [
  { pid: 200, port: 8080, inode: 5001 },
  { pid: 300, file: 'tcp6' as const, port: 9090, inode: 5002 },
  { pid: 500, port: 7000, inode: 5003 },
  { pid: 300, file: 'udp' as const, port: 5353, inode: 5999 },
];

export const ctr = (c: Partial<ContainerInfo> & { name: string }): ContainerInfo => ({
  kind: 'container', ready: true, restartCount: 0, state: 'running', ports: [], ...c,
});
export const pod = (namespace: string, name: string, uid: string, containers: ContainerInfo[], extra: Partial<PodInfo> = {}): PodInfo => ({
  namespace, name, uid, nodeName: 'n1', phase: 'Running', podIPs: [], hostNetwork: false, containers, ...extra,
});
export const bindError = 'listen tcp :8080: bind: address already in use';
export const webCrashLooping = ctr({
  name: 'web', containerID: `containerd://${NEW}`, ready: false, restartCount: 7, state: 'CrashLoopBackOff',
  lastTerminated: { reason: 'Error', message: bindError, exitCode: 1, containerID: `containerd://${NEW}` },
  ports: [{ containerPort: 8080, protocol: 'TCP', name: 'http' }],
});
export const apiPods = (web = webCrashLooping): PodInfo[] => [
  pod('shop', 'web', UA, [web]),
  pod('shop', 'api', UB, [ctr({ name: 'api', containerID: `containerd://${B1}`, ports: [{ containerPort: 9090, protocol: 'TCP' }] })]),
  pod('tools', 'debug', UC, [
    ctr({ name: 'main', containerID: `containerd://${C1}` }),
    ctr({ name: 'debugger-x7k', kind: 'ephemeral', containerID: `containerd://${E1}` }),
  ]),
  pod('kube-system', 'kube-proxy-abc', 'c0ffee00-0000-4000-8000-000000000001', [ctr({ name: 'kube-proxy', containerID: `containerd://${cid('kp')}` })], { hostNetwork: true }),
];

export const view = (spec: Partial<NodeSpec>, pods?: PodInfo[]): ProcessView =>
  processViewFromOutput('n1', nodeOutput({ procs, listens, docker: { error: 'Cannot connect to the Docker daemon' }, ...spec }), pods);
export const ns = (v: ProcessView, inode: number): NetnsView => v.namespaces.find((n) => n.inode === inode)!;
export const owners = (n: NetnsView) => n.processes.map((p) => [p.pid, p.owner]);

