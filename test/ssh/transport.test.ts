/**
 * SshTransport against real OpenSSH sshds on 127.0.0.1 (test/support/sshd.ts): commands, host
 * keys, authentication, DNS, sudo. Reconnects, ProxyJump and channel limits: reconnect.test.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprintSha256 } from '../../src/sources/ssh/knownHosts.js';
import { collect } from '../../src/sources/transport/process.js';
import { Harness, hostBlock, recordStates, sleep, waitState } from './helpers.js';

const h = new Harness();
afterEach(() => h.cleanup());

describe('commands over SSH', () => {
  it('runs sh -c SCRIPT with positional args and returns output and exit code', async () => {
    const s = await h.sshd();
    const kh = join(s.dir, 'known_hosts');
    writeFileSync(kh, `${s.knownHostsLine}\n`);
    const t = h.transport('node', hostBlock('node', s, kh));
    await t.ready();
    expect(t.isRoot()).toBe(true);
    const r = await t.exec('echo out; echo "$1" >&2; exit 3', ["it's $HOME; `x`"]);
    expect(r).toEqual({ stdout: 'out\n', stderr: "it's $HOME; `x`\n", code: 3, signal: null });
    const tagged = await t.exec('echo "$0"', [], { tag: 'netwatch-sample' });
    expect(tagged.stdout).toBe('netwatch-sample\n');
  });

  it('streams stdin and stdout of a long-running command; EOF or close() ends it', async () => {
    const s = await h.sshd();
    const kh = join(s.dir, 'known_hosts');
    writeFileSync(kh, `${s.knownHostsLine}\n`);
    const t = h.transport('node', hostBlock('node', s, kh));
    await t.ready();
    const p = t.spawn('while read -r l; do echo "got $l"; done; echo bye', []);
    const out: string[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b.toString()));
    p.stdin.write('one\n');
    for (let i = 0; i < 100 && !out.length; i++) await sleep(50);
    expect(out.join('')).toBe('got one\n');
    p.stdin.end();
    expect(await p.exit).toEqual({ code: 0, signal: null });
    expect(out.join('')).toBe('got one\nbye\n');
    const forever = t.spawn('cat; sleep 30', []);
    forever.close(); // closes stdin and the channel: the command is not waited for
    expect((await forever.exit).code).not.toBe(0);
    const timedOut = await t.exec('sleep 5', [], { timeoutMs: 200 });
    expect(timedOut.code).toBe(null);
  });
});

describe('host keys', () => {
  it('refuses a changed host key, with the fingerprint, and never retries', async () => {
    const s = await h.sshd();
    const kh = join(s.dir, 'known_hosts');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', join(s.dir, 'impostor')]);
    const impostor = readFileSync(join(s.dir, 'impostor.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(kh, `[127.0.0.1]:${s.port} ${impostor}\n`);
    const t = h.transport('node', hostBlock('node', s, kh), { acceptNewHostKeys: true });
    await expect(t.ready()).rejects.toThrow(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
    const st = t.state();
    expect(st.kind).toBe('failed');
    expect(st.kind === 'failed' && st.reason).toBe(
      `REMOTE HOST IDENTIFICATION HAS CHANGED for [127.0.0.1]:${s.port}: it now offers ED25519 key ${fingerprintSha256(s.hostKeyBlob)}, ` +
        `but ${kh}:1 has a different key (someone may be intercepting the connection, or the host was reinstalled); ` +
        `if the change is expected, remove the old key with: ssh-keygen -R '[127.0.0.1]:${s.port}' -f ${kh}`,
    );
    await sleep(500);
    expect(t.state().kind).toBe('failed');
    expect(s.connections()).toBe(1);
    expect(readFileSync(kh, 'utf8')).toBe(`[127.0.0.1]:${s.port} ${impostor}\n`); // nothing added
  });

  it('refuses an unknown key unless --accept-new-host-keys, which records it for next time', async () => {
    const s = await h.sshd();
    const kh = join(s.dir, 'sub', 'known_hosts'); // directory does not exist yet
    const strict = h.transport('node', hostBlock('node', s, kh));
    await expect(strict.ready()).rejects.toThrow(fingerprintSha256(s.hostKeyBlob));
    const st = strict.state();
    expect(st.kind === 'failed' && st.reason).toBe(
      `unknown host key for [127.0.0.1]:${s.port}: ED25519 key ${fingerprintSha256(s.hostKeyBlob)}. If that is the right key, ` +
        `accept it with --accept-new-host-keys, or by connecting once with ssh (or ssh-keyscan -p ${s.port} 127.0.0.1 >> ~/.ssh/known_hosts)`,
    );

    const accepting = h.transport('node', hostBlock('node', s, kh), { acceptNewHostKeys: true });
    await accepting.ready();
    expect(readFileSync(kh, 'utf8')).toBe(`${s.knownHostsLine}\n`);
    expect(h.logs).toContain(`node: Permanently added '[127.0.0.1]:${s.port}' (ED25519 ${fingerprintSha256(s.hostKeyBlob)}) to ${kh}`);

    const again = h.transport('node', hostBlock('node', s, kh));
    await again.ready();
    expect((await again.exec('echo ok', [])).stdout).toBe('ok\n');
  });

  it('asks for the key type known_hosts has when the server has several host keys', async () => {
    const extra = mkdtempSync(join(tmpdir(), 'netwatch-ssh-hk-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-C', '', '-f', join(extra, 'ecdsa_host')]);
      // sshd offers ed25519 and ecdsa; ssh2 would pick ed25519 first, known_hosts only has ecdsa
      const s = await h.sshd({ extraConfig: [`HostKey ${join(extra, 'ecdsa_host')}`] });
      const ecdsa = readFileSync(join(extra, 'ecdsa_host.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
      const kh = join(s.dir, 'known_hosts');
      writeFileSync(kh, `[127.0.0.1]:${s.port} ${ecdsa}\n`);
      const t = h.transport('node', hostBlock('node', s, kh));
      await t.ready();
      expect(readFileSync(kh, 'utf8')).toBe(`[127.0.0.1]:${s.port} ${ecdsa}\n`);
    } finally {
      rmSync(extra, { recursive: true, force: true });
    }
  });

  it('hashes the recorded name with HashKnownHosts yes, and OpenSSH finds it', async () => {
    const s = await h.sshd();
    const kh = join(s.dir, 'known_hosts');
    const t = h.transport('node', hostBlock('node', s, kh, ['HashKnownHosts yes', 'StrictHostKeyChecking accept-new']));
    await t.ready();
    expect(readFileSync(kh, 'utf8')).toMatch(/^\|1\|[^ ]+ ssh-ed25519 /);
    expect(execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${s.port}`, '-f', kh], { encoding: 'utf8' })).toContain('found: line 1');
  });
});

describe('failures that are never retried', () => {
  it('authentication failure: failed at once, one connection only', async () => {
    const s = await h.sshd();
    const kh = join(s.dir, 'known_hosts');
    writeFileSync(kh, `${s.knownHostsLine}\n`);
    const stranger = join(s.dir, 'stranger');
    const locked = join(s.dir, 'locked');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', stranger]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret-pass', '-C', '', '-f', locked]);
    const t = h.transport('node', hostBlock('node', s, kh, [], [locked, stranger]));
    const states = recordStates(t);
    await expect(t.ready()).rejects.toThrow(`authentication failed for root@127.0.0.1:${s.port} (tried ${stranger})`);
    await sleep(600); // several backoff periods
    expect(states.map((x) => x.kind)).toEqual(['connecting', 'failed']);
    expect(s.connections()).toBe(1);
  });

  it('authentication failure with no usable key explains why, and stays failed', async () => {
    const s = await h.sshd();
    const kh = join(s.dir, 'known_hosts');
    writeFileSync(kh, `${s.knownHostsLine}\n`);
    const locked = join(s.dir, 'locked');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret-pass', '-C', '', '-f', locked]);
    const t = h.transport('node', hostBlock('node', s, kh, ['IdentitiesOnly yes', 'IdentityAgent none'], [locked]));
    await expect(t.ready()).rejects.toThrow(
      `authentication failed for root@127.0.0.1:${s.port} (no key to offer: no ssh-agent (SSH_AUTH_SOCK unset) and no usable key in ${locked})`,
    );
    expect(h.logs).toContain(`node: identity file ${locked} is passphrase-protected: skipped (add it to ssh-agent instead)`);
    expect(t.state().kind).toBe('failed');
  });

  it('sshd hanging up after MaxAuthTries refused keys is an authentication failure too', async () => {
    const s = await h.sshd({ extraConfig: ['MaxAuthTries 2'] });
    const kh = join(s.dir, 'known_hosts');
    writeFileSync(kh, `${s.knownHostsLine}\n`);
    const keys = ['k1', 'k2', 'k3'].map((k) => join(s.dir, k));
    for (const k of keys) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', k]);
    const t = h.transport('node', hostBlock('node', s, kh, [], keys));
    await expect(t.ready()).rejects.toThrow(new RegExp(`^authentication failed for root@127\\.0\\.0\\.1:${s.port}`));
    await sleep(600);
    expect(t.state().kind).toBe('failed');
    expect(s.connections()).toBe(1);
  });

  it('an unresolvable host name fails with one line; a temporary DNS failure is retried', async () => {
    const s = await h.sshd();
    const kh = join(s.dir, 'known_hosts');
    // no real DNS query leaves this machine: the resolver answers as getaddrinfo does for a
    // name that does not exist
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND nonexistent.invalid'), { code: 'ENOTFOUND' });
    const t = h.transport('nowhere', hostBlock('nowhere', s, kh).replace('HostName 127.0.0.1', 'HostName nonexistent.invalid'), {
      lookup: (host) => (host === 'nonexistent.invalid' ? Promise.reject(notFound) : Promise.resolve(host)),
    });
    await expect(t.ready()).rejects.toThrow('cannot resolve host name nonexistent.invalid (ENOTFOUND)');

    const eagain = Object.assign(new Error('getaddrinfo EAI_AGAIN dns-down.example'), { code: 'EAI_AGAIN' });
    const flaky = h.transport('node', hostBlock('node', s, kh), { lookup: () => Promise.reject(eagain) });
    const st = await waitState(flaky, 'reconnecting');
    expect(st.reason).toBe('DNS lookup of 127.0.0.1 failed temporarily (EAI_AGAIN)');
  });
});

describe('ssh-agent', () => {
  async function agent(dir: string, key: string): Promise<{ sock: string; stop: () => void }> {
    const sock = join(dir, 'agent.sock');
    const child = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !existsSync(sock); i++) await sleep(20);
    execFileSync('ssh-add', ['-q', key], { env: { SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
    return { sock, stop: () => child.kill() };
  }

  it('authenticates with a key held by the agent (IdentityAgent), none on disk', async () => {
    const s = await h.sshd();
    const kh = join(s.dir, 'known_hosts');
    writeFileSync(kh, `${s.knownHostsLine}\n`);
    const a = await agent(s.dir, s.clientKeyPath);
    try {
      const t = h.transport('node', hostBlock('node', s, kh, [`IdentityAgent ${a.sock}`], []));
      await t.ready();
      expect((await t.exec('echo agent', [])).stdout).toBe('agent\n');
    } finally {
      a.stop();
    }
  });

  it('with IdentitiesOnly, uses only agent keys that match the identity files', async () => {
    const s = await h.sshd();
    const kh = join(s.dir, 'known_hosts');
    writeFileSync(kh, `${s.knownHostsLine}\n`);
    // the authorized key, passphrase-protected on disk (skipped as a file) but loaded in the agent
    const locked = join(s.dir, 'locked');
    copyFileSync(s.clientKeyPath, locked);
    chmodSync(locked, 0o600);
    execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', 'secret-pass', '-f', locked]);
    copyFileSync(`${s.clientKeyPath}.pub`, `${locked}.pub`);
    const stranger = join(s.dir, 'stranger');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', stranger]);
    const a = await agent(s.dir, s.clientKeyPath);
    try {
      const ok = h.transport('node', hostBlock('node', s, kh, [`IdentityAgent ${a.sock}`, 'IdentitiesOnly yes'], [locked]));
      await ok.ready();
      const refused = h.transport('node', hostBlock('node', s, kh, [`IdentityAgent ${a.sock}`, 'IdentitiesOnly yes'], [stranger]));
      await expect(refused.ready()).rejects.toThrow(
        `authentication failed for root@127.0.0.1:${s.port} (tried ssh-agent at ${a.sock} (IdentitiesOnly), ${stranger})`,
      );
    } finally {
      a.stop();
    }
  });
});

describe('sudo for a non-root login', () => {
  // The login is root (the only account here); stand-in `id` and `sudo` on the session's PATH
  // (sshd SetEnv) make it look like uid 1000 with sudo either wanting a password or working.
  function fakeBin(sudo: string): string {
    const bin = mkdtempSync(join(tmpdir(), 'netwatch-ssh-bin-'));
    writeFileSync(join(bin, 'id'), '#!/bin/sh\nif [ "$1" = "-u" ]; then echo 1000; else exec /usr/bin/id "$@"; fi\n');
    writeFileSync(join(bin, 'sudo'), `#!/bin/sh\n${sudo}\n`);
    for (const f of ['id', 'sudo']) chmodSync(join(bin, f), 0o755);
    return bin;
  }

  it('fails with a clear line when sudo -n wants a password', async () => {
    const bin = fakeBin('echo "sudo: a password is required" >&2; exit 1');
    try {
      const s = await h.sshd({ env: { PATH: `${bin}:/usr/bin:/bin` } });
      const kh = join(s.dir, 'known_hosts');
      writeFileSync(kh, `${s.knownHostsLine}\n`);
      const t = h.transport('node', hostBlock('node', s, kh));
      await expect(t.ready()).rejects.toThrow(
        "sudo needs a password for root on 127.0.0.1: allow NOPASSWD for netwatch's commands or log in as root",
      );
      await sleep(300);
      expect(t.state().kind).toBe('failed');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('runs privileged commands through sudo -n, others directly; sudo never skips it', async () => {
    const bin = fakeBin('[ "$1" = -n ] && shift; [ "$1" = -- ] && shift; NETWATCH_VIA=sudo exec "$@"');
    try {
      const s = await h.sshd({ env: { PATH: `${bin}:/usr/bin:/bin` } });
      const kh = join(s.dir, 'known_hosts');
      writeFileSync(kh, `${s.knownHostsLine}\n`);
      const t = h.transport('node', hostBlock('node', s, kh));
      await t.ready();
      expect(t.isRoot()).toBe(false);
      const script = 'echo "${NETWATCH_VIA:-direct}"';
      expect((await t.exec(script, [], { privileged: true })).stdout).toBe('sudo\n');
      expect((await t.exec(script, [])).stdout).toBe('direct\n');
      const never = h.transport('node', hostBlock('node', s, kh), { sudo: 'never' });
      await never.ready();
      expect((await never.exec(script, [], { privileged: true })).stdout).toBe('direct\n');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('before ready and after close', () => {
  it('spawn throws and exec rejects unless ready; close() settles open commands and stops', async () => {
    const s = await h.sshd();
    const kh = join(s.dir, 'known_hosts');
    writeFileSync(kh, `${s.knownHostsLine}\n`);
    const t = h.transport('node', hostBlock('node', s, kh));
    expect(() => t.spawn('true', [])).toThrow('node: not connected (connecting)');
    await t.ready();
    // collect() ends stdin, so the command must not be one that ends on EOF (cat would exit 0)
    const p = t.spawn('sleep 30', []);
    const result = collect(p);
    await sleep(100);
    t.close();
    expect((await result).code).toBe(null);
    expect(t.state().kind).toBe('closed');
    await expect(t.exec('true', [])).rejects.toThrow('node: not connected (closed)');
    await expect(t.ready()).rejects.toThrow('node: transport closed');
  });
});
