/**
 * Who owns each process of each pod network namespace. Pure: RawSnapshot (+ the node's pods
 * from the API, when there is an API) -> the namespaces of the view.
 *
 * A container ID is known when the pod status lists it as a current container (containers, init
 * and ephemeral containers: ContainerInfo.containerID) or a runtime that answered lists it
 * (crictl containers and sandboxes, docker). A lastState container ID does NOT make a process
 * owned: the API says that container terminated, so a process still running in it is exactly the
 * leftover this view hunts (its note says so). A process whose container nobody knows is stale.
 * Without a runtime the pod's sandbox (pause) process is in no pod status; in the netns of a pod
 * the API lists, it is recognised as the oldest process, named "pause". Without the API and a
 * runtime nothing is stale.
 * `pods` must be all the pods bound to this node (spec.nodeName), host-network ones included.
 */
import type { PodInfo } from '../types.js';
import { bindErrors, causeOf, podNotes } from './cause.js';
import { bareContainerId, parseCgroupFile } from './cgroup.js';
import { isKernelThread } from './procfs.js';
import type { RawProcess, RawSnapshot } from './parse.js';
import type { RuntimeContainer } from './runtime.js';
import type { Listener, NetnsView, OtherNetns, OwnershipBasis, PodRef, ProcessRecord } from './types.js';

interface ApiEntry {
  pod: PodInfo;
  container: string;
  current: boolean;
}

export interface Ownership {
  basis: OwnershipBasis;
  basisNote: string;
  namespaces: NetnsView[];
  others: OtherNetns[];
  processCount: number;
}

const short = (id: string): string => id.slice(0, 12);

function apiIndex(pods: readonly PodInfo[]): Map<string, ApiEntry> {
  const idx = new Map<string, ApiEntry>();
  for (const pod of pods) {
    for (const c of pod.containers) {
      const prev = bareContainerId(c.lastTerminated?.containerID);
      if (prev && !idx.has(prev)) idx.set(prev, { pod, container: c.name, current: false });
    }
  }
  for (const pod of pods) {
    for (const c of pod.containers) {
      const id = bareContainerId(c.containerID);
      if (id) idx.set(id, { pod, container: c.name, current: true });
    }
  }
  return idx;
}

function runtimeIndex(snap: RawSnapshot): { find(id: string): RuntimeContainer | undefined; size: number } {
  const idx = new Map<string, RuntimeContainer>();
  const prefixes: RuntimeContainer[] = [];
  for (const r of snap.runtimes) {
    if (r.status !== 'ok') continue;
    for (const c of r.containers) {
      if (c.id.length < 64) prefixes.push(c);
      idx.set(c.id, c);
      if (c.sandboxId && !idx.has(c.sandboxId)) {
        idx.set(c.sandboxId, { id: c.sandboxId, sandbox: true, name: 'POD', podUid: c.podUid, podName: c.podName, podNamespace: c.podNamespace });
      }
    }
  }
  return { find: (id) => idx.get(id) ?? prefixes.find((c) => id.startsWith(c.id)), size: idx.size };
}

export function basisOf(snap: RawSnapshot, pods: readonly PodInfo[] | undefined): { basis: OwnershipBasis; note: string } {
  const ok = snap.runtimes.filter((r) => r.status === 'ok').map((r) => r.name);
  const down = snap.runtimes
    .filter((r) => r.status !== 'ok')
    .map((r) => (r.status === 'absent' ? `${r.name} not installed` : `${r.name}: ${r.error ?? 'failed'}`));
  const rt = ok.join(' and ');
  if (pods && ok.length) return { basis: 'api+runtime', note: `ownership from the pods' status (API) and ${rt}` };
  if (pods) {
    return { basis: 'api', note: `ownership from the pods' status (API) only (${down.join('; ')}); pause processes recognised by name` };
  }
  if (ok.length) return { basis: 'runtime', note: `no Kubernetes API: ownership from ${rt} alone; causes need the API` };
  return { basis: 'none', note: `no Kubernetes API and no container runtime (${down.join('; ')}): processes listed, nothing called stale` };
}

export function buildOwnership(snap: RawSnapshot, pods: readonly PodInfo[] | undefined): Ownership {
  const { basis, note } = basisOf(snap, pods);
  const api = apiIndex(pods ?? []);
  const runtime = runtimeIndex(snap);
  const podsByUid = new Map((pods ?? []).filter((p) => !p.hostNetwork).map((p) => [p.uid.toLowerCase(), p]));

  // group live processes by netns; zombies count in their parent's netns
  const groups = new Map<number, RawProcess[]>();
  const zombies = new Map<number, number>();
  let processCount = 0;
  for (const [pid, p] of snap.processes) {
    if (isKernelThread(p.stat)) continue;
    if (p.stat.state === 'Z' || p.stat.state === 'X') {
      const ns = snap.netnsOf.get(p.stat.ppid);
      if (ns !== undefined && ns !== snap.selfNetns) zombies.set(ns, (zombies.get(ns) ?? 0) + 1);
      continue;
    }
    const ns = snap.netnsOf.get(pid);
    if (ns === undefined || ns === snap.selfNetns) continue;
    processCount++;
    const list = groups.get(ns) ?? [];
    list.push(p);
    groups.set(ns, list);
  }

  const holders = new Map<number, number[]>();
  for (const [pid, inodes] of snap.sockets) for (const i of inodes) holders.set(i, [...(holders.get(i) ?? []), pid]);

  const namespaces: NetnsView[] = [];
  const others: OtherNetns[] = [];
  for (const [inode, procs] of groups) {
    const records = procs.map((p) => toRecord(p, snap.clkTck)).sort((a, b) => a.pid - b.pid);
    if (!records.some((r) => r.containerId || r.podUid)) {
      others.push({ inode, processes: records.length, comms: [...new Set(records.map((r) => r.comm))].slice(0, 5) });
      continue;
    }
    const listeners: Listener[] = snap.listeners
      .filter((l) => l.netns === inode)
      .map((l) => ({
        proto: l.proto,
        family: l.family,
        address: l.row.localAddress,
        port: l.row.localPort,
        inode: l.row.inode,
        pids: holders.get(l.row.inode) ?? [],
      }))
      .sort((a, b) => a.port - b.port || a.proto.localeCompare(b.proto));
    for (const r of records) r.listening = listeners.filter((l) => l.pids.includes(r.pid)).map((l) => l.inode);

    // the pod: through a container the API lists, else the cgroup's pod UID, else the runtime
    let apiPod: PodInfo | undefined;
    for (const r of records) apiPod ??= r.containerId ? api.get(r.containerId)?.pod : undefined;
    for (const r of records) apiPod ??= r.podUid ? podsByUid.get(r.podUid) : undefined;
    let pod: PodRef | undefined;
    if (apiPod) pod = { namespace: apiPod.namespace, name: apiPod.name, uid: apiPod.uid, from: 'api' };
    let runtimeKnows = false;
    for (const r of records) {
      const rc = r.containerId ? runtime.find(r.containerId) : undefined;
      if (!rc) continue;
      runtimeKnows = true;
      if (!pod && rc.podUid) pod = { namespace: rc.podNamespace, name: rc.podName, uid: rc.podUid, from: 'runtime' };
    }
    const cgroupUid = records.find((r) => r.podUid)?.podUid;
    if (!pod && cgroupUid) pod = { uid: cgroupUid, from: 'cgroup' };
    const kind = apiPod || runtimeKnows ? 'pod' : basis === 'none' ? 'unattributed' : 'leaked';

    assignOwners(records, { api, runtime, basis, inApiPod: Boolean(apiPod) });
    const errors = apiPod ? bindErrors(apiPod) : [];
    const notes = apiPod ? podNotes(apiPod, errors) : [];
    if (!apiPod && pod?.from === 'runtime' && pods) notes.push('the runtime knows this pod, the API does not list it on this node');
    const causes: number[] = [];
    if (apiPod) {
      for (const r of records) {
        const held = listeners.filter((l) => r.listening.includes(l.inode));
        const cause = causeOf(r, held, apiPod, errors);
        if (cause) {
          r.cause = cause;
          causes.push(r.pid);
        }
      }
    }
    namespaces.push({
      inode,
      kind,
      pod,
      processes: records,
      listeners,
      listenersRead: snap.tablesRead.has(inode),
      zombies: zombies.get(inode) ?? 0,
      stale: records.filter((r) => r.owner === 'stale').length,
      causes,
      notes,
    });
  }
  namespaces.sort(
    (a, b) =>
      b.causes.length - a.causes.length ||
      b.stale - a.stale ||
      `${a.pod?.namespace ?? '~'}/${a.pod?.name ?? a.inode}`.localeCompare(`${b.pod?.namespace ?? '~'}/${b.pod?.name ?? b.inode}`),
  );
  others.sort((a, b) => a.inode - b.inode);
  return { basis, basisNote: note, namespaces, others, processCount };
}

function toRecord(p: RawProcess, clkTck: number): ProcessRecord {
  const ids = parseCgroupFile(p.cgroupLines);
  const r: ProcessRecord = {
    pid: p.stat.pid,
    ppid: p.stat.ppid,
    state: p.stat.state,
    comm: p.stat.comm,
    args: p.args,
    startTicks: p.stat.startTicks,
    startedSec: Math.round((p.stat.startTicks / clkTck) * 100) / 100,
    owner: 'unverified',
    listening: [],
  };
  if (ids?.containerId) r.containerId = ids.containerId;
  if (ids?.podUid) r.podUid = ids.podUid;
  if (ids?.runtime) r.runtime = ids.runtime;
  if (ids) r.cgroup = ids.path;
  return r;
}

function assignOwners(
  records: ProcessRecord[],
  ctx: { api: Map<string, ApiEntry>; runtime: ReturnType<typeof runtimeIndex>; basis: OwnershipBasis; inApiPod: boolean },
): void {
  const withContainer = records.filter((r) => r.containerId);
  const oldest = withContainer.reduce<ProcessRecord | undefined>((o, r) => (!o || r.startTicks < o.startTicks ? r : o), undefined);
  const hasRuntime = ctx.basis === 'runtime' || ctx.basis === 'api+runtime';
  for (const r of records) {
    const id = r.containerId;
    if (!id) {
      r.owner = 'host';
      r.ownerNote = `no container in its cgroup (${r.cgroup ?? '?'}): a host process in this netns`;
      continue;
    }
    const a = ctx.api.get(id);
    const rc = ctx.runtime.find(id);
    if (a?.current) {
      r.owner = 'pod';
      r.containerName = a.container;
    } else if (rc) {
      r.owner = rc.sandbox ? 'sandbox' : 'runtime';
      if (rc.name) r.containerName = rc.name;
      const exited = /EXITED|^exited/i.test(rc.state ?? '');
      if (exited) r.ownerNote = `the runtime lists container ${short(id)} as ${rc.state}, yet this process runs`;
      else if (!rc.sandbox && ctx.basis === 'api+runtime') r.ownerNote = `container ${short(id)} is known to the runtime, not to the pod status`;
    } else if (ctx.basis === 'none') {
      r.owner = 'unverified';
      r.ownerNote = 'no API and no runtime to check its container against';
    } else if (!hasRuntime && ctx.inApiPod && r === oldest && r.comm === 'pause' && !a) {
      r.owner = 'sandbox';
      r.ownerNote = 'the pod sandbox (pause) by name: no runtime to confirm';
    } else {
      r.owner = 'stale';
      const c = short(id);
      const apiPart = a
        ? `container ${a.container} (${c}) terminated per the pod status, yet this process runs`
        : `container ${c} is not in any pod status`;
      const rtPart = hasRuntime ? `the runtime does not list ${c}` : 'no runtime to ask';
      r.ownerNote = ctx.basis === 'runtime' ? rtPart : `${apiPart}; ${rtPart}`;
    }
  }
}
