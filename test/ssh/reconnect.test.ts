/**
 * SshTransport when things go away and come back, against real sshds on 127.0.0.1: refused
 * port, sshd killed mid-session, a peer that stops answering (keepalive), ProxyJump through a
 * second sshd, and the per-connection channel limit.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RemoteProcess, TransportState } from '../../src/sources/transport/types.js';
import { Harness, hostBlock, recordStates, sleep, waitState } from './helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());

async function until(cond: () => boolean, ms = 8000): Promise<void> {
  for (const end = Date.now() + ms; !cond(); ) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/** Resolves once the command has printed its first output (its channel is open and running). */
async function started(p: RemoteProcess): Promise<void> {
  await new Promise<void>((resolve) => p.stdout.once('data', () => resolve()));
}

type Reconnecting = Extract<TransportState, { kind: 'reconnecting' }>;

describe('reconnecting', () => {
  it('retries a refused port with growing jittered delays and recovers by itself when sshd starts', async () => {
    const s = await h.sshd();
    const kh = join(s.dir, 'known_hosts');
    writeFileSync(kh, `${s.knownHostsLine}\n`);
    await s.kill(); // same port and keys, nothing listening
    const t = h.transport('node', hostBlock('node', s, kh)); // backoff base 100 ms, max 400 ms
    const states = recordStates(t);
    const retries = () => states.filter((x): x is Reconnecting => x.kind === 'reconnecting');
    await until(() => retries().length >= 4);
    const r = retries();
    expect(r.map((x) => x.attempt)).toEqual([2, 3, 4, 5]);
    expect(r[0]!.reason).toBe(`connection refused by 127.0.0.1:${s.port}`);
    const delays = r.map((x) => x.nextAttemptAt - x.since);
    expect(delays[0]).toBeGreaterThanOrEqual(50);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[1]).toBeGreaterThanOrEqual(100);
    expect(delays[1]).toBeLessThanOrEqual(200);
    for (const d of delays.slice(2)) {
      expect(d).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThanOrEqual(400);
    }
    // one attempt at a time: every retry is preceded by exactly one 'connecting'
    const kinds = states.map((x) => x.kind).join(' ');
    expect(kinds).toMatch(/^connecting( reconnecting connecting)+/);

    await s.start();
    await waitState(t, 'ready', 3000);
    expect((await t.exec('echo back', [])).stdout).toBe('back\n');
  });

  it('settles open commands when sshd dies mid-session, reconnects, and calls onReady again', async () => {
    const s = await h.sshd();
    const kh = join(s.dir, 'known_hosts');
    writeFileSync(kh, `${s.knownHostsLine}\n`);
    const t = h.transport('node', hostBlock('node', s, kh));
    let readies = 0;
    t.onReady(() => {
      readies++;
    });
    await t.ready();
    const states = recordStates(t);
    const p = t.spawn('echo up; cat', []);
    await started(p);
    await s.kill();
    expect(await p.exit).toEqual({ code: null, signal: null });
    await waitState(t, 'reconnecting');
    const st = states.find((x): x is Reconnecting => x.kind === 'reconnecting')!;
    expect(st.reason).toMatch(new RegExp(`^(connection to 127\\.0\\.0\\.1:${s.port} closed|127\\.0\\.0\\.1:${s.port}: ECONNRESET)$`));
    expect(() => t.spawn('true', [])).toThrow('node: not connected (reconnecting)');
    await s.start();
    await waitState(t, 'ready', 5000);
    expect(readies).toBe(2);
    expect((await t.exec('echo again', [])).stdout).toBe('again\n');
  });

  it('notices a peer that stops answering through keepalives', async () => {
    const s = await h.sshd();
    const kh = join(s.dir, 'known_hosts');
    writeFileSync(kh, `${s.knownHostsLine}\n`);
    const t = h.transport('node', hostBlock('node', s, kh, ['ServerAliveInterval 1', 'ServerAliveCountMax 1', 'ConnectTimeout 2']));
    await t.ready();
    const p = t.spawn('echo up; cat', []);
    await started(p);
    const states = recordStates(t);
    s.freeze(true);
    try {
      const st = await waitState(t, 'reconnecting', 6000);
      expect(st.reason).toBe(`127.0.0.1:${s.port} stopped answering keepalives`);
      expect((await p.exit).code).toBe(null);
      // the frozen listener still accepts TCP connections (kernel backlog) but never answers
      await until(() => states.filter((x) => x.kind === 'reconnecting').length >= 2, 6000);
      const next = states.filter((x): x is Reconnecting => x.kind === 'reconnecting')[1]!;
      expect(next.reason).toBe(`no SSH handshake from 127.0.0.1:${s.port} within 2s`);
    } finally {
      s.freeze(false);
    }
    await waitState(t, 'ready', 8000);
  }, 20_000);
});

describe('ProxyJump', () => {
  it('reaches the target through a jump sshd, and reconnects when the jump host comes back', async () => {
    const jump = await h.sshd();
    const target = await h.sshd();
    const kh = join(jump.dir, 'known_hosts');
    writeFileSync(kh, `${jump.knownHostsLine}\n${target.knownHostsLine}\n`);
    const config = hostBlock('target', target, kh, ['ProxyJump jump']) + hostBlock('jump', jump, kh);
    const t = h.transport('target', config);
    await t.ready();
    expect((await t.exec('echo "$1"', ['through'])).stdout).toBe('through\n');
    expect(jump.connections()).toBe(1);
    expect(target.connections()).toBe(1);
    expect(h.logs).toContain(`target: connected to root@127.0.0.1:${target.port} via jump`);

    await jump.kill();
    const st = await waitState(t, 'reconnecting');
    expect(st.reason).toMatch(/^(jump host jump: .*|connection to 127\.0\.0\.1:\d+ closed)$/);
    await jump.start();
    await waitState(t, 'ready', 5000);
    expect((await t.exec('echo again', [])).stdout).toBe('again\n');
  });

  it('checks the jump host key too, and never reaches the target with a wrong one', async () => {
    const jump = await h.sshd();
    const target = await h.sshd();
    const kh = join(jump.dir, 'known_hosts');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', join(jump.dir, 'impostor')]);
    const impostor = readFileSync(join(jump.dir, 'impostor.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(kh, `[127.0.0.1]:${jump.port} ${impostor}\n${target.knownHostsLine}\n`);
    const t = h.transport('target', hostBlock('target', target, kh, ['ProxyJump jump']) + hostBlock('jump', jump, kh));
    await expect(t.ready()).rejects.toThrow(new RegExp(`^jump host jump: REMOTE HOST IDENTIFICATION HAS CHANGED for \\[127\\.0\\.0\\.1\\]:${jump.port}: `));
    expect(target.connections()).toBe(0);
  });

  it('reports a target the jump host cannot reach as retryable, naming the jump host', async () => {
    const jump = await h.sshd();
    const target = await h.sshd();
    const kh = join(jump.dir, 'known_hosts');
    writeFileSync(kh, `${jump.knownHostsLine}\n${target.knownHostsLine}\n`);
    await target.kill();
    const t = h.transport('target', hostBlock('target', target, kh, ['ProxyJump jump']) + hostBlock('jump', jump, kh));
    const st = await waitState(t, 'reconnecting');
    expect(st.reason).toBe(`cannot reach 127.0.0.1:${target.port} via jump host jump: Connection refused`);
    await target.start();
    await waitState(t, 'ready', 5000);
  });
});

describe('channel limit (sshd MaxSessions 10)', () => {
  it('queues commands beyond 8 open channels and runs them when one closes', async () => {
    const s = await h.sshd();
    const kh = join(s.dir, 'known_hosts');
    writeFileSync(kh, `${s.knownHostsLine}\n`);
    const t = h.transport('node', hostBlock('node', s, kh));
    await t.ready();
    const cats = Array.from({ length: 8 }, () => t.spawn('echo up; cat', []));
    await Promise.all(cats.map(started));
    let ninthDone = false;
    const ninth = t.exec('echo ninth', []).finally(() => (ninthDone = true));
    await sleep(300);
    expect(ninthDone).toBe(false);
    cats[0]!.close();
    expect((await ninth).stdout).toBe('ninth\n');
    for (const c of cats) c.close();
  });

  it('fails a command that waits too long for a channel, with a clear line', async () => {
    const s = await h.sshd();
    const kh = join(s.dir, 'known_hosts');
    writeFileSync(kh, `${s.knownHostsLine}\n`);
    const t = h.transport('node', hostBlock('node', s, kh), { maxChannels: 2, channelWaitMs: 200 });
    await t.ready();
    const busy = [t.spawn('echo up; cat', []), t.spawn('echo up; cat', [])];
    await Promise.all(busy.map(started));
    const r = await t.exec('echo never', []);
    expect(r).toEqual({ stdout: '', stderr: 'netwatch: all 2 SSH channels to node are busy\n', code: null, signal: null });
    for (const b of busy) b.close();
  });
});
