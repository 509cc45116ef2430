// Kubernetes source benchmark: 50 nodes and 1,000 pods on the test API server (in a child
// process, so that the figures of this process are netwatch's alone).
// Prints the time from start to the first node set and to every node's pods delivered, the API
// requests per minute at steady state (target: none but the long-lived watches), how fast pod
// changes arrive, and this process's CPU and RSS.
// Run: npm run build && node bench/k8s-requests.mjs [--seconds 60] [--nodes 50] [--pods 1000]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const SECONDS = opt('seconds', 60);
const NODES = opt('nodes', 50);
const PODS = opt('pods', 1000);
const CHURN_EVERY_MS = 5_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (process.argv[2] === '--server') {
  // child: the API server, driven over IPC
  const { TestApiServer } = await import('../test/kube/apiserver.mjs');
  const { makeNode, makePod } = await import('../test/kube/objects.mjs');
  const server = await TestApiServer.start({ historyLimit: 5000 });
  for (let i = 0; i < NODES; i++) {
    server.addNode(makeNode('gke', { name: `gke-bench-pool-a-${i}`, pool: 'pool-a', internalIP: `198.18.${i >> 8}.${i & 255}` }));
  }
  for (let i = 0; i < 5; i++) server.addNode(makeNode('eks', { name: `ip-other-${i}.ec2.internal`, pool: 'other' }));
  for (let i = 0; i < PODS; i++) {
    server.addPod(makePod(i % 2 ? 'eks' : 'gke', { name: `app-${i}`, namespace: `ns-${i % 7}`, node: `gke-bench-pool-a-${i % NODES}` }));
  }
  process.on('message', (m) => {
    if (m.cmd === 'kubeconfig') process.send({ id: m.id, value: server.kubeconfig(m.path) });
    if (m.cmd === 'reset') process.send({ id: m.id, value: (server.resetCounters(), true) });
    if (m.cmd === 'counts') process.send({ id: m.id, value: { counts: server.requestCounts(), open: server.openWatches } });
    if (m.cmd === 'add') process.send({ id: m.id, value: (server.addPod(makePod('gke', { name: m.name, namespace: 'churn', node: m.node })), true) });
    if (m.cmd === 'delete') process.send({ id: m.id, value: server.deletePod('churn', m.name) });
    if (m.cmd === 'stop') void server.stop().then(() => process.exit(0));
  });
  process.send({ ready: true });
} else {
  await main();
}

async function main() {
  const { loadKubeConfig } = await import('../dist/sources/k8s/kubeconfig.js');
  const { KubeSource } = await import('../dist/sources/k8s/source.js');
  const child = fork(fileURLToPath(import.meta.url), ['--server', ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 0;
  const waiting = new Map();
  child.on('message', (m) => waiting.get(m.id)?.(m.value));
  const call = (cmd, extra = {}) => new Promise((resolve) => {
    const id = ++nextId;
    waiting.set(id, resolve);
    child.send({ cmd, id, ...extra });
  });
  await new Promise((resolve) => child.once('message', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'k8s-bench-'));
  try {
    const path = await call('kubeconfig', { path: join(dir, 'kubeconfig') });

    const t0 = performance.now();
    const src = new KubeSource({ kubeconfig: loadKubeConfig({ kubeconfig: path }), nodes: 'pool-a' });
    const delivered = new Map();
    let callbacks = 0;
    let allPodsAt;
    /** @type {Map<string, number>} churn pod -> time it was added or deleted */
    const pending = new Map();
    const latencies = [];
    src.onPods((node, pods) => {
      callbacks++;
      delivered.set(node, pods.length);
      if (!allPodsAt && delivered.size === NODES && [...delivered.values()].reduce((a, b) => a + b, 0) === PODS) allPodsAt = performance.now();
      for (const [name, at] of pending) {
        const [op] = name.split(':');
        const present = pods.some((p) => p.name === name.slice(op.length + 1));
        if ((op === 'add') === present && node === 'gke-bench-pool-a-0') {
          latencies.push(performance.now() - at);
          pending.delete(name);
        }
      }
    });
    src.start();
    const nodes = await src.ready();
    const nodesAt = performance.now();
    while (!allPodsAt) await sleep(10);
    console.log(`nodes selected: ${nodes.length} of ${NODES + 5}; pods: ${PODS}`);
    console.log(`start -> node set:          ${(nodesAt - t0).toFixed(0)} ms`);
    console.log(`start -> all pods delivered: ${(allPodsAt - t0).toFixed(0)} ms (${callbacks} pod callbacks)`);
    const startup = await call('counts');
    console.log(`requests to get there: ${JSON.stringify(startup.counts)}`);

    await call('reset');
    const cpu0 = process.cpuUsage();
    const s0 = performance.now();
    let churn = 0;
    for (let i = 0; i < Math.max(1, Math.round((SECONDS * 1000) / CHURN_EVERY_MS)); i++) {
      await sleep(CHURN_EVERY_MS);
      const name = `churn-${churn++}`;
      pending.set(`add:${name}`, performance.now());
      await call('add', { name, node: 'gke-bench-pool-a-0' });
      if (churn > 1) {
        pending.set(`delete:churn-${churn - 2}`, performance.now());
        await call('delete', { name: `churn-${churn - 2}` });
      }
    }
    await sleep(500); // the last change's callback
    const secs = (performance.now() - s0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const steady = await call('counts');
    const total = Object.values(steady.counts).reduce((a, b) => a + b, 0);
    latencies.sort((a, b) => a - b);
    const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]?.toFixed(0);
    console.log(`steady state: ${secs.toFixed(0)} s, ${churn} pods added and ${Math.max(0, churn - 1)} deleted meanwhile`);
    console.log(`  open watches: ${steady.open} (1 for nodes + 1 per node)`);
    console.log(`  new API requests: ${total} = ${(total / (secs / 60)).toFixed(1)} per minute ${JSON.stringify(steady.counts)}`);
    console.log(`  expected over hours: each watch is renewed after its timeoutSeconds (300-600 s): ~${(steady.open * 60 / 450).toFixed(1)} watch requests per minute, no lists`);
    console.log(`  pod change -> callback: median ${pct(0.5)} ms, max ${pct(1)} ms (${latencies.length} changes)`);
    console.log(`  this process: CPU ${((cpu.user + cpu.system) / 1000 / secs).toFixed(1)} ms/s, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
    src.stop();
  } finally {
    await call('stop');
    rmSync(dir, { recursive: true, force: true });
  }
}
