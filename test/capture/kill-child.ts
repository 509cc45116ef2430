// A stand-in for netwatch in the SIGKILL test: starts a capture through LocalTransport, prints
// "running <pid>" once tcpdump runs, then waits to be killed.
//   node --import ./test/capture/ts-register.mjs test/capture/kill-child.ts IFACE TCPDUMP
import { LocalTransport } from '../../src/sources/transport/local.js';
import { CaptureSession } from '../../src/sources/capture/session.js';

const [iface, tcpdump] = process.argv.slice(2);
const s = new CaptureSession();
s.start(new LocalTransport('kill-child'), { iface: iface!, tcpdump: tcpdump!, seconds: 600 });
s.on('status', (st: { kind: string }) => {
  if (st.kind === 'running') process.stdout.write(`running ${process.pid}\n`);
  if (st.kind === 'error' || st.kind === 'stopped') process.stdout.write(`${JSON.stringify(st)}\n`);
});
setInterval(() => {}, 1000);
