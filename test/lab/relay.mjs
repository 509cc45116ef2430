// The lab's SSH relay. Runs inside the lab's underlay network namespace (started through
// `nsenter --net=...`). The lab process listens on 127.0.0.1:<port> in the root namespace and
// hands each listening socket over IPC; this process accepts on it and connects to the node's
// uplink address from the underlay, so the SSH path crosses the node's real uplink.
// It exits when the IPC channel closes (the lab process ended or was killed).
//
// Added latency (this kernel has no netem): a listener can hold every chunk `oneWayMs` in each
// direction, in order, so a round trip costs 2 × oneWayMs more. The connection to the node is
// made `oneWayMs` after the accept (the SYN's way there), so the node's banner reaches the client
// one added round trip after its connect, as on a slow link. `{ type: 'delay', port, oneWayMs }`
// changes it for data sent from then on, on open connections too (a port that never had a delay
// is a plain pipe).
import net from 'node:net';

const servers = [];
/** relay port -> one-way delay (ms) */
const delays = new Map();

/** writes each chunk to `to` oneWayMs after it arrived, keeping the order */
function delayedPipe(from, to, delayOf) {
  const queue = [];
  let timer;
  const flush = () => {
    timer = undefined;
    const now = Date.now();
    while (queue.length && queue[0].at <= now) to.write(queue.shift().buf);
    if (queue.length) timer = setTimeout(flush, queue[0].at - now);
  };
  from.on('data', (buf) => {
    const d = delayOf();
    if (!d && !queue.length) return void to.write(buf);
    const last = queue.length ? queue[queue.length - 1].at : 0;
    queue.push({ buf, at: Math.max(last, Date.now() + d) });
    if (!timer) timer = setTimeout(flush, Math.max(0, queue[0].at - Date.now()));
  });
  from.on('end', () => {
    const end = () => (queue.length ? setTimeout(end, 20) : to.end());
    end();
  });
  return () => clearTimeout(timer);
}

process.on('message', (msg, handle) => {
  if (msg?.type === 'delay') {
    delays.set(msg.port, Math.max(0, Number(msg.oneWayMs) || 0));
    process.send({ type: 'delayed', port: msg.port });
    return;
  }
  if (!msg || msg.type !== 'listen' || !handle) return;
  const { host, port, relayPort } = msg;
  if (msg.oneWayMs !== undefined && msg.oneWayMs > 0) delays.set(relayPort, msg.oneWayMs);
  servers.push(handle);
  handle.on('connection', (client) => {
    client.setNoDelay(true);
    // a port that has had a delay keeps delaying (setLatency changes it on live connections too)
    const d = delays.get(relayPort) ?? 0;
    const delayed = delays.has(relayPort);
    const delayOf = () => delays.get(relayPort) ?? 0;
    const stops = [];
    let upstream;
    const close = () => { for (const s of stops) s(); client.destroy(); upstream?.destroy(); };
    client.on('error', close);
    client.on('close', close);
    client.pause();
    const dial = () => {
      if (client.destroyed) return;
      upstream = net.connect({ host, port });
      upstream.setNoDelay(true);
      upstream.on('error', close);
      upstream.on('close', close);
      if (delayed) stops.push(delayedPipe(client, upstream, delayOf), delayedPipe(upstream, client, delayOf));
      else { client.pipe(upstream); upstream.pipe(client); }
      client.resume();
    };
    if (d) setTimeout(dial, d);
    else dial();
  });
  process.send({ type: 'listening', port: relayPort });
});

process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });
