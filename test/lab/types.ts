/** Public and internal types of the namespace lab. */
import type { ChildProcess } from 'node:child_process';
import type { Hierarchy } from './sys.js';

export type NodeKind = 'bridge' | 'routed';
export type CgroupDriver = 'cgroupfs' | 'systemd';

export interface LabNodeSpec {
  name: string;
  kind: NodeKind;
  /** Pods created at start (default 0). */
  pods?: number;
  cgroupDriver?: CgroupDriver;
  /** MTU of the uplink, and of cbr0 / pod veths (default 1500). */
  mtu?: number;
  /** every SSH login shell (root) on this node takes this long (see faults.ts) */
  loginDelay?: { seconds: number; mode?: 'sleep' | 'burn' };
  /** SYNs to port 22 dropped inside the node's netns from the start */
  dropSyn?: boolean;
  /** added round trip (ms) on the SSH path: the relay holds each chunk half of it each way */
  addedRttMs?: number;
}

export interface LabPod {
  name: string;
  namespace: string;
  uid: string;
  ip: string;
  containerId: string;
  /** Node-side veth: veth<8 hex> (bridge) or cali<11 hex> (routed). */
  hostVeth: string;
  /** Pids of the pod's processes as seen inside the node. */
  pids: number[];
  /** The same processes as host pids. */
  hostPids: number[];
  /** Pod-level cgroup path as seen inside the node (e.g. /kubepods/besteffort/pod<uid>). */
  podCgroupPath: string;
  /** Container cgroup path as seen inside the node (what /proc/PID/cgroup shows). */
  cgroupPath: string;
  listenPort: number | undefined;
  /** Containers added with addContainer. */
  extraContainers: LabContainer[];
}

export interface LabContainer {
  containerId: string;
  /** As seen inside the node. */
  cgroupPath: string;
  pids: number[];
  hostPids: number[];
  listenPort: number | undefined;
}

export interface AddContainerOpts {
  containerId?: string;
  /** Port its process listens on in the pod's netns; 0 (default) = `sleep infinity`. */
  listenPort?: number;
}

export interface LabNode {
  name: string;
  kind: NodeKind;
  /** 1-based position in the lab; pod CIDR is 198.19.<index>.0/24. */
  index: number;
  /** Uplink (eth0) address, 198.18.0.<10+index>. */
  address: string;
  podCidr: string;
  mtu: number;
  /** Relay port on 127.0.0.1 in the root namespace, forwarding to address:22. */
  sshPort: number;
  /** Host pid of the node's PID 1 (nsenter -t holderPid ...). */
  holderPid: number;
  hostKeyFingerprint: string;
  cgroupDriver: CgroupDriver;
  pods: LabPod[];
  bridge?: 'cbr0';
}

export interface ExecResult { stdout: string; stderr: string; code: number }
export interface ExecOpts { input?: string; timeoutMs?: number }

export interface AddPodOpts {
  name?: string;
  namespace?: string;
  /** TCP port the pod's process listens on (default 8080); 0 = just `sleep infinity`. */
  listenPort?: number;
  uid?: string;
  containerId?: string;
}

/** Shared lab context passed to the helpers. */
export interface LabCtx {
  id: string;
  dir: string;
  underlayNs: string;
  hierarchies: Hierarchy[];
  /** Host path of the lab's cgroup dir in each hierarchy (same order as hierarchies). */
  labCgroups: string[];
  authorizedKeysPath: string;
}

/** Internal per-node state. */
export interface NodeState extends LabNode {
  /** Host path of the node's cgroup in each hierarchy. */
  cgroups: string[];
  sshdConfigPath: string;
  sshdLogPath: string;
  hostKeyLine: string;
  uplinkPeer: string;
  holder?: ChildProcess;
  sshd?: ChildProcess;
  conns: ChildProcess[];
  nextPodOctet: number;
}
