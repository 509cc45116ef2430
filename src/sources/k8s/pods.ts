/**
 * Pods of one node: a list + watch with fieldSelector=spec.nodeName=NODE (no polling), and the
 * pure conversion of a V1Pod to PodInfo.
 *
 * toPodInfo reads only fields whose JSON names and client-node model names agree, so it takes
 * both the deserialized objects of a list and the raw JSON objects of watch events.
 */
import type { CoreV1Api, V1Container, V1ContainerStatus, V1EphemeralContainer, V1Pod } from '@kubernetes/client-node';
import type { ContainerInfo, PodInfo } from '../types.js';
import { abortable } from './api.js';
import type { Logger, SourceStatus, Timing } from './common.js';
import { Reflector, type WatchLike } from './reflector.js';

function stateOf(st: V1ContainerStatus | undefined): string {
  const s = st?.state;
  if (s?.waiting) return s.waiting.reason || 'waiting';
  if (s?.running) return 'running';
  if (s?.terminated) return 'terminated';
  return 'waiting';
}

function containers(
  kind: ContainerInfo['kind'],
  specs: readonly (V1Container | V1EphemeralContainer)[] | undefined,
  statuses: readonly V1ContainerStatus[] | undefined,
): ContainerInfo[] {
  const byName = new Map((statuses ?? []).map((s) => [s.name, s]));
  const names = [...(specs ?? []).map((c) => c.name), ...(statuses ?? []).map((s) => s.name)];
  const specByName = new Map((specs ?? []).map((c) => [c.name, c]));
  return [...new Set(names)].map((name) => {
    const st = byName.get(name);
    const last = st?.lastState?.terminated;
    const info: ContainerInfo = {
      name,
      kind,
      ready: st?.ready ?? false,
      restartCount: st?.restartCount ?? 0,
      state: stateOf(st),
      ports: (specByName.get(name)?.ports ?? []).map((p) => ({
        containerPort: p.containerPort,
        protocol: p.protocol ?? 'TCP',
        ...(p.name ? { name: p.name } : {}),
      })),
    };
    if (st?.containerID) info.containerID = st.containerID;
    if (last) {
      info.lastTerminated = {
        ...(last.reason ? { reason: last.reason } : {}),
        ...(last.message ? { message: last.message } : {}),
        ...(last.exitCode !== undefined ? { exitCode: last.exitCode } : {}),
        ...(last.containerID ? { containerID: last.containerID } : {}),
      };
    }
    return info;
  });
}

export function toPodInfo(pod: V1Pod): PodInfo {
  const m = pod.metadata ?? {};
  const spec = pod.spec;
  const st = pod.status ?? {};
  const podIPs = st.podIPs?.length ? st.podIPs.map((p) => p.ip) : st.podIP ? [st.podIP] : [];
  const info: PodInfo = {
    namespace: m.namespace ?? '',
    name: m.name ?? '',
    uid: m.uid ?? '',
    nodeName: spec?.nodeName ?? '',
    phase: st.phase ?? 'Unknown',
    podIPs,
    hostNetwork: spec?.hostNetwork ?? false,
    containers: [
      ...containers('init', spec?.initContainers, st.initContainerStatuses),
      ...containers('container', spec?.containers, st.containerStatuses),
      ...containers('ephemeral', spec?.ephemeralContainers, st.ephemeralContainerStatuses),
    ],
  };
  if (st.reason) info.reason = st.reason;
  if (m.deletionTimestamp) info.terminating = true;
  if (st.hostIP) info.hostIP = st.hostIP;
  const ctl = m.ownerReferences?.find((o) => o.controller);
  if (ctl) info.owner = { kind: ctl.kind, name: ctl.name };
  return info;
}

export function byNamespaceName(a: PodInfo, b: PodInfo): number {
  return a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
}

export interface PodWatchOptions {
  api: CoreV1Api;
  watch: WatchLike;
  node: string;
  timing: Timing;
  logger: Logger;
  random?: () => number;
  onChange(): void;
  onStatus(status: SourceStatus): void;
}

/** The list + watch of the pods on one node. */
export function podReflector(o: PodWatchOptions): Reflector<V1Pod> {
  const fieldSelector = `spec.nodeName=${o.node}`;
  return new Reflector<V1Pod>({
    what: 'pods',
    name: `pods@${o.node}`,
    path: '/api/v1/pods',
    fieldSelector,
    list: async ({ resourceVersion, signal }) => {
      const res = await o.api.listPodForAllNamespaces({ fieldSelector, resourceVersion: resourceVersion || undefined }, abortable(signal));
      return { items: res.items, resourceVersion: res.metadata?.resourceVersion ?? '' };
    },
    watch: o.watch,
    timing: o.timing,
    logger: o.logger,
    ...(o.random ? { random: o.random } : {}),
    onChange: o.onChange,
    onStatus: o.onStatus,
  });
}
