/** The shape of netwatch's state: what the UI reads. Written only through store.ts actions. */
import type { NeedsRoot } from '../sources/transport/privileges.js';
import type { TrafficSample } from '../sources/capture/sampler.js';
import type { Collected, Iface, KernelEvent, NodeSample, PodInfo, NodeInfo, ServiceEndpoints, ServiceInfo } from '../sources/types.js';
import type { NodeModel } from './model.js';
import type { PodPeer } from './topology.js';
import type { Difference } from './outliers.js';
import type { StaleCheck } from './stale.js';

export type Severity = 'crit' | 'warn' | 'info';

export interface Problem {
  severity: Severity;
  /** stable identifier of the check, e.g. 'conntrack-full', 'veth-mtu' */
  code: string;
  /** one line, what is wrong, with the numbers */
  message: string;
  /** the interface or pod it is about */
  subject?: string;
  /** what the field guide says to do */
  remedy?: string;
}

export type NodeStatus =
  | { kind: 'connecting'; since: number }
  | { kind: 'live'; since: number }
  /** connected, but the last sample is older than it should be (node slow) */
  | { kind: 'stale'; since: number; ageMs: number; reason: string }
  | { kind: 'reconnecting'; since: number; attempt: number; nextAttemptAt: number; reason: string }
  | { kind: 'failed'; since: number; reason: string };

export interface IfaceRates {
  rxBps: number;
  txBps: number;
  rxPps: number;
  txPps: number;
  /** rx+tx dropped per second */
  dropsPerSec: number;
  errorsPerSec: number;
}

export interface NodeRates {
  ifaces: Record<string, IfaceRates>;
  /** conntrack drop + early_drop + insert_failed per second */
  conntrackDropsPerSec?: number;
  conntrackInsertFailedPerSec?: number;
  /** conntrack entries per second (trend), for time-to-full */
  conntrackGrowthPerSec?: number;
  tcpAttemptFailsPerSec?: number;
  tcpResetsPerSec?: number;
  tcpRetransPerSec?: number;
}

/** the veth of a pod on its node, and how it was found */
export interface PodLink {
  pod: PodInfo;
  iface?: Iface;
  method?: 'route' | 'neighbour+fdb' | 'netns-peer' | 'none';
  /** why no veth was mapped (e.g. the peer index names an unrelated interface) */
  reason?: string;
}

export interface KubeStatus {
  kind: 'ok' | 'error' | 'forbidden' | 'unreachable' | 'off';
  message?: string;
}

export interface NodeState {
  name: string;
  /** where it is reached (ssh host, address) */
  address?: string;
  status: NodeStatus;
  /** the node's address as the connection sees it (filled by the transport when it knows) */
  connectedAddress?: string;
  /** what this user cannot read on the node without root (local use as a normal user) */
  needsRoot?: readonly NeedsRoot[];
  /** the latest sample as it came (rates and latency are computed from it) */
  sample?: NodeSample;
  /** per collector: the last good value, its age and period, the current status (model.ts) */
  model: NodeModel;
  /** pod UID -> what the pod's eth0 says about its host-side peer (remote/podpeer.sh) */
  podPeers: Record<string, PodPeer>;
  rates: NodeRates;
  /** bounded histories for charts (oldest first) */
  history: { conntrackPct: number[]; drops: number[]; rxBps: number[] };
  /** conntrack "table full" kernel lines: seen since netwatch started, and the last one */
  tableFull: { sinceStart: number; lastText?: string; lastAt?: number; recent: KernelEvent[] };
  /** node uptime when netwatch first sampled it: kernel lines before it are history */
  firstUptime?: number;
  problems: Problem[];
  /** the last stale-process check (background, --once, or the `s` view's result): state/stale.ts */
  stale?: StaleCheck;
  /** Kubernetes: the node object, its pods and their veths */
  kube?: { node?: NodeInfo; pods: PodInfo[]; status: KubeStatus; links: PodLink[]; strayVeths: Iface[] };
  /** the overview's short periodic capture on the primary interface (capture/sampler.ts) */
  traffic?: TrafficSample;
  samplesOk: number;
  samplesFailed: number;
  lastError?: string;
  /** the link's measured round trip; `slow` when samples cannot come every tick because of it (store.ts) */
  link?: { rttMs: number; slow: boolean; /** age of the last sample while the next one is out */ ageMs?: number };
}

/** the cluster's Services and their ready endpoints (the services path), by 'ns/name' */
export interface ClusterServices {
  services: ReadonlyMap<string, ServiceInfo>;
  endpoints: ReadonlyMap<string, ServiceEndpoints>;
  /** the Service and EndpointSlice watches together: ok only when both are */
  status: KubeStatus;
}

/** a moment someone marked during the session (`m`), with a short note: in the state, so recordings and viewers carry it */
export interface Mark {
  /** wall-clock ms */
  at: number;
  /** at most MARK_NOTE_MAX characters, no control bytes (the store cleans it) */
  note: string;
  /** who marked it (the user name), when known */
  by?: string;
  /** unique within the session */
  id: string;
}

export interface AppState {
  /** node names in display order */
  order: string[];
  nodes: Record<string, NodeState>;
  interval: number;
  /** cluster-level API status (node list watch), when Kubernetes is used */
  kube: KubeStatus;
  /** ticks applied (one store update each) */
  ticks: number;
  startedAt: number;
  readonly: boolean;
  /** the pool outlier diff over the nodes (outliers.ts): facts most nodes of a pool agree on and a few do not */
  differences: Difference[];
  /** Services and EndpointSlices, when watched (--service, the live UI with the API) */
  services?: ClusterServices;
  /** marks, oldest first, at most MARKS_MAX (store.ts addMark) */
  marks: Mark[];
}

export type { Collected };
