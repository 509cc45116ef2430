/**
 * The stale-process view as plain, JSON-serializable data (`--once --json --processes` prints a
 * ProcessView as is). Field comments name the file or command each comes from.
 */

/** Who vouches for a process's container. */
export type OwnerKind =
  /** its container ID is in the pod's status (containers, init or ephemeral containers) */
  | 'pod'
  /** the pod's sandbox (pause) process: known to the runtime, or by heuristic without one */
  | 'sandbox'
  /** the runtime lists its container (crictl / docker) but the API does not */
  | 'runtime'
  /** nobody knows its container: the API (if any) and the runtime (if any) do not list it */
  | 'stale'
  /** no container in its cgroup path: a host process that entered the netns (nsenter, ...) */
  | 'host'
  /** neither the API nor a runtime was available: nothing can be called stale */
  | 'unverified';

export interface ProcessRecord {
  pid: number;
  ppid: number;
  /** /proc/PID/stat field 3: R, S, D, Z, T, ... */
  state: string;
  /** /proc/PID/stat field 2 (without the parentheses) */
  comm: string;
  /** /proc/PID/cmdline split at NUL; empty for kernel threads and zombies */
  args: string[];
  /** /proc/PID/stat field 22: start time in clock ticks since boot; identifies the process */
  startTicks: number;
  /** startTicks / CLK_TCK: seconds since boot */
  startedSec: number;
  /** 64-hex container ID from /proc/PID/cgroup */
  containerId?: string;
  /** pod UID from /proc/PID/cgroup, with dashes (static pods: 32 hex digits) */
  podUid?: string;
  /** the runtime named by the cgroup path (cri-containerd-, docker-, crio-, libpod-) */
  runtime?: string;
  /** the cgroup path the IDs were taken from */
  cgroup?: string;
  owner: OwnerKind;
  /** container name when the API or the runtime knows the container */
  containerName?: string;
  /** why the owner is what it is, in words (shown in the view and in --json) */
  ownerNote?: string;
  /** flagged as the cause of a pod's port conflict (only ever set on stale processes) */
  cause?: string;
  /** socket inodes this process holds (from /proc/PID/fd) that are listening sockets */
  listening: number[];
}

export interface Listener {
  proto: 'tcp' | 'udp';
  family: 4 | 6;
  /** local address as text ("0.0.0.0", "::", "127.0.0.1", "::ffff:10.0.0.1") */
  address: string;
  port: number;
  /** socket inode (/proc/net/tcp "inode" column) */
  inode: number;
  /** pids holding it (from /proc/PID/fd socket:[INODE]); empty when no process holds it */
  pids: number[];
}

export interface PodRef {
  namespace?: string;
  name?: string;
  uid: string;
  /** where the identity came from */
  from: 'api' | 'runtime' | 'cgroup';
}

export type NetnsKind =
  /** belongs to a pod the API (or, without the API, the runtime) knows */
  | 'pod'
  /** has container processes, but no pod or runtime container owns any of them */
  | 'leaked'
  /** has container processes; no source to tell whose they are */
  | 'unattributed';

export interface NetnsView {
  /** the netns inode (readlink /proc/PID/ns/net = net:[INODE]) */
  inode: number;
  kind: NetnsKind;
  pod?: PodRef;
  processes: ProcessRecord[];
  listeners: Listener[];
  /** false when the socket tables of this netns could not be read */
  listenersRead: boolean;
  /** zombie processes whose parent is in this netns */
  zombies: number;
  stale: number;
  /** pids flagged as the cause of a port conflict */
  causes: number[];
  /** lines for the view: bind errors of the pod's containers, declared ports not listened on */
  notes: string[];
}

/** Network namespaces with processes but no container process (e.g. `ip netns`, systemd). */
export interface OtherNetns {
  inode: number;
  processes: number;
  comms: string[];
}

export interface RuntimeStatus {
  name: 'crictl' | 'docker';
  status: 'ok' | 'absent' | 'error';
  error?: string;
  /** containers and sandboxes it listed */
  containers: number;
}

/** What ownership could be based on. */
export type OwnershipBasis = 'api+runtime' | 'api' | 'runtime' | 'none';

export interface ProcessView {
  node: string;
  /** local wall time (ms) when the collection finished */
  at: number;
  basis: OwnershipBasis;
  /** one line on the basis, shown at the top of the view */
  basisNote: string;
  runtimes: RuntimeStatus[];
  namespaces: NetnsView[];
  others: OtherNetns[];
  /** processes read, in all namespaces looked at */
  processCount: number;
  clkTck: number;
  uptimeSec?: number;
  cost: {
    /** from the start of the remote command to the parsed result */
    wallMs: number;
    /** CPU the script and its children used on the node (`times`), when reported */
    remoteCpuMs?: number;
    bytes: number;
  };
  /** problems that did not stop the collection (truncated output, parse trouble) */
  warnings: string[];
}
