/**
 * collect.sh for real, on this machine through LocalTransport, against pods made of our own
 * network namespaces and kubepods-style cgroups (podns.ts). Root only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectProcesses } from '../../src/sources/processes/collect.js';
import type { ProcessView } from '../../src/sources/processes/types.js';
import { LocalTransport } from '../../src/sources/transport/local.js';
import type { PodInfo } from '../../src/sources/types.js';
import { PodNsLab, type FakePod } from './podns.js';

const lab = new PodNsLab();
const local = new LocalTransport();
let web: FakePod;
let quiet: FakePod;

beforeAll(async () => {
  web = await lab.addPod();
  await lab.addContainer(web, 'listen', { port: 18080 });
  quiet = await lab.addPod();
  await lab.addContainer(quiet, 'zombies', { port: 3 });
}, 60_000);

afterAll(async () => {
  local.close();
  await lab.cleanup();
});

const ours = (v: ProcessView, pod: FakePod) => v.namespaces.find((n) => n.inode === pod.netns);

function podInfo(pod: FakePod, name: string, containers: PodInfo['containers']): PodInfo {
  return { namespace: 'nwproc', name, uid: pod.uid, nodeName: 'localhost', phase: 'Running', podIPs: [], hostNetwork: false, containers };
}

describe('collect.sh on this machine', () => {
  it('finds our pods, their listener and its owner pid, zombies; nothing stale without API and runtime', async () => {
    const v = await collectProcesses(local);
    expect(JSON.parse(JSON.stringify(v))).toEqual(v);
    const ns = ours(v, web)!;
    expect(ns).toBeDefined();
    expect(ns.kind).toBe('unattributed');
    expect(ns.pod).toEqual({ uid: web.uid, from: 'cgroup' });
    const app = web.containers[1]!;
    expect(ns.listeners).toEqual([
      { proto: 'tcp', family: 4, address: '0.0.0.0', port: 18080, inode: expect.any(Number), pids: [app.pid] },
    ]);
    const rec = ns.processes.find((p) => p.pid === app.pid)!;
    expect(rec).toMatchObject({ containerId: app.id, podUid: web.uid, startTicks: app.startTicks, owner: 'unverified', comm: 'perl' });
    expect(rec.listening).toEqual([ns.listeners[0]!.inode]);
    expect(ns.processes.find((p) => p.pid === web.holder)).toMatchObject({ comm: 'pause', args: [expect.stringMatching(/pause$/), 'infinity'] });
    expect(ours(v, quiet)!.zombies).toBe(3);
    expect(v.basis).toBe('none');
    expect(v.namespaces.every((n) => n.stale === 0)).toBe(true);
    expect(v.cost.remoteCpuMs).toBeGreaterThanOrEqual(0);
  });

  it('with the pods from the API: owned, the pause process is the sandbox, an unknown container is stale', async () => {
    const app = web.containers[1]!;
    const pods = [
      podInfo(web, 'web', [
        { name: 'web', containerID: `containerd://${app.id}`, kind: 'container', ready: true, restartCount: 0, state: 'running', ports: [{ containerPort: 18080, protocol: 'TCP' }] },
      ]),
    ];
    const v = await collectProcesses(local, pods);
    const ns = ours(v, web)!;
    expect(ns.kind).toBe('pod');
    expect(ns.pod).toMatchObject({ namespace: 'nwproc', name: 'web', from: 'api' });
    expect(ns.processes.map((p) => [p.pid, p.owner])).toEqual([
      [web.holder, 'sandbox'],
      [app.pid, 'pod'],
    ]);
    expect(ns.causes).toEqual([]);
    // the other pod is in no pod status: leaked, all its processes stale
    const q = ours(v, quiet)!;
    expect(q.kind).toBe('leaked');
    expect(q.processes.every((p) => p.owner === 'stale')).toBe(true);
  });
});
