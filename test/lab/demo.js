#!/usr/bin/env node
// `npm run demo` (root): brings up a 3-node namespace lab, runs netwatch against it over SSH
// with the lab's ssh_config (strict host keys), and tears the lab down when netwatch exits.
//
// The lab is TypeScript (test/lab/*.ts, run directly by vitest); this script compiles it with the
// project's own tsc into dist/test-lab/ first (about 3 s), so no extra dependency is needed.
// Extra arguments are passed to netwatch, e.g. `npm run demo -- --interval 2`.
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

if (process.getuid?.() !== 0) {
  console.error('npm run demo needs root: the lab is made of network, PID, mount and cgroup namespaces');
  process.exit(1);
}

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'test/lab/tsconfig.json')], { stdio: 'inherit' });
const { startLab } = await import(join(root, 'dist/test-lab/lab.js'));

const lab = await startLab({
  nodes: [
    { name: 'n1', kind: 'bridge', pods: 3, mtu: 1460 },
    { name: 'n2', kind: 'routed', pods: 2, cgroupDriver: 'systemd' },
    { name: 'n3', kind: 'bridge', pods: 2 },
  ],
});

// Something to look at: connections tracked on n1, a pod veth with a wrong MTU on n3.
await lab.makeConnections('n1', 200);
const badVeth = lab.node('n3').pods[0].hostVeth;
await lab.setMtu('n3', badVeth, 1400);

console.log(`lab ${lab.id} is up (${lab.dir}):`);
for (const n of lab.nodes) {
  console.log(`  ${n.name}  ${n.kind.padEnd(6)} ${n.address}  ssh 127.0.0.1:${n.sshPort}  pods ${n.pods.map((p) => p.ip).join(' ')}`);
}
console.log(`  n1 holds 200 tracked connections; ${badVeth} on n3 has MTU 1400 (its bridge cbr0 takes the smallest port MTU, so it drops to 1400 too; eth0 stays 1500)`);
console.log(`  try also: ssh -F ${lab.sshConfigPath} n1\n`);

const args = [join(root, 'bin/netwatch.js'), '-F', lab.sshConfigPath, '--hosts', lab.nodes.map((n) => n.name).join(','), ...process.argv.slice(2)];
const netwatch = spawn(process.execPath, args, { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => netwatch.kill(sig));
netwatch.on('exit', async (code, signal) => {
  await lab.stop();
  process.exit(code ?? (signal ? 1 : 0));
});
