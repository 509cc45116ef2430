/**
 * Services and EndpointSlices (discovery.k8s.io/v1) of the whole cluster: two list + watches
 * (no polling), and the pure conversions to ServiceInfo and to a Service's ready endpoints
 * merged across its slices. The slice watch asks only for slices that belong to a Service
 * (labelSelector kubernetes.io/service-name).
 *
 * The conversions read only fields whose JSON names and client-node model names agree, so they
 * take both the deserialized objects of a list and the raw JSON objects of watch events.
 */
import type { CoreV1Api, DiscoveryV1Api, V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import type { ServiceEndpoint, ServiceEndpoints, ServiceInfo } from '../types.js';
import { abortable } from './api.js';
import type { Logger, SourceStatus, Timing } from './common.js';
import { Reflector, type WatchLike } from './reflector.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export function toServiceInfo(s: V1Service): ServiceInfo {
  const m = s.metadata ?? {};
  const spec = s.spec ?? {};
  const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  return {
    namespace: m.namespace ?? '',
    name: m.name ?? '',
    type: spec.type ?? 'ClusterIP',
    clusterIPs: ips.filter((ip) => ip && ip !== 'None'),
    ports: (spec.ports ?? []).map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      port: p.port,
      protocol: p.protocol ?? 'TCP',
      ...(p.targetPort !== undefined ? { targetPort: p.targetPort as number | string } : {}),
    })),
  };
}

/** ns/name of the Service a slice belongs to, or undefined */
export function sliceService(e: V1EndpointSlice): string | undefined {
  const svc = e.metadata?.labels?.[SERVICE_NAME_LABEL];
  return svc ? `${e.metadata?.namespace ?? ''}/${svc}` : undefined;
}

/** the ready endpoints of some slices, each address with each slice port, sorted */
export function readyEndpoints(slices: readonly V1EndpointSlice[]): ServiceEndpoint[] {
  const out = new Map<string, ServiceEndpoint>();
  for (const sl of slices) {
    if (sl.addressType === 'FQDN') continue;
    for (const ep of sl.endpoints ?? []) {
      // ready unset means ready (the API's documented default)
      if (ep.conditions?.ready === false) continue;
      const ref = ep.targetRef?.kind === 'Pod' && ep.targetRef.name ? { namespace: ep.targetRef.namespace ?? sl.metadata?.namespace ?? '', name: ep.targetRef.name } : undefined;
      for (const ip of ep.addresses ?? []) {
        for (const p of sl.ports ?? []) {
          if (p.port === undefined || p.port === null) continue;
          const e: ServiceEndpoint = {
            ip,
            port: p.port,
            protocol: p.protocol ?? 'TCP',
            ...(p.name ? { portName: p.name } : {}),
            ...(ep.nodeName ? { node: ep.nodeName } : {}),
            ...(ref ? { pod: ref } : {}),
          };
          out.set(endpointKey(e), e);
        }
      }
    }
  }
  return [...out.values()].sort((a, b) => endpointKey(a).localeCompare(endpointKey(b)));
}

export function endpointKey(e: ServiceEndpoint): string {
  return `${e.portName ?? ''}|${e.protocol}|${e.ip}|${e.port}`;
}

/**
 * Merges the slices per Service; keeps changedAt from `prev` for Services whose ready set did
 * not change. Pure: `now` is the local time of this update. A Service seen for the first time
 * (netwatch just started) takes the slices' last-change-trigger-time when they carry one (never
 * later than now): otherwise endpoints that changed an hour ago would count as just changed and
 * a lagging node would get a slow period of grace it does not deserve.
 */
/** endpoints.kubernetes.io/last-change-trigger-time of the slices (the controller's clock), ms */
export const TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';

function triggerTime(slices: readonly V1EndpointSlice[]): number | undefined {
  let best: number | undefined;
  for (const sl of slices) {
    const t = Date.parse(sl.metadata?.annotations?.[TRIGGER_TIME] ?? '');
    if (Number.isFinite(t) && (best === undefined || t > best)) best = t;
  }
  return best;
}

export function mergeEndpoints(
  slices: readonly V1EndpointSlice[],
  prev: ReadonlyMap<string, ServiceEndpoints>,
  now: number,
): Map<string, ServiceEndpoints> {
  const bySvc = new Map<string, V1EndpointSlice[]>();
  for (const sl of slices) {
    const k = sliceService(sl);
    if (!k) continue;
    const list = bySvc.get(k) ?? [];
    list.push(sl);
    bySvc.set(k, list);
  }
  const out = new Map<string, ServiceEndpoints>();
  for (const [k, list] of bySvc) {
    const endpoints = readyEndpoints(list);
    const was = prev.get(k);
    const same = was && was.endpoints.length === endpoints.length && was.endpoints.every((e, i) => endpointKey(e) === endpointKey(endpoints[i]!));
    const first = was ? undefined : triggerTime(list);
    out.set(k, same ? was : { endpoints, changedAt: first !== undefined ? Math.min(first, now) : now });
  }
  // a Service whose last slice went away: no endpoints since now
  for (const [k, was] of prev) if (!out.has(k)) out.set(k, was.endpoints.length ? { endpoints: [], changedAt: now } : was);
  return out;
}

export interface ServiceWatchOptions {
  core: CoreV1Api;
  discovery: DiscoveryV1Api;
  watch: WatchLike;
  timing: Timing;
  logger: Logger;
  random?: () => number;
  onChange(): void;
  onStatus(what: 'services' | 'endpointslices', status: SourceStatus): void;
}

export function serviceReflector(o: ServiceWatchOptions): Reflector<V1Service> {
  return new Reflector<V1Service>({
    what: 'services',
    name: 'services',
    path: '/api/v1/services',
    list: async ({ resourceVersion, signal }) => {
      const res = await o.core.listServiceForAllNamespaces({ resourceVersion: resourceVersion || undefined }, abortable(signal));
      return { items: res.items, resourceVersion: res.metadata?.resourceVersion ?? '' };
    },
    watch: o.watch,
    timing: o.timing,
    logger: o.logger,
    ...(o.random ? { random: o.random } : {}),
    onChange: o.onChange,
    onStatus: (s) => o.onStatus('services', s),
  });
}

export function endpointSliceReflector(o: ServiceWatchOptions): Reflector<V1EndpointSlice> {
  return new Reflector<V1EndpointSlice>({
    what: 'endpointslices',
    name: 'endpointslices',
    path: '/apis/discovery.k8s.io/v1/endpointslices',
    labelSelector: SERVICE_NAME_LABEL,
    list: async ({ resourceVersion, signal }) => {
      const res = await o.discovery.listEndpointSliceForAllNamespaces(
        { labelSelector: SERVICE_NAME_LABEL, resourceVersion: resourceVersion || undefined },
        abortable(signal),
      );
      return { items: res.items, resourceVersion: res.metadata?.resourceVersion ?? '' };
    },
    watch: o.watch,
    timing: o.timing,
    logger: o.logger,
    ...(o.random ? { random: o.random } : {}),
    onChange: o.onChange,
    onStatus: (s) => o.onStatus('endpointslices', s),
  });
}
