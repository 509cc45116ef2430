// Spine benchmark: remote CPU per sample (node with ~50 interfaces), and local CPU and RSS of the
// real netwatch binary (live view in a pty) watching 1, 10 and 50 lab nodes at 1 s.
// Run: npm run build && node bench/spine.mjs   (root)
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { cpuMs, loadLab, root, sleep } from './lab.mjs';

const { startLab } = await loadLab();
const BIN = join(root, 'bin/netwatch.js');
const hz = 100;

function procStat(pid) {
  return readFileSync(`/proc/${pid}/stat`, 'utf8');
}
function rssMb(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** runs netwatch in a pty for `seconds` after warm-up; returns local CPU ms per second and RSS */
async function runNetwatch(lab, nodes, seconds, extra = []) {
  const cmd = `exec ${process.execPath} ${BIN} -F ${lab.sshConfigPath} --hosts ${nodes.join(',')} --no-capture-summary ${extra.join(' ')}`;
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, TERM: 'xterm-256color', COLUMNS: '160', LINES: '50' } });
  child.stdout.on('data', () => {});
  await sleep(1500);
  // the node process itself, not the `script` wrapper whose command line also names it
  const pid = Number(execFileSync('pgrep', ['-f', `^${process.execPath} ${BIN} -F ${lab.sshConfigPath}`], { encoding: 'utf8' }).trim().split('\n')[0]);
  await sleep(Math.max(3000, nodes.length * 150)); // connect + first samples
  const c0 = cpuMs(procStat(pid));
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const c1 = cpuMs(procStat(pid));
  const dt = (Date.now() - t0) / 1000;
  const rss = rssMb(pid);
  process.kill(pid, 'SIGTERM');
  child.kill('SIGKILL');
  await sleep(500);
  return { cpuPerSec: (c1 - c0) / dt, rss };
}

/** CPU of the sampler on a node, per sample, over `ticks` samples at `interval` */
async function remoteCpu(lab, node, seconds) {
  const cmd = `exec ${process.execPath} ${BIN} -F ${lab.sshConfigPath} --hosts ${node} --no-capture-summary --interval 1`;
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, TERM: 'xterm-256color', COLUMNS: '160', LINES: '50' } });
  child.stdout.on('data', () => {});
  await sleep(4000);
  // the sampler's host pid: the sh whose command line carries the nw-s- tag, in the node's PID ns
  const host = lab.node(node);
  // only this lab node's PID namespace: other netwatch runs on this machine have samplers too
  const ns = readlinkSync(`/proc/${host.holderPid}/ns/pid`);
  const inNode = (p) => {
    try {
      return readlinkSync(`/proc/${p}/ns/pid`) === ns;
    } catch {
      return false;
    }
  };
  const pids = execFileSync('sh', ['-c', `for p in /proc/[0-9]*; do if tr '\\0' ' ' < $p/cmdline 2>/dev/null | grep -q "nw-s-"; then echo \${p#/proc/}; fi; done`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).filter(inNode);
  // the main sampler shell is the group leader among them
  const main = pids.find((p) => { const f = procStat(p).slice(procStat(p).lastIndexOf(')') + 2).split(' '); return f[2] === p; });
  const sshd = execFileSync('sh', ['-c', `ps -o pid= --ppid $(ps -o ppid= -p ${main}) 2>/dev/null; ps -o ppid= -p ${main}`], { encoding: 'utf8' }).trim().split(/\s+/);
  const sshdPid = sshd.at(-1);
  const c0 = cpuMs(procStat(main));
  const s0 = sshdPid ? cpuMs(procStat(sshdPid)) : 0;
  await sleep(seconds * 1000);
  const c1 = cpuMs(procStat(main));
  const s1 = sshdPid ? cpuMs(procStat(sshdPid)) : 0;
  child.kill('SIGKILL');
  try {
    execFileSync('pkill', ['-KILL', '-f', `${BIN} -F ${lab.sshConfigPath}`]);
  } catch {
    /* already gone */
  }
  await sleep(500);
  return { sampler: (c1 - c0) / seconds, sshd: (s1 - s0) / seconds, pid: main };
}

const results = [];
const only = process.argv.includes('--local-only');
if (!only) {
  const lab = await startLab({ nodes: [{ name: 'big', kind: 'bridge', pods: 47 }] });
  try {
    const ifs = (await lab.exec('big', ['sh', '-c', 'ls /sys/class/net | wc -l'])).stdout.trim();
    const r = await remoteCpu(lab, 'big', 30);
    console.log(`sampler pid ${r.pid}`);
    results.push(`remote CPU per sample, node with ${ifs} interfaces at 1 s: sampler ${r.sampler.toFixed(2)} ms, its sshd session ${r.sshd.toFixed(2)} ms (USER_HZ ${hz}: ±10 ms over 30 samples)`);
  } finally {
    await lab.stop();
  }
}
for (const n of [1, 10, 50]) {
  const nodes = Array.from({ length: n }, (_, i) => ({ name: `b${i + 1}`, kind: i % 2 ? 'routed' : 'bridge', pods: 2 }));
  const lab = await startLab({ nodes });
  try {
    // start to every node sampled (connect, host key check, sweep, first sample of all nodes)
    const t0 = Date.now();
    execFileSync(process.execPath, [BIN, '-F', lab.sshConfigPath, '--hosts', nodes.map((x) => x.name).join(','), '--once', '--no-capture-summary'], { stdio: 'ignore' });
    results.push(`start to every one of ${n} nodes sampled (--once): ${Date.now() - t0} ms`);
    const r = await runNetwatch(lab, nodes.map((x) => x.name), 20);
    results.push(`local, ${String(n).padStart(2)} nodes at 1 s: CPU ${(r.cpuPerSec / n).toFixed(2)} ms per node per sample (${(r.cpuPerSec / 10).toFixed(1)} % of a core), RSS ${r.rss.toFixed(1)} MB`);
  } finally {
    await lab.stop();
  }
}
console.log('\n' + results.join('\n'));
