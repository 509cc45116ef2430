import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assembleHostKeyAlgorithms, orderHostKeyAlgorithms } from '../../src/sources/ssh/hostKeyAlgorithms.js';
import { decideHostKey, hostKeyTarget, type HostKeyPolicy } from '../../src/sources/ssh/hostKeyPolicy.js';
import {
  appendKnownHost,
  fingerprintSha256,
  formatKnownHostsLine,
  KnownHosts,
  knownHostsName,
  loadKnownHosts,
} from '../../src/sources/ssh/knownHosts.js';

// Fixtures: host_*.pub are the keys of a throwaway sshd; known_hosts.plain has its ssh-keyscan
// output plus hand-written lines; known_hosts.hashed is `ssh-keygen -H` of a copy.
const FIX = join(import.meta.dirname, 'fixtures', 'known_hosts');
const blob = (name: string) => Buffer.from(readFileSync(join(FIX, name), 'utf8').split(/\s+/)[1]!, 'base64');
const ed = blob('host_ed25519.pub');
const ec = blob('host_ecdsa.pub');
const rsa = blob('host_rsa.pub');
const other = blob('other_ed25519.pub');
const revoked = blob('revoked_ed25519.pub');
const plain = KnownHosts.parse(readFileSync(join(FIX, 'known_hosts.plain'), 'utf8'), 'known_hosts.plain');
const hashed = KnownHosts.parse(readFileSync(join(FIX, 'known_hosts.hashed'), 'utf8'), 'known_hosts.hashed');

describe('known_hosts parsing', () => {
  it('keeps host lines, skips junk and unknown markers with a note, notes @cert-authority', () => {
    expect(plain.entries).toHaveLength(9);
    expect(plain.notes).toEqual([
      'known_hosts.plain:12: @cert-authority ignored (netwatch does not use host certificates)',
      'known_hosts.plain:13: no valid public key, line skipped',
      'known_hosts.plain:14: unknown marker @unknown-marker, line skipped',
    ]);
    expect(hashed.entries).toHaveLength(6);
    expect(hashed.notes).toEqual([]);
  });

  it('formats SHA256 fingerprints like ssh-keygen -l', () => {
    expect(fingerprintSha256(ed)).toBe('SHA256:blSwFGvOEpWU+iiDPWdVzcznWHkE0wORKe6Bmj8BS8c');
    expect(fingerprintSha256(rsa)).toBe('SHA256:CiZVon8Wtx6gRv2a/yBQHQiKJde2rBtfZebjApnpn0U');
    expect(fingerprintSha256(ec)).toBe('SHA256:R+5QNEieudzIeTo6UAzrf5TvtDm3Ecl6qjzoP8XRQfQ');
  });

  it('names non-22 ports [host]:port', () => {
    expect(knownHostsName('Node-A', 22)).toBe('node-a');
    expect(knownHostsName('127.0.0.1', 42022)).toBe('[127.0.0.1]:42022');
  });
});

describe.each([
  ['plain', plain],
  ['hashed (ssh-keygen -H)', hashed],
])('verify against %s entries', (_name, kh) => {
  it('matches every key type ssh-keyscan saw on [127.0.0.1]:42022, and only on that port', () => {
    for (const k of [ed, ec, rsa]) expect(kh.verify(k, '127.0.0.1', 42022)).toBe('match');
    expect(kh.verify(ed, '127.0.0.1', 22)).toBe('unknown');
    expect(kh.verify(ed, '127.0.0.1', 42023)).toBe('unknown');
  });

  it('matches each name of a comma list, case-insensitively', () => {
    expect(kh.verify(ed, 'node-a', 22)).toBe('match');
    expect(kh.verify(ed, 'NODE-A', 22)).toBe('match');
    expect(kh.verify(ed, '198.18.0.10', 22)).toBe('match');
  });

  it('reports a different key as changed, of the same type or another (as OpenSSH 9.2 does)', () => {
    const c = kh.check(other, 'node-a', 22);
    expect(c.status).toBe('changed');
    expect(c.entry?.keyType).toBe('ssh-ed25519');
    expect(kh.verify(other, '127.0.0.1', 42022)).toBe('changed');
    // known only by ED25519, offering ECDSA: changed, not new
    const t = kh.check(ec, 'node-a', 22);
    expect(t).toMatchObject({ status: 'changed', entry: { keyType: 'ssh-ed25519' } });
    expect(t.known?.map((e) => e.keyType)).toEqual(['ssh-ed25519']);
    expect(plain.verify(ed, 'node-rsa', 22)).toBe('changed'); // node-rsa is in the plain file only
  });

  it('on a non-22 port with nothing known for [host]:port, takes an equal key of the port-less name', () => {
    expect(kh.check(ed, 'node-a', 2222)).toMatchObject({ status: 'match', name: '[node-a]:2222', portless: true });
    // only an equal key counts there: another key or type is new for [host]:port, not changed
    expect(kh.verify(other, 'node-a', 2222)).toBe('unknown');
    expect(kh.verify(rsa, 'node-a', 2222)).toBe('unknown');
    // and [host]:port known with another key wins over the port-less name
    expect(kh.verify(other, '127.0.0.1', 42022)).toBe('changed');
  });
});

describe('patterns and markers', () => {
  it('matches wildcards and honours negation', () => {
    expect(plain.verify(ed, 'x.lab.example.net', 22)).toBe('match');
    expect(plain.verify(ed, 'bad.lab.example.net', 22)).toBe('changed'); // excluded from the wildcard, own line has another key
    expect(hashed.verify(ed, 'a.wild.example.net', 22)).toBe('match'); // ssh-keygen -H leaves wildcard lines as they are
  });

  it('refuses a @revoked key for every host it covers, even a known one', () => {
    expect(plain.verify(revoked, 'node-a', 22)).toBe('revoked');
    expect(plain.verify(revoked, 'anything', 2222)).toBe('revoked');
    expect(plain.check(revoked, 'x', 22).entry?.line).toBe(11);
  });

  it('never uses @cert-authority lines as host keys', () => {
    expect(plain.verify(other, 'www.example.com', 22)).toBe('unknown');
  });

  it('lists the key types known for a host (to prefer them in the handshake)', () => {
    expect(plain.keyTypes('127.0.0.1', 42022).sort()).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519', 'ssh-rsa']);
    expect(hashed.keyTypes('node-a', 22)).toEqual(['ssh-ed25519']);
    expect(plain.keyTypes('node-a', 2222)).toEqual([]); // no port-less fallback here, as in ssh's order_hostkeyalgs
  });

  it("orders host key algorithms as ssh -vvv's order_hostkeyalgs does: known types first, in the list's order", () => {
    const dflt = assembleHostKeyAlgorithms(undefined)!;
    // ssh -vvv for a host known by RSA (line 1) and ECDSA P-256 (line 2), "host key algorithms:" with
    // what ssh2 cannot do taken out; ssh-rsa (SHA-1, not in ssh's default) last, for old servers
    expect(orderHostKeyAlgorithms(dflt, ['ssh-rsa', 'ecdsa-sha2-nistp256'])).toEqual([
      'ecdsa-sha2-nistp256', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-ed25519', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa',
    ]);
    expect(orderHostKeyAlgorithms(dflt, [])).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256']);
    // a list of the user's own is used verbatim (ssh: "using HostkeyAlgorithms verbatim"); +/- lists are reordered
    expect(orderHostKeyAlgorithms(assembleHostKeyAlgorithms('ssh-ed25519,rsa-sha2-512')!, ['ssh-rsa'])).toEqual(['ssh-ed25519', 'rsa-sha2-512']);
    expect(orderHostKeyAlgorithms(assembleHostKeyAlgorithms('-ecdsa*')!, ['ssh-rsa'])).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-ed25519', 'ssh-rsa']);
    expect(assembleHostKeyAlgorithms('nonsense')).toBeNull();
  });
});

describe('writing known_hosts lines', () => {
  it('writes plain and hashed lines that OpenSSH finds (ssh-keygen -F)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netwatch-ssh-kh-'));
    try {
      const file = join(dir, 'sub', 'known_hosts');
      writeFileSync(join(dir, 'seed'), 'x');
      appendKnownHost(file, formatKnownHostsLine('[127.0.0.1]:2222', ed));
      appendKnownHost(file, formatKnownHostsLine('node-h', rsa, { hash: true }));
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
      const text = readFileSync(file, 'utf8');
      expect(text.split('\n')[0]).toBe(`[127.0.0.1]:2222 ssh-ed25519 ${ed.toString('base64')}`);
      expect(text.split('\n')[1]).toMatch(/^\|1\|[A-Za-z0-9+/=]{28}\|[A-Za-z0-9+/=]{28} ssh-rsa /);
      const found = (name: string) => execFileSync('ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8' });
      expect(found('[127.0.0.1]:2222')).toContain('found: line 1');
      expect(found('node-h')).toContain('found: line 2');
      const back = loadKnownHosts([file, join(dir, 'missing')]);
      expect(back.verify(rsa, 'node-h', 22)).toBe('match');
      expect(back.verify(ed, '127.0.0.1', 2222)).toBe('match');
      // a file without a final newline gets one before the new line
      writeFileSync(file, text.trimEnd());
      appendKnownHost(file, formatKnownHostsLine('node-z', ec));
      expect(loadKnownHosts([file]).entries).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('host key decisions', () => {
  const policy: HostKeyPolicy = { acceptNew: false, strict: 'yes', hashKnownHosts: false, recordFile: '/home/op/.ssh/known_hosts' };
  const target = hostKeyTarget({ hostName: '127.0.0.1', port: 42022, hostKeyAlias: null });

  it('refuses an unknown key with its fingerprint and the ways to accept it', () => {
    const d = decideHostKey(plain.check(ed, '127.0.0.1', 42099), ed, { ...target, port: 42099, dialPort: 42099 }, policy);
    expect(d).toEqual({
      accept: false,
      reason:
        'unknown host key for [127.0.0.1]:42099: ED25519 key SHA256:blSwFGvOEpWU+iiDPWdVzcznWHkE0wORKe6Bmj8BS8c. ' +
        'If that is the right key, accept it with --accept-new-host-keys, or by connecting once with ssh ' +
        '(or ssh-keyscan -p 42099 127.0.0.1 >> ~/.ssh/known_hosts)',
    });
  });

  it('accepts and records an unknown key with --accept-new-host-keys or StrictHostKeyChecking accept-new/no', () => {
    for (const p of [{ ...policy, acceptNew: true }, { ...policy, strict: 'accept-new' as const }, { ...policy, strict: 'no' as const }]) {
      const d = decideHostKey(plain.check(ed, 'new-host', 22), ed, hostKeyTarget({ hostName: 'new-host', port: 22, hostKeyAlias: null }), p);
      expect(d).toMatchObject({ accept: true, record: { file: '/home/op/.ssh/known_hosts', line: `new-host ssh-ed25519 ${ed.toString('base64')}` } });
    }
    const hashedLine = decideHostKey(plain.check(ed, 'new-host', 22), ed, target, { ...policy, acceptNew: true, hashKnownHosts: true });
    expect(hashedLine.accept && hashedLine.record?.line).toMatch(/^\|1\|/);
  });

  it('always refuses a changed key, in one line like OpenSSH warning', () => {
    const d = decideHostKey(plain.check(other, 'node-a', 22), other, hostKeyTarget({ hostName: 'node-a', port: 22, hostKeyAlias: null }), {
      ...policy,
      acceptNew: true,
      strict: 'no',
    });
    expect(d.accept).toBe(false);
    expect(!d.accept && d.reason).toBe(
      `REMOTE HOST IDENTIFICATION HAS CHANGED for node-a: it now offers ED25519 key ${fingerprintSha256(other)}, but known_hosts.plain:7 ` +
        'has a different key (someone may be intercepting the connection, or the host was reinstalled); if the change is expected, ' +
        "remove the old key with: ssh-keygen -R 'node-a' -f known_hosts.plain",
    );
  });

  it('says a host known with other key types has changed, listing those entries, whatever the policy', () => {
    const check = plain.check(ec, '127.0.0.1', 42022);
    expect(check.status).toBe('match');
    const rsaOnly = KnownHosts.parse(`node-r ssh-rsa ${rsa.toString('base64')}\nnode-r ecdsa-sha2-nistp256 ${ec.toString('base64')}\n`, '/kh');
    for (const p of [policy, { ...policy, acceptNew: true }, { ...policy, strict: 'accept-new' as const }]) {
      const d = decideHostKey(rsaOnly.check(ed, 'node-r', 22), ed, hostKeyTarget({ hostName: 'node-r', port: 22, hostKeyAlias: null }), p);
      expect(!d.accept && d.reason).toBe(
        `REMOTE HOST IDENTIFICATION HAS CHANGED for node-r: it now offers ED25519 key ${fingerprintSha256(ed)}, but the host is known ` +
          'with other key types: RSA key in /kh:1, ECDSA key in /kh:2 (someone may be intercepting the connection, or the host was ' +
          "reinstalled); if the change is expected, remove the old keys with: ssh-keygen -R 'node-r' -f /kh",
      );
    }
  });

  it('accepts a port-less match on a non-22 port without recording a [host]:port line', () => {
    const d = decideHostKey(plain.check(ed, 'node-a', 2222), ed, hostKeyTarget({ hostName: 'node-a', port: 2222, hostKeyAlias: null }), {
      ...policy,
      acceptNew: true,
    });
    expect(d).toEqual({ accept: true });
  });

  it('refuses a revoked key and looks up a HostKeyAlias without the port', () => {
    const d = decideHostKey(plain.check(revoked, 'node-a', 22), revoked, target, { ...policy, acceptNew: true });
    expect(!d.accept && d.reason).toMatch(/^host key for node-a \(ED25519 key SHA256:.*\) is marked @revoked in known_hosts.plain:11: refusing to connect$/);
    expect(hostKeyTarget({ hostName: '198.18.0.5', port: 2022, hostKeyAlias: 'node-a' })).toMatchObject({ host: 'node-a', port: 22 });
  });
});
