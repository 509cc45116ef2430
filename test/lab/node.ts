/** Bringing up one lab node: holder (PID 1 of the node), uplink, routes, iptables, sshd. */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprint, genKey, sshdConfig } from './ssh.js';
import {
  CLEAN_ENV, isListening, joinCgroupsArgv, nsenterNodeArgv, processesInPidNs, run, runInNetns, sleep, waitFor,
} from './sys.js';
import type { LabCtx, LabNodeSpec, NodeState } from './types.js';

export const UNDERLAY_GW = '198.18.0.1';
export const nodeAddress = (index: number): string => `198.18.0.${10 + index}`;

/**
 * PID 1 of a node. Runs after `unshare --net --pid --mount --cgroup --uts` (private propagation):
 * fresh /proc and /sys (this netns), the node's cgroup-namespace view of each hierarchy, private
 * /run (sshd) and /root, /etc/{passwd,group,shadow,hosts,sudoers.d} from etcdir (see etc.ts),
 * then reaps orphans forever. Args: hostname, etcdir, then (dir, fstype, opts)...
 */
const HOLDER_SCRIPT = `set -e
hostname "$1"; etc=$2; shift 2
for f in passwd group shadow hosts; do mount --bind "$etc/$f" "/etc/$f"; done
if [ -d /etc/sudoers.d ]; then mount --bind "$etc/sudoers.d" /etc/sudoers.d; fi
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
while [ $# -ge 3 ]; do
  mkdir -p "/sys/fs/cgroup/$1"
  if [ "$2" = cgroup2 ]; then mount -t cgroup2 cgroup2 "/sys/fs/cgroup/$1"
  else mount -t cgroup -o "$3" cgroup "/sys/fs/cgroup/$1"; fi
  shift 3
done
mount -t tmpfs -o mode=755 run /run
mkdir -m 755 /run/sshd
mount -t tmpfs -o mode=700 roothome /root
ip link set lo up
echo ready
exec sh -c 'while :; do sleep 3600 & wait; done'`;

/**
 * Network of a node, run in its netns. Args: addr/24 gw mtu kind podcidr bridgeaddr/24,
 * then (cidr via) pairs for the other nodes' pod CIDRs. The MASQUERADE and the conntrack match
 * make conntrack active in this netns.
 */
const NODE_NET_SCRIPT = `set -e
addr=$1 gw=$2 mtu=$3 kind=$4 podcidr=$5 braddr=$6; shift 6
ip link set eth0 mtu "$mtu" up
ip addr add "$addr" dev eth0
ip route add default via "$gw" dev eth0
sysctl -qw net.ipv4.ip_forward=1
if [ "$kind" = bridge ]; then
  ip link add cbr0 type bridge
  ip link set cbr0 mtu "$mtu"
  ip addr add "$braddr" dev cbr0
  ip link set cbr0 up
fi
iptables -w -t nat -A POSTROUTING -s "$podcidr" ! -d 198.19.0.0/16 -j MASQUERADE
iptables -w -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
while [ $# -ge 2 ]; do ip route add "$1" via "$2" dev eth0; shift 2; done`;

export function nodeProcsFiles(node: NodeState, sub = ''): string[] {
  return node.cgroups.map((c) => join(c, sub, 'cgroup.procs'));
}

export async function startNode(ctx: LabCtx, spec: LabNodeSpec, index: number, nodeCount: number): Promise<NodeState> {
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(spec.name)) throw new Error(`lab: bad node name ${JSON.stringify(spec.name)}`);
  const ndir = join(ctx.dir, spec.name);
  mkdirSync(ndir, { mode: 0o700 });
  const cgroups = ctx.labCgroups.map((c) => join(c, spec.name));
  for (const c of cgroups) mkdirSync(c);
  const mtu = spec.mtu ?? 1500;
  const address = nodeAddress(index);
  const hostKeyLine = await genKey(join(ndir, 'ssh_host_ed25519_key'), `nwlab-${spec.name}`);
  const node: NodeState = {
    name: spec.name, kind: spec.kind, index, address, podCidr: `198.19.${index}.0/24`, mtu,
    sshPort: 0, holderPid: 0, hostKeyFingerprint: fingerprint(hostKeyLine), cgroupDriver: spec.cgroupDriver ?? 'cgroupfs',
    pods: [], ...(spec.kind === 'bridge' ? { bridge: 'cbr0' as const } : {}),
    cgroups, sshdConfigPath: join(ndir, 'sshd_config'), sshdLogPath: join(ndir, 'sshd.log'),
    hostKeyLine, uplinkPeer: `up${index}`, conns: [], nextPodOctet: 10,
  };
  writeFileSync(node.sshdConfigPath, sshdConfig({
    listenAddress: address, hostKeyPath: join(ndir, 'ssh_host_ed25519_key'), authorizedKeysPath: ctx.authorizedKeysPath,
  }));

  // Holder: join the node cgroups, then unshare. setpriv/--kill-child make the whole node die with us.
  const mounts = ctx.hierarchies.flatMap((h) => [h.dir, h.mountArgs[1] ?? 'cgroup', h.mountArgs[3] ?? '-']);
  const argv = ['setpriv', '--pdeathsig', 'KILL', ...joinCgroupsArgv(nodeProcsFiles(node), [
    'unshare', '--net', '--pid', '--mount', '--cgroup', '--uts', '--kill-child=SIGKILL', '--propagation', 'private',
    'sh', '-c', HOLDER_SCRIPT, 'sh', spec.name, join(ctx.dir, 'etc'), ...mounts,
  ])];
  const logFd = openSync(join(ndir, 'holder.log'), 'a');
  const holder = spawn(argv[0]!, argv.slice(1), { env: CLEAN_ENV, stdio: ['ignore', 'pipe', logFd] });
  closeSync(logFd);
  node.holder = holder;
  holder.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onExit = (code: number | null): void => {
      reject(new Error(`lab: node ${spec.name} holder exited ${code}: ${readFileSync(join(ndir, 'holder.log'), 'utf8')}`));
    };
    holder.once('exit', onExit);
    holder.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!out.includes('ready')) return;
      holder.off('exit', onExit);
      holder.stdout!.destroy();
      resolve();
    });
  });
  holder.unref();
  node.holderPid = await waitFor(`holder pid of ${spec.name}`, () => {
    const kids = readFileSync(`/proc/${holder.pid}/task/${holder.pid}/children`, 'utf8').trim().split(/\s+/);
    return kids[0] ? Number(kids[0]) : undefined;
  });

  // Uplink: veth from the underlay bridge to the node's eth0.
  await run(['ip', '-n', ctx.underlayNs, 'link', 'add', node.uplinkPeer, 'mtu', String(mtu), 'type', 'veth',
    'peer', 'name', 'eth0', 'mtu', String(mtu), 'netns', String(node.holderPid)]);
  await run(['ip', '-n', ctx.underlayNs, 'link', 'set', node.uplinkPeer, 'master', 'br0', 'up']);
  const routes: string[] = [];
  for (let i = 1; i <= nodeCount; i++) if (i !== index) routes.push(`198.19.${i}.0/24`, nodeAddress(i));
  await runInNetns(node.holderPid, ['sh', '-c', NODE_NET_SCRIPT, 'sh', `${address}/24`, UNDERLAY_GW, String(mtu),
    spec.kind, node.podCidr, `198.19.${index}.1/24`, ...routes]);
  await startSshd(node);
  return node;
}

export async function startSshd(node: NodeState): Promise<void> {
  if (processesInPidNs(node.holderPid).some((p) => p.comm === 'sshd')) throw new Error(`lab: sshd already runs on ${node.name}`);
  const logFd = openSync(node.sshdLogPath, 'a');
  const argv = joinCgroupsArgv(nodeProcsFiles(node), nsenterNodeArgv(node.holderPid, ['/usr/sbin/sshd', '-D', '-e', '-f', node.sshdConfigPath]));
  const sshd = spawn(argv[0]!, argv.slice(1), { env: CLEAN_ENV, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  sshd.on('error', () => {});
  sshd.unref();
  node.sshd = sshd;
  let exited = false;
  sshd.once('exit', () => (exited = true));
  await waitFor(`sshd on ${node.name}`, () => {
    if (exited) throw new Error(`lab: sshd on ${node.name} exited: ${readFileSync(node.sshdLogPath, 'utf8').slice(-1000)}`);
    return isListening(node.holderPid, node.address, 22);
  });
}

/** Kills the node's sshd: the listener and, unless keepSessions, every session process. */
export async function stopSshd(node: NodeState, opts: { keepSessions?: boolean } = {}): Promise<void> {
  const master = node.sshd;
  node.sshd = undefined;
  const victims = processesInPidNs(node.holderPid).filter((p) => p.comm === 'sshd');
  for (const p of victims) {
    if (opts.keepSessions && !isSshdListener(p.pid, node.sshdConfigPath)) continue;
    try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  await waitFor(`sshd to stop on ${node.name}`, () => !isListening(node.holderPid, node.address, 22));
  if (master && master.exitCode === null && master.signalCode === null) {
    await Promise.race([new Promise((r) => master.once('exit', r)), sleep(2000)]);
  }
}

function isSshdListener(pid: number, cfg: string): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.includes('-D') && args.includes(cfg);
  } catch { return false; }
}

/** Pulls the node's cable: the underlay side of its uplink goes down. The node notices no more than carrier loss. */
export async function setUplink(ctx: LabCtx, node: NodeState, up: boolean): Promise<void> {
  await run(['ip', '-n', ctx.underlayNs, 'link', 'set', node.uplinkPeer, up ? 'up' : 'down']);
}
