/**
 * `netwatch attach [PID|PATH]`: a viewer of a `--share` session. The UI is the usual App over a
 * replica store fed by the owner's socket (own selection, screens, filter; no SSH to any node).
 * Read-only: `s` (processes, kill) says so without asking the owner; `m` marks in the owner's
 * session (signed by the owner with this uid's user name); `c` opens the capture prompt, then asks
 * the owner's session to capture with that filter and shows what it reports; `y` copies the
 * shared state as Markdown (a file beside this viewer's log, OSC 52 to this terminal).
 */
import { lstatSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { useEffect, useRef, useState } from 'react';
import type { Options } from './args.js';
import { printable } from './printable.js';
import { failedNodes, renderReport } from './report.js';
import { connectShare, AttachError, type ShareClient } from './share/client.js';
import { listSessions, shareDir, socketName, type Session } from './share/paths.js';
import { sanitize } from '../ui/sanitize.js';
import { promptLines, snaplenOf } from '../ui/capture/promptLines.js';
import { useCapturePrompt } from '../ui/capture/prompt.js';
import { CAPTURE_DEFAULTS } from '../sources/capture/script.js';
import { VIEWER_CAPTURE_SECONDS } from './share/server.js';
import { Lines } from '../ui/components/Lines.js';
import { useViewKeys } from '../ui/input/useKeys.js';
import { footerHint } from '../ui/keys.js';
import type { CaptureTarget } from '../ui/types.js';
import { useTermSize } from '../ui/useTermSize.js';

export const VIEWER_READONLY = 'read-only: attached viewer: the process view and kill run only in the owner\'s session';

/** which socket: PATH as given, PID in our directory, or the only session there */
export function pickSession(to: string | undefined, dir: string, sessions: () => Session[] = () => listSessions(dir)): string {
  if (to !== undefined) {
    if (/^\d+$/.test(to)) return join(dir, socketName(Number(to)));
    return isAbsolute(to) ? to : resolve(to);
  }
  const all = sessions();
  if (all.length === 1) return all[0]!.path;
  if (!all.length) throw new AttachError(`netwatch: attach: no shared session in ${dir} (start one with netwatch --share)`);
  throw new AttachError(
    [`netwatch: attach: ${all.length} shared sessions in ${dir}; say which: netwatch attach PID|PATH`, ...all.map((s) => `  ${s.pid}  ${s.path}`)].join('\n'),
  );
}

/** our own directory must not be a symlink or someone else's (the socket's mode is the owner's business) */
function checkOwnDir(dir: string, uid: number): void {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return; // no directory: pickSession says there is no session
  }
  if (st.isSymbolicLink() || !st.isDirectory() || st.uid !== uid) throw new AttachError(`netwatch: attach: ${dir} is not a directory of ours: refused`);
}

export function ViewerMessage(props: { lines: string[]; onClose: () => void; first?: 'bad' | 'accent' }) {
  const size = useTermSize();
  useViewKeys('message', (cmd) => {
    if (cmd === 'close') props.onClose();
  });
  return (
    <Lines
      lines={[...props.lines.map((t, i) => [{ text: sanitize(t), tone: i === 0 ? (props.first ?? ('bad' as const)) : undefined }]), [{ text: footerHint(['message', 'global'], { readonly: true }), tone: 'dim' as const }]]}
      width={size.columns}
    />
  );
}

/** what a capture target names, for the viewer's prompt ("eth0 on n1", "pod shop/cart > veth1 on n1", "3 nodes") */
export function targetText(t: CaptureTarget): string {
  if (t.kind === 'all') return `${t.nodes?.length ?? 0} nodes (${(t.nodes ?? []).slice(0, 6).join(', ')}), each on its primary interface`;
  if (t.kind === 'pod') return `pod ${t.pod?.namespace}/${t.pod?.name}${t.iface ? ` > ${t.iface}` : ''} on ${t.node}`;
  return `${t.iface ?? 'its primary interface'} on ${t.node}`;
}

/** what a capture event from the owner carries (share/capture.ts CaptureLines), read defensively */
interface CaptureEvent {
  id?: number;
  by?: string;
  lines: string[];
  final: boolean;
  rejected?: string;
}
function captureEvent(data: unknown): CaptureEvent | undefined {
  const d = data as Record<string, unknown> | null;
  if (!d || typeof d !== 'object' || !Array.isArray(d.lines)) return undefined;
  return {
    ...(typeof d.id === 'number' ? { id: d.id } : {}),
    ...(typeof d.by === 'string' ? { by: d.by } : {}),
    lines: d.lines.slice(0, 40).map(String),
    final: d.final === true,
    ...(typeof d.rejected === 'string' ? { rejected: d.rejected } : {}),
  };
}

/**
 * `c` in a viewer: the same filter prompt as the owner's `c` (the shell's prompt state: a pasted
 * filter and enter in one write start it), then the owner's session is asked to run the capture
 * with that filter and snap length; its progress and summary lines show here while the owner's
 * status line says the viewer started it. A filter the owner or tcpdump refuses brings the prompt
 * back with the reason; closing the view stops the capture in the owner's session.
 */
export function ViewerCapture(props: { client: ShareClient; target: CaptureTarget; onClose: () => void; defaultSnaplen?: number }) {
  const { client, target, onClose } = props;
  const size = useTermSize();
  const prompt = useCapturePrompt();
  const defaultSnaplen = props.defaultSnaplen ?? CAPTURE_DEFAULTS.snaplen;
  const [lines, setLines] = useState<string[]>([]);
  // the capture this view started (its id from the owner's reply), to stop on close
  const started = useRef<number | undefined>(undefined);
  // a capture was asked for and its answer has not come yet
  const asked = useRef(false);
  const onRejected = useRef(prompt?.onRejected);
  onRejected.current = prompt?.onRejected;
  const phase = prompt?.route.phase ?? 'running';
  const run = prompt?.route.run ?? 1;

  useEffect(() => {
    let live = true;
    const offReply = client.onReply((r) => {
      if (!live || r.r !== 'capture') return;
      asked.current = false;
      if (!r.ok) return onRejected.current?.(`the owner's session refused: ${r.message}`);
      if (typeof r.id === 'number') started.current = r.id;
      setLines((l) => [...l, `owner: ${r.message}`]);
    });
    const offEvent = client.onEvent((kind, data) => {
      const e = kind === 'capture' && live ? captureEvent(data) : undefined;
      if (!e || (started.current !== undefined && e.id !== started.current)) return;
      if (e.rejected !== undefined) return onRejected.current?.(e.rejected);
      setLines([`capture in the owner's session${e.by ? ` (started by ${e.by})` : ''}${e.final ? ': ended' : ''}`, ...e.lines]);
    });
    return () => {
      live = false;
      offReply();
      offEvent();
      if (started.current !== undefined) return void client.send({ r: 'captureStop', id: started.current });
      if (!asked.current) return;
      // closed before the owner's answer came: stop it once the answer names it
      const off = client.onReply((r) => {
        if (r.r !== 'capture') return;
        off();
        if (r.ok && typeof r.id === 'number') client.send({ r: 'captureStop', id: r.id });
      });
    };
  }, []);

  // the prompt said start (enter): ask the owner, once per start
  useEffect(() => {
    if (phase !== 'running') return;
    const filter = prompt?.route.filter ?? '';
    started.current = undefined;
    setLines([`asking the owner's session to capture ${targetText(target)}${filter ? ` with filter ${filter}` : ''}…`]);
    // the first snap length is "the default": the owner's (its --snaplen), not this process's
    const snaplen = prompt && prompt.route.snap !== 0 ? snaplenOf(prompt.route, defaultSnaplen) : undefined;
    asked.current = true;
    client.send({ r: 'capture', target, filter, ...(snaplen !== undefined ? { snaplen } : {}) });
  }, [phase, run]);

  if (prompt && phase === 'prompt') {
    const p = promptLines({
      title: `${targetText(target)}, in the owner's session`,
      where: [`the owner's netwatch runs it over its own SSH connections (at most ${VIEWER_CAPTURE_SECONDS} s); its lines show here and on the owner's screen`],
      defaultSnaplen,
      prompt: prompt.route,
    });
    return <Lines lines={p.map((l) => l.map((seg) => ({ ...seg, text: sanitize(seg.text) })))} width={size.columns} />;
  }
  return <ViewerMessage lines={lines} onClose={onClose} first="accent" />;
}

export async function attachCommand(opts: Options, log: (m: string) => void, logPath?: string): Promise<number> {
  const uid = process.getuid?.() ?? 0;
  const dir = shareDir(process.env, uid);
  let client: ShareClient;
  try {
    if (opts.attachTo === undefined) checkOwnDir(dir, uid);
    const path = pickSession(opts.attachTo, dir);
    client = await connectShare(path, { timeoutMs: opts.connectTimeoutMs ?? 5000 });
    log(`attach: ${path}: first frame after ${client.firstFrameMs.toFixed(0)} ms`);
  } catch (e) {
    if (e instanceof AttachError) {
      process.stderr.write(printable(e.message) + '\n');
      return 1;
    }
    throw e;
  }
  const store = client.replica.store;
  if (opts.once) {
    const st = store.getState();
    process.stdout.write(renderReport(st, opts.output) + '\n');
    client.close();
    return failedNodes(st).length ? 1 : 0;
  }
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    client.close();
    process.stderr.write('netwatch: attach needs a terminal; use attach --once [-o json] in scripts\n');
    return 2;
  }
  const { startUi } = await import('../ui/start.js');
  const { createElement } = await import('react');
  // y: the shared state as Markdown to a file beside the log (or here) and the clipboard, as in the owner's view
  const { yanker } = await import('./yank.js');
  const ui = startUi(store, {
    readonly: true,
    logPath,
    onYank: yanker({ getState: store.getState, dir: logPath ? dirname(logPath) : process.cwd(), write: (s) => process.stdout.write(s), tmux: !!process.env.TMUX }),
    onMark: (note) => client.send({ r: 'mark', note }),
    renderProcesses: (_node, _pod, onClose) => createElement(ViewerMessage, { lines: [VIEWER_READONLY], onClose }),
    renderCapture: (target, onClose) => createElement(ViewerCapture, { client, target, onClose }),
  }, { incrementalRendering: opts.incrementalRendering });
  const why = await Promise.race([client.ended.then((w) => ({ ended: w })), ui.waitUntilExit().then(() => undefined)]);
  if (why) {
    ui.unmount();
    process.stderr.write(printable(`netwatch: ${why.ended}\n`));
  }
  client.close();
  return 0;
}
