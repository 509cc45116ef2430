/**
 * The check catalogue: every check netwatch has, as data. The rules (rules.ts, checks/*.ts) take
 * their severities and remedies from here; the checks pane, `--once --json` (per-node verdicts),
 * `netwatch checks` and docs/checks.md (scripts/checks-doc.mjs) list it. The id is the problem
 * code. `source` names the field guide's row (shared/field-guide.md) and the seed documents it
 * comes from: the GKE connectivity page (it/ko), the Japanese kube-proxy/iptables post-mortem, the
 * Chinese guide to pod time-outs, the Russian network troubleshooting guide. Pure data.
 */
import type { Problem, Severity } from './types.js';

export type CheckGroup = 'link' | 'conntrack' | 'interfaces' | 'tcp' | 'sysctl' | 'pods' | 'iptables' | 'ipvs' | 'agents' | 'routes' | 'pool' | 'services';

export interface CheckDef {
  /** the problem code */
  id: string;
  title: string;
  group: CheckGroup;
  /** files and commands it reads (on the node, or the Kubernetes API) */
  reads: string;
  /** what healthy looks like */
  healthy: string;
  /** when it is flagged */
  flag: string;
  /** the base severity */
  severity: Severity;
  /** a higher severity and when it applies */
  escalates?: { severity: Severity; when: string };
  /** what the field guide says to do; `{subject}` stands for the problem's subject */
  remedy?: string;
  /** field-guide row and seed documents */
  source: string;
  /** evaluated outside the node rules (pool diff, Services path, process view): its verdict comes from the node's problems */
  evaluatedBy?: 'pool diff' | 'Services path' | 'stale-process scan';
}

const CT_REMEDY =
  'raise net.netfilter.nf_conntrack_max (GKE guide: MemTotal kB / 32), spread workloads over more nodes, NodeLocal DNSCache to cut DNS entries';
const GKE = 'GKE connectivity page (it, ko)';
const JP = 'Japanese kube-proxy/iptables post-mortem';
const CN = 'Chinese guide to pod connection time-outs';
const RU = 'Russian Kubernetes network troubleshooting guide';

export const CATALOGUE: readonly CheckDef[] = [
  // ---- the link to the node: what netwatch could not see
  { id: 'node-failed', group: 'link', title: 'node could not be reached', reads: 'the SSH connection', healthy: 'connected', flag: 'connect or login failed for good (authentication, host key, unknown name)', severity: 'crit', source: 'netwatch itself' },
  { id: 'node-unreachable', group: 'link', title: 'node reconnecting', reads: 'the SSH connection', healthy: 'connected', flag: 'the connection dropped; reconnecting with backoff', severity: 'crit', source: 'netwatch itself' },
  { id: 'node-stale', group: 'link', title: 'no fresh sample', reads: 'the sampler', healthy: 'a sample every tick', flag: 'the last sample is older than the link explains', severity: 'warn', source: 'netwatch itself' },
  { id: 'slow-link', group: 'link', title: 'slow link', reads: 'the measured round trip', healthy: 'samples every tick', flag: 'the round trip is too long for a sample every tick', severity: 'warn', source: 'netwatch itself' },
  { id: 'collector-error', group: 'link', title: 'a collector failed', reads: 'every collector', healthy: 'every read ok or no data', flag: "a collector's last read failed (its last good value is still used)", severity: 'info', source: 'netwatch itself' },
  { id: 'needs-root', group: 'link', title: 'not root', reads: 'this machine, without SSH', healthy: 'root', flag: 'a normal user cannot read the kernel log, other namespaces or sockets', severity: 'info', remedy: 'sudo netwatch (netwatch never runs sudo on this machine itself)', source: 'netwatch itself' },

  // ---- conntrack
  { id: 'conntrack-fill', group: 'conntrack', title: 'conntrack table filling', reads: '/proc/sys/net/netfilter/nf_conntrack_{count,max}', healthy: 'well under max', flag: '≥ 80 % of nf_conntrack_max, with time to full from the trend', severity: 'warn', escalates: { severity: 'crit', when: '≥ 95 %' }, remedy: CT_REMEDY, source: `field guide: conntrack fill; ${GKE}` },
  { id: 'conntrack-drops', group: 'conntrack', title: 'conntrack dropping', reads: '/proc/net/stat/nf_conntrack (or conntrack -S), two samples', healthy: 'drop, early_drop, insert_failed flat', flag: 'any of them rising', severity: 'crit', remedy: CT_REMEDY, source: `field guide: conntrack drops; ${GKE}` },
  { id: 'conntrack-table-full', group: 'conntrack', title: 'kernel: conntrack table full', reads: '/dev/kmsg', healthy: 'no "table full" line', flag: 'a new "nf_conntrack: table full, dropping packet" line since netwatch started', severity: 'crit', remedy: CT_REMEDY, source: `field guide: "table full"; ${GKE}` },
  { id: 'conntrack-table-full-past', group: 'conntrack', title: 'earlier "table full" lines', reads: '/dev/kmsg', healthy: 'no "table full" line', flag: 'the kernel log has such lines from before netwatch started', severity: 'info', source: `field guide: "table full"; ${GKE}` },

  // ---- interfaces
  { id: 'bridge-down', group: 'interfaces', title: 'bridge down', reads: '/sys/class/net/*/operstate, ip -o -d link', healthy: 'cbr0 / cni0 / docker0 UP', flag: 'a bridge not UP', severity: 'crit', remedy: 'ip link set {subject} up; check the node learns pod MACs (ip neigh)', source: `field guide: bridge; ${GKE}` },
  { id: 'veth-down', group: 'interfaces', title: 'veth down', reads: '/sys/class/net/*/operstate', healthy: 'every veth UP', flag: 'a veth not UP', severity: 'warn', source: `field guide: interface MTU / state; ${GKE}` },
  { id: 'veth-mtu', group: 'interfaces', title: 'veth MTU differs', reads: '/sys/class/net/*/mtu', healthy: 'veth MTU = node NIC MTU (overlay: the overlay device MTU)', flag: 'a veth MTU differs from the NIC (or overlay, or its bridge)', severity: 'warn', remedy: 'set the pod MTU to the NIC/VPC MTU (GKE: 1460, or inherited from the node NIC); lower it on overlays', source: `field guide: interface MTU / state; ${GKE}` },
  { id: 'bridge-mtu', group: 'interfaces', title: 'bridge MTU dragged down', reads: '/sys/class/net/*/mtu', healthy: 'bridge MTU = node NIC MTU', flag: 'a bridge with ports has another MTU than the NIC', severity: 'warn', remedy: 'a bridge takes the smallest MTU of its ports: find the port with the odd MTU', source: `field guide: interface MTU / state; ${GKE}` },
  { id: 'iface-drops', group: 'interfaces', title: 'interface dropping', reads: '/proc/net/dev, two samples', healthy: 'drop and error counters flat', flag: 'a veth or the primary NIC dropping (or erroring) packets', severity: 'warn', source: 'field guide: interface counters' },
  { id: 'hairpin-off', group: 'interfaces', title: 'hairpin off', reads: '/sys/class/net/BR/brif/*/hairpin_mode, bridge PROMISC flag; hairpin conntrack entries (slow)', healthy: 'hairpin on, or the bridge promiscuous', flag: 'bridge ports with hairpin_mode 0 and the bridge not promiscuous', severity: 'info', escalates: { severity: 'warn', when: 'a hairpin connection of a pod on this node is unanswered' }, remedy: 'kubelet --hairpin-mode=hairpin-veth (or promiscuous-bridge)', source: `field guide: hairpin; ${RU}` },

  // ---- TCP
  { id: 'tcp-handshakes', group: 'tcp', title: 'handshakes not completing', reads: 'ss -tan state counts (or /proc/net/tcp, tcp6)', healthy: 'few SYN_SENT / SYN_RECV', flag: '≥ 20 SYN_SENT + SYN_RECV sockets', severity: 'warn', remedy: 'capture on the node (c) and look for SYNs without SYN-ACK; check kube-proxy rules for the service VIP', source: `field guide: TCP states; ${JP}` },
  { id: 'tcp-attempt-fails', group: 'tcp', title: 'connection attempts failing', reads: '/proc/net/snmp Tcp AttemptFails, two samples', healthy: 'flat', flag: '≥ 5 failed attempts/s', severity: 'warn', source: 'field guide: TCP states' },

  // ---- sysctls and node sanity
  { id: 'ip-forward', group: 'sysctl', title: 'IP forwarding off', reads: '/proc/sys/net/ipv4/ip_forward', healthy: '1', flag: '0 on a node with a bridge or pods', severity: 'warn', escalates: { severity: 'crit', when: 'the node has pods' }, remedy: 'sysctl -w net.ipv4.ip_forward=1', source: `field guide: IP forwarding; ${RU}` },
  { id: 'br-nf-call-iptables', group: 'sysctl', title: 'bridged traffic bypasses iptables', reads: '/proc/sys/net/bridge/bridge-nf-call-iptables', healthy: '1', flag: '0 or missing (br_netfilter not loaded) on a bridge CNI node', severity: 'warn', remedy: 'modprobe br_netfilter; sysctl -w net.bridge.bridge-nf-call-iptables=1', source: `field guide: bridged traffic through iptables; ${CN}; ${RU}` },
  { id: 'tw-recycle', group: 'sysctl', title: 'tcp_tw_recycle with timestamps', reads: '/proc/sys/net/ipv4/tcp_tw_recycle, tcp_timestamps', healthy: 'tcp_tw_recycle 0 or gone (Linux ≥ 4.12)', flag: 'both 1: SYNs from pods behind one SNAT IP get dropped', severity: 'warn', remedy: 'sysctl -w net.ipv4.tcp_tw_recycle=0', source: `field guide: NAT + timestamps; ${CN}` },
  { id: 'selinux', group: 'sysctl', title: 'SELinux enforcing', reads: '/sys/fs/selinux/enforce; pod container states (API)', healthy: 'not enforcing, or no pod crash-looping', flag: 'enforcing on a Kubernetes node', severity: 'info', escalates: { severity: 'warn', when: 'a pod on this node crash-loops' }, remedy: 'check the audit log (ausearch -m avc) for denials of the crash-looping pod; fix its SELinux labels or policy', source: `field guide: SELinux; ${RU}` },
  { id: 'neigh-failed', group: 'pods', title: 'pod neighbour unresolved', reads: 'ip neigh', healthy: 'pod IPs REACHABLE / STALE', flag: 'a pod IP INCOMPLETE or FAILED', severity: 'warn', source: `field guide: neighbour table; ${GKE}` },

  // ---- pods and their veths
  { id: 'pod-no-veth', group: 'pods', title: 'pod without veth', reads: 'API pods; ip route, ip neigh + bridge fdb, pod netns eth0 peer', healthy: 'every pod with an IP has a veth', flag: 'a pod with an IP and no veth on the node', severity: 'warn', source: `field guide: veth → pod; ${GKE}` },
  { id: 'pod-mtu', group: 'pods', title: 'pod veth MTU differs', reads: '/sys/class/net/*/mtu', healthy: 'pod veth MTU = node NIC MTU', flag: 'a routed pod veth with another MTU than the NIC', severity: 'warn', remedy: 'set the pod MTU to the NIC/VPC MTU (GKE: 1460, or inherited from the node NIC); lower it on overlays', source: `field guide: interface MTU / state; ${GKE}` },
  { id: 'pod-veth-down', group: 'pods', title: 'pod veth down', reads: '/sys/class/net/*/operstate', healthy: 'UP', flag: "a pod's veth not UP", severity: 'crit', source: `field guide: interface MTU / state; ${GKE}` },
  { id: 'veth-no-pod', group: 'pods', title: 'veth without pod', reads: 'ip -o -d link (link-netnsid N or link-netns cni-…), API pods', healthy: 'every veth with its peer in another namespace belongs to a pod', flag: 'such a veth that no pod maps to', severity: 'info', remedy: 'a leftover of a deleted pod: ip link del {subject} once no process uses its namespace', source: `field guide: veth → pod; ${GKE}` },
  { id: 'stale-process', group: 'pods', title: "stale process holds a pod's port", reads: '/proc of every pod network namespace, crictl / docker', healthy: 'every listener belongs to a known container', flag: "a process whose container nobody knows holds a port the pod needs", severity: 'crit', remedy: 'kill the stale process (s view, K); look for runtime crashes, PID exhaustion, OOM', source: `field guide: stale processes; ${GKE}`, evaluatedBy: 'stale-process scan' },

  // ---- iptables (slow collectors)
  { id: 'iptables-forward-drop', group: 'iptables', title: 'FORWARD drops pod traffic', reads: 'iptables-legacy-save, iptables-nft-save (filter FORWARD); API spec.podCIDRs (else pod IPs, pod routes)', healthy: 'policy ACCEPT, or an ACCEPT rule covering the pod CIDR(s)', flag: 'filter FORWARD policy DROP in a backend and no ACCEPT covering a pod CIDR (unconditional, -s/-d covering it, or in a chain FORWARD jumps to)', severity: 'crit', remedy: 'iptables -P FORWARD ACCEPT, or accept the pod CIDR: iptables -A FORWARD -s POD_CIDR -j ACCEPT; iptables -A FORWARD -d POD_CIDR -j ACCEPT (Docker ≥ 1.12 sets the policy to DROP)', source: `field guide: FORWARD policy; ${RU}` },
  { id: 'iptables-backend-split', group: 'iptables', title: 'rules in both iptables backends', reads: 'iptables -V, iptables-legacy-save, iptables-nft-save', healthy: 'rules in one backend only', flag: 'both backends hold rules: components using different iptables binaries see different rule sets', severity: 'crit', remedy: 'make every component (kubelet, kube-proxy, CNI) use the backend `iptables` uses (update-alternatives --set iptables …), then flush the other one and restart them', source: `field guide: iptables backend split; ${JP}` },
  { id: 'kube-proxy-chains', group: 'iptables', title: "kube-proxy's chains missing", reads: 'process list; iptables-*-save nat and filter; /proc/net/ip_vs; nft list ruleset (where nft exists)', healthy: 'nat KUBE-SERVICES present (IPVS mode: virtual servers present; nftables mode: table ip kube-proxy with its services chain hooked); every referenced KUBE-MARK-DROP exists', flag: 'kube-proxy runs but nat KUBE-SERVICES is in no backend (IPVS mode: and no virtual server; nftables mode: its table lacks a hooked services chain), or rules jump to KUBE-MARK-DROP that does not exist in their backend', severity: 'crit', remedy: "restart kube-proxy and read its log (iptables-restore errors); check it uses the node's iptables backend", source: `field guide: kube-proxy chains; ${JP}` },
  // ---- IPVS
  { id: 'ipvs-syn-recv', group: 'ipvs', title: 'SYN_RECV piling up on a virtual server', reads: '/proc/net/ip_vs, /proc/net/ip_vs_conn (counted on the node)', healthy: 'few SYN_RECV per virtual server', flag: '≥ 20 SYN_RECV connections to one IPVS virtual server', severity: 'warn', escalates: { severity: 'crit', when: '≥ 100' }, remedy: "check the virtual server's real servers answer (ipvsadm -Ln), the return path (rp_filter, routes) and kube-proxy's IPVS sync", source: `field guide: IPVS; ${JP}` },
  // ---- node agents
  { id: 'agent-missing', group: 'agents', title: 'node agent not running', reads: "API pods (DaemonSet owner, container states); node's process names", healthy: "every node agent whose pod is Running and ready runs on the node", flag: "a node agent's DaemonSet pod is Running and ready but no such process runs on the node", severity: 'crit', remedy: 'delete the pod so its DaemonSet recreates it; check the container runtime on the node (crictl ps)', source: `field guide: CNI/proxy processes; ${CN}; ${RU}` },
  { id: 'agent-crashloop', group: 'agents', title: 'node agent crash-looping', reads: 'API pods (DaemonSet owner, container states)', healthy: 'agent containers running', flag: "a node agent's container is in CrashLoopBackOff", severity: 'crit', remedy: 'kubectl logs --previous on the pod; look for iptables, SELinux or CNI config errors', source: `field guide: CNI/proxy processes; SELinux; ${RU}` },
  // ---- routes
  { id: 'pod-no-route', group: 'routes', title: 'pod IP without route', reads: 'ip -4 route; API pod IPs', healthy: 'every pod IP has its /32 route', flag: 'routed node (other pods have /32 routes): a pod IP with no route to it', severity: 'warn', remedy: "the CNI agent did not program the pod's route: check calico-node / the CNI agent on the node", source: `field guide: pod routes; ${RU}` },
  { id: 'podcidr-no-route', group: 'routes', title: 'no route for the pod CIDR', reads: 'ip -4 route; API spec.podCIDRs', healthy: 'a route for spec.podCIDR via the bridge', flag: "bridge node: no route covers the node's spec.podCIDR", severity: 'crit', remedy: 'ip addr add the bridge address of the pod CIDR (or restart the CNI / kubelet so it recreates the bridge)', source: `field guide: pod routes; ${RU}` },
  // ---- pool and Services (evaluated over many nodes / the API)
  { id: 'pool-outlier', group: 'pool', title: 'differs from its pool', reads: 'the facts of every node of the pool', healthy: 'same as most nodes of the pool', flag: 'a fact most nodes of the pool agree on differs here', severity: 'warn', source: 'issue 10 (pool outlier diff)', evaluatedBy: 'pool diff' },
  { id: 'service-rules', group: 'services', title: "Service rules lag the API", reads: 'API Services and EndpointSlices; iptables KUBE-SVC-*/KUBE-SEP-*, IPVS, or nft table ip kube-proxy (service-ips, endpoint-* chains)', healthy: "the node's rules for every Service VIP point at the API's endpoints", flag: "a Service's VIP rules on this node miss or lag the API's endpoints", severity: 'warn', source: `issue 10 (Services path); ${JP}`, evaluatedBy: 'Services path' },
];

export const CHECK_IDS = CATALOGUE.map((c) => c.id);

const BY_ID = new Map(CATALOGUE.map((c) => [c.id, c]));

/** the catalogue entry of a check (throws on an unknown id: a rule naming a check not in the catalogue is a bug) */
export function checkDef(id: string): CheckDef {
  const c = BY_ID.get(id);
  if (!c) throw new Error(`check ${id} is not in the catalogue`);
  return c;
}

/** the remedy of a check, `{subject}` filled in */
export function remedyOf(id: string, subject?: string): string | undefined {
  const r = checkDef(id).remedy;
  return r === undefined ? undefined : r.replaceAll('{subject}', subject ?? 'it');
}

/** the base severity, or the escalated one when `raised` */
export function severityOf(id: string, raised = false): Severity {
  const c = checkDef(id);
  return raised && c.escalates ? c.escalates.severity : c.severity;
}

/** "warn (crit: ≥ 95 %)" */
export function severityText(c: CheckDef): string {
  return c.escalates ? `${c.severity} (${c.escalates.severity}: ${c.escalates.when})` : c.severity;
}

/* ---------- verdicts ---------- */

export type Verdict = 'ok' | 'flagged' | 'n/a' | 'cannot-tell';

export interface CheckVerdict {
  id: string;
  verdict: Verdict;
  /** n/a and cannot-tell: why; flagged: the messages */
  reason?: string;
  /** flagged: the problems of this check */
  problems?: Problem[];
}
