/**
 * A capture asked by an attached viewer: the owner's session runs it (its transports, its tcpdump,
 * the same CaptureSession/FanOut as `c`, with their limits: snaplen, a bounded duration and count,
 * the per-node capture limit, netwatch's own SSH left out) and its progress and summary travel to
 * every viewer as `event` frames of kind 'capture' ({ id, title, lines, final }). One at a time.
 */
import { CaptureSession, FanOut } from '../../sources/capture/index.js';
import type { CaptureSource } from '../../sources/capture/source.js';
import { isFinal } from '../../sources/capture/source.js';
import { summaryReport } from '../../sources/capture/report.js';
import { CAPTURE_DEFAULTS } from '../../sources/capture/script.js';
import { statusText } from '../../ui/capture/present.js';
import { ifaceOf, type HostOptions } from '../views.js';
import type { ShareReply, ShareRequest } from './server.js';

/** a viewer's capture runs at most this long (the owner's own `c` has the prompt and esc) */
export const VIEWER_CAPTURE_SECONDS = 30;
const EVERY_MS = 500;

export interface CaptureLines {
  id: number;
  title: string;
  lines: string[];
  final: boolean;
}

/** the text a viewer shows for a capture snapshot (pure) */
export function captureLines(src: CaptureSource, now: number): { title: string; lines: string[]; final: boolean } {
  const snap = src.snapshot(0);
  const st = statusText(snap.status, now);
  const lines = [
    `${snap.title}: ${st.text} · ${snap.packets} packets${snap.filter ? ` · filter ${snap.filter}` : ''}`,
    ...(snap.parts.length > 1 ? snap.parts.map((p) => `  ${p.node}:${p.iface} ${statusText(p.status, now).text} ${p.packets} pkts`) : []),
    ...summaryReport(snap.summary, 2).map((l) => l.text),
  ];
  return { title: snap.title, lines, final: isFinal(snap.status) };
}

export function viewerCaptures(host: Pick<HostOptions, 'store' | 'monitor' | 'tcpdump' | 'snaplen' | 'keepDir' | 'readonly'>, events: { emit(kind: string, data: unknown): void }, log: (m: string) => void) {
  let running: { src: CaptureSource; unsub: () => void; timer?: NodeJS.Timeout } | undefined;
  let seq = 0;
  const stopAll = () => {
    if (!running) return;
    running.unsub();
    if (running.timer) clearTimeout(running.timer);
    void running.src.stop();
    running = undefined;
  };
  const onCapture = (q: Extract<ShareRequest, { r: 'capture' }>, by: string): ShareReply => {
    if (running) return { r: 'capture', ok: false, message: 'a capture asked by a viewer is already running in the owner\'s session' };
    const t = q.target;
    if (!t || typeof t !== 'object') return { r: 'capture', ok: false, message: 'no capture target' };
    const nodes = t.kind === 'all' ? (t.nodes ?? []) : [t.node];
    const ready = nodes
      .filter((n) => typeof n === 'string' && host.store.getState().nodes[n])
      .map((node) => ({ node, transport: host.monitor.transport(node), iface: ifaceOf(host as HostOptions, node, t.kind === 'all' ? undefined : t) }))
      .filter((p): p is { node: string; transport: NonNullable<typeof p.transport>; iface: string } => !!p.transport && !!p.iface);
    if (!ready.length) return { r: 'capture', ok: false, message: `nothing to capture on: ${nodes.slice(0, 5).join(', ') || 'no node'} (not connected or no interface known)` };
    const spec = {
      filter: typeof q.filter === 'string' && q.filter ? q.filter : undefined,
      snaplen: host.snaplen ?? CAPTURE_DEFAULTS.snaplen,
      tcpdump: host.tcpdump,
      seconds: VIEWER_CAPTURE_SECONDS,
      count: CAPTURE_DEFAULTS.count,
    };
    let src: CaptureSource;
    if (ready.length > 1) {
      const f = new FanOut({ keepDir: host.keepDir });
      f.start(ready, spec);
      src = f;
    } else {
      const s = new CaptureSession({ keepDir: host.keepDir });
      s.start(ready[0]!.transport, { node: ready[0]!.node, iface: ready[0]!.iface, ...spec });
      src = s;
    }
    const id = ++seq;
    log(`share: capture ${id} for ${by}: ${ready.map((p) => `${p.node}:${p.iface}`).join(', ')}`);
    const send = () => {
      if (!running || running.src !== src) return;
      running.timer = undefined;
      const l = captureLines(src, Date.now());
      events.emit('capture', { id, ...l } satisfies CaptureLines);
      if (l.final) {
        log(`share: capture ${id} ended: ${l.lines[0]}`);
        running.unsub();
        running = undefined;
      }
    };
    running = {
      src,
      unsub: src.subscribe(() => {
        if (running && !running.timer) running.timer = setTimeout(send, EVERY_MS);
      }),
    };
    running.timer = setTimeout(send, 50);
    return { r: 'capture', ok: true, message: `capturing ${ready.map((p) => `${p.node}:${p.iface}`).join(', ')} for at most ${VIEWER_CAPTURE_SECONDS} s in the owner's session` };
  };
  return { onCapture, stop: stopAll };
}
