import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/sources/ssh/backoff.js';
import { ChannelSlots } from '../../src/sources/ssh/channel.js';
import { classifyError, classifyForwardError, sudoProblem } from '../../src/sources/ssh/errors.js';

const at = { host: 'node-a', port: 22, user: 'root', connectTimeoutMs: 10_000 };
const err = (message: string, extra: { code?: string | number; level?: string } = {}) => Object.assign(new Error(message), extra);

describe('connection errors: one line, and whether to retry', () => {
  it('never retries a name that does not exist, authentication or a failed handshake', () => {
    expect(classifyError(err('getaddrinfo ENOTFOUND node-a', { code: 'ENOTFOUND' }), at)).toEqual({
      retry: false,
      reason: 'cannot resolve host name node-a (ENOTFOUND)',
    });
    expect(classifyError(err('All configured authentication methods failed', { level: 'client-authentication' }), at)).toEqual({
      retry: false,
      reason: 'authentication failed for root@node-a:22',
    });
    expect(classifyError(err('Too many authentication failures', { code: 2 }), at).retry).toBe(false);
    expect(classifyError(err('Handshake failed: no matching key exchange algorithm', { level: 'handshake' }), at)).toEqual({
      retry: false,
      reason: 'SSH handshake with node-a:22 failed: Handshake failed: no matching key exchange algorithm',
    });
  });

  it('retries refused, reset, timeouts, lost keepalives and a DNS server that did not answer', () => {
    const cases: Array<[Error, string]> = [
      [err('connect ECONNREFUSED', { code: 'ECONNREFUSED' }), 'connection refused by node-a:22'],
      [err('read ECONNRESET', { code: 'ECONNRESET' }), 'node-a:22: ECONNRESET'],
      [err('connect EHOSTUNREACH', { code: 'EHOSTUNREACH' }), 'no route to host node-a:22 (EHOSTUNREACH)'],
      [err('connect ENETUNREACH', { code: 'ENETUNREACH' }), 'network unreachable for node-a:22 (ENETUNREACH)'],
      [err('Timed out while waiting for handshake', { level: 'client-timeout' }), 'no SSH handshake from node-a:22 within 10s'],
      [err('Keepalive timeout', { level: 'client-timeout' }), 'node-a:22 stopped answering keepalives'],
      [err('getaddrinfo EAI_AGAIN node-a', { code: 'EAI_AGAIN' }), 'DNS lookup of node-a failed temporarily (EAI_AGAIN)'],
      [err('Connection lost before handshake', { level: 'protocol' }), 'node-a:22: Connection lost before handshake'],
    ];
    for (const [e, reason] of cases) expect(classifyError(e, at)).toEqual({ retry: true, reason });
  });

  it('reads what a jump host says about the next hop (messages as sshd sends them)', () => {
    const next = { host: 'nonexistent.invalid', port: 22, user: 'root' };
    expect(classifyForwardError(err('(SSH) Channel open failure: Name or service not known'), 'bastion', next)).toEqual({
      retry: false,
      reason: 'cannot resolve host name nonexistent.invalid (on jump host bastion)',
    });
    expect(classifyForwardError(err('(SSH) Channel open failure: administratively prohibited: open failed'), 'bastion', next).retry).toBe(false);
    expect(classifyForwardError(err('(SSH) Channel open failure: Temporary failure in name resolution'), 'bastion', next)).toEqual({
      retry: true,
      reason: 'cannot reach nonexistent.invalid:22 via jump host bastion: Temporary failure in name resolution',
    });
  });
});

describe('sudo check', () => {
  it('explains each way sudo -n can fail', () => {
    expect(sudoProblem({ code: 0, stderr: '' }, 'ops', 'node-a')).toBe(null);
    expect(sudoProblem({ code: 1, stderr: 'sudo: a password is required\n' }, 'ops', 'node-a')).toBe(
      "sudo needs a password for ops on node-a: allow NOPASSWD for netwatch's commands or log in as root",
    );
    expect(sudoProblem({ code: 127, stderr: 'sh: 1: sudo: not found\n' }, 'ops', 'node-a')).toBe(
      'ops on node-a is not root and sudo is not installed: log in as root',
    );
    expect(sudoProblem({ code: 1, stderr: 'ops is not in the sudoers file.\n' }, 'ops', 'node-a')).toBe(
      "sudo -n does not work for ops on node-a (ops is not in the sudoers file.): allow NOPASSWD for netwatch's commands or log in as root",
    );
  });
});

describe('backoff', () => {
  it('grows exponentially with equal jitter up to the cap', () => {
    const b = { baseMs: 1000, maxMs: 30_000 };
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, b, () => 0))).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000]);
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, b, () => 1))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(backoffDelay(1000, b, () => 1)).toBe(30_000);
  });
});

describe('channel slots', () => {
  it('hands out at most max slots, queues the rest in order, and times out a waiter', async () => {
    const slots = new ChannelSlots(2, 100);
    const a = await slots.acquire();
    const b = await slots.acquire();
    const order: string[] = [];
    const c = slots.acquire().then((r) => (order.push('c'), r));
    const d = slots.acquire().then((r) => (order.push('d'), r));
    expect(slots.busy).toBe(2);
    a!();
    a!(); // releasing twice frees one slot only
    expect(await c).not.toBe(null);
    expect(await d).toBe(null); // nobody released within 100 ms
    expect(order).toEqual(['c', 'd']);
    b!();
    expect(slots.busy).toBe(1);
  });
});
