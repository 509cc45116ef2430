#!/usr/bin/env node
/**
 * Stale-process view benchmark: prints figures, asserts nothing. Run as root after `npm run build`:
 *   node bench/processes.mjs [--pods N] [--runs R]
 * Creates N (default 100) pod-like network namespaces on this machine, each with a pause process
 * and a listener in kubepods-style cgroups (cgroup root nwproc-bench-<random>, removed at the end,
 * also on Ctrl-C), then opens the view R times (collectProcesses over LocalTransport) with and
 * without the pods' API data, and reports: time to open the view (wall, from exec to parsed
 * view), the CPU the node spent (the script's own `times`: shell + children), bytes shipped, and
 * the local parse + ownership time. The same with no pod namespace gives the fixed cost.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('--pods', 100);
const RUNS = arg('--runs', 5);
if (process.getuid?.() !== 0) {
  console.error('needs root (network namespaces, cgroups)');
  process.exit(1);
}

const { collectProcesses, processViewFromOutput } = await import('../dist/sources/processes/collect.js');
const { COLLECT_SH } = await import('../dist/sources/processes/script.js');
const { processTag } = await import('../dist/sources/remote/tags.js');
const { LocalTransport } = await import('../dist/sources/transport/local.js');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const root = `nwproc-bench-${randomBytes(4).toString('hex')}`;
const bin = mkdtempSync(join(tmpdir(), 'nwproc-bench-'));
symlinkSync('/bin/sleep', join(bin, 'pause'));
const pids = new Set();
const dirs = [];

const hierarchies = [];
if (existsSync('/sys/fs/cgroup/pids/cgroup.procs')) hierarchies.push({ base: '/sys/fs/cgroup/pids', style: 'cgroupfs' });
if (existsSync('/sys/fs/cgroup/unified/cgroup.procs')) hierarchies.push({ base: '/sys/fs/cgroup/unified', style: 'systemd' });
else if (existsSync('/sys/fs/cgroup/cgroup.controllers')) hierarchies.push({ base: '/sys/fs/cgroup', style: 'systemd' });

function cgroups(uid, id) {
  return hierarchies.map(({ base, style }) => {
    const rel =
      style === 'cgroupfs'
        ? ['kubepods', 'besteffort', `pod${uid}`, id]
        : ['kubepods.slice', 'kubepods-besteffort.slice', `kubepods-besteffort-pod${uid.replace(/-/g, '_')}.slice`, `cri-containerd-${id}.scope`];
    let dir = join(base, root);
    for (const part of ['', ...rel]) {
      if (part) dir = join(dir, part);
      if (!existsSync(dir)) {
        mkdirSync(dir);
        dirs.push(dir);
      }
    }
    return dir;
  });
}

const START = `
mode=$1 ns=$2 shift 2
while [ "$1" != -- ]; do echo $$ > "$1/cgroup.procs" || exit 1; shift; done
shift
if [ "$mode" = new ]; then exec unshare --net -- "$@"; fi
exec nsenter --net="$ns" -- "$@"`;
const LISTEN =
  'use Socket; socket(S,PF_INET,SOCK_STREAM,0) or die; bind(S,sockaddr_in($ARGV[0],INADDR_ANY)) or die; listen(S,5) or die; sleep 100000';

function comm(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
  } catch {
    return undefined;
  }
}

async function start(mode, ns, cg, argv) {
  const child = spawn('sh', ['-c', START, 'nwproc-bench', mode, ns, ...cg, '--', ...argv], { detached: true, stdio: 'ignore' });
  child.unref();
  pids.add(child.pid);
  const want = argv[0].split('/').pop();
  for (let i = 0; comm(child.pid) !== want; i++) {
    if (i > 500) throw new Error(`pid ${child.pid} did not start ${want}`);
    await sleep(10);
  }
  return child.pid;
}

async function makePod(i) {
  const uid = randomUUID();
  const sandbox = randomBytes(32).toString('hex');
  const app = randomBytes(32).toString('hex');
  const holder = await start('new', '-', cgroups(uid, sandbox), [join(bin, 'pause'), 'infinity']);
  await start('join', `/proc/${holder}/ns/net`, cgroups(uid, app), ['perl', '-e', LISTEN, String(8080 + (i % 1000))]);
  return {
    namespace: 'bench', name: `pod-${i}`, uid, nodeName: 'localhost', phase: 'Running', podIPs: [], hostNetwork: false,
    containers: [{ name: 'app', containerID: `containerd://${app}`, kind: 'container', ready: true, restartCount: 0, state: 'running', ports: [{ containerPort: 8080 + (i % 1000), protocol: 'TCP' }] }],
  };
}

function cleanup() {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (let round = 0; round < 100 && dirs.some((d) => existsSync(d)); round++) {
    for (const d of [...dirs].reverse()) {
      try {
        if (existsSync(d)) rmdirSync(d);
      } catch {
        /* processes still leaving */
      }
    }
    if (dirs.some((d) => existsSync(d))) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  rmSync(bin, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

async function measure(label, transport, pods) {
  const wall = [];
  const cpu = [];
  let bytes = 0;
  let local = [];
  let v;
  for (let r = 0; r < RUNS; r++) {
    v = await collectProcesses(transport, pods);
    wall.push(v.cost.wallMs);
    cpu.push(v.cost.remoteCpuMs ?? NaN);
    bytes = v.cost.bytes;
  }
  // local side alone: parse + ownership of one recorded output
  const res = await transport.exec(COLLECT_SH, [], { privileged: true, tag: processTag('collect', transport) });
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    processViewFromOutput('localhost', res.stdout, pods);
    local.push(performance.now() - t0);
  }
  const podNs = v.namespaces.length;
  const procs = v.namespaces.reduce((n, ns) => n + ns.processes.length, 0);
  console.log(
    `${label.padEnd(34)} ${String(podNs).padStart(4)} netns ${String(procs).padStart(5)} procs  ` +
      `open ${median(wall)} ms (max ${Math.max(...wall)})  node CPU ${median(cpu)} ms  ` +
      `${(bytes / 1024).toFixed(0)} KiB  parse+ownership ${median(local).toFixed(1)} ms`,
  );
}

const local = new LocalTransport();
try {
  const ehash = (() => {
    try {
      return readFileSync('/proc/sys/net/ipv4/tcp_ehash_entries', 'utf8').trim();
    } catch {
      return '?';
    }
  })();
  console.log(`stale-process view: ${RUNS} runs each, median; tcp ehash entries ${ehash} (each socket table read walks it)`);
  await measure('baseline (pods not created yet)', local, []);
  const t0 = performance.now();
  const pods = [];
  for (let i = 0; i < N; i += 10) pods.push(...(await Promise.all(Array.from({ length: Math.min(10, N - i) }, (_, k) => makePod(i + k)))));
  console.log(`created ${N} pod netns (${pids.size} processes) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await measure(`${N} pods, no API, no runtime`, local, undefined);
  await measure(`${N} pods, with the API's pods`, local, pods);
  // the netns of one of ours, to show it is in the view
  const one = readlinkSync(`/proc/${[...pids][0]}/ns/net`);
  console.log(`(first pod netns ${one})`);
} finally {
  local.close();
  cleanup();
}
