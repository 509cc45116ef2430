/**
 * A capture asked by an attached viewer: the owner's session runs it (its transports, its tcpdump,
 * the same CaptureSession/FanOut as `c`, with their limits: snaplen, a bounded duration and count,
 * the per-node capture limit, netwatch's own SSH left out) and its progress and summary travel to
 * every viewer as `event` frames of kind 'capture' ({ id, by, filter, title, lines, final }). One
 * at a time. The viewer's filter and snap length are hostile input: the filter goes through the
 * same checks as the owner's own (no control bytes, at most 1024 characters, no leading "-",
 * balanced parentheses; a refusal is the reply, never a throw in the owner), the snap length must
 * be one the prompt offers. The owner's screen says who started it and how it goes (`notify`).
 */
import { CaptureSession, FanOut } from '../../sources/capture/index.js';
import type { CaptureSource } from '../../sources/capture/source.js';
import { isFinal } from '../../sources/capture/source.js';
import { summaryReport } from '../../sources/capture/report.js';
import { CAPTURE_DEFAULTS } from '../../sources/capture/script.js';
import { statusText } from '../../ui/capture/present.js';
import { SNAPLENS } from '../../ui/nav.js';
import type { Seg } from '../../ui/columns.js';
import { ifaceOf, type HostOptions } from '../views.js';
import { VIEWER_CAPTURE_SECONDS, type ShareReply, type ShareRequest } from './server.js';

export { VIEWER_CAPTURE_SECONDS };
const EVERY_MS = 500;
/** how long the owner's status line keeps an ended viewer capture */
export const NOTICE_AFTER_MS = 30_000;

export interface CaptureLines {
  id: number;
  /** who asked (the viewer's user name, from its uid) */
  by: string;
  /** the filter it runs with ('' = everything) */
  filter: string;
  title: string;
  lines: string[];
  final: boolean;
  /** tcpdump refused the filter on the node: its message (the viewer's prompt comes back with it) */
  rejected?: string;
}

/** the text a viewer shows for a capture snapshot (pure) */
export function captureLines(src: CaptureSource, now: number): { title: string; lines: string[]; final: boolean; rejected?: string } {
  const snap = src.snapshot(0);
  const st = statusText(snap.status, now);
  const lines = [
    `${snap.title}: ${st.text} · ${snap.packets} packets${snap.filter ? ` · filter ${snap.filter}` : ''}`,
    ...(snap.parts.length > 1 ? snap.parts.map((p) => `  ${p.node}:${p.iface} ${statusText(p.status, now).text} ${p.packets} pkts`) : []),
    ...summaryReport(snap.summary, 2).map((l) => l.text),
  ];
  const rejected = snap.status.kind === 'error' && snap.status.cause === 'rejected' ? snap.status.message : undefined;
  return { title: snap.title, lines, final: isFinal(snap.status), ...(rejected !== undefined ? { rejected } : {}) };
}

/** the snap length a viewer asked for, if it is one the prompt offers; else the owner's default */
export function viewerSnaplen(asked: unknown, fallback: number): number {
  return typeof asked === 'number' && (asked === fallback || SNAPLENS.includes(asked)) ? asked : fallback;
}

/** what the owner's status line says of a viewer's capture */
export function ownerNotice(by: string, where: string, filter: string, status: string, final: boolean): Seg[] {
  return [
    { text: `${final ? 'capture asked by' : 'capturing for'} ${by}: `, tone: final ? 'dim' : 'accent', bold: !final },
    { text: `${where}${filter ? ` · filter ${filter}` : ''} · ${status}` },
    { text: ' (V watches)', tone: 'dim' },
  ];
}

export interface ViewerCaptureHooks {
  /** the owner's status line: a capture a viewer started, as it goes (undefined: nothing to say) */
  notify?: (segs: Seg[] | undefined) => void;
}

export function viewerCaptures(
  host: Pick<HostOptions, 'store' | 'monitor' | 'tcpdump' | 'snaplen' | 'keepDir' | 'readonly'>,
  events: { emit(kind: string, data: unknown): void },
  log: (m: string) => void,
  hooks: ViewerCaptureHooks = {},
) {
  let running: { id: number; src: CaptureSource; unsub: () => void; viewer?: object; timer?: NodeJS.Timeout } | undefined;
  let seq = 0;
  /** the last viewer capture (running or ended), with who asked and where: the owner's `V` watches it */
  let last: { src: CaptureSource; by: string; where: string } | undefined;
  const stopAll = () => {
    if (!running) return;
    running.unsub();
    if (running.timer) clearTimeout(running.timer);
    void running.src.stop();
    running = undefined;
    hooks.notify?.(undefined);
  };
  const onCapture = (q: Extract<ShareRequest, { r: 'capture' }>, by: string, viewer?: object): ShareReply => {
    if (running) return { r: 'capture', ok: false, message: 'a capture asked by a viewer is already running in the owner\'s session' };
    const t = q.target;
    if (!t || typeof t !== 'object') return { r: 'capture', ok: false, message: 'no capture target' };
    const nodes = t.kind === 'all' ? (t.nodes ?? []) : [t.node];
    const ready = nodes
      .filter((n) => typeof n === 'string' && host.store.getState().nodes[n])
      .map((node) => ({ node, transport: host.monitor.transport(node), iface: ifaceOf(host as HostOptions, node, t.kind === 'all' ? undefined : t) }))
      .filter((p): p is { node: string; transport: NonNullable<typeof p.transport>; iface: string } => !!p.transport && !!p.iface);
    if (!ready.length) return { r: 'capture', ok: false, message: `nothing to capture on: ${nodes.slice(0, 5).join(', ') || 'no node'} (not connected or no interface known)` };
    const filter = typeof q.filter === 'string' ? q.filter.trim() : '';
    const spec = {
      filter: filter || undefined,
      snaplen: viewerSnaplen(q.snaplen, host.snaplen ?? CAPTURE_DEFAULTS.snaplen),
      tcpdump: host.tcpdump,
      seconds: VIEWER_CAPTURE_SECONDS,
      count: CAPTURE_DEFAULTS.count,
    };
    let src: CaptureSource;
    try {
      if (ready.length > 1) {
        const f = new FanOut({ keepDir: host.keepDir });
        f.start(ready, spec);
        src = f;
      } else {
        const s = new CaptureSession({ keepDir: host.keepDir });
        s.start(ready[0]!.transport, { node: ready[0]!.node, iface: ready[0]!.iface, ...spec });
        src = s;
      }
    } catch (e) {
      // a filter with control bytes, unbalanced parentheses, a node at its capture limit: refused, the owner goes on
      log(`share: capture for ${by} refused: ${(e as Error).message}`);
      return { r: 'capture', ok: false, message: (e as Error).message };
    }
    const id = ++seq;
    const where = ready.map((p) => `${p.node}:${p.iface}`).join(', ');
    last = { src, by, where };
    log(`share: capture ${id} for ${by}: ${where}${filter ? ` filter ${JSON.stringify(filter)}` : ''}`);
    hooks.notify?.(ownerNotice(by, where, filter, 'starting', false));
    const send = () => {
      if (!running || running.src !== src) return;
      running.timer = undefined;
      const l = captureLines(src, Date.now());
      events.emit('capture', { id, by, filter, ...l } satisfies CaptureLines);
      const snap = src.snapshot(0);
      hooks.notify?.(ownerNotice(by, where, filter, `${statusText(snap.status, Date.now()).text} · ${snap.packets} packets`, l.final));
      if (l.final) {
        // the owner's line stays a while after the end, then goes (unless another capture began)
        setTimeout(() => {
          if (!running && seq === id) hooks.notify?.(undefined);
        }, NOTICE_AFTER_MS).unref();
        log(`share: capture ${id} ended: ${l.lines[0]}`);
        running.unsub();
        running = undefined;
      }
    };
    running = {
      id,
      src,
      viewer,
      unsub: src.subscribe(() => {
        if (running && !running.timer) running.timer = setTimeout(send, EVERY_MS);
      }),
    };
    running.timer = setTimeout(send, 50);
    return { r: 'capture', ok: true, id, message: `capturing ${where}${filter ? ` (filter ${filter})` : ''} for at most ${VIEWER_CAPTURE_SECONDS} s in the owner's session` };
  };
  /** the viewer that started it closed its view: the capture stops (its last lines still go out) */
  const onCaptureStop = (id: number, viewer?: object): ShareReply => {
    if (!running || running.id !== id || running.viewer !== viewer) return { r: 'captureStop', ok: false, message: 'no such capture of this viewer running' };
    log(`share: capture ${id} stopped by its viewer`);
    void running.src.stop();
    return { r: 'captureStop', ok: true, message: 'stopped' };
  };
  return { onCapture, onCaptureStop, stop: stopAll, current: () => last };
}
