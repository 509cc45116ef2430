// A stand-in for netwatch in the lab SIGKILL test: starts a capture over SSH, prints
// "running" once tcpdump runs on the node, then waits to be killed.
//   node --import ./test/capture/ts-register.mjs test/capture/kill-child-ssh.ts SSH_CONFIG NODE IFACE
import { resolveSshHost } from '../../src/sources/ssh/configFiles.js';
import { SshTransport } from '../../src/sources/transport/ssh.js';
import { CaptureSession } from '../../src/sources/capture/session.js';

const [configFile, node, iface] = process.argv.slice(2);
const t = new SshTransport(resolveSshHost(node!, { configFile: configFile!, env: {} }), { acceptNewHostKeys: false });
await t.ready();
const s = new CaptureSession();
s.start(t, { iface: iface!, seconds: 600 });
s.on('status', (st: { kind: string }) => {
  if (st.kind === 'running') process.stdout.write('running\n');
  if (st.kind === 'error' || st.kind === 'stopped') process.stdout.write(`${JSON.stringify(st)}\n`);
});
setInterval(() => {}, 1000);
