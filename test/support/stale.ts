/**
 * The stale process holding a pod's port, set up on one lab node with its API pod (issue 10;
 * used by test/e2e/once-window-stale.test.ts and test/e2e/faults.test.ts):
 * - fakeCrictl: a crictl in the node's own mount namespace (a tmpfs over /usr/local/sbin) that
 *   lists these containers of these pods, as containerd would;
 * - staleApiPod: the API's pod with containers web (crash-looping on bind, or running) and sidecar;
 * - injectStaleProcess: pod NS/NAME whose first process is the sidecar, the old web container still
 *   holding :8080, the API listing a new web container crash-looping on bind, the runtime knowing
 *   only the sidecar;
 * - healthyListener: a pod listening on :8080 in its own container, known to the API and the runtime.
 */
import { randomBytes } from 'node:crypto';
import type { TestApiServer } from '../kube/apiserver.mjs';
import { makePod } from '../kube/objects.mjs';
import type { Lab, LabPod } from '../lab/lab.js';

export interface CrictlPod { id: string; uid: string; name: string; namespace: string }
export interface CrictlContainer { id: string; uid: string; pod: string; namespace: string; name: string }

/** a crictl on the node (its own mount namespace: a tmpfs over /usr/local/sbin) that lists these containers of these pods */
export async function fakeCrictl(lab: Lab, node: string, pods: CrictlPod[], containers: CrictlContainer[]): Promise<void> {
  const ps = JSON.stringify({
    containers: containers.map((c) => ({
      id: c.id, podSandboxId: '', metadata: { name: c.name, attempt: 0 }, state: 'CONTAINER_RUNNING', createdAt: '1763719301512345678',
      labels: { 'io.kubernetes.container.name': c.name, 'io.kubernetes.pod.name': c.pod, 'io.kubernetes.pod.namespace': c.namespace, 'io.kubernetes.pod.uid': c.uid },
      annotations: {},
    })),
  });
  const sandboxes = JSON.stringify({
    items: pods.map((p) => ({ id: p.id, metadata: { name: p.name, uid: p.uid, namespace: p.namespace, attempt: 0 }, state: 'SANDBOX_READY', createdAt: '1763700100987654321', labels: {}, annotations: {}, runtimeHandler: '' })),
  });
  const script = '#!/bin/sh\ncase "$1" in ps) cat /usr/local/sbin/crictl-ps.json;; pods) cat /usr/local/sbin/crictl-pods.json;; *) exit 1;; esac\n';
  const r = await lab.exec(node, [
    'sh', '-c',
    'mount -t tmpfs -o mode=755 nwcrictl /usr/local/sbin && printf "%s\\n" "$1" > /usr/local/sbin/crictl-ps.json && printf "%s\\n" "$2" > /usr/local/sbin/crictl-pods.json && printf %s "$3" > /usr/local/sbin/crictl && chmod 755 /usr/local/sbin/crictl',
    'sh', ps, sandboxes, script,
  ]);
  if (r.code !== 0) throw new Error(`fake crictl on ${node}: ${r.stderr}`);
}

/** the API's pod: containers web (crash-looping on bind with container newWebId, or running) and sidecar, with the lab's container IDs */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function staleApiPod(node: string, p: LabPod, sidecarId: string, crashing: boolean, newWebId = randomBytes(32).toString('hex')): any {
  const pod = makePod('gke', { name: p.name, namespace: p.namespace, node, ip: p.ip, uid: p.uid });
  pod.spec.containers = [
    { name: 'web', image: 'nginx', ports: [{ containerPort: 8080, protocol: 'TCP' }] },
    { name: 'sidecar', image: 'busybox' },
  ];
  delete pod.spec.initContainers;
  delete pod.status.initContainerStatuses;
  pod.status.containerStatuses = [
    crashing
      ? {
          name: 'web', image: 'nginx', imageID: '', ready: false, started: false, restartCount: 7, containerID: `containerd://${newWebId}`,
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', message: 'listen tcp :8080: bind: address already in use', containerID: `containerd://${newWebId}` } },
        }
      : { name: 'web', image: 'nginx', imageID: '', ready: true, started: true, restartCount: 0, containerID: `containerd://${sidecarId}`, state: { running: { startedAt: '2026-01-01T00:00:00Z' } }, lastState: {} },
    { name: 'sidecar', image: 'busybox', imageID: '', ready: true, started: true, restartCount: 0, containerID: `containerd://${sidecarId}`, state: { running: { startedAt: '2026-01-01T00:00:00Z' } }, lastState: {} },
  ];
  return pod;
}

export interface StaleSetup {
  pod: LabPod;
  /** the old web container's listener, as seen inside the node */
  oldPid: number;
}

/** pod NS/NAME on the node: its sidecar is the pod's first process; the old web container still holds :8080 */
export async function injectStaleProcess(lab: Lab, api: TestApiServer, node: string, opts: { name?: string; namespace?: string } = {}): Promise<StaleSetup> {
  const pod = await lab.addPod(node, { name: opts.name ?? 'web', namespace: opts.namespace ?? 'shop', listenPort: 0 });
  const old = await lab.addContainer(node, pod.name, { listenPort: 8080 });
  api.addPod(staleApiPod(node, pod, pod.containerId, true));
  await fakeCrictl(lab, node, [{ id: pod.containerId, uid: pod.uid, name: pod.name, namespace: pod.namespace }], [{ id: pod.containerId, uid: pod.uid, pod: pod.name, namespace: pod.namespace, name: 'sidecar' }]);
  return { pod, oldPid: old.pids[0]! };
}

/** one pod listening on :8080 in its own container, known to the API and the runtime */
export async function healthyListener(lab: Lab, api: TestApiServer, node: string, name: string, namespace: string): Promise<LabPod> {
  const g = await lab.addPod(node, { name, namespace, listenPort: 8080 });
  api.addPod(staleApiPod(node, g, g.containerId, false));
  await fakeCrictl(lab, node, [{ id: g.containerId, uid: g.uid, name, namespace }], [{ id: g.containerId, uid: g.uid, pod: name, namespace, name: 'web' }]);
  return g;
}
