/**
 * The handshake's deadlines against real peers: after the banner, the wait follows the round trip
 * measured up to it (a peer that sends its banner after 0.4 s and then nothing fails 4 round
 * trips later, the connect timeout being shorter), and a real sshd's connection reports its round
 * trip (handshake, channel opens) and answers a probe.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, hostBlock, waitState } from './helpers.js';

const h = new Harness();
const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  await h.cleanup();
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) s.close();
});

/** sends an SSH banner after `ms`, then never another byte */
async function bannerThenSilence(ms: number): Promise<number> {
  const srv = createServer((s) => {
    sockets.push(s);
    setTimeout(() => s.write('SSH-2.0-OpenSSH_9.6 slow\r\n'), ms);
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as { port: number }).port;
}

describe('handshake deadlines from the round trip', () => {
  it('silent after its banner: fails 4 round trips (at least ConnectTimeout) after it, saying so', async () => {
    const s = await h.sshd();
    const port = await bannerThenSilence(400);
    const cfg = hostBlock('node', s, join(s.dir, 'known_hosts')).replace(`Port ${s.port}`, `Port ${port}`).replace('ConnectTimeout 5', 'ConnectTimeout 1');
    const t0 = Date.now();
    const t = h.transport('node', cfg);
    const st = await waitState(t, 'reconnecting', 8000);
    const ms = Date.now() - t0;
    // banner at 0.4 s (rtt 0.4 s), then max(1 s, 4 x 0.4 s) = 1.6 s of silence
    expect(ms).toBeGreaterThanOrEqual(400 + 1600 - 50);
    expect(ms).toBeLessThan(400 + 1600 + 2000); // slack for a loaded machine
    const m = /^127\.0\.0\.1:(\d+): SSH handshake stalled: the server was silent for (\d+\.\d)s after its banner \(round trip (\d\.\d)s\)/.exec(st.reason);
    expect(m?.[1]).toBe(String(port));
    // the silence allowed is 4 measured round trips (more than the 1 s connect timeout)
    expect(Number(m?.[2])).toBeCloseTo(4 * Number(m?.[3]), 0);
    expect(Number(m?.[3])).toBeGreaterThanOrEqual(0.4);
  });

  it('a real sshd: the connection has a measured round trip, channel opens add to it, a probe answers', async () => {
    const s = await h.sshd();
    const kh = join(s.dir, 'known_hosts');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(kh, `${s.knownHostsLine}\n`);
    const t = h.transport('node', hostBlock('node', s, kh));
    await t.ready();
    const rtt = t.rttMs();
    expect(rtt).toBeGreaterThan(0);
    expect(rtt).toBeLessThan(500);
    const probe = await t.probeRtt(5000);
    expect(probe).toBeGreaterThan(0);
    expect(probe).toBeLessThan(500);
    t.close();
    expect(t.rttMs()).toBeUndefined();
  });
});
