/**
 * Pod processes on a node, found through their cgroup path, which holds the pod UID:
 *   cgroupfs: /kubepods/besteffort/pod<uid>/<containerid>
 *   systemd:  /kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid_>.slice/cri-containerd-<id>.scope
 * (cgroup v1 lines "N:controller:/path", v2 "0::/path"). Input: `grep -H kubepods /proc/[0-9]*\/cgroup`.
 * Pure.
 */

import type { PodCgroup } from '../types.js';

const POD_RE = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})/i;
const CID_RE = /(?:^|[/-])([0-9a-f]{64})(?:\.scope)?$/;

export function parseCgroupPath(path: string): { uid?: string; containerId?: string } {
  const m = POD_RE.exec(path);
  if (!m) return {};
  const uid = m[1]!.replace(/_/g, '-').toLowerCase();
  const c = CID_RE.exec(path);
  return { uid, containerId: c?.[1] };
}

export function parsePodCgroups(lines: readonly string[]): Map<string, PodCgroup> {
  const out = new Map<string, PodCgroup>();
  for (const line of lines) {
    const m = /^\/proc\/(\d+)\/cgroup:[^:]*:[^:]*:(.*)$/.exec(line);
    if (!m) continue;
    const { uid, containerId } = parseCgroupPath(m[2]!);
    if (!uid) continue;
    const pid = Number(m[1]);
    let e = out.get(uid);
    if (!e) out.set(uid, (e = { uid, pids: [], containerIds: [] }));
    if (!e.pids.includes(pid)) e.pids.push(pid);
    if (containerId && !e.containerIds.includes(containerId)) e.containerIds.push(containerId);
  }
  for (const e of out.values()) e.pids.sort((a, b) => a - b);
  return out;
}

/** what a pod's eth0 says about its host-side peer (see state/topology.ts PodPeer) */
export type PodPeerLine = 'host' | { peer: number; eth0Index?: number; linkNetnsId?: number };

/**
 * Output of remote/podpeer.sh: "PID eth0@if12 3 0" (the peer index of the pod's eth0, eth0's
 * own index, its link-netnsid or "-") or "PID host" when the process shares the node's network
 * namespace. The older two-word form "PID eth0@if12" is read too.
 */
export function parsePodPeers(lines: readonly string[]): Map<number, PodPeerLine> {
  const out = new Map<number, PodPeerLine>();
  for (const line of lines) {
    const [pid, what, idx, nid] = line.trim().split(/\s+/);
    if (!pid || !what || !/^\d+$/.test(pid)) continue;
    if (what === 'host') out.set(Number(pid), 'host');
    const m = /@if(\d+)$/.exec(what);
    if (!m) continue;
    const p: PodPeerLine = { peer: Number(m[1]) };
    if (idx && /^\d+$/.test(idx)) p.eth0Index = Number(idx);
    if (nid && /^\d+$/.test(nid)) p.linkNetnsId = Number(nid);
    out.set(Number(pid), p);
  }
  return out;
}
