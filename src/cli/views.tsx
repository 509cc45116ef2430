/**
 * What `c`/`C` and `s` open: the capture screen on the right interface of the right node(s), and
 * the stale-process view with the node's pods. They find the node's transport through the
 * monitor (one long-lived connection per node, reused for everything).
 */
import { Box, Text, useInput } from 'ink';
import { useEffect, useState } from 'react';
import { CaptureSession, FanOut } from '../sources/capture/index.js';
import type { Monitor } from '../sources/monitor.js';
import { collectProcesses, killProcess, onlyPod } from '../sources/processes/index.js';
import type { ProcessView } from '../sources/processes/types.js';
import type { PodInfo } from '../sources/types.js';
import { primaryInterface } from '../state/rules.js';
import type { Store } from '../state/store.js';
import { CaptureScreen } from '../ui/capture/index.js';
import { ProcessesView } from '../ui/processes/ProcessesView.js';
import type { CaptureTarget } from '../ui/types.js';
import { useTermSize } from '../ui/useTermSize.js';

export interface HostOptions {
  store: Store;
  monitor: Monitor;
  tcpdump: string;
  /** --snaplen: bytes kept per packet (0: whole packets); absent: CAPTURE_DEFAULTS.snaplen */
  snaplen?: number;
  keepDir: string;
  readonly: boolean;
  auditPath?: string;
}

function Message(props: { text: string; onClose: () => void }) {
  useInput((_i, key) => {
    if (key.escape || key.return) props.onClose();
  });
  return (
    <Box flexDirection="column">
      <Text color="red">{props.text}</Text>
      <Text dimColor>esc: back</Text>
    </Box>
  );
}

/** the interface a capture target means on its node: a pod's veth, a chosen one, or the primary */
function ifaceOf(o: HostOptions, node: string, t?: CaptureTarget): string | undefined {
  if (t?.iface) return t.iface;
  const n = o.store.getState().nodes[node];
  return n ? primaryInterface(n)?.name : undefined;
}

export function CaptureHost(props: { opts: HostOptions; target: CaptureTarget; onClose: () => void }) {
  const { opts, target, onClose } = props;
  const size = useTermSize();
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
      keepDir={opts.keepDir}
      onClose={onClose}
      start={(filter) => {
        const spec = { filter: filter || undefined, tcpdump: opts.tcpdump, snaplen: opts.snaplen };
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
      (v) => setView(pod ? onlyPod(v, pod.uid) : v),
      (e: Error) => setError(e.message),
    );
  };
  useEffect(load, [node, pod?.uid]);
  if (error) return <Message text={`processes on ${node}: ${error}`} onClose={onClose} />;
  if (!view) {
    return (
      <Box>
        <Text>reading processes of every pod network namespace on {node}…</Text>
      </Box>
    );
  }
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
