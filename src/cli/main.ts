/**
 * netwatch's entry point: parses the command line, builds the store, the nodes' transports and
 * the monitor, then either prints one sample (--once) or runs the terminal UI.
 */
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { createAppStore } from '../state/store.js';
import { Monitor } from '../sources/monitor.js';
import { collectProcesses } from '../sources/processes/index.js';
import { StaleChecker } from '../sources/processes/background.js';
import { parseCli, USAGE, UsageError, type Options } from './args.js';
import { loadConfigFile } from './config.js';
import { unknownEnv } from './schema.js';
import { fileLogger } from './log.js';
import type { Kube } from './kube.js';
import { startTrafficSummaries } from './traffic.js';
import { startDiagnostics, storeDiag } from './diag.js';
import { InvalidNameError } from '../sources/shell.js';
import { printable } from './printable.js';
import { failedNodes, renderReport, safeJson } from './report.js';
import { problemsAtOrAbove } from './exit.js';
import { localTarget, sshTarget, type Target } from './targets.js';
import { needsRoot, needsRootText } from '../sources/transport/privileges.js';

/** --once exit status (README, --help): 3 wins over 1 */
const EXIT_OK = 0;
const EXIT_NODE_FAILED = 1;
const EXIT_USAGE = 2;
const EXIT_PROBLEMS = 3;

function fail(msg: string, code = 1): never {
  process.stderr.write(printable(`netwatch: ${msg}\n`));
  process.exit(code);
}

/** who marks (`m`): the user name, if the system knows it */
function userName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER || undefined;
  }
}

/** --config FILE or --config=FILE, read before the rest (the file is a layer under the flags) */
function configFlag(argv: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < argv.length && argv[i] !== '--'; i++) {
    if (argv[i] === '--config') found = argv[i + 1];
    else if (argv[i]!.startsWith('--config=')) found = argv[i]!.slice('--config='.length);
  }
  return found;
}

export async function main(argv: string[]): Promise<number> {
  let opts: Options;
  try {
    opts = parseCli(argv, { file: loadConfigFile(configFlag(argv)), env: process.env });
  } catch (e) {
    // --help works whatever the environment or the config file hold
    if (e instanceof UsageError && (argv.includes('--help') || argv.includes('-h'))) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
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
  for (const k of unknownEnv(process.env)) log(`ignored: ${k} is no netwatch setting (docs/config.md)`);

  if (opts.command === 'checks') {
    const { checksCommand } = await import('./checks.js');
    return checksCommand(opts.json);
  }
  if (opts.command === 'attach') {
    const { attachCommand } = await import('./attach.js');
    return attachCommand(opts, log, logPath);
  }
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

  if (opts.command === 'replay') {
    const { replayCommand, RecordingError } = await import('./record.js');
    try {
      return await replayCommand(opts, logPath);
    } catch (e) {
      if (e instanceof UsageError) fail(e.message, EXIT_USAGE);
      if (e instanceof RecordingError || (e as NodeJS.ErrnoException).code === 'ENOENT') fail((e as Error).message);
      throw e;
    }
  }

  const store = createAppStore({ interval: opts.intervalMs / 1000, slowEvery: opts.slowEveryMs / 1000, readonly: opts.readonly });
  const monitor = new Monitor(store, { intervalMs: opts.intervalMs, slowEveryMs: opts.slowEveryMs, log });
  diagState(storeDiag(store));
  let targets: Target[];
  try {
    targets = opts.hosts.length ? opts.hosts.map((h) => sshTarget(h, opts, log)) : opts.nodes || opts.selector ? [] : [localTarget()];
  } catch (e) {
    fail((e as Error).message, EXIT_USAGE);
  }
  for (const t of targets) monitor.add(t.name, t.transport, t.address);
  // watching this machine as a normal user: what it cannot read (never sudo; see privileges.ts)
  const local = !opts.hosts.length && !opts.nodes && !opts.selector;
  const missing = local ? needsRoot(process.getuid?.() ?? 0) : [];
  for (const l of needsRootText(missing)) log(l);
  // …and on the local node's row (checks pane, --once problems), so the live view says it too
  if (missing.length) for (const t of targets) store.getState().setNeedsRoot(t.name, missing);
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
      fail((e as Error).message.replace(' (retrying)', '')); // nothing retries after this
    }
  }

  if (opts.command === 'record') {
    const { recordUntil, startRecorder, RecordingError } = await import('./record.js');
    let failed: (e: Error) => void = () => {};
    const stopped = new Promise<Error>((r) => (failed = r));
    let rec;
    try {
      rec = startRecorder(store, opts.file!, opts, log, (e) => failed(e), argv);
    } catch (e) {
      monitor.stop();
      kube?.source.stop();
      if (e instanceof RecordingError) fail(e.message);
      throw e;
    }
    for (const l of needsRootText(missing)) process.stderr.write(`netwatch: ${l}\n`);
    process.stderr.write(printable(`netwatch: recording to ${opts.file}${opts.durationMs ? ` for ${opts.durationMs / 1000} s` : ''} (ctrl-c or SIGTERM stops)\n`));
    monitor.start();
    const traffic = opts.captureSummary ? startTrafficSummaries(store, monitor, opts, log) : undefined;
    const stale = kube ? new StaleChecker(store, (n) => monitor.transport(n), { log, everyMs: opts.slowEveryMs }) : undefined;
    stale?.start();
    const why = await recordUntil(opts, stopped);
    stale?.stop();
    traffic?.stop();
    monitor.stop();
    kube?.source.stop();
    rec.stop();
    const r = rec.recorder;
    const upTo = r.lastAt === undefined ? 'its start' : new Date(r.lastAt).toISOString();
    if (r.error) {
      process.stderr.write(printable(`netwatch: writing ${opts.file} failed (${r.error.message}): recording stopped; the file replays up to ${upTo}\n`));
      return EXIT_NODE_FAILED;
    }
    process.stderr.write(printable(`netwatch: recorded to ${opts.file} (${why}): ${r.bytes} bytes, up to ${upTo}${r.rotations ? `, rotated ${r.rotations}×` : ''}\n`));
    return EXIT_OK;
  }

  if (opts.service && kube) {
    // one read per node (the slow collectors' iptables/IPVS read comes with it) and the Service
    const bound = opts.requestTimeoutMs || Infinity; // 0: no timeout, as kubectl
    await Promise.all([kube.podsSettled(bound), kube.servicesSettled(bound)]);
    await monitor.once();
    const st = store.getState();
    const { serviceView, serviceViewJson, serviceViewLines } = await import('../state/servicesView.js');
    const view = serviceView(st, opts.service);
    process.stdout.write((opts.json ? safeJson(serviceViewJson(view), 2) : printable(serviceViewLines(view, Date.now()).join('\n'))) + '\n');
    monitor.stop();
    kube.source.stop();
    for (const n of failedNodes(st)) {
      const node = st.nodes[n]!;
      const why = node.status.kind === 'failed' || node.status.kind === 'reconnecting' ? node.status.reason : node.lastError ?? 'no sample';
      process.stderr.write(printable(`netwatch: ${n}: ${why}\n`));
    }
    // 1: the Service is not there or the API did not say; 3 with --fail-on: a node's rules differ
    if (!view.service || view.status.kind !== 'ok') return EXIT_NODE_FAILED;
    const differs = view.nodes.some((n) => n.ports.some((p) => p.state === 'missing-vip' || p.state === 'mismatch'));
    if (opts.failOn && differs) return EXIT_PROBLEMS;
    return failedNodes(st).length ? EXIT_NODE_FAILED : EXIT_OK;
  }

  if (opts.once) {
    await kube?.podsSettled(opts.requestTimeoutMs || Infinity); // 0: no timeout, as kubectl
    await monitor.once();
    // --window: a second sample W seconds after the first, so rates and their problems show
    let windowSec = 0;
    if (opts.windowMs > 0 && store.getState().order.some((n) => store.getState().nodes[n]!.sample)) {
      await new Promise((r) => setTimeout(r, opts.windowMs));
      for (const m of await monitor.again()) log(m);
      windowSec = opts.windowMs / 1000;
    }
    if (kube) {
      // the stale-process check, once, on every sampled node with pods from the API, bounded by --request-timeout
      const checker = new StaleChecker(store, (n) => monitor.transport(n), { log });
      const names = store.getState().order.filter((n) => store.getState().nodes[n]!.sample && store.getState().nodes[n]!.status.kind === 'live');
      await Promise.all(names.filter((n) => store.getState().nodes[n]!.kube?.status.kind === 'ok').map((n) => checker.check(n, opts.requestTimeoutMs || undefined)));
    }
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
    const meta = local ? { local: { root: (process.getuid?.() ?? 0) === 0, needsRoot: missing } } : {};
    // windowSec and `local` on top of the JSON (report.ts stays the node model's); what needs root under the others
    process.stdout.write(renderReport(st, opts.output, { extra, meta: { windowSec, ...meta }, notes: needsRootText(missing) }) + '\n');
    monitor.stop();
    kube?.source.stop();
    const failed = failedNodes(st);
    for (const n of failed) {
      const node = st.nodes[n]!;
      const why = node.status.kind === 'failed' || node.status.kind === 'reconnecting' ? node.status.reason : node.lastError ?? 'no sample';
      process.stderr.write(printable(`netwatch: ${n}: ${why}\n`));
    }
    if (opts.failOn && problemsAtOrAbove(st, opts.failOn).length) return EXIT_PROBLEMS;
    return failed.length ? EXIT_NODE_FAILED : EXIT_OK;
  }

  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    fail('the live view needs a terminal; use --once [--json] in scripts', EXIT_USAGE);
  }
  // stays on the normal screen (seen before and after the live view); the UI shows it as the
  // local node's needs-root problem
  for (const l of needsRootText(missing)) process.stderr.write(`netwatch: ${l}\n`);
  // --record FILE: the live view records too; a write error stops the recording, never the view
  // (the status line says so: ui/notices.ts, also what an attached viewer's capture does here)
  const { Notices } = await import('../ui/notices.js');
  const notices = new Notices();
  let recording: ReturnType<typeof import('./record.js').startRecorder> | undefined;
  if (opts.recordFile) {
    const { startRecorder, recordErrorSegs, RecordingError } = await import('./record.js');
    const file = opts.recordFile;
    try {
      recording = startRecorder(store, file, opts, log, (e) => notices.set('record', recordErrorSegs(file, e, recording?.recorder.lastAt)), argv);
    } catch (e) {
      if (e instanceof RecordingError) fail(e.message);
      throw e;
    }
  }
  monitor.start();
  const traffic = opts.captureSummary ? startTrafficSummaries(store, monitor, opts, log) : undefined;
  // the stale-process check in the background, on nodes with pods from the API
  const stale = kube ? new StaleChecker(store, (n) => monitor.transport(n), { log, everyMs: opts.slowEveryMs }) : undefined;
  stale?.start();
  const { startUi } = await import('../ui/start.js');
  const { CaptureHost, ProcessesHost, ViewerCaptureHost } = await import('./views.js');
  const { createElement } = await import('react');
  const { yanker } = await import('./yank.js');
  const host = { store, monitor, tcpdump: opts.tcpdump, snaplen: opts.snaplen, keepDir: opts.captureDir, readonly: opts.readonly, stale };
  // --share: the live state to `netwatch attach` viewers (one diff per update, whatever their
  // number; with --record, the recorder's producer: one diff for both)
  let share: import('./share/owner.js').OwnerShare | undefined;
  if (opts.share) {
    const { startShare } = await import('./share/owner.js');
    try {
      share = await startShare(store, opts, log, userName(), host, recording ? { producer: recording.producer } : {}, notices);
    } catch (e) {
      monitor.stop();
      fail((e as Error).message);
    }
    process.stderr.write(printable(`netwatch: sharing this session at ${share.path} (netwatch attach)\n`));
  }
  const ui = startUi(store, {
    readonly: opts.readonly,
    logPath,
    notices,
    renderCapture: (target, onClose) => createElement(CaptureHost, { opts: host, target, onClose }),
    renderProcesses: (node, pod, onClose) => createElement(ProcessesHost, { opts: host, node, pod, onClose }),
    // V: the capture an attached viewer started here
    ...(share ? { renderViewerCapture: (onClose: () => void) => createElement(ViewerCaptureHost, { capture: () => share!.viewerCapture(), keepDir: opts.captureDir, onClose }) } : {}),
    onReadSlow: (node) => monitor.readSlowNow(node),
    // a mark goes into the state: recordings and attached viewers get it from there
    onMark: (note) => void store.getState().addMark(note, userName()),
    // y: Markdown to a file beside the log and, with OSC 52, to the terminal's clipboard
    onYank: yanker({ getState: store.getState, dir: dirname(logPath), write: (s) => process.stdout.write(s), tmux: !!process.env.TMUX }),
  }, { incrementalRendering: opts.incrementalRendering }); // see docs/decisions.md
  await ui.waitUntilExit();
  share?.close();

  recording?.stop();
  if (recording?.recorder.error) {
    const upTo = recording.recorder.lastAt === undefined ? 'its start' : new Date(recording.recorder.lastAt).toISOString();
    process.stderr.write(printable(`netwatch: --record ${opts.recordFile}: writing failed (${recording.recorder.error.message}); the file replays up to ${upTo}\n`));
  }
  stale?.stop();
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
