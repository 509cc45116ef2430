// --once wall time for 1, 10 and 50 lab nodes with 10 % of them dropping SYNs to port 22 (iptables
// in those nodes' netns), with the default connect timeout (10 s) and with --connect-timeout 3,
// and how many nodes were sampled / failed. Options: --runs N (default 3), --login-delay S
// (every root login shell on every node burns S seconds, as a heavy .bashrc does), --only N.
// NETWATCH_PARALLEL_HANDSHAKES=N in the environment changes the handshake limit (default 10).
// Run: npm run build && node bench/once.mjs   (root)
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadLab, root } from './lab.mjs';

const { startLab } = await loadLab();
const BIN = join(root, 'bin/netwatch.js');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const runs = arg('--runs', 3);
const loginDelay = arg('--login-delay', 0);
const only = arg('--only', 0);

function once(args) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.on('close', (code) => {
      const ms = Date.now() - t0;
      let nodes = [];
      try {
        nodes = JSON.parse(out).nodes;
      } catch {
        /* counted as nothing sampled */
      }
      resolve({ ms, code, sampled: nodes.filter((n) => n.sampledAt).length, failed: nodes.filter((n) => n.status === 'failed').length });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const lines = [];
for (const n of only ? [only] : [1, 10, 50]) {
  const drop = Math.floor(n / 10);
  const nodes = Array.from({ length: n }, (_, i) => ({
    name: `o${i + 1}`,
    kind: i % 2 ? 'routed' : 'bridge',
    dropSyn: i >= n - drop,
    ...(loginDelay ? { loginDelay: { seconds: loginDelay, mode: 'burn' } } : {}),
  }));
  const lab = await startLab({ nodes });
  try {
    const hosts = nodes.map((x) => x.name).join(',');
    for (const ct of [undefined, 3]) {
      const rs = [];
      for (let r = 0; r < runs; r++) {
        rs.push(await once(['-F', lab.sshConfigPath, '--hosts', hosts, '--once', '--json', '--no-capture-summary', ...(ct ? ['--connect-timeout', String(ct)] : [])]));
      }
      const ok = rs.every((r) => r.sampled === n - drop && r.failed === drop);
      lines.push(
        `--once, ${String(n).padStart(2)} nodes (${drop} dropping SYNs), connect timeout ${ct ?? 10} s${loginDelay ? `, ${loginDelay} s login shells` : ''}: ` +
          `median ${median(rs.map((r) => r.ms))} ms, max ${Math.max(...rs.map((r) => r.ms))} ms over ${runs} runs; ` +
          `sampled ${rs.map((r) => r.sampled).join('/')} of ${n - drop}${ok ? '' : ' (NOT ALL)'}, failed ${rs.map((r) => r.failed).join('/')}`,
      );
      console.log(lines.at(-1));
    }
  } finally {
    await lab.stop();
  }
}
console.log('\n' + lines.join('\n'));
