// The lab's SSH relay. Runs inside the lab's underlay network namespace (started through
// `nsenter --net=...`). The lab process listens on 127.0.0.1:<port> in the root namespace and
// hands each listening socket over IPC; this process accepts on it and connects to the node's
// uplink address from the underlay, so the SSH path crosses the node's real uplink.
// It exits when the IPC channel closes (the lab process ended or was killed).
import net from 'node:net';

const servers = [];

process.on('message', (msg, handle) => {
  if (!msg || msg.type !== 'listen' || !handle) return;
  const { host, port } = msg;
  servers.push(handle);
  handle.on('connection', (client) => {
    client.setNoDelay(true);
    const upstream = net.connect({ host, port });
    upstream.setNoDelay(true);
    const close = () => { client.destroy(); upstream.destroy(); };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  process.send({ type: 'listening', port: msg.relayPort });
});

process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });
