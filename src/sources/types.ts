/**
 * What netwatch knows about a node, as plain data. Collectors produce these; the store keeps
 * them; rules and the UI read them. Field comments name the file or command each comes from.
 */

/** Every collector reports on its own: one failing never fails the sample. */
export type Collected<T> =
  | { status: 'ok'; data: T }
  /** the source does not exist on this node (e.g. conntrack module not loaded) */
  | { status: 'nodata'; reason: string }
  | { status: 'error'; error: string };

export interface ConntrackStats {
  /** summed over CPUs, from /proc/net/stat/nf_conntrack or `conntrack -S` */
  found: number;
  invalid: number;
  insert: number;
  insertFailed: number;
  drop: number;
  earlyDrop: number;
  error: number;
  searchRestart: number;
}

export interface Conntrack {
  /** /proc/sys/net/netfilter/nf_conntrack_count */
  count: number;
  /** /proc/sys/net/netfilter/nf_conntrack_max */
  max: number;
  stats?: ConntrackStats;
  statsSource?: 'proc' | 'conntrack -S';
}

export type IfaceKind =
  | 'loopback'
  | 'device'
  | 'veth'
  | 'bridge'
  | 'vxlan'
  | 'geneve'
  | 'bond'
  | 'vlan'
  | 'macvlan'
  | 'ipvlan'
  | 'tun'
  | 'wireguard'
  | 'dummy'
  | 'other';

export interface IfaceCounters {
  /** /proc/net/dev */
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
}

export interface Iface {
  name: string;
  /** /sys/class/net/X/ifindex */
  ifindex: number;
  /** /sys/class/net/X/iflink: the peer's index for a veth (in the peer's namespace) */
  iflink: number;
  kind: IfaceKind;
  /** bridge (or bond) this interface is a port of */
  master?: string;
  /** /sys/class/net/X/mtu */
  mtu: number;
  /** /sys/class/net/X/operstate: up, down, lowerlayerdown, unknown, ... */
  operstate: string;
  /** /sys/class/net/X/flags (IFF_*) */
  flags: number;
  /** IFF_UP */
  adminUp: boolean;
  promisc: boolean;
  /** /sys/class/net/X/address */
  mac?: string;
  /** `ip -d link`: link-netnsid of a veth whose peer is in another namespace */
  linkNetnsId?: number;
  /** `ip -d link`: link-netns NAME, when the peer's namespace is a named one (ip prints the name instead of the id) */
  linkNetns?: string;
  /** /sys/class/net/BR/brif/X/hairpin_mode, for bridge ports */
  hairpin?: boolean;
  counters?: IfaceCounters;
}

export interface Route {
  /** 'default' or a CIDR */
  dst: string;
  gateway?: string;
  dev?: string;
  proto?: string;
  scope?: string;
  src?: string;
  family: 4 | 6;
}

export interface Neighbour {
  ip: string;
  dev: string;
  mac?: string;
  /** REACHABLE, STALE, DELAY, PROBE, INCOMPLETE, FAILED, PERMANENT, NOARP, NONE */
  state: string;
  router?: boolean;
}

export interface FdbEntry {
  mac: string;
  /** the port */
  dev: string;
  master?: string;
  vlan?: number;
  permanent: boolean;
  /** 'self' entries belong to the device itself, not learned on a bridge */
  self: boolean;
}

/** counts per TCP state from /proc/net/tcp and tcp6 (ESTABLISHED, SYN_SENT, SYN_RECV, ...) */
export type TcpStates = Record<string, number>;

export interface TcpCounters {
  /** /proc/net/snmp Tcp: cumulative */
  activeOpens: number;
  passiveOpens: number;
  attemptFails: number;
  estabResets: number;
  currEstab: number;
  retransSegs: number;
  outRsts: number;
  inErrs: number;
  /** /proc/net/sockstat TCP: current */
  inuse?: number;
  orphan?: number;
  timeWait?: number;
}

export interface KernelEvent {
  /** /dev/kmsg sequence number */
  seq: number;
  /** microseconds since boot */
  usec: number;
  text: string;
}

export interface NodeFacts {
  hostname?: string;
  kernel?: string;
  os?: string;
  /** /proc/meminfo MemTotal in kB (the GKE page sizes nf_conntrack_max as MemTotal/32) */
  memTotalKb?: number;
  /** sysctls by dotted name; absent when the file does not exist */
  sysctl: Record<string, string>;
  /** /sys/fs/selinux/enforce */
  selinuxEnforcing?: boolean;
}

export interface NodeSample {
  /** local wall time (ms) when the sample arrived */
  at: number;
  /** sequence number of the tick */
  seq: number;
  /** /proc/uptime of the node, seconds */
  uptime?: number;
  conntrack: Collected<Conntrack>;
  interfaces: Collected<Iface[]>;
  /** medium-rate collectors: undefined on ticks that did not read them */
  /** `ip -4 route show table main` (r ticks) */
  routes4?: Collected<Route[]>;
  /** `ip -6 route show table main` (s ticks) */
  routes6?: Collected<Route[]>;
  neighbours?: Collected<Neighbour[]>;
  fdb?: Collected<FdbEntry[]>;
  /** sockets per TCP state, counted on the node (ss -tan, or /proc/net/tcp without ss) */
  tcp?: Collected<TcpStates>;
  /** /proc/net/snmp + /proc/net/sockstat, every tick */
  tcpCounters: Collected<TcpCounters>;
  facts?: Collected<NodeFacts>;
  /** pod UIDs with their processes, from /proc/PID/cgroup */
  podCgroups?: Collected<PodCgroup[]>;
  /** slow collectors (remote/slow.sh): at most once per --slow-every and on demand; undefined otherwise */
  iptables?: Collected<IptablesState>;
  ipvs?: Collected<IpvsState>;
  agents?: Collected<AgentProc[]>;
  hairpin?: Collected<HairpinConn[]>;
  /** kernel log lines about conntrack seen since the last sample */
  kernelEvents: KernelEvent[];
  /** how long the node took to answer, ms */
  latencyMs: number;
}

/* ---------- slow collectors (issue 10) ---------- */

export type IptablesBackend = 'legacy' | 'nft';

/** one `-A CHAIN …` line of iptables-save, with the fields the checks use picked out */
export interface IptRule {
  /** the rule as iptables-save prints it after "-A CHAIN " */
  spec: string;
  /** -j / -g target */
  target?: string;
  /** -m comment --comment (unquoted) */
  comment?: string;
  /** -s / -d (as printed: "10.96.0.10/32"), "!" kept in front when negated */
  source?: string;
  dest?: string;
  /** -p */
  proto?: string;
  /** --dport */
  dport?: string;
  /** -i / -o */
  inIface?: string;
  outIface?: string;
  /** DNAT --to-destination (ip:port) */
  toDestination?: string;
}

export interface IptChain {
  /** built-in chains: ACCEPT / DROP; user chains: undefined */
  policy?: string;
  rules: IptRule[];
}

/** one backend's rule set: table -> chain -> chain */
export interface IptRuleset {
  /** the hash the node computed over the save output (unchanged hash: the text is not shipped again) */
  hash: string;
  tables: Record<string, Record<string, IptChain>>;
  /** all -A lines over all tables */
  ruleCount: number;
}

export interface IptablesState {
  /** `iptables -V` as printed, e.g. "iptables v1.8.9 (nf_tables)" */
  version?: string;
  /** the backend the plain `iptables` command uses (from -V) */
  mode?: IptablesBackend;
  /** per backend (iptables-legacy-save, iptables-nft-save): its rules, or why they could not be read */
  backends: Partial<Record<IptablesBackend, Collected<IptRuleset>>>;
  /** bytes of rule text this read brought (0: every backend answered "unchanged", only hashes came) */
  shippedBytes?: number;
  /** `nft list ruleset`, read only where `nft` exists (kube-proxy's nftables mode, native nft tables) */
  nftables?: Collected<NftRuleset>;
}

/** one chain of `nft list ruleset` */
export interface NftChain {
  /** base chains: "filter" / "nat" / "route", the hook, its priority and policy */
  type?: string;
  hook?: string;
  priority?: string;
  policy?: string;
  comment?: string;
  /** the rules as nft prints them (counter values stripped by the node) */
  rules: string[];
}

export interface NftSet {
  kind: 'set' | 'map';
  type?: string;
  flags?: string;
  /** elements as printed, one string each ("10.96.0.1 . tcp . 443 : goto service-…") */
  elements: string[];
}

export interface NftTable {
  family: string;
  name: string;
  comment?: string;
  chains: Record<string, NftChain>;
  sets: Record<string, NftSet>;
}

/** `nft list ruleset`: "FAMILY NAME" -> table */
export interface NftRuleset {
  /** the node's hash of the stripped text (unchanged hash: the text is not shipped again) */
  hash: string;
  tables: Record<string, NftTable>;
  /** rules over all chains of all tables */
  ruleCount: number;
}

export interface IpvsReal {
  addr: string;
  port: number;
  weight: number;
  active: number;
  inactive: number;
}

export interface IpvsService {
  proto: string;
  addr: string;
  port: number;
  scheduler: string;
  reals: IpvsReal[];
}

export interface IpvsState {
  /** /proc/net/ip_vs */
  services: IpvsService[];
  /** /proc/net/ip_vs_conn counted on the node: virtual server "PROTO ADDR:PORT" -> state -> count */
  conns: Record<string, Record<string, number>>;
}

/** a running process whose name is a known node agent (kube-proxy, calico-node, cilium-agent, …) */
export interface AgentProc {
  /** /proc/PID/comm */
  name: string;
  pid: number;
  /** seconds since it started */
  ageSec?: number;
}

/** a conntrack entry whose reply comes from the client itself (a pod reaching itself through its Service) that is not answered */
export interface HairpinConn {
  proto: string;
  src: string;
  /** the address it was sent to (the Service VIP) */
  dst: string;
  dport: number;
  /** conntrack state (SYN_SENT, …) or UNREPLIED */
  state: string;
}

export interface PodCgroup {
  uid: string;
  pids: number[];
  containerIds: string[];
}

/* ---------- Kubernetes ---------- */

export interface ContainerInfo {
  name: string;
  /** 'containerd://abc…', 'docker://…', 'cri-o://…' as in status.containerStatuses[].containerID */
  containerID?: string;
  kind: 'container' | 'init' | 'ephemeral';
  ready: boolean;
  restartCount: number;
  /** waiting reason (CrashLoopBackOff, …), 'running' or 'terminated' */
  state: string;
  /** lastState.terminated: reason, message, exitCode */
  lastTerminated?: { reason?: string; message?: string; exitCode?: number; containerID?: string };
  /** declared container ports */
  ports: { containerPort: number; protocol: string; name?: string }[];
}

export interface PodInfo {
  namespace: string;
  name: string;
  uid: string;
  nodeName: string;
  phase: string;
  podIPs: string[];
  hostNetwork: boolean;
  containers: ContainerInfo[];
  /** status.reason, e.g. 'Evicted', 'NodeLost' */
  reason?: string;
  /** metadata.deletionTimestamp is set: the pod is shutting down */
  terminating?: boolean;
  /** status.hostIP */
  hostIP?: string;
  /** the controller in metadata.ownerReferences (DaemonSet for node agents) */
  owner?: { kind: string; name: string };
}

export interface NodeInfo {
  name: string;
  /** the address netwatch connects to (already chosen by address type / ssh config) */
  address?: string;
  addresses: { type: string; address: string }[];
  labels: Record<string, string>;
  podCIDRs: string[];
  ready: boolean;
  /** how `address` was chosen: the address type, or 'ssh-config' (a Host entry matching the name) */
  addressVia?: string;
  /** why there is no address (e.g. no address of the asked type), one line */
  addressError?: string;
  /** node pool, from the pool labels (cloud.google.com/gke-nodepool, eks.amazonaws.com/nodegroup, …) */
  pool?: string;
  /** spec.providerID, e.g. gce://project/zone/name, aws:///zone/i-… */
  providerID?: string;
  /** spec.unschedulable (cordoned) */
  unschedulable?: boolean;
}

/* ---------- Services (issue 10, the services path) ---------- */

export interface ServicePort {
  name?: string;
  port: number;
  /** TCP, UDP, SCTP */
  protocol: string;
  /** a number or a container port's name */
  targetPort?: number | string;
}

/** a v1 Service, the fields kube-proxy reads */
export interface ServiceInfo {
  namespace: string;
  name: string;
  /** ClusterIP, NodePort, LoadBalancer, ExternalName */
  type: string;
  /** spec.clusterIPs (or [spec.clusterIP]); "None" for headless Services is left out */
  clusterIPs: string[];
  ports: ServicePort[];
}

/** one ready endpoint address with one of its slice's ports */
export interface ServiceEndpoint {
  ip: string;
  port: number;
  protocol: string;
  /** the EndpointSlice port's name: matches the Service port's name */
  portName?: string;
  node?: string;
  /** targetRef of kind Pod */
  pod?: { namespace: string; name: string };
}

/** a Service's ready endpoints, merged across its EndpointSlices */
export interface ServiceEndpoints {
  endpoints: ServiceEndpoint[];
  /** local time (ms) the set of ready endpoints last changed as seen here (first seen: when listed) */
  changedAt: number;
}
