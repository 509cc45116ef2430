/**
 * The netwatch namespace lab: N "nodes" made of Linux namespaces on this machine (root only).
 *
 *   const lab = await startLab({ nodes: [{ name: 'n1', kind: 'bridge', pods: 2 }, { name: 'n2', kind: 'routed' }] });
 *   await lab.ssh('n1', 'cat /sys/class/net/cbr0/mtu');   // = ssh -F lab.sshConfigPath n1 ...
 *   await lab.stop();
 *
 * Topology
 * - Underlay: netns `nwlab-<id>-net` with bridge br0 (198.18.0.1/24). Node i (1-based) has an
 *   uplink veth `eth0` (198.18.0.<10+i>/24, default route via .1) whose peer `up<i>` is a br0 port.
 * - Node: PID 1 started by `unshare --net --pid --mount --cgroup --uts` after joining the cgroup
 *   <our cgroup>/nwlab-<id>/<node> in every v1 hierarchy but cpuset, and in cgroup2. Inside: fresh
 *   /proc, /sys (its netns), its cgroup-namespace view of /sys/fs/cgroup/<hierarchy>, private /run
 *   and /root, hostname = node name, ip_forward=1, iptables MASQUERADE for the pod CIDR and a
 *   conntrack match (conntrack active; nf_conntrack_max is read-only inside a netns on this kernel,
 *   it shows the host's value), routes to the other nodes' pod CIDRs, its own sshd (own ed25519
 *   host key; root by key only) on <address>:22. Users nwsudo (sudo -n works) and nwpass (sudo
 *   wants a password) exist only inside nodes (bind-mounted /etc/passwd, group, hosts, sudoers.d).
 * - bridge node: cbr0 198.19.<i>.1/24 (MTU = uplink MTU), pods on veth<8hex> ports, pod default
 *   route via cbr0. routed node: cali<11hex> veths with proxy_arp and a /32 route per pod, pods
 *   have <ip>/32 and default via 169.254.1.1 (Calico style).
 * - Pod: its own netns and mount ns with a /sys of that netns (unshare from inside the node, so
 *   its processes are in the node's PID and cgroup namespaces and see the node's /proc), process
 *   `perl` (comm pod-listener: accepts on listenPort, holds connections) or `sleep infinity`, in
 *   cgroup kubepods/besteffort/pod<uid>/<cid> (cgroupfs) or
 *   kubepods.slice/…/kubepods-besteffort-pod<uid_>.slice/cri-containerd-<cid>.scope (systemd).
 * - SSH: a relay process inside the underlay netns accepts on 127.0.0.1:<sshPort> (root netns)
 *   and connects to <address>:22, so SSH crosses the node's uplink: cutLink blackholes it.
 *   No netem on this kernel: `addedRttMs` / setLatency make the relay hold every chunk half that
 *   long in each direction (and dial the node that late), a slow uplink for SSH.
 *   lab.sshConfigPath has `Host <node>` entries (strict host key checking, lab known_hosts).
 * - Cleanup: stop() (idempotent), exit/signal handlers, nodes die with this process (pdeathsig),
 *   and test/lab/cleanup.sh for leftovers of dead owners (registry in /run/nwlab/<id>).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAB_USERS, writeNodeEtc } from './etc.js';
import { nodeAddress, nodeProcsFiles, setUplink, startNode, startSshd, stopSshd } from './node.js';
import { addContainer, addPod, closeConnections, deletePod, execInPod, makeConnections } from './pods.js';
import { genKey, writeClientFiles } from './ssh.js';
import { setDropSyn, setLoginDelay, type LoginDelay } from './faults.js';
import { startAgent, type LabAgent } from './k8s-faults.js';
import { CLEAN_ENV, cgroupHierarchies, joinCgroupsArgv, nsenterNodeArgv, run, runInNetns, sleep } from './sys.js';
import { register, teardownSync, trackLab, untrackLab, type LabRecord } from './teardown.js';
import type {
  AddContainerOpts, AddPodOpts, ExecOpts, ExecResult, LabContainer, LabCtx, LabNode, LabNodeSpec, LabPod, NodeState,
} from './types.js';

export { LAB_USERS } from './etc.js';
export type { LabAgent } from './k8s-faults.js';
export type {
  AddContainerOpts, AddPodOpts, ExecOpts, ExecResult, LabContainer, LabNode, LabNodeSpec, LabPod,
} from './types.js';

export interface StartLabOpts { id?: string; nodes: LabNodeSpec[]; dir?: string }

export interface Lab {
  id: string;
  /** Temp dir: client key, known_hosts, ssh_config, per-node sshd config/logs. */
  dir: string;
  nodes: LabNode[];
  sshConfigPath: string;
  knownHostsPath: string;
  clientKeyPath: string;
  /** Non-root users on every node, same client key: `ssh -F sshConfigPath nwsudo@n1`. */
  users: typeof LAB_USERS;
  node(name: string): LabNode;
  /** Runs argv in all of the node's namespaces and its root cgroup. Never rejects on exit code. */
  exec(node: string, argv: readonly string[], opts?: ExecOpts): Promise<ExecResult>;
  /** Runs argv in the pod's namespaces (net, mount with its own /sys; node PID/cgroup ns), in its container cgroup. */
  execInPod(node: string, pod: string, argv: readonly string[], opts?: ExecOpts): Promise<ExecResult>;
  /** Runs `ssh -F sshConfigPath -o BatchMode=yes <[user@]node> <command>` (the real OpenSSH client). */
  ssh(node: string, command: string, opts?: ExecOpts): Promise<ExecResult>;
  addPod(node: string, opts?: AddPodOpts): Promise<LabPod>;
  /** Another container (own container id and cgroup) in the pod's namespaces, e.g. a stale listener. */
  addContainer(node: string, pod: string, opts?: AddContainerOpts): Promise<LabContainer>;
  /** Kills all of the pod's processes (every container); its veth goes with its netns. */
  deletePod(node: string, pod: string): Promise<void>;
  /** In the node's netns (eth0, cbr0, veth…, cali…). */
  setMtu(node: string, ifname: string, mtu: number): Promise<void>;
  /** Sets the link up/down and waits (≤ 3 s) until its operstate follows. */
  setLink(node: string, ifname: string, up: boolean): Promise<void>;
  /** Kills sshd (listener and sessions; keepSessions: only the listener). New connections fail. */
  stopSshd(node: string, opts?: { keepSessions?: boolean }): Promise<void>;
  startSshd(node: string): Promise<void>;
  /** Takes the underlay side of the node's uplink down: SSH through the relay is blackholed. */
  cutLink(node: string): Promise<void>;
  restoreLink(node: string): Promise<void>;
  /** n TCP connections from the node's netns (to its pods' listeners, else loopback), held open. */
  makeConnections(node: string, n: number): Promise<void>;
  closeConnections(node: string): Promise<void>;
  /** Every root login shell on the node takes this long (its /root/.bashrc); undefined: none. */
  setLoginDelay(node: string, d: LoginDelay | undefined): Promise<void>;
  /** SYNs to the node's port 22 dropped (iptables in the node's netns) or accepted again. */
  setDropSyn(node: string, on: boolean): Promise<void>;
  /**
   * Added round trip (ms, half each way) on the node's SSH path from now on. Open connections
   * follow only on a node started with `addedRttMs` (any value > 0); others: new connections.
   */
  setLatency(node: string, rttMs: number): Promise<void>;
  /** A real process whose comm is `comm` (kube-proxy, calico-node) in the node, in the kubelet-style
   *  cgroup of its DaemonSet pod (podUid): see k8s-faults.ts. Dies with the node. */
  startAgent(node: string, comm: string, opts?: { podUid?: string; containerId?: string }): Promise<LabAgent>;
  stop(): Promise<void>;
}

const RELAY = fileURLToPath(new URL('./relay.mjs', import.meta.url));
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

export async function startLab(opts: StartLabOpts): Promise<Lab> {
  if (process.getuid?.() !== 0) throw new Error('the netwatch lab needs root (network, PID, mount and cgroup namespaces)');
  const id = opts.id ?? randomBytes(3).toString('hex');
  if (!/^[a-z0-9]{1,8}$/.test(id)) throw new Error(`lab: bad id ${id}`);
  const names = new Set(opts.nodes.map((n) => n.name));
  if (names.size !== opts.nodes.length || opts.nodes.length === 0 || opts.nodes.length > 240) throw new Error('lab: node names must be unique, 1..240 nodes');
  const dir = opts.dir ?? join(tmpdir(), `nwlab-${id}`);
  const hierarchies = cgroupHierarchies();
  const ctx: LabCtx = {
    id, dir, underlayNs: `nwlab-${id}-net`, hierarchies,
    labCgroups: hierarchies.map((h) => join(h.hostMount, h.base, `nwlab-${id}`)),
    authorizedKeysPath: join(dir, 'authorized_keys'),
  };
  const rec: LabRecord = { id, dir, netns: ctx.underlayNs, cgroups: ctx.labCgroups };
  mkdirSync(dir, { mode: 0o711 }); // traversable: sshd reads authorized_keys as the login user
  register(rec);
  const lab = new LabImpl(ctx, rec);
  trackLab(id, () => lab.teardown());
  try {
    for (const c of ctx.labCgroups) mkdirSync(join(c, 'relay'), { recursive: true });
    const u = ['ip', '-n', ctx.underlayNs];
    await run(['ip', 'netns', 'add', ctx.underlayNs]);
    await run([...u, 'link', 'set', 'lo', 'up']);
    await run([...u, 'link', 'add', 'br0', 'type', 'bridge']);
    await run([...u, 'addr', 'add', '198.18.0.1/24', 'dev', 'br0']);
    await run([...u, 'link', 'set', 'br0', 'up']);
    writeNodeEtc(dir, opts.nodes.map((n, i) => ({ name: n.name, address: nodeAddress(i + 1) })));
    const clientPub = await genKey(lab.clientKeyPath, `nwlab-${id}-client`);
    writeFileSync(ctx.authorizedKeysPath, `${clientPub}\n`, { mode: 0o644 });
    await lab.startRelay();
    const queue = opts.nodes.map((spec, i) => ({ spec, index: i + 1 }));
    const worker = async (): Promise<void> => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const node = await startNode(ctx, job.spec, job.index, opts.nodes.length);
        lab.all.set(node.name, node);
        node.sshPort = await lab.listenRelay(node.address, (job.spec.addedRttMs ?? 0) / 2);
        for (let p = 0; p < (job.spec.pods ?? 0); p++) await addPod(ctx, node, {});
        if (job.spec.loginDelay) await setLoginDelay(node, job.spec.loginDelay);
        if (job.spec.dropSyn) await setDropSyn(node, true);
      }
    };
    await Promise.all(Array.from({ length: Math.min(6, queue.length) }, worker));
    lab.nodes = opts.nodes.map((s) => lab.all.get(s.name)!);
    writeClientFiles({
      sshConfigPath: lab.sshConfigPath, knownHostsPath: lab.knownHostsPath, clientKeyPath: lab.clientKeyPath,
      hosts: (lab.nodes as NodeState[]).map((n) => ({ name: n.name, port: n.sshPort, hostKeyLine: n.hostKeyLine })),
    });
    return lab;
  } catch (err) {
    await lab.stop();
    throw err;
  }
}

class LabImpl implements Lab {
  readonly id: string;
  readonly dir: string;
  nodes: LabNode[] = [];
  readonly all = new Map<string, NodeState>();
  readonly sshConfigPath: string;
  readonly knownHostsPath: string;
  readonly clientKeyPath: string;
  readonly users = LAB_USERS;
  private relay?: ChildProcess;
  private stopped = false;

  constructor(private readonly ctx: LabCtx, private readonly rec: LabRecord) {
    this.id = ctx.id;
    this.dir = ctx.dir;
    this.sshConfigPath = join(ctx.dir, 'ssh_config');
    this.knownHostsPath = join(ctx.dir, 'known_hosts');
    this.clientKeyPath = join(ctx.dir, 'id_ed25519');
  }

  async startRelay(): Promise<void> {
    const procs = this.ctx.labCgroups.map((c) => join(c, 'relay', 'cgroup.procs'));
    const argv = joinCgroupsArgv(procs, ['nsenter', `--net=/run/netns/${this.ctx.underlayNs}`, process.execPath, RELAY]);
    const relay = spawn(argv[0]!, argv.slice(1), { env: CLEAN_ENV, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    relay.on('error', () => {});
    this.relay = relay;
    await this.relayMessage('ready');
    relay.unref();
    relay.channel?.unref();
  }

  relayMessage(type: string, port?: number): Promise<void> {
    const relay = this.relay!;
    return new Promise((resolve, reject) => {
      const onMsg = (m: { type?: string; port?: number }): void => {
        if (m?.type === type && m.port === port) { done(); resolve(); }
      };
      const onExit = (code: number | null): void => { done(); reject(new Error(`lab: relay exited ${code}`)); };
      const done = (): void => { relay.off('message', onMsg); relay.off('exit', onExit); };
      relay.on('message', onMsg);
      relay.on('exit', onExit);
    });
  }

  /** A listener on 127.0.0.1 (root netns) handed to the relay, forwarding to host:22. */
  async listenRelay(host: string, oneWayMs = 0): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const ack = this.relayMessage('listening', port);
    this.relay!.send({ type: 'listen', host, port: 22, relayPort: port, oneWayMs }, server);
    await ack;
    server.close();
    return port;
  }

  private get(name: string): NodeState {
    const n = this.all.get(name);
    if (!n) throw new Error(`lab: no node ${name}`);
    return n;
  }

  node(name: string): LabNode { return this.get(name); }

  exec(node: string, argv: readonly string[], opts: ExecOpts = {}): Promise<ExecResult> {
    const n = this.get(node);
    return run(joinCgroupsArgv(nodeProcsFiles(n), nsenterNodeArgv(n.holderPid, argv)), { ...opts, allowFail: true });
  }

  execInPod(node: string, pod: string, argv: readonly string[], opts?: ExecOpts): Promise<ExecResult> {
    return execInPod(this.get(node), pod, argv, opts);
  }

  ssh(node: string, command: string, opts: ExecOpts = {}): Promise<ExecResult> {
    this.get(node.slice(node.indexOf('@') + 1));
    return run(['ssh', '-F', this.sshConfigPath, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', node, command], { ...opts, allowFail: true });
  }

  addPod(node: string, opts?: AddPodOpts): Promise<LabPod> { return addPod(this.ctx, this.get(node), opts); }
  addContainer(node: string, pod: string, opts?: AddContainerOpts): Promise<LabContainer> {
    return addContainer(this.ctx, this.get(node), pod, opts);
  }
  deletePod(node: string, pod: string): Promise<void> { return deletePod(this.get(node), pod); }

  async setMtu(node: string, ifname: string, mtu: number): Promise<void> {
    if (!IFNAME.test(ifname) || !Number.isInteger(mtu)) throw new Error(`lab: bad setMtu ${ifname} ${mtu}`);
    await runInNetns(this.get(node).holderPid, ['ip', 'link', 'set', 'dev', ifname, 'mtu', String(mtu)]);
  }

  async setLink(node: string, ifname: string, up: boolean): Promise<void> {
    if (!IFNAME.test(ifname)) throw new Error(`lab: bad interface ${ifname}`);
    await runInNetns(this.get(node).holderPid, ['ip', 'link', 'set', 'dev', ifname, up ? 'up' : 'down']);
    // operstate follows within about a second (linkwatch); wait for it so callers see the result.
    for (let i = 0; i < 60; i++) {
      const state = (await this.exec(node, ['cat', `/sys/class/net/${ifname}/operstate`])).stdout.trim();
      if (up ? state !== 'down' : state === 'down') return;
      await sleep(50);
    }
  }

  stopSshd(node: string, opts?: { keepSessions?: boolean }): Promise<void> { return stopSshd(this.get(node), opts); }
  startSshd(node: string): Promise<void> { return startSshd(this.get(node)); }
  cutLink(node: string): Promise<void> { return setUplink(this.ctx, this.get(node), false); }
  restoreLink(node: string): Promise<void> { return setUplink(this.ctx, this.get(node), true); }
  makeConnections(node: string, n: number): Promise<void> { return makeConnections(this.get(node), n); }
  closeConnections(node: string): Promise<void> { return closeConnections(this.get(node)); }
  setLoginDelay(node: string, d: LoginDelay | undefined): Promise<void> { return setLoginDelay(this.get(node), d); }
  setDropSyn(node: string, on: boolean): Promise<void> { return setDropSyn(this.get(node), on); }
  async setLatency(node: string, rttMs: number): Promise<void> {
    const port = this.get(node).sshPort;
    const ack = this.relayMessage('delayed', port);
    this.relay!.send({ type: 'delay', port, oneWayMs: Math.max(0, rttMs) / 2 });
    await ack;
  }

  startAgent(node: string, comm: string, opts?: { podUid?: string; containerId?: string }): Promise<LabAgent> {
    return startAgent(this.ctx, this.get(node), comm, opts);
  }

  /** Synchronous, idempotent; also run from exit/signal handlers. */
  teardown(): string[] {
    if (this.stopped) return [];
    this.stopped = true;
    untrackLab(this.id);
    for (const n of this.all.values()) for (const c of n.conns) c.kill('SIGKILL');
    if (this.relay) { try { this.relay.disconnect(); } catch { /* already */ } this.relay.kill('SIGKILL'); }
    return teardownSync(this.rec, [...this.all.values()].map((n) => n.holderPid));
  }

  async stop(): Promise<void> {
    const problems = this.teardown();
    if (problems.length) throw new Error(`lab ${this.id}: could not remove ${problems.join(', ')}`);
  }
}
