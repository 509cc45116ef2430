/** Pods of a lab node (netns + process in a kubelet-style cgroup) and generated connections. */
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { nodeProcsFiles } from './node.js';
import {
  CLEAN_ENV, innerPid, joinCgroupsArgv, nsInode, nsenterNodeArgv, run, runInNetns, waitFor,
} from './sys.js';
import { treePostOrder } from './teardown.js';
import type {
  AddContainerOpts, AddPodOpts, ExecOpts, ExecResult, LabContainer, LabCtx, LabPod, NodeState,
} from './types.js';

/** A pod's main process: accepts TCP connections on $ARGV[0] and keeps them open. */
const LISTENER = `use IO::Socket::INET; $0 = "pod-listener";
my $s = IO::Socket::INET->new(LocalPort => $ARGV[0], Listen => 1024, ReuseAddr => 1) or die "listen: $!";
my @c; while (my $c = $s->accept) { push @c, $c }`;

/** Opens $ARGV[0] connections round-robin to the targets (ip:port), or to a loopback listener
 * of its own when no target is given; prints "ready"; holds them until stdin closes. */
const CLIENT = `use IO::Socket::INET; my ($n, @t) = @ARGV; my (@c, $l);
if (!@t) { $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1024) or die "listen: $!";
  @t = ('127.0.0.1:' . $l->sockport) }
for my $i (0 .. $n - 1) { my $to = $t[$i % @t];
  my $s = IO::Socket::INET->new(PeerAddr => $to, Timeout => 5) or die "connect $to: $!";
  push @c, $s; push @c, $l->accept if $l }
$| = 1; print "ready\\n"; 1 while <STDIN>;`;

/** A pod's own mount namespace: a sysfs of its netns (so /sys/class/net shows eth0), then exec. */
const POD_MOUNTS = 'mount -t sysfs sysfs /sys && exec "$@"';

/** In the node's netns. Args: veth kind podip podHostPid mtu. */
const NODE_SIDE = `set -e
ip link add "$1" mtu "$5" type veth peer name eth0 mtu "$5" netns "$4"
if [ "$2" = bridge ]; then ip link set "$1" master cbr0 up
else sysctl -qw "net.ipv4.conf.$1.proxy_arp=1"; ip link set "$1" up; ip route add "$3/32" dev "$1" scope link; fi`;

/** In the pod's netns. Args: ip prefixlen gateway kind. */
const POD_SIDE = `set -e
ip link set lo up
ip addr add "$1/$2" dev eth0
ip link set eth0 up
if [ "$4" = routed ]; then ip route add "$3" dev eth0 scope link; fi
ip route add default via "$3" dev eth0`;

function cgroupPaths(driver: NodeState['cgroupDriver'], uid: string, cid: string): { pod: string; ctr: string } {
  if (driver === 'systemd') {
    const pod = `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid.replace(/-/g, '_')}.slice`;
    return { pod, ctr: `${pod}/cri-containerd-${cid}.scope` };
  }
  const pod = `/kubepods/besteffort/pod${uid}`;
  return { pod, ctr: `${pod}/${cid}` };
}

export async function addPod(ctx: LabCtx, node: NodeState, opts: AddPodOpts = {}): Promise<LabPod> {
  const name = opts.name ?? `pod-${node.nextPodOctet - 9}`;
  const namespace = opts.namespace ?? 'default';
  if (node.pods.some((p) => p.name === name && p.namespace === namespace)) throw new Error(`lab: pod ${namespace}/${name} exists on ${node.name}`);
  const octet = node.nextPodOctet++;
  if (octet > 254) throw new Error(`lab: node ${node.name} is out of pod addresses`);
  const uid = opts.uid ?? randomUUID();
  const containerId = opts.containerId ?? randomBytes(32).toString('hex');
  if (!/^[0-9a-f]{64}$/.test(containerId)) throw new Error(`lab: bad container id ${containerId}`);
  const listenPort = opts.listenPort ?? 8080;
  const ip = `198.19.${node.index}.${octet}`;
  const hash = createHash('sha1').update(`${namespace}.${name}.${uid}`).digest('hex');
  const hostVeth = node.kind === 'bridge' ? `veth${hash.slice(0, 8)}` : `cali${hash.slice(0, 11)}`;
  const paths = cgroupPaths(node.cgroupDriver, uid, containerId);
  const cmd = listenPort > 0 ? ['perl', '-e', LISTENER, String(listenPort)] : ['sleep', 'infinity'];
  const hostPid = await startInCgroup(ctx, node, paths.ctr, cmd);
  const gw = node.kind === 'bridge' ? `198.19.${node.index}.1` : '169.254.1.1';
  await runInNetns(node.holderPid, ['sh', '-c', NODE_SIDE, 'sh', hostVeth, node.kind, ip, String(hostPid), String(node.mtu)]);
  await runInNetns(hostPid, ['sh', '-c', POD_SIDE, 'sh', ip, node.kind === 'bridge' ? '24' : '32', gw, node.kind]);
  const pod: LabPod = {
    name, namespace, uid, ip, containerId, hostVeth, pids: [innerPid(hostPid) ?? 0], hostPids: [hostPid],
    podCgroupPath: paths.pod, cgroupPath: paths.ctr, listenPort: listenPort > 0 ? listenPort : undefined, extraContainers: [],
  };
  node.pods.push(pod);
  return pod;
}

/**
 * Starts cmd in the node's PID and cgroup namespaces, in container cgroup `ctr` (node view), and
 * either in new net + mount namespaces (a new pod) or in those of node pid `joinPid` (one more
 * container of a pod). Resolves with the host pid once cmd runs.
 */
async function startInCgroup(ctx: LabCtx, node: NodeState, ctr: string, cmd: string[], joinPid?: number): Promise<number> {
  for (const c of node.cgroups) mkdirSync(join(c, ctr), { recursive: true });
  const inNode = ctx.hierarchies.map((h) => `/sys/fs/cgroup/${h.dir}${ctr}/cgroup.procs`);
  const enter = joinPid === undefined
    ? ['unshare', '--net', '--mount', '--propagation', 'private', '--', 'sh', '-c', POD_MOUNTS, 'sh']
    : ['nsenter', `--net=/proc/${joinPid}/ns/net`, `--mount=/proc/${joinPid}/ns/mnt`, '--'];
  const argv = joinCgroupsArgv(nodeProcsFiles(node), nsenterNodeArgv(node.holderPid, joinCgroupsArgv(inNode, [...enter, ...cmd])));
  const child = spawn(argv[0]!, argv.slice(1), { env: CLEAN_ENV, stdio: 'ignore' });
  child.on('error', () => {});
  child.unref();
  const procs = join(node.cgroups[0]!, ctr, 'cgroup.procs');
  const nodeNet = nsInode(node.holderPid, 'net');
  return waitFor(`process in ${ctr}`, () => {
    if (child.exitCode !== null) throw new Error(`lab: ${cmd[0]} in ${ctr} exited ${child.exitCode}`);
    const pid = Number(readFileSync(procs, 'utf8').trim().split('\n')[0] || 0);
    if (!pid) return undefined;
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    return !['sh', 'unshare', 'nsenter'].includes(comm) && nsInode(pid, 'net') !== nodeNet ? pid : undefined;
  });
}

/** One more container in a pod's namespaces, with its own container cgroup (e.g. a process the
 * runtime forgot: a stale listener). */
export async function addContainer(ctx: LabCtx, node: NodeState, podName: string, opts: AddContainerOpts = {}): Promise<LabContainer> {
  const pod = findPod(node, podName);
  const containerId = opts.containerId ?? randomBytes(32).toString('hex');
  if (!/^[0-9a-f]{64}$/.test(containerId)) throw new Error(`lab: bad container id ${containerId}`);
  const ctr = node.cgroupDriver === 'systemd' ? `${pod.podCgroupPath}/cri-containerd-${containerId}.scope` : `${pod.podCgroupPath}/${containerId}`;
  const listenPort = opts.listenPort ?? 0;
  const cmd = listenPort > 0 ? ['perl', '-e', LISTENER, String(listenPort)] : ['sleep', 'infinity'];
  const hostPid = await startInCgroup(ctx, node, ctr, cmd, pod.pids[0]);
  const c: LabContainer = { containerId, cgroupPath: ctr, pids: [innerPid(hostPid) ?? 0], hostPids: [hostPid], listenPort: listenPort || undefined };
  pod.extraContainers.push(c);
  return c;
}

export function findPod(node: NodeState, pod: string): LabPod {
  const p = node.pods.find((x) => x.name === pod || `${x.namespace}/${x.name}` === pod || x.uid === pod);
  if (!p) throw new Error(`lab: no pod ${pod} on ${node.name}`);
  return p;
}

/** Kills every process of the pod (all its containers) and removes its cgroups. */
export async function deletePod(node: NodeState, podName: string): Promise<void> {
  const pod = findPod(node, podName);
  const dirs = treePostOrder(join(node.cgroups[0]!, pod.podCgroupPath));
  await waitFor(`pod ${pod.name} to die`, () => {
    const left = dirs.flatMap((d) => { try { return readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean); } catch { return []; } });
    for (const pid of left) { try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ } }
    return left.length === 0;
  });
  for (const c of node.cgroups) {
    for (const d of treePostOrder(join(c, pod.podCgroupPath))) {
      try { rmdirSync(d); } catch { /* gone */ }
    }
  }
  node.pods = node.pods.filter((p) => p !== pod);
}

export function execInPod(node: NodeState, podName: string, argv: readonly string[], opts: ExecOpts = {}): Promise<ExecResult> {
  const pod = findPod(node, podName);
  const hostPid = pod.hostPids[0]!;
  const procs = node.cgroups.map((c) => join(c, pod.cgroupPath, 'cgroup.procs'));
  return run(joinCgroupsArgv(procs, ['nsenter', '-t', String(hostPid), '--net', '--pid', '--mount', '--cgroup', '--uts', '--', ...argv]),
    { ...opts, allowFail: true });
}

/** Opens n TCP connections from the node's netns (to its pods, or to a loopback listener); they
 * stay open (and tracked by conntrack) until closeConnections. */
export async function makeConnections(node: NodeState, n: number): Promise<void> {
  const targets = node.pods.filter((p) => p.listenPort).map((p) => `${p.ip}:${p.listenPort}`);
  const argv = joinCgroupsArgv(nodeProcsFiles(node), nsenterNodeArgv(node.holderPid, ['perl', '-e', CLIENT, String(n), ...targets]));
  const child = spawn(argv[0]!, argv.slice(1), { env: CLEAN_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
  child.on('error', () => {});
  child.stdin!.on('error', () => {});
  node.conns.push(child);
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { if (d.includes('ready')) resolve(); });
    child.once('exit', (code) => reject(new Error(`lab: connections on ${node.name} failed (${code}): ${err.trim()}`)));
  });
}

export async function closeConnections(node: NodeState): Promise<void> {
  const conns = node.conns;
  node.conns = [];
  await Promise.all(conns.map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.stdin!.end();
  })));
}
