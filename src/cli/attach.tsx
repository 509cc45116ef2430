/**
 * `netwatch attach [PID|PATH]`: a viewer of a `--share` session. The UI is the usual App over a
 * replica store fed by the owner's socket (own selection, screens, filter; no SSH to any node).
 * Read-only: `s` (processes, kill) says so without asking the owner; `m` marks in the owner's
 * session; `c` asks the owner's session to capture and shows what it reports.
 */
import { lstatSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { useEffect, useState } from 'react';
import type { Options } from './args.js';
import { printable } from './printable.js';
import { failedNodes, renderReport } from './report.js';
import { connectShare, AttachError, type ShareClient } from './share/client.js';
import { listSessions, shareDir, socketName, type Session } from './share/paths.js';
import { sanitize } from '../ui/sanitize.js';
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

export function ViewerMessage(props: { lines: string[]; onClose: () => void }) {
  const size = useTermSize();
  useViewKeys('message', (cmd) => {
    if (cmd === 'close') props.onClose();
  });
  return (
    <Lines
      lines={[...props.lines.map((t, i) => [{ text: sanitize(t), tone: i === 0 ? ('bad' as const) : undefined }]), [{ text: footerHint(['message', 'global'], { readonly: true }), tone: 'dim' as const }]]}
      width={size.columns}
    />
  );
}

/** `c` in a viewer: the owner's session is asked to run the capture; its progress and summary lines show here */
export function ViewerCapture(props: { client: ShareClient; target: CaptureTarget; onClose: () => void }) {
  const [lines, setLines] = useState<string[]>(['asking the owner\'s session to capture…']);
  useEffect(() => {
    let live = true;
    props.client.onReply((r) => {
      if (live && r.r === 'capture') setLines((l) => [...l, `${r.ok ? 'owner' : 'refused'}: ${r.message}`]);
    });
    props.client.onEvent((kind, data) => {
      if (!live || kind !== 'capture') return;
      const d = data as { lines?: unknown };
      if (Array.isArray(d?.lines)) setLines(['capture in the owner\'s session', ...d.lines.map(String).slice(0, 40)]);
    });
    props.client.send({ r: 'capture', target: props.target });
    return () => {
      live = false;
    };
  }, []);
  return <ViewerMessage lines={lines} onClose={props.onClose} />;
}

export async function attachCommand(opts: Options, log: (m: string) => void): Promise<number> {
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
  const ui = startUi(store, {
    readonly: true,
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
