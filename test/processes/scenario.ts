/**
 * Writes collect.sh output (format in src/sources/processes/script.ts) for made-up nodes, so the
 * ownership tests go through the real parser. Lines are shaped exactly like the real ones in
 * test/fixtures/processes/collect-local.txt.
 */
import { createHash } from 'node:crypto';

export const cid = (seed: string): string => createHash('sha256').update(seed).digest('hex');

export interface Proc {
  pid: number;
  ppid?: number;
  comm: string;
  state?: string;
  /** netns inode; undefined for zombies (no readable link) */
  netns?: number;
  start?: number;
  /** the cgroup v2 path ("0::" line); omitted: "/" */
  cgroup?: string;
  args?: string[];
  sockets?: number[];
}

export interface Listen {
  /** the representative pid whose /proc/PID/net/... was read */
  pid: number;
  file?: 'tcp' | 'tcp6' | 'udp' | 'udp6';
  port: number;
  inode: number;
}

export type Runtime = 'absent' | { error: string } | string;

export interface NodeSpec {
  selfPid?: number;
  selfNetns?: number;
  procs: Proc[];
  listens?: Listen[];
  crictl?: 'absent' | { error: string } | { ps: string; pods: string };
  docker?: Runtime;
}

export const podCgroupSystemd = (uid: string, id: string, prefix = 'cri-containerd'): string =>
  `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid.replace(/-/g, '_')}.slice/${prefix}-${id}.scope`;
export const podCgroupfs = (uid: string, id: string): string => `/kubepods/besteffort/pod${uid}/${id}`;

const statLine = (p: Proc): string =>
  `${p.pid} (${p.comm}) ${p.state ?? 'S'} ${p.ppid ?? 1} ${p.pid} ${p.pid} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 ${p.start ?? p.pid * 10} 9474048 1652`;

export function nodeOutput(spec: NodeSpec): string {
  const selfPid = spec.selfPid ?? 999_999;
  const selfNs = spec.selfNetns ?? 4026531833;
  const out: string[] = ['@@nw-processes 1', '@@uptime 12345.67', '@@clk 100', `@@self ${selfPid}`, `@@selfns net:[${selfNs}]`, '@@netns'];
  for (const p of spec.procs) if (p.netns !== undefined) out.push(`${p.pid} net:[${p.netns}]`);
  out.push(`${selfPid} net:[${selfNs}]`);
  out.push('@@files');
  for (const p of spec.procs) {
    out.push(`${p.pid}/stat:${statLine(p)}`);
    if (p.netns === undefined) continue;
    out.push(`${p.pid}/cmdline:${(p.args ?? [p.comm]).map((a) => `${a}\0`).join('')}`);
    out.push(`${p.pid}/cgroup:1:name=systemd:/`, `${p.pid}/cgroup:0::${p.cgroup ?? '/'}`);
  }
  out.push('@@fds');
  for (const p of spec.procs) {
    if (p.netns === undefined) continue;
    out.push(`${p.pid}/fd:`);
    (p.sockets ?? []).forEach((s, i) => out.push(`lrwx------ 1 0 0 64 Nov 22 02:55 ${i + 3} -> socket:[${s}]`));
  }
  const reps = new Map<number, number>();
  for (const p of spec.procs) if (p.netns !== undefined && p.netns !== selfNs && !reps.has(p.netns)) reps.set(p.netns, p.pid);
  out.push(`@@reps ${[...reps.values()].join(' ')}`, '@@listen');
  for (const l of spec.listens ?? []) {
    const v6 = l.file?.endsWith('6');
    const addr = v6 ? '0'.repeat(32) : '00000000';
    const st = l.file?.startsWith('udp') ? '07' : '0A';
    const port = l.port.toString(16).toUpperCase().padStart(4, '0');
    out.push(`${l.pid}/net/${l.file ?? 'tcp'}:   0: ${addr}:${port} ${addr}:0000 ${st} 00000000:00000000 00:00000000 00000000     0        0 ${l.inode} 1 0000000000000000 100 0 0 10 0`);
  }
  const c = spec.crictl ?? 'absent';
  if (c === 'absent') out.push('@@absent crictl');
  else if ('error' in c) out.push('@@runtime crictl-ps', c.error, '@@rc 1', '@@runtime crictl-pods', c.error, '@@rc 1');
  else out.push('@@runtime crictl-ps', c.ps, '@@rc 0', '@@runtime crictl-pods', c.pods, '@@rc 0');
  const d = spec.docker ?? 'absent';
  if (d === 'absent') out.push('@@absent docker');
  else if (typeof d === 'object') out.push('@@runtime docker', d.error, '@@rc 1');
  else out.push('@@runtime docker', d, '@@rc 0');
  out.push('@@times', '0m0.010000s 0m0.020000s', '0m0.100000s 0m0.200000s', '@@end', '');
  return out.join('\n');
}

export interface CrictlEntry {
  id: string;
  podUid: string;
  podName: string;
  namespace: string;
  name?: string;
  state?: string;
  sandboxId?: string;
}

export function crictlPs(list: CrictlEntry[]): string {
  return JSON.stringify({
    containers: list.map((c) => ({
      id: c.id,
      podSandboxId: c.sandboxId ?? '',
      metadata: { name: c.name ?? 'app', attempt: 0 },
      state: c.state ?? 'CONTAINER_RUNNING',
      createdAt: '1763719301512345678',
      labels: {
        'io.kubernetes.container.name': c.name ?? 'app',
        'io.kubernetes.pod.name': c.podName,
        'io.kubernetes.pod.namespace': c.namespace,
        'io.kubernetes.pod.uid': c.podUid,
      },
      annotations: {},
    })),
  }, null, 2);
}

export function crictlPods(list: CrictlEntry[]): string {
  return JSON.stringify({
    items: list.map((p) => ({
      id: p.id,
      metadata: { name: p.podName, uid: p.podUid, namespace: p.namespace, attempt: 0 },
      state: p.state ?? 'SANDBOX_READY',
      createdAt: '1763700100987654321',
      labels: {},
      annotations: {},
      runtimeHandler: '',
    })),
  }, null, 2);
}
