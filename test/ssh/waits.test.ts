/**
 * Bounds of one SSH connection attempt against a real sshd: a resolver that never answers counts
 * against ConnectTimeout; a banner that never comes (a TCP peer that says nothing) fails within
 * it; the login time is measured; attempts wait their turn in a handshake limiter and the
 * timeout starts with the turn.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HandshakeLimiter } from '../../src/sources/ssh/handshakes.js';
import { Harness, hostBlock, waitState } from './helpers.js';

const h = new Harness();
const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  await h.cleanup();
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) s.close();
});

/** accepts TCP connections and never sends a byte (as the lab relay to a node dropping SYNs) */
async function silent(): Promise<number> {
  const srv = createServer((s) => sockets.push(s));
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as { port: number }).port;
}

describe('connection attempt bounds', () => {
  it('a DNS lookup that never answers fails within ConnectTimeout and is retried', async () => {
    const s = await h.sshd();
    const cfg = hostBlock('node', s, join(s.dir, 'known_hosts')).replace('ConnectTimeout 5', 'ConnectTimeout 1');
    const t0 = Date.now();
    const t = h.transport('node', cfg, { lookup: () => new Promise(() => {}) });
    const st = await waitState(t, 'reconnecting', 5000);
    expect(Date.now() - t0).toBeLessThan(2500);
    expect(st.reason).toMatch(/DNS lookup of 127\.0\.0\.1 failed temporarily/);
  });

  it('no SSH banner: fails within ConnectTimeout, saying so', async () => {
    const s = await h.sshd();
    const port = await silent();
    const cfg = hostBlock('node', s, join(s.dir, 'known_hosts')).replace(`Port ${s.port}`, `Port ${port}`).replace('ConnectTimeout 5', 'ConnectTimeout 1');
    const t0 = Date.now();
    const t = h.transport('node', cfg);
    const st = await waitState(t, 'reconnecting', 5000);
    expect(Date.now() - t0).toBeLessThan(1800);
    expect(st.reason).toBe(`no SSH handshake from 127.0.0.1:${port} within 1s`);
  });

  it('measures the login time; attempts take turns and the timeout starts with the turn', async () => {
    const s = await h.sshd();
    const kh = join(s.dir, 'known_hosts');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(kh, `${s.knownHostsLine}\n`);
    const limiter = new HandshakeLimiter(1, 60_000);
    const port = await silent();
    // the first attempt holds the only turn for its whole 1 s timeout (a silent peer)
    const blocked = h.transport('stuck', hostBlock('stuck', s, kh).replace(`Port ${s.port}`, `Port ${port}`).replace('ConnectTimeout 5', 'ConnectTimeout 1'), { handshakes: limiter });
    const t0 = Date.now();
    const good = h.transport('node', hostBlock('node', s, kh).replace('ConnectTimeout 5', 'ConnectTimeout 1'), { handshakes: limiter });
    expect(limiter.waiting).toBe(1);
    await good.ready();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900); // waited for the turn, and was not timed out by it
    expect(blocked.state().kind).not.toBe('ready');
    expect(good.loginMs()).toBeGreaterThan(0);
  });
});
