/**
 * `netwatch capture TARGET [--filter EXPR] [--seconds N] [--count N] -w FILE`, for runbooks:
 * TARGET is namespace/pod (needs the Kubernetes flags), NODE, or NODE:INTERFACE. The node is
 * reached like in the live view (ssh config, or the API's address); a pod's interface and a
 * node's primary interface come from one sample of the node.
 */
import { runCaptureCommand } from '../sources/capture/index.js';
import { unwritable } from '../sources/capture/cli.js';
import { Monitor } from '../sources/monitor.js';
import { validInterfaceName } from '../sources/shell.js';
import { primaryInterface } from '../state/rules.js';
import { createAppStore } from '../state/store.js';
import { type Options, UsageError } from './args.js';
import { startKube, type Kube } from './kube.js';
import type { Logger } from './log.js';
import { printable, printableOut } from './printable.js';
import { localTarget, sshTarget, type Target } from './targets.js';
import { sanitize } from '../ui/sanitize.js';
import type { NodeState } from '../state/types.js';

/**
 * A named interface must be one the node has (its sample's interface list). tcpdump -i takes a
 * number that names no interface as an index into its -D list (4.99: `-i 3` opens the third
 * device, e.g. "any"), so a purely numeric name is refused unless the node has an interface by
 * exactly that name (then tcpdump opens it by name). Returns a usage message, or undefined.
 */
export function interfaceProblem(st: NodeState, iface: string): string | undefined {
  // tcpdump's pseudo-device: every interface (netwatch's own SSH connection is excluded there too)
  if (iface === 'any') return undefined;
  const list = st.model.interfaces.value;
  if (list?.some((i) => i.name === iface)) return undefined;
  const numeric = /^\d+$/.test(iface);
  if (!list) return numeric ? `${st.name}: cannot check that interface "${iface}" exists (no interface list), and tcpdump would take ${iface} as an index` : undefined;
  const names = list.map((i) => sanitize(i.name)).slice(0, 20).join(', ');
  return `${st.name} has no interface named "${iface}"${numeric ? ' (tcpdump would take the number as an index and capture another interface)' : ''}; it has: ${names}`;
}

function sshTargetForCapture(node: string, opts: Options, log: Logger): Target {
  try {
    return sshTarget(node, opts, log, node);
  } catch (e) {
    throw new UsageError((e as Error).message); // "bad host …", an unreadable ssh config: nothing started
  }
}

export function parseCaptureTarget(target: string, kube: boolean): { pod?: { namespace: string; name: string }; node?: string; iface?: string } {
  if (target.includes('/')) {
    const [namespace, name, ...rest] = target.split('/');
    if (!namespace || !name || rest.length) throw new UsageError(`capture target ${JSON.stringify(target)}: expected namespace/pod`);
    if (!kube) throw new UsageError('a pod target needs the Kubernetes flags (--kubeconfig/--context with --nodes or -l)');
    return { pod: { namespace, name } };
  }
  const colon = target.lastIndexOf(':');
  if (colon > 0) {
    const iface = target.slice(colon + 1);
    validInterfaceName(iface);
    return { node: target.slice(0, colon), iface };
  }
  return { node: target };
}

export async function captureCommand(opts: Options, log: Logger): Promise<number> {
  const useKube = Boolean(opts.nodes || opts.selector || opts.kubeconfig || opts.context);
  const t = parseCaptureTarget(opts.target!, useKube);
  const noWrite = unwritable(opts.write!);
  if (noWrite) throw new UsageError(noWrite);
  const direct = !useKube && t.node !== 'local' && t.node !== 'localhost' ? sshTargetForCapture(t.node!, opts, log) : undefined;
  const store = createAppStore();
  const monitor = new Monitor(store, { intervalMs: 1000, log });
  let kube: Kube | undefined;
  try {
    let node = t.node;
    if (useKube) {
      kube = await startKube({ ...opts, nodes: opts.nodes ?? (t.node ? t.node : undefined) }, store, monitor, log);
      await kube.podsSettled(5000);
      if (t.pod) {
        const owner = store.getState().order.find((n) => store.getState().nodes[n]!.kube?.pods.some((p) => p.namespace === t.pod!.namespace && p.name === t.pod!.name));
        if (!owner) throw new UsageError(`pod ${t.pod.namespace}/${t.pod.name} is not on any selected node (select its node with --nodes or -l)`);
        node = owner;
      }
    } else if (node === 'local' || node === 'localhost') {
      const l = localTarget();
      monitor.add(node, l.transport, l.address);
    } else {
      monitor.add(node!, direct!.transport, direct!.address);
    }
    // keep only the node we capture on
    for (const n of monitor.nodes) if (n !== node) monitor.remove(n);
    await monitor.once(20_000);
    const st = store.getState().nodes[node!];
    const transport = monitor.detach(node!);
    if (!st || !transport || !st.sample) {
      const why = st?.status.kind === 'failed' || st?.status.kind === 'reconnecting' ? st.status.reason : st?.lastError ?? 'not reachable';
      process.stderr.write(printable(`netwatch capture: ${node}: ${why}\n`));
      return 1;
    }
    let iface = t.iface;
    const ifaceWrong = iface === undefined ? undefined : interfaceProblem(st, iface);
    if (ifaceWrong) {
      transport.close();
      throw new UsageError(ifaceWrong);
    }
    if (t.pod) {
      const link = st.kube?.links.find((l) => l.pod.namespace === t.pod!.namespace && l.pod.name === t.pod!.name);
      if (!link?.iface) {
        process.stderr.write(printable(`netwatch capture: pod ${t.pod.namespace}/${t.pod.name} has no veth on ${node} (host network, or not mapped)\n`));
        return 1;
      }
      iface = link.iface.name;
    }
    iface ??= primaryInterface(st)?.name;
    if (!iface) {
      process.stderr.write(printable(`netwatch capture: ${node}: no primary interface found; name one as ${node}:IFACE\n`));
      return 2;
    }
    monitor.stop();
    const ac = new AbortController();
    const onSig = () => ac.abort();
    process.once('SIGINT', onSig);
    process.once('SIGTERM', onSig);
    try {
      const spec = { file: opts.write!, filter: opts.filter, seconds: opts.seconds, count: opts.count, snaplen: opts.snaplen, tcpdump: opts.tcpdump, node, signal: ac.signal };
      // tcpdump's messages, the pcap summary and names from the node pass through printable
      return await runCaptureCommand(transport, iface, spec, printableOut(process.stderr));
    } finally {
      transport.close();
    }
  } finally {
    kube?.source.stop();
    monitor.stop();
  }
}
