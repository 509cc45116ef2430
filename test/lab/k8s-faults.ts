/**
 * Kubernetes node faults for the diagnosis tests (issue 10), each acting ONLY inside one lab
 * node's namespaces (its netns, mount ns with private /run, PID ns, cgroups). Everything they make
 * dies with the node: iptables rules, named netns, mounts and processes belong to the node's
 * namespaces, which lab.stop() ends. What works on this kernel and what does not: docs/decisions.md,
 * "Lab of faults (issue 10)".
 *
 * - iptables: forwardDrop (filter FORWARD policy DROP, no ACCEPT for the pod CIDR), kubeProxyRules
 *   (a kube-proxy iptables-mode dump, shaped like kubernetes/kubernetes pkg/proxy/iptables
 *   proxier_test.go, written with iptables-restore --noflush into the nft or the legacy backend;
 *   optionally without KUBE-MARK-DROP or KUBE-SERVICES), dockerLegacyChain (a DOCKER nat chain in
 *   iptables-legacy: with kube-proxy rules in nft, the backends are split).
 * - kubeProxyNftRules: kube-proxy's nftables mode (`nft -f`: table ip kube-proxy, optionally with
 *   nothing jumping to its services chain).
 * - agents: startAgent (a real process whose comm is kube-proxy / calico-node, a copy of sleep,
 *   in the node's PID ns and a kubelet-style cgroup of its DaemonSet pod's uid).
 * - routes: deletePodRoute (routed node: a pod's /32), deletePodCidrRoute (bridge node: the
 *   connected route of the pod CIDR on cbr0).
 * - orphanNetnsVeth: `ip netns add cni-…` in the node's mount ns and a veth whose peer is there.
 * - hairpin: setHairpin (bridge port flag), serviceDnat (a ClusterIP DNAT to one pod) and
 *   hairpinConnect (that pod connects to the VIP: DNATed back to itself; conntrack shows reply
 *   src = orig src, unreplied).
 * - selinuxEnforcing: /sys/fs/selinux/enforce = 1 in the node's mount ns only.
 * - setIpForward: the node netns' own net.ipv4.ip_forward.
 * - IPVS cannot be shown in a node here (no ip_vs module): ipvsConnText builds /proc/net/ip_vs_conn
 *   text in the kernel's format for a test root (see docs/decisions.md).
 * A stale process holding a pod's port: test/support/stale.ts (lab.addContainer, the API pod, a crictl on the node).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab, LabPod } from './lab.js';
import { nodeProcsFiles } from './node.js';
import { CLEAN_ENV, joinCgroupsArgv, nsenterNodeArgv, nsInode, waitFor } from './sys.js';
import type { LabCtx, NodeState } from './types.js';
import { spawn } from 'node:child_process';

/** Runs argv in the node (all its namespaces); rejects with stderr on a non-zero exit. */
async function must(lab: Lab, node: string, argv: readonly string[], input?: string): Promise<string> {
  const r = await lab.exec(node, argv, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`lab fault on ${node}: ${argv.slice(0, 4).join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

export type Backend = 'nft' | 'legacy';
const restoreCmd = (b: Backend): string => (b === 'nft' ? 'iptables-nft-restore' : 'iptables-legacy-restore');

// ---- iptables ----------------------------------------------------------------------------------

/** filter FORWARD policy DROP; the node keeps only its RELATED,ESTABLISHED accept (nothing for the pod CIDR). */
export async function forwardDrop(lab: Lab, node: string): Promise<void> {
  await must(lab, node, ['iptables', '-w', '-P', 'FORWARD', 'DROP']);
}

/** RFC 4648 base32 (what Go's base32.StdEncoding prints), for kube-proxy's chain names. */
function base32(buf: Buffer): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let v = 0;
  let out = '';
  for (const b of buf) {
    v = (v << 8) | b;
    bits += 8;
    while (bits >= 5) { out += abc[(v >>> (bits - 5)) & 31]; bits -= 5; }
  }
  if (bits > 0) out += abc[(v << (5 - bits)) & 31];
  return out;
}

/** kube-proxy's servicePortChainName / servicePortEndpointChainName hash (pkg/proxy/iptables/proxier.go). */
export function kubeChainHash(servicePortName: string, protocol: string, endpoint = ''): string {
  return base32(createHash('sha256').update(servicePortName + protocol + endpoint).digest()).slice(0, 16);
}

export interface LabService {
  namespace: string;
  name: string;
  /** port name as in the Service (kube-proxy's "ns/name:port") */
  portName: string;
  clusterIP: string;
  port: number;
  /** endpoint ip:port */
  endpoints: string[];
}

export interface KubeProxyOpts {
  services: LabService[];
  /** the cluster CIDR kube-proxy masquerades traffic from outside of (e.g. 198.19.0.0/16) */
  clusterCidr: string;
  /** leave this chain (and every jump to it) out: a broken kube-proxy */
  missing?: 'KUBE-MARK-DROP' | 'KUBE-SERVICES';
}

/**
 * An iptables-restore input like the one kube-proxy (iptables mode) writes, in the layout of the
 * expected dumps of kubernetes/kubernetes pkg/proxy/iptables/proxier_test.go (filter KUBE-FORWARD,
 * nat KUBE-SERVICES / KUBE-SVC-* / KUBE-SEP-* / KUBE-MARK-MASQ / KUBE-POSTROUTING), plus the
 * KUBE-MARK-DROP chain kubelet and kube-proxy before 1.28 kept (`-j MARK --or-mark 0x8000`), with
 * the real chain-name hashes. Lab addresses only (198.18.0.0/15).
 */
export function kubeProxyDump(o: KubeProxyOpts): string {
  const svc = o.services.map((s) => {
    const spn = `${s.namespace}/${s.name}:${s.portName}`;
    return { ...s, spn, chain: `KUBE-SVC-${kubeChainHash(spn, 'tcp')}`, seps: s.endpoints.map((e) => ({ ep: e, chain: `KUBE-SEP-${kubeChainHash(spn, 'tcp', e)}` })) };
  });
  const noServices = o.missing === 'KUBE-SERVICES';
  const f: string[] = [
    '*filter', ':KUBE-EXTERNAL-SERVICES - [0:0]', ':KUBE-FORWARD - [0:0]', ':KUBE-NODEPORTS - [0:0]', ':KUBE-SERVICES - [0:0]',
    '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    'COMMIT',
  ];
  const n: string[] = ['*nat'];
  n.push(':KUBE-MARK-MASQ - [0:0]', ':KUBE-NODEPORTS - [0:0]', ':KUBE-POSTROUTING - [0:0]');
  if (o.missing !== 'KUBE-MARK-DROP') n.push(':KUBE-MARK-DROP - [0:0]');
  for (const s of svc) for (const e of s.seps) n.push(`:${e.chain} - [0:0]`);
  if (!noServices) n.push(':KUBE-SERVICES - [0:0]');
  for (const s of svc) n.push(`:${s.chain} - [0:0]`);
  if (!noServices) {
    n.push('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    n.push('-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  }
  n.push('-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING');
  n.push('-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN', '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully');
  n.push('-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000');
  if (o.missing !== 'KUBE-MARK-DROP') n.push('-A KUBE-MARK-DROP -j MARK --or-mark 0x8000');
  if (!noServices) {
    for (const s of svc) {
      n.push(`-A KUBE-SERVICES -m comment --comment "${s.spn} cluster IP" -m tcp -p tcp -d ${s.clusterIP} --dport ${s.port} -j ${s.chain}`);
    }
    n.push('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
  }
  for (const s of svc) {
    n.push(`-A ${s.chain} -m comment --comment "${s.spn} cluster IP" -m tcp -p tcp -d ${s.clusterIP} --dport ${s.port} ! -s ${o.clusterCidr} -j KUBE-MARK-MASQ`);
    s.seps.forEach((e, i) => {
      const left = s.seps.length - i;
      const prob = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(10)}` : '';
      n.push(`-A ${s.chain} -m comment --comment "${s.spn} -> ${e.ep}"${prob} -j ${e.chain}`);
    });
    for (const e of s.seps) {
      n.push(`-A ${e.chain} -m comment --comment ${s.spn} -s ${e.ep.split(':')[0]} -j KUBE-MARK-MASQ`);
      n.push(`-A ${e.chain} -m comment --comment ${s.spn} -m tcp -p tcp -j DNAT --to-destination ${e.ep}`);
    }
  }
  n.push('COMMIT');
  return [...f, ...n, ''].join('\n');
}

/** Writes a kube-proxy dump into the node's nft (default) or legacy backend, keeping the node's own rules. */
export async function kubeProxyRules(lab: Lab, node: string, o: KubeProxyOpts & { backend?: Backend }): Promise<string> {
  const dump = kubeProxyDump(o);
  await must(lab, node, [restoreCmd(o.backend ?? 'nft'), '-w', '--noflush'], dump);
  return dump;
}

/**
 * kube-proxy's nftables mode (Kubernetes ≥ 1.29) in the node's netns with `nft -f`: `table ip kube-proxy`
 * shaped like kubernetes/kubernetes pkg/proxy/nftables proxier_test.go (its base chains and maps, a
 * service-HASH-NS/NAME/tcp/PORT chain per Service with an endpoint-… chain per endpoint, the
 * service-ips map), with lab addresses. hooked: false leaves out the base chains' jumps to
 * `services` (kube-proxy's table there, but no Service VIP translated). Needs nft on this machine.
 */
export async function kubeProxyNftRules(lab: Lab, node: string, o: KubeProxyNftOpts): Promise<string> {
  const text = kubeProxyNftText(o);
  await must(lab, node, ['nft', '-f', '-'], text);
  return text;
}

export interface KubeProxyNftOpts { services: LabService[]; clusterCidr: string; hooked?: boolean }

/** the `nft -f` text of kubeProxyNftRules */
export function kubeProxyNftText(o: KubeProxyNftOpts): string {
  const T = 'ip kube-proxy';
  const hash = (x: string) => createHash('sha256').update(x).digest('base64').replace(/[^A-Z2-7]/g, '').slice(0, 8).padEnd(8, 'A');
  const lines = [
    `add table ${T} { comment "rules for kube-proxy" ; }`,
    `add set ${T} cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }`,
    `add map ${T} service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }`,
    `add chain ${T} mark-for-masquerade`,
    `add chain ${T} masquerading`,
    `add chain ${T} services`,
    `add chain ${T} nat-output { type nat hook output priority -100 ; }`,
    `add chain ${T} nat-postrouting { type nat hook postrouting priority 100 ; }`,
    `add chain ${T} nat-prerouting { type nat hook prerouting priority -100 ; }`,
    `add rule ${T} mark-for-masquerade mark set mark or 0x4000`,
    `add rule ${T} masquerading mark and 0x4000 == 0 return`,
    `add rule ${T} masquerading mark set mark xor 0x4000`,
    `add rule ${T} masquerading masquerade fully-random`,
    `add rule ${T} nat-postrouting jump masquerading`,
    `add rule ${T} services ip daddr . meta l4proto . th dport vmap @service-ips`,
  ];
  if (o.hooked !== false) lines.push(`add rule ${T} nat-output jump services`, `add rule ${T} nat-prerouting jump services`);
  for (const sv of o.services) {
    const chain = `service-${hash(`${sv.namespace}/${sv.name}:${sv.portName}`)}-${sv.namespace}/${sv.name}/tcp/${sv.portName}`;
    const eps = sv.endpoints.map((e) => ({ e, chain: `endpoint-${hash(`${sv.namespace}/${sv.name}:${sv.portName}:${e}`)}-${sv.namespace}/${sv.name}/tcp/${sv.portName}__${e.replace(':', '/')}` }));
    lines.push(`add chain ${T} ${chain}`, ...eps.map((x) => `add chain ${T} ${x.chain}`));
    lines.push(`add rule ${T} ${chain} ip daddr ${sv.clusterIP} ip saddr != ${o.clusterCidr} jump mark-for-masquerade`);
    lines.push(`add rule ${T} ${chain} numgen random mod ${eps.length} vmap { ${eps.map((x, i) => `${i} : goto ${x.chain}`).join(' , ')} }`);
    for (const x of eps) {
      lines.push(`add rule ${T} ${x.chain} ip saddr ${x.e.split(':')[0]} jump mark-for-masquerade`, `add rule ${T} ${x.chain} meta l4proto tcp dnat to ${x.e}`);
    }
    lines.push(`add element ${T} cluster-ips { ${sv.clusterIP} }`, `add element ${T} service-ips { ${sv.clusterIP} . tcp . ${sv.port} : goto ${chain} }`);
  }
  return lines.join('\n') + '\n';
}

/** A DOCKER nat chain with a rule, as dockerd writes it, in the node's iptables-legacy backend. */
export async function dockerLegacyChain(lab: Lab, node: string): Promise<void> {
  await must(lab, node, ['iptables-legacy-restore', '-w', '--noflush'], [
    '*nat', ':DOCKER - [0:0]',
    '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
    '-A DOCKER -i docker0 -j RETURN',
    'COMMIT', '',
  ].join('\n'));
}

/**
 * The Japanese post-mortem's split: kubelet (on the legacy backend) keeps KUBE-MARK-DROP in
 * iptables-legacy while kube-proxy writes its rules through nft, where the chain is missing.
 */
export async function kubeletLegacyMarkDrop(lab: Lab, node: string): Promise<void> {
  await must(lab, node, ['iptables-legacy-restore', '-w', '--noflush'], [
    '*nat', ':KUBE-MARK-DROP - [0:0]',
    '-A KUBE-MARK-DROP -j MARK --or-mark 0x8000',
    'COMMIT', '',
  ].join('\n'));
}

// ---- node agents -------------------------------------------------------------------------------

export interface LabAgent {
  comm: string;
  /** pid inside the node */
  pid: number;
  hostPid: number;
  /** the DaemonSet pod's uid whose kubelet-style cgroup the process is in */
  podUid: string;
  containerId: string;
  /** container cgroup as seen inside the node */
  cgroupPath: string;
}

const AGENT_COMM = /^[a-z][a-z0-9-]{0,14}$/;

/**
 * A real process named like a node agent (kube-proxy, calico-node): a copy of /bin/sleep named so,
 * run as `<comm> infinity` in the node's netns (agents are hostNetwork), PID, mount and cgroup
 * namespaces, in cgroup kubepods/besteffort/pod<uid>/<cid> (cgroupfs) or the systemd-driver
 * equivalent. It dies with the node.
 */
export async function startAgent(ctx: LabCtx, node: NodeState, comm: string, opts: { podUid?: string; containerId?: string } = {}): Promise<LabAgent> {
  if (!AGENT_COMM.test(comm)) throw new Error(`lab: bad agent name ${comm}`);
  const podUid = opts.podUid ?? randomUUID();
  const containerId = opts.containerId ?? randomBytes(32).toString('hex');
  const bin = join(ctx.dir, node.name, 'agents', comm);
  mkdirSync(join(ctx.dir, node.name, 'agents'), { recursive: true, mode: 0o700 });
  copyFileSync('/bin/sleep', bin);
  const ctr = node.cgroupDriver === 'systemd'
    ? `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${podUid.replace(/-/g, '_')}.slice/cri-containerd-${containerId}.scope`
    : `/kubepods/besteffort/pod${podUid}/${containerId}`;
  for (const c of node.cgroups) mkdirSync(join(c, ctr), { recursive: true });
  const inNode = ctx.hierarchies.map((h) => `/sys/fs/cgroup/${h.dir}${ctr}/cgroup.procs`);
  const argv = joinCgroupsArgv(nodeProcsFiles(node), nsenterNodeArgv(node.holderPid, joinCgroupsArgv(inNode, [bin, 'infinity'])));
  const child = spawn(argv[0]!, argv.slice(1), { env: CLEAN_ENV, stdio: 'ignore' });
  child.on('error', () => {});
  child.unref();
  const procs = join(node.cgroups[0]!, ctr, 'cgroup.procs');
  const hostPid = await waitFor(`agent ${comm} on ${node.name}`, () => {
    if (child.exitCode !== null) throw new Error(`lab: agent ${comm} exited ${child.exitCode}`);
    const pid = Number(readFileSync(procs, 'utf8').trim().split('\n')[0] || 0);
    if (!pid) return undefined;
    try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm ? pid : undefined; } catch { return undefined; }
  });
  if (nsInode(hostPid, 'net') !== nsInode(node.holderPid, 'net')) throw new Error(`lab: agent ${comm} not in the node netns`);
  const m = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${hostPid}/status`, 'utf8'));
  const pid = Number(m?.[1]?.trim().split(/\s+/).pop());
  return { comm, pid, hostPid, podUid, containerId, cgroupPath: ctr };
}

// ---- routes ------------------------------------------------------------------------------------

/** Routed node: deletes the pod's /32 route (the pod stays, its veth stays up). */
export async function deletePodRoute(lab: Lab, node: string, pod: LabPod): Promise<void> {
  if (lab.node(node).kind !== 'routed') throw new Error(`lab: ${node} is not a routed node`);
  await must(lab, node, ['ip', 'route', 'del', `${pod.ip}/32`, 'dev', pod.hostVeth]);
}

/** Bridge node: deletes the connected route of its pod CIDR on cbr0 (spec.podCIDR is covered by nothing). */
export async function deletePodCidrRoute(lab: Lab, node: string): Promise<void> {
  const n = lab.node(node);
  if (n.kind !== 'bridge') throw new Error(`lab: ${node} is not a bridge node`);
  await must(lab, node, ['ip', 'route', 'del', n.podCidr, 'dev', 'cbr0']);
}

// ---- a veth into a named netns with no pod ---------------------------------------------------

/** In the node's mount namespace (/run is the node's own tmpfs): `ip netns add NAME`, and a veth
 *  pair with the host side HOSTVETH and `eth0` in NAME, both up (what a CNI plugin leaves behind
 *  when a pod is gone but its netns was not deleted). */
const ORPHAN_SCRIPT = `set -e
ip netns add "$1"
ip link add "$2" type veth peer name eth0 netns "$1"
ip -n "$1" link set lo up
ip -n "$1" link set eth0 up
ip link set "$2" up`;

export async function orphanNetnsVeth(lab: Lab, node: string, opts: { netns?: string; hostVeth?: string } = {}): Promise<{ netns: string; hostVeth: string }> {
  const netns = opts.netns ?? `cni-${randomUUID()}`;
  const hostVeth = opts.hostVeth ?? `veth${randomBytes(4).toString('hex')}`;
  if (!/^cni-[0-9a-f-]{1,60}$/.test(netns) || !/^veth[0-9a-f]{1,11}$/.test(hostVeth)) throw new Error('lab: bad orphan names');
  await must(lab, node, ['sh', '-c', ORPHAN_SCRIPT, 'sh', netns, hostVeth]);
  return { netns, hostVeth };
}

// ---- hairpin -----------------------------------------------------------------------------------

/** The bridge port's hairpin flag (kubelet's --hairpin-mode=hairpin-veth sets it on). */
export async function setHairpin(lab: Lab, node: string, pod: LabPod, on: boolean): Promise<void> {
  await must(lab, node, ['ip', 'link', 'set', 'dev', pod.hostVeth, 'type', 'bridge_slave', 'hairpin', on ? 'on' : 'off']);
}

/** A ClusterIP-like DNAT in the node's nat PREROUTING (nft backend): VIP:port -> pod:listenPort. */
export async function serviceDnat(lab: Lab, node: string, vip: string, port: number, pod: LabPod): Promise<void> {
  await must(lab, node, ['iptables', '-w', '-t', 'nat', '-A', 'PREROUTING', '-d', vip, '-p', 'tcp', '--dport', String(port),
    '-j', 'DNAT', '--to-destination', `${pod.ip}:${pod.listenPort}`]);
}

/**
 * The node netns' own net.bridge.bridge-nf-call-iptables (per netns on this kernel; default 1).
 * With 1, a pod's SYN to a VIP DNATed to itself is DNATed inside the bridge (br_netfilter) and
 * bridged back out of its ingress port, which a port with hairpin off refuses: the packet dies
 * before conntrack confirms the entry, so `conntrack -L` shows nothing. With 0 the SYN is routed
 * (nat PREROUTING on cbr0, out cbr0 to the pod, which drops a packet from its own address): the
 * entry is confirmed, SYN_SENT, UNREPLIED, reply src = orig src. hairpinConnect needs 0.
 */
export async function setBridgeNfCallIptables(lab: Lab, node: string, on: boolean): Promise<void> {
  await must(lab, node, ['sysctl', '-qw', `net.bridge.bridge-nf-call-iptables=${on ? 1 : 0}`]);
}

/**
 * From inside the pod, one connect to vip:port (bounded by timeoutS): DNATed back to the pod
 * itself, the SYN goes unanswered. Resolves with what the connect said (it is expected to fail).
 * The node's conntrack keeps the UNREPLIED entry (reply src = orig src) for its SYN_SENT timeout.
 */
export async function hairpinConnect(lab: Lab, node: string, pod: LabPod, vip: string, port: number, timeoutS = 2): Promise<string> {
  const r = await lab.execInPod(node, pod.name, ['perl', '-MIO::Socket::INET', '-e',
    'my $s = IO::Socket::INET->new(PeerAddr => $ARGV[0], Timeout => $ARGV[1]); print $s ? "connected\\n" : "failed: $@\\n";',
    `${vip}:${port}`, String(timeoutS)], { timeoutMs: (timeoutS + 5) * 1000 });
  return r.stdout.trim();
}

// ---- SELinux, sysctls ----------------------------------------------------------------------------

/**
 * SELinux enforcing as the node's /sys/fs/selinux/enforce shows it, in the node's mount namespace
 * only. This kernel has no SELinux, so /sys/fs/selinux does not exist and sysfs allows no mkdir:
 * /sys/fs becomes a tmpfs (the node's cgroup mounts are moved onto it first, so they stay), with
 * selinux/enforce = "1". Pods started before keep their own /sys.
 */
const SELINUX_SCRIPT = `set -e
if [ -e /sys/fs/selinux/enforce ]; then echo 1 > /run/nwlab-enforce; mount --bind /run/nwlab-enforce /sys/fs/selinux/enforce; exit 0; fi
mkdir -p /run/nwlab-cgroup
mount --move /sys/fs/cgroup /run/nwlab-cgroup
mount -t tmpfs -o mode=755 sysfs-fs /sys/fs
mkdir /sys/fs/cgroup /sys/fs/selinux
mount --move /run/nwlab-cgroup /sys/fs/cgroup
echo 1 > /sys/fs/selinux/enforce
mount -o remount,ro,bind /sys/fs
rmdir /run/nwlab-cgroup`;

export async function selinuxEnforcing(lab: Lab, node: string): Promise<void> {
  await must(lab, node, ['sh', '-c', SELINUX_SCRIPT]);
}

/** The node netns' own net.ipv4.ip_forward (per network namespace; the host's is untouched). */
export async function setIpForward(lab: Lab, node: string, on: boolean): Promise<void> {
  await must(lab, node, ['sysctl', '-qw', `net.ipv4.ip_forward=${on ? 1 : 0}`]);
}

// ---- IPVS (not available on this kernel) -------------------------------------------------------

export interface IpvsConn { client: string; clientPort: number; vip: string; vport: number; dest: string; dport: number; state: string; expires: number }

const hexIp = (ip: string): string => ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0').toUpperCase()).join('');
const hexPort = (p: number): string => p.toString(16).toUpperCase().padStart(4, '0');

/**
 * /proc/net/ip_vs_conn text in the kernel's format (net/netfilter/ipvs/ip_vs_conn.c,
 * ip_vs_conn_seq_show: hex addresses and ports, state name, expires in seconds), for a test root
 * (NW_SAMPLER_ROOT) since no lab node can have a real one here.
 */
export function ipvsConnText(conns: IpvsConn[]): string {
  const head = 'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n';
  return head + conns.map((c) => `TCP ${hexIp(c.client)} ${hexPort(c.clientPort)} ${hexIp(c.vip)} ${hexPort(c.vport)} ${hexIp(c.dest)} ${hexPort(c.dport)} ${c.state.padEnd(11)} ${String(c.expires).padStart(7)}\n`).join('');
}

/** Does this kernel have IPVS in the node's netns? (no: /proc/net/ip_vs is absent without ip_vs) */
export async function hasIpvs(lab: Lab, node: string): Promise<boolean> {
  return (await lab.exec(node, ['test', '-e', '/proc/net/ip_vs'])).code === 0;
}

