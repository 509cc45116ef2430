/**
 * The Services of a pod (key `S` on a pod in the node detail): the Services whose ready endpoints
 * include the pod, each seen from every node (servicesView.ts: the API's endpoints against each
 * node's kube-proxy rules), and what `c` captures there: `host VIP and port PORT` on the node's
 * primary interface. Pure; every string from the API or a node is sanitized by clipSegs.
 */
import type { PodInfo } from '../sources/types.js';
import { serviceView, serviceViewLines } from '../state/servicesView.js';
import { servicesOfPod } from '../state/services.js';
import type { AppState } from '../state/types.js';
import { selected } from './ansi.js';
import { clipSegs, type Seg } from './columns.js';
import { primaryIface } from './select.js';
import type { CaptureTarget } from './types.js';

export type ServicesSnap = Pick<AppState, 'services' | 'order' | 'nodes'>;

/** the pod's Services, by ns/name */
export function podServices(snap: ServicesSnap, pod: PodInfo): string[] {
  return servicesOfPod(snap.services, pod);
}

/** the screen's lines: a title, then per Service its view, the selected Service marked */
export function servicesLines(snap: ServicesSnap, node: string, pod: PodInfo, sel: number, width: number, rows: number, now: number): Seg[][] {
  const keys = podServices(snap, pod);
  const out: Seg[][] = [clipSegs([{ text: `Services of pod ${pod.namespace}/${pod.name} (on ${node})`, bold: true }], width)];
  if (snap.services?.status.kind !== 'ok') {
    const why = snap.services?.status.message ?? (snap.services ? snap.services.status.kind : 'no Kubernetes API');
    out.push(clipSegs([{ text: `cannot tell: Services/EndpointSlices from the API: ${why}`, tone: 'warn' }], width));
  }
  if (!keys.length) {
    out.push(clipSegs([{ text: 'no Service lists this pod among its ready endpoints', tone: 'dim' }], width));
    return out.slice(0, Math.max(1, rows));
  }
  const cur = Math.min(Math.max(0, sel), keys.length - 1);
  keys.forEach((key, i) => {
    const lines = serviceViewLines(serviceView(snap, key), now);
    lines.forEach((l, j) => {
      const segs = clipSegs([{ text: j === 0 ? (i === cur ? '> ' : '  ') : '  ' }, { text: l, ...(j === 0 ? { bold: true } : {}), ...(/DIFFERS|NO RULE/.test(l) ? { tone: 'warn' as const } : {}) }], width);
      out.push(j === 0 && i === cur ? selected(segs, width) : segs);
    });
  });
  return out.slice(0, Math.max(1, rows));
}

/** what `c` captures in this view: the selected Service's first VIP and port, on the node's primary interface */
export function serviceCapture(snap: ServicesSnap, node: string, pod: PodInfo, sel: number): { target: CaptureTarget; filter: string } | undefined {
  const keys = podServices(snap, pod);
  const key = keys[Math.min(Math.max(0, sel), keys.length - 1)];
  const svc = key ? snap.services?.services.get(key) : undefined;
  const vip = svc?.clusterIPs[0];
  const port = svc?.ports[0];
  const n = snap.nodes[node];
  if (!svc || !vip || !port || !n) return undefined;
  // tcpdump's own words: an address and a port number, nothing pasted from elsewhere
  if (!/^[0-9a-fA-F:.]+$/.test(vip)) return undefined;
  const proto = port.protocol === 'UDP' ? 'udp ' : port.protocol === 'TCP' ? 'tcp ' : '';
  return { target: { kind: 'node', node, iface: primaryIface(n) }, filter: `host ${vip} and ${proto}port ${port.port}` };
}
