/**
 * What `c`/`C` and `s` open: the capture screen on the right interface of the right node(s), and
 * the stale-process view with the node's pods. They find the node's transport through the
 * monitor (one long-lived connection per node, reused for everything).
 */
import { useEffect, useState } from 'react';
import { CaptureSession, FanOut } from '../sources/capture/index.js';
import type { Monitor } from '../sources/monitor.js';
import { collectProcesses, killProcess, onlyPod } from '../sources/processes/index.js';
import type { ProcessView } from '../sources/processes/types.js';
import type { StaleChecker } from '../sources/processes/background.js';
import type { PodInfo } from '../sources/types.js';
import { primaryInterface } from '../state/rules.js';
import type { Store } from '../state/store.js';
import { ownSshMode } from '../sources/capture/plan.js';
import { CAPTURE_DEFAULTS } from '../sources/capture/script.js';
import { CaptureScreen } from '../ui/capture/index.js';
import { CaptureView } from '../ui/capture/CaptureView.js';
import { sanitize } from '../ui/sanitize.js';
import { useCapturePrompt } from '../ui/capture/prompt.js';
import { Lines } from '../ui/components/Lines.js';
import { useViewKeys } from '../ui/input/useKeys.js';
import { footerHint } from '../ui/keys.js';
import { ProcessesView } from '../ui/processes/ProcessesView.js';
import type { CaptureTarget } from '../ui/types.js';
import { useTermSize } from '../ui/useTermSize.js';

export interface HostOptions {
  store: Store;
  monitor: Monitor;
  tcpdump: string;
  /** --snaplen: the prompt's default bytes per packet (0: whole packets); absent: CAPTURE_DEFAULTS.snaplen */
  snaplen?: number;
  keepDir: string;
  readonly: boolean;
  auditPath?: string;
  /** the background stale-process check: the view's result is stored as the node's check */
  stale?: StaleChecker;
}

function Message(props: { text: string; onClose: () => void; tone?: 'bad' }) {
  const size = useTermSize();
  useViewKeys('message', (cmd) => {
    if (cmd === 'close') props.onClose();
  });
  return <Lines lines={[[{ text: props.text, tone: props.tone ?? 'bad' }], [{ text: footerHint(['message', 'global'], { readonly: false }), tone: 'dim' }]]} width={size.columns} />;
}

/** while the processes are read: esc closes; other keys wait for the list */
function Loading(props: { text: string; onClose: () => void }) {
  const size = useTermSize();
  useViewKeys('processes', (cmd) => {
    if (cmd !== 'close') return false;
    props.onClose();
  });
  return <Lines lines={[[{ text: props.text }], [{ text: 'esc: back', tone: 'dim' }]]} width={size.columns} />;
}

/** the interface a capture target means on its node: a pod's veth, a chosen one, or the primary */
export function ifaceOf(o: HostOptions, node: string, t?: CaptureTarget): string | undefined {
  if (t?.iface) return t.iface;
  const n = o.store.getState().nodes[node];
  return n ? primaryInterface(n)?.name : undefined;
}

export function CaptureHost(props: { opts: HostOptions; target: CaptureTarget; onClose: () => void }) {
  const { opts, target, onClose } = props;
  const size = useTermSize();
  const prompt = useCapturePrompt();
  const nodes = target.kind === 'all' ? target.nodes ?? [] : [target.node];
  const parts = nodes.map((node) => ({ node, transport: opts.monitor.transport(node), iface: ifaceOf(opts, node, target.kind === 'all' ? undefined : target) }));
  const missing = parts.filter((p) => !p.transport || !p.iface);
  if (target.kind === 'pod' && !target.iface) {
    return <Message text={`pod ${target.pod?.namespace}/${target.pod?.name} has no veth mapped on ${target.node}: capture on the node or an interface instead`} onClose={onClose} />;
  }
  if (missing.length === parts.length) {
    return <Message text={`nothing to capture on: ${missing.map((p) => `${p.node} (${p.transport ? 'no primary interface known yet' : 'not connected'})`).join(', ')}`} onClose={onClose} />;
  }
  const ready = parts.filter((p) => p.transport && p.iface) as { node: string; transport: NonNullable<(typeof parts)[number]['transport']>; iface: string }[];
  if (!prompt) return <Message text="the capture screen needs the netwatch shell" onClose={onClose} />;
  // every capture over SSH leaves netwatch's own connection out (whatever the interface; the node
  // finds it, remote/ownssh.sh); a local one leaves out this terminal's SSH session, if it has one
  const exclusion = ready.some((p) => ownSshMode(p.transport) === 'require')
    ? "netwatch's own SSH connection to the node is left out of the capture (found on the node at start)"
    : process.env.SSH_CONNECTION
      ? "this terminal's SSH session is left out of the capture"
      : undefined;
  const where =
    target.kind === 'all'
      ? [`${ready.length} nodes, each on its primary interface: ${ready.map((p) => `${p.node}:${p.iface}`).join(', ')}`]
      : [`node ${target.node}, interface ${ready[0]!.iface}${target.kind === 'pod' ? ` (the host side of pod ${target.pod?.namespace}/${target.pod?.name})` : ''}`];
  if (missing.length) where.push(`not captured: ${missing.map((p) => `${p.node} (${p.transport ? 'no primary interface known yet' : 'not connected'})`).join(', ')}`);
  const defaultSnaplen = opts.snaplen ?? CAPTURE_DEFAULTS.snaplen;
  const what =
    target.kind === 'all'
      ? `${ready.length} nodes (${ready.map((p) => `${p.node}:${p.iface}`).join(', ').slice(0, 80)})`
      : target.kind === 'pod'
        ? `pod ${target.pod?.namespace}/${target.pod?.name} > ${target.iface} on ${target.node}`
        : `${target.iface ? target.iface : ready[0]!.iface} on ${target.node}`;
  return (
    <CaptureScreen
      title={what}
      width={size.columns}
      height={size.rows - 1}
      where={where}
      exclusion={exclusion}
      defaultSnaplen={defaultSnaplen}
      prompt={prompt.route}
      onRejected={prompt.onRejected}
      keepDir={opts.keepDir}
      onClose={onClose}
      start={({ filter, snaplen }) => {
        const spec = { filter: filter || undefined, snaplen, tcpdump: opts.tcpdump };
        if (target.kind === 'all') {
          const f = new FanOut({ keepDir: opts.keepDir });
          f.start(ready.map((p) => ({ transport: p.transport, iface: p.iface, node: p.node })), spec);
          return f;
        }
        const s = new CaptureSession({ keepDir: opts.keepDir });
        s.start(ready[0]!.transport, { node: target.node, iface: ready[0]!.iface, ...spec });
        return s;
      }}
    />
  );
}

/**
 * The owner's `V`: the capture an attached viewer started in this session (share/capture.ts), in
 * the same capture view as its own `c`. esc leaves it running (the viewer's; it ends by itself
 * within 30 s, or when the viewer closes it); x stops it.
 */
export function ViewerCaptureHost(props: { capture: () => { src: import('../sources/capture/source.js').CaptureSource; by: string; where: string } | undefined; keepDir: string; onClose: () => void }) {
  const size = useTermSize();
  const c = props.capture();
  if (!c) return <Message text="no capture from an attached viewer in this session yet (a viewer's c starts one)" onClose={props.onClose} />;
  return (
    <>
      <Lines lines={[[{ text: sanitize(`started by ${c.by} on ${c.where} (attached viewer) · esc leaves it running, x stops it`), tone: 'accent' }]]} width={size.columns} />
      <CaptureView source={c.src} width={size.columns} height={size.rows - 2} keepDir={props.keepDir} onClose={props.onClose} keepOnClose />
    </>
  );
}

export function ProcessesHost(props: { opts: HostOptions; node: string; pod?: PodInfo; onClose: () => void }) {
  const { opts, node, pod, onClose } = props;
  const size = useTermSize();
  const [view, setView] = useState<ProcessView | undefined>();
  const [error, setError] = useState<string | undefined>();
  const transport = opts.monitor.transport(node);
  const load = () => {
    if (!transport) return setError(`${node} is not connected`);
    const n = opts.store.getState().nodes[node];
    const pods = n?.kube?.status.kind === 'ok' ? n.kube.pods : undefined;
    collectProcesses(transport, pods).then(
      (v) => {
        opts.stale?.fromView(node, v, pods);
        setView(pod ? onlyPod(v, pod.uid) : v);
      },
      (e: Error) => {
        opts.stale?.viewFailed(node, e.message);
        setError(e.message);
      },
    );
  };
  useEffect(load, [node, pod?.uid]);
  // while this view is open on the node, the background check leaves it alone (this result counts)
  useEffect(() => {
    opts.stale?.viewOpened(node);
    return () => opts.stale?.viewClosed(node);
  }, [node]);
  if (error) return <Message text={`processes on ${node}: ${error}`} onClose={onClose} />;
  if (!view) return <Loading text={`reading processes of every pod network namespace on ${node}…`} onClose={onClose} />;
  return (
    <ProcessesView
      view={view}
      readOnly={opts.readonly}
      width={size.columns}
      height={size.rows - 1}
      onClose={onClose}
      onKill={async (target) => {
        const r = await killProcess(transport!, target, { readOnly: opts.readonly, auditPath: opts.auditPath });
        load();
        return r;
      }}
    />
  );
}
