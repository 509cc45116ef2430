// Fault soak: the real netwatch binary (live view in a pty, --nodes against the test Kubernetes
// API server) watching N lab nodes while, every 30 s, one node in turn has its sshd killed or its
// uplink cut (for --down s, then restored), and the API server goes down and up every 5 min.
// Every --report minutes and at the end it counts netwatch's open sockets (/proc/PID/fd), its
// active timers and handles (process.getActiveResourcesInfo() through NETWATCH_DIAG_FILE,
// src/cli/diag.ts) and netwatch processes on every node; after each fault, how long the node took
// to be live again. After netwatch quits, no netwatch process may remain on any node.
//   npm run build && node bench/fault-soak.mjs [--nodes 10] [--interval 0.5] [--minutes 60]
//        [--every 30] [--down 10] [--api-every 5] [--report 2]                      (root)
// Targets (issue 9): no leaked connections, timers or processes; every node back within its backoff.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestApiServer } from '../test/kube/apiserver.mjs';
import { makeNode, makePod } from '../test/kube/objects.mjs';
import { loadLab, sleep } from './lab.mjs';
import { diagLines, nodeProcs, socketCount, startNetwatch } from './nw.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : Number(process.argv[i + 1]);
};
const N = arg('nodes', 10);
const interval = arg('interval', 0.5);
const minutes = arg('minutes', 60);
const everyS = arg('every', 30);
const downS = arg('down', 10);
const apiEveryMin = arg('api-every', 5);
const reportMin = arg('report', 2);
// the reconnect backoff cap (src/sources/ssh/backoff.ts DEFAULT_BACKOFF.maxMs) plus one connect
// and first sample: the longest a node may take to be live after its fault is repaired
const BACKOFF_MAX_S = 30;
const boundS = BACKOFF_MAX_S + 10;

const { startLab } = await loadLab();
const work = mkdtempSync(join(tmpdir(), 'nw-fault-soak-'));
const diagFile = join(work, 'diag.jsonl');
const specs = Array.from({ length: N }, (_, i) => ({ name: `f${i + 1}`, kind: i % 2 ? 'routed' : 'bridge', pods: 1 }));
const lab = await startLab({ nodes: specs });
const api = await TestApiServer.start();
for (const n of lab.nodes) {
  api.addNode(makeNode('gke', { name: n.name, pool: 'soak', internalIP: n.address }));
  for (const p of n.pods) api.addPod(makePod('gke', { name: `${n.name}-${p.name}`, namespace: p.namespace, node: n.name, ip: p.ip, uid: p.uid }));
}
const kubeconfig = api.kubeconfig(join(work, 'kubeconfig'));
const names = lab.nodes.map((n) => n.name);
const live = () => diagLines(diagFile).at(-1)?.nodes ?? {};
const allLive = () => names.every((n) => live()[n] === 'live');
const out = [];
const checkpoints = [];
const faults = []; // { node, kind, at, restored, back (s after restore) | undefined }
const apiRestarts = []; // { up, back (s after the server came back, API and every pod list ok) }
let nw;
let leftAfterExit;

async function checkpoint(label) {
  const d = diagLines(diagFile).at(-1) ?? {};
  const procs = {};
  for (const n of names) procs[n] = (await nodeProcs(lab, n)).length;
  const r = d.resources ?? {};
  const c = { label, sockets: socketCount(nw.pid), timers: r.Timeout ?? 0, tcp: r.TCPSocketWrap ?? 0, handles: Object.values(r).reduce((a, b) => a + b, 0), procs, live: names.filter((n) => d.nodes?.[n] === 'live').length };
  checkpoints.push(c);
  console.error(`  [${label}] live ${c.live}/${N}  sockets ${c.sockets}  timers ${c.timers}  TCP handles ${c.tcp}  all handles ${c.handles}  netwatch procs on nodes ${Object.values(procs).join(',')}`);
  return c;
}

async function waitAllLive(ms) {
  const end = Date.now() + ms;
  while (!allLive() && Date.now() < end) await sleep(250);
  return allLive();
}

try {
  nw = await startNetwatch(
    ['-F', lab.sshConfigPath, '--kubeconfig', kubeconfig, '--nodes', 'soak', '--interval', String(interval), '--no-capture-summary'],
    { NETWATCH_DIAG_FILE: diagFile, NETWATCH_DIAG_MS: '250' },
  );
  console.error(`fault soak: ${N} nodes at ${interval} s for ${minutes} min; a fault every ${everyS} s (${downS} s down), API down every ${apiEveryMin} min; netwatch pid ${nw.pid}`);
  if (!(await waitAllLive(60_000))) throw new Error(`not every node live at start: ${JSON.stringify(live())}`);
  await sleep(5000);
  const base = await checkpoint('baseline');
  const t0 = Date.now();
  const end = t0 + minutes * 60_000;
  let k = 0;
  let nextApi = t0 + apiEveryMin * 60_000;
  let nextReport = t0 + reportMin * 60_000;
  for (let next = t0; next + everyS * 1000 <= end; next += everyS * 1000, k++) {
    await sleep(Math.max(0, next - Date.now()));
    const node = names[k % N];
    const kind = Math.floor(k / N) % 2 === k % 2 ? 'sshd' : 'link'; // each node sees both kinds
    const f = { node, kind, at: Date.now() };
    faults.push(f);
    if (kind === 'sshd') await lab.stopSshd(node);
    else await lab.cutLink(node);
    let sawDown = false;
    const downEnd = Date.now() + downS * 1000;
    while (Date.now() < downEnd) {
      if (live()[node] !== 'live') sawDown = true;
      await sleep(250);
    }
    if (kind === 'sshd') await lab.startSshd(node);
    else await lab.restoreLink(node);
    f.restored = Date.now();
    f.sawDown = sawDown;
    const backBy = f.restored + boundS * 1000;
    // watch this node until live (the next fault on another node may start meanwhile: watched too)
    void (async () => {
      while (Date.now() < backBy + 5000) {
        if (live()[node] === 'live' && Date.now() - f.restored > 300) {
          f.back = (Date.now() - f.restored) / 1000;
          return;
        }
        await sleep(250);
      }
    })();
    if (Date.now() >= nextApi) {
      nextApi += apiEveryMin * 60_000;
      await api.setDown(true);
      await sleep(5000);
      await api.setDown(false);
      const r = { up: Date.now() };
      apiRestarts.push(r);
      void (async () => {
        while (Date.now() < r.up + 120_000) {
          const d = diagLines(diagFile).at(-1) ?? {};
          const pods = Object.values(d.pods ?? {});
          if (d.kube === 'ok' && pods.length === N && pods.every((k) => k === 'ok')) {
            r.back = (Date.now() - r.up) / 1000;
            return;
          }
          await sleep(250);
        }
      })();
      console.error(`  API server down for 5 s and up again at ${((Date.now() - t0) / 60_000).toFixed(1)} min`);
    }
    if (Date.now() >= nextReport) {
      nextReport += reportMin * 60_000;
      await checkpoint(`${((Date.now() - t0) / 60_000).toFixed(1)} min`);
    }
  }
  await sleep((boundS + 5) * 1000); // the last fault's bound
  const settled = await waitAllLive(30_000);
  await sleep(3000);
  const last = await checkpoint('end');
  const quit = await nw.stop();
  const exitAt = Date.now();
  let left = [];
  for (let i = 0; i < 40; i++) {
    left = [];
    for (const n of names) for (const p of await nodeProcs(lab, n)) left.push(`${n}: ${p}`);
    if (!left.length) break;
    await sleep(250);
  }
  leftAfterExit = left;
  const back = faults.filter((f) => f.back !== undefined);
  const late = faults.filter((f) => f.back === undefined || f.back > boundS);
  const sorted = back.map((f) => f.back).sort((a, b) => a - b);
  const pct = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1) : 'n/a');
  const maxProcs = Math.max(...checkpoints.flatMap((c) => Object.values(c.procs)));
  out.push(`fault soak: ${N} lab nodes at --interval ${interval} for ${minutes} min via --nodes against the test API server; ${faults.length} faults (${faults.filter((f) => f.kind === 'sshd').length} sshd kills, ${faults.filter((f) => f.kind === 'link').length} link cuts, ${downS} s each), API server down/up every ${apiEveryMin} min`);
  out.push(`back to live after the fault was repaired: median ${pct(0.5)} s, p90 ${pct(0.9)} s, max ${pct(1)} s; noticed while down: ${faults.filter((f) => f.sawDown).length}/${faults.length}`);
  out.push(`every node back within its backoff (<= ${boundS} s: cap ${BACKOFF_MAX_S} s + one connect): ${late.length ? `NOT met (${late.map((f) => `${f.node} ${f.kind} ${f.back ?? 'never'}`).join('; ')})` : 'met'}; all live at the end: ${settled}`);
  out.push(`API server restarts: ${apiRestarts.length}; the API and every node's pod list ok again ${apiRestarts.map((r) => (r.back === undefined ? 'never (120 s)' : `${r.back.toFixed(1)} s`)).join(', ')} after the server came back (target: every one: ${apiRestarts.every((r) => r.back !== undefined) ? 'met' : 'NOT met'})`);
  out.push(`sockets: baseline ${base.sockets}, end ${last.sockets}, max at checkpoints ${Math.max(...checkpoints.map((c) => c.sockets))} (target: no leaked connections: ${last.sockets <= base.sockets ? 'met' : 'NOT met'})`);
  out.push(`timers: baseline ${base.timers}, end ${last.timers}, max ${Math.max(...checkpoints.map((c) => c.timers))}; all handles: baseline ${base.handles}, end ${last.handles} (target: no leaked timers: ${last.timers <= base.timers + 2 && last.handles <= base.handles + 2 ? 'met' : 'NOT met'}; +2 allows the timers of samples in flight)`);
  out.push(`netwatch processes per node: baseline ${Object.values(base.procs).join(',')}, end ${Object.values(last.procs).join(',')}, most on one node at any checkpoint ${maxProcs}; after netwatch quit (${quit ? 'by q' : 'SIGTERM'}): ${left.length} left ${((Date.now() - exitAt) / 1000).toFixed(1)} s later (target: none leaked: ${left.length === 0 && Object.values(last.procs).every((v, i) => v <= Object.values(base.procs)[i]) ? 'met' : 'NOT met'})`);
  if (left.length) out.push(`  left: ${left.slice(0, 10).join(' | ')}`);
} finally {
  await nw?.stop();
  await api.stop();
  await lab.stop();
}
console.log(out.join('\n'));
rmSync(work, { recursive: true, force: true });
void leftAfterExit;
