/**
 * netwatch's entry point: parses the command line, builds the store, the nodes' transports and
 * the monitor, then either prints one sample (--once) or runs the terminal UI.
 */
import { createRequire } from 'node:module';
import { createAppStore } from '../state/store.js';
import { Monitor } from '../sources/monitor.js';
import { collectProcesses } from '../sources/processes/index.js';
import { parseCli, USAGE, UsageError, type Options } from './args.js';
import { loadConfigFile } from './config.js';
import { fileLogger } from './log.js';
import type { Kube } from './kube.js';
import { startTrafficSummaries } from './traffic.js';
import { startDiagnostics, storeDiag } from './diag.js';
import { InvalidNameError } from '../sources/shell.js';
import { failedNodes, jsonReport, textReport } from './report.js';
import { localTarget, sshTarget, type Target } from './targets.js';

const EXIT_USAGE = 2;

function fail(msg: string, code = 1): never {
  process.stderr.write(`netwatch: ${msg}\n`);
  process.exit(code);
}

export async function main(argv: string[]): Promise<number> {
  let opts: Options;
  try {
    const file = loadConfigFile(argv.includes('--config') ? argv[argv.indexOf('--config') + 1] : undefined);
    opts = parseCli(argv, { intervalMs: 1000, ...file });
  } catch (e) {
    if (e instanceof UsageError) fail(`${e.message}\n${USAGE.split('\n')[0]}\n(netwatch --help for all options)`, EXIT_USAGE);
    throw e;
  }
  if (opts.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (opts.version) {
    const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
    process.stdout.write(`netwatch ${pkg.version}\n`);
    return 0;
  }
  const { log, path: logPath } = fileLogger(opts.log);
  const diagState = startDiagnostics(); // off unless NETWATCH_DIAG_FILE / NETWATCH_HEAP_SNAPSHOT_DIR (bench/soak.mjs)
  log(`start: ${argv.join(' ')}`);

  if (opts.command === 'capture') {
    const { captureCommand } = await import('./capture.js');
    const { KubeConfigError } = await import('../sources/k8s/kubeconfig.js');
    try {
      return await captureCommand(opts, log);
    } catch (e) {
      if (e instanceof UsageError || e instanceof KubeConfigError || e instanceof InvalidNameError) fail(e.message, EXIT_USAGE);
      throw e;
    }
  }

  const store = createAppStore({ interval: opts.intervalMs / 1000, readonly: opts.readonly });
  const monitor = new Monitor(store, { intervalMs: opts.intervalMs, log });
  diagState(storeDiag(store));
  let targets: Target[];
  try {
    targets = opts.hosts.length ? opts.hosts.map((h) => sshTarget(h, opts, log)) : opts.nodes || opts.selector ? [] : [localTarget()];
  } catch (e) {
    fail((e as Error).message, EXIT_USAGE);
  }
  for (const t of targets) monitor.add(t.name, t.transport, t.address);
  let kube: Kube | undefined;
  if (opts.nodes || opts.selector) {
    // @kubernetes/client-node costs ~75 MB of memory: loaded only when Kubernetes is used
    const { startKube } = await import('./kube.js');
    const { KubeConfigError } = await import('../sources/k8s/kubeconfig.js');
    try {
      kube = await startKube(opts, store, monitor, log);
    } catch (e) {
      monitor.stop();
      if (e instanceof KubeConfigError || e instanceof UsageError) fail(e.message, EXIT_USAGE);
      fail((e as Error).message);
    }
  }

  if (opts.once) {
    await kube?.podsSettled(5000);
    await monitor.once(20_000);
    const st = store.getState();
    const extra: Record<string, unknown> = {};
    if (opts.processes) {
      // the stale-process view of every node that answered, with its pods from the API if any
      await Promise.all(
        st.order.map(async (name) => {
          const t = monitor.transport(name);
          if (!t || !st.nodes[name]!.sample) return;
          try {
            extra[name] = await collectProcesses(t, st.nodes[name]!.kube?.status.kind === 'ok' ? st.nodes[name]!.kube!.pods : undefined);
          } catch (e) {
            extra[name] = { error: (e as Error).message };
          }
        }),
      );
    }
    process.stdout.write((opts.json ? jsonReport(st, extra) : textReport(st)) + '\n');
    monitor.stop();
    kube?.source.stop();
    const failed = failedNodes(st);
    for (const n of failed) {
      const node = st.nodes[n]!;
      const why = node.status.kind === 'failed' || node.status.kind === 'reconnecting' ? node.status.reason : node.lastError ?? 'no sample';
      process.stderr.write(`netwatch: ${n}: ${why}\n`);
    }
    return failed.length ? 1 : 0;
  }

  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    fail('the live view needs a terminal; use --once [--json] in scripts', EXIT_USAGE);
  }
  monitor.start();
  const traffic = opts.captureSummary ? startTrafficSummaries(store, monitor, opts, log) : undefined;
  const { startUi } = await import('../ui/start.js');
  const { CaptureHost, ProcessesHost } = await import('./views.js');
  const { createElement } = await import('react');
  const host = { store, monitor, tcpdump: opts.tcpdump, snaplen: opts.snaplen, keepDir: opts.captureDir, readonly: opts.readonly };
  const ui = startUi(store, {
    readonly: opts.readonly,
    logPath,
    renderCapture: (target, onClose) => createElement(CaptureHost, { opts: host, target, onClose }),
    renderProcesses: (node, pod, onClose) => createElement(ProcessesHost, { opts: host, node, pod, onClose }),
  }, { incrementalRendering: process.env.NETWATCH_INCREMENTAL === '1' }); // see docs/decisions.md
  await ui.waitUntilExit();
  traffic?.stop();
  monitor.stop();
  kube?.source.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    // sockets and timers of closed transports must not keep the process alive
    process.exitCode = code;
    setTimeout(() => process.exit(code), 200).unref();
  },
  (e: unknown) => fail(e instanceof Error ? e.message : String(e)),
);
