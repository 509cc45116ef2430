// netwatch's own SSH connection, as the node finds and excludes it: the real ownssh.sh functions
// run by sh on hostile SSH_CONNECTION values, the ancestor walk, the markers, the plan.
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { OWNSSH_SH } from '../../src/sources/remote/scripts.js';
import { captureArgs, parseStderr, userFilter } from '../../src/sources/capture/script.js';
import { describeCapturePlan, describeOwnSsh, ownSshMode } from '../../src/sources/capture/plan.js';
import { LocalTransport } from '../../src/sources/transport/local.js';
import { captureOutcome } from '../../src/sources/capture/outcome.js';
import { CaptureSession } from '../../src/sources/capture/session.js';
import { parseCli, UsageError } from '../../src/cli/args.js';
import { CaptureNetns, untilRunning } from './netns.js';

/** runs `nw_ssh_exclusion "$1"` in sh: the filter, or null when it refuses */
function exclusion(conn: string): string | null {
  const r = spawnSync('sh', ['-c', `${OWNSSH_SH}\nnw_ssh_exclusion "$1"`, 'nw-test', conn], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** runs `nw_own_filter MODE FILTER` in sh with `env` for the whole process chain */
function ownFilter(mode: string, filter: string, env: Record<string, string>): { code: number | null; stderr: string } {
  const script = `${OWNSSH_SH}\nnw_own_filter "$1" "$2" || exit 3`;
  const r = spawnSync('env', ['-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), '/bin/sh', '-c', script, 'nw-test', mode, filter], { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}

describe('nw_ssh_exclusion (ownssh.sh)', () => {
  it('builds the exclusion from validated IPv4 and IPv6 literals and ports', () => {
    expect(exclusion('198.18.0.1 40022 198.18.0.11 22')).toBe('not (tcp and host 198.18.0.1 and port 40022 and host 198.18.0.11 and port 22)');
    expect(exclusion('2001:db8::5 51000 2001:db8::1 2222')).toBe('not (tcp and host 2001:db8::5 and port 51000 and host 2001:db8::1 and port 2222)');
    expect(exclusion('::ffff:198.18.0.1 1 ::1 65535')).toBe('not (tcp and host ::ffff:198.18.0.1 and port 1 and host ::1 and port 65535)');
    // a link-local peer comes with its zone; tcpdump takes the address alone
    expect(exclusion('fe80::1%eth0 50000 fe80::2%eth0 22')).toBe('not (tcp and host fe80::1 and port 50000 and host fe80::2 and port 22)');
  });

  it('refuses every hostile or garbled value', () => {
    const bad = [
      '',
      '198.18.0.1 40022 198.18.0.11',
      '198.18.0.1 40022 198.18.0.11 22 extra',
      '198.18.0.1 40022 198.18.0.11 22) or (tcp',
      '198.18.0.1 or 1 198.18.0.11 22',
      '198.18.0.1 0 198.18.0.11 22',
      '198.18.0.1 022 198.18.0.11 22',
      '198.18.0.1 65536 198.18.0.11 22',
      '198.18.0.1 -1 198.18.0.11 22',
      '256.18.0.1 1 198.18.0.11 22',
      '198.18.0 1 198.18.0.11 22',
      '198.18.0.01 1 198.18.0.11 22',
      'fe80::1%eth0%x 1 fe80::2 22',
      'fe80::1% 1 fe80::2 22',
      'fe80::1%e(th0 1 fe80::2 22',
      '[2001:db8::5] 1 ::1 22',
      '1::2::3 1 ::1 22',
      '1:2:3:4:5:6:7:8:9 1 ::1 22',
      '12345::1 1 ::1 22',
      '$(touch /tmp/nw-pwned) 1 ::1 22',
      '* 1 ::1 22',
      'host 1 ::1 22',
      '198.18.0.1\t1 198.18.0.11 22',
      'localhost 1 198.18.0.11 22',
    ];
    for (const b of bad) expect(exclusion(b), JSON.stringify(b)).toBeNull();
  });
});

describe('nw_own_filter (ownssh.sh)', () => {
  const conn = { SSH_CONNECTION: '198.18.0.1 40022 198.18.0.11 22' };
  const excl = 'not (tcp and host 198.18.0.1 and port 40022 and host 198.18.0.11 and port 22)';

  it('excludes the connection with an empty filter and combines it with the user\'s', () => {
    const all = ownFilter('require', '', conn);
    expect(all.code).toBe(0);
    expect(parseStderr(all.stderr)).toMatchObject({ appliedFilter: excl, ownSsh: { client: '198.18.0.1', clientPort: 40022, server: '198.18.0.11', serverPort: 22 } });
    const user = ownFilter('require', 'tcp port 8080 or udp', conn);
    expect(parseStderr(user.stderr).appliedFilter).toBe(`(tcp port 8080 or udp) and ${excl}`);
    // netwatch on the node itself, from an SSH session: that session is excluded the same way
    expect(parseStderr(ownFilter('ifset', '', conn).stderr).appliedFilter).toBe(excl);
  });

  it('finds SSH_CONNECTION in an ancestor when the capture\'s own environment lost it (sudo)', () => {
    // parent sh has it; the child (as under sudo) starts with an empty environment
    const inner = `${OWNSSH_SH}\nnw_own_filter require '' || exit 3`;
    const r = spawnSync('env', ['-i', 'SSH_CONNECTION=2001:db8::5 51000 2001:db8::1 22', '/bin/sh', '-c', 'env -i /bin/sh -c "$1" nw-inner; exit $?', 'nw-outer', inner], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(parseStderr(r.stderr).appliedFilter).toBe('not (tcp and host 2001:db8::5 and port 51000 and host 2001:db8::1 and port 22)');
  });

  it('over SSH refuses without SSH_CONNECTION or with a garbled one; on the node itself captures as asked', () => {
    // with nothing in its own environment the walk reaches this test's ancestors, which carry an
    // SSH_CONNECTION when the tests run in an SSH session: the expectation follows what they hold
    const garbled = ownFilter('require', '', { SSH_CONNECTION: '198.18.0.1 22; reboot' });
    expect(garbled.code).toBe(3);
    const rep = parseStderr(garbled.stderr);
    expect(rep.unprotected).toMatch(/not two address\/port pairs/);
    expect(rep.appliedFilter).toBeUndefined();
    expect(captureOutcome({ report: rep, code: 0, stopReason: null, packets: 0, count: 1, connected: true, node: 'n1', idleSeconds: 10, since: 0 })).toMatchObject({
      kind: 'error',
      cause: 'unprotected',
    });
    const local = ownFilter('ifset', 'port 53', { SSH_CONNECTION: 'garbage' });
    expect(local.code).toBe(3);
    const hasAncestor = Boolean(process.env.SSH_CONNECTION) || ancestorHasSsh();
    const none = ownFilter('ifset', 'port 53', {});
    const noneReq = ownFilter('require', '', {});
    if (hasAncestor) {
      expect(parseStderr(none.stderr).appliedFilter).toMatch(/^\(port 53\) and not \(tcp and host /);
      expect(noneReq.code).toBe(0);
    } else {
      expect(none.code).toBe(0);
      expect(parseStderr(none.stderr).appliedFilter).toBe('port 53');
      expect(noneReq.code).toBe(3);
      expect(parseStderr(noneReq.stderr).unprotected).toMatch(/no SSH_CONNECTION/);
    }
  });
});

/** whether a process above this one has SSH_CONNECTION in its environment */
function ancestorHasSsh(): boolean {
  const out = execFileSync('sh', ['-c', `${OWNSSH_SH}\nnw_ssh_connection || true`, 'nw-probe'], { encoding: 'utf8', env: {} });
  return out.trim() !== '';
}

describe('captureArgs, userFilter, the plan', () => {
  const base = { tcpdump: 'tcpdump', iface: 'eth0', count: 10, idleSeconds: 10, maxLifeSeconds: 60, filter: '', ownSsh: 'require' as const };

  it('snap length 0 (whole packets) to 262144, whole numbers only', () => {
    expect(captureArgs({ ...base, snaplen: 0 })[2]).toBe('0');
    expect(captureArgs({ ...base, snaplen: 262144 })[2]).toBe('262144');
    for (const bad of [-1, 262145, 1.5, NaN]) expect(() => captureArgs({ ...base, snaplen: bad })).toThrow(/snap length/);
    expect(captureArgs({ ...base, snaplen: 96 }).at(-1)).toBe('require');
  });

  it('a user filter must balance its parentheses (it is wrapped in them on the node)', () => {
    expect(userFilter('(tcp and port 80) or udp')).toBe('(tcp and port 80) or udp');
    for (const bad of ['tcp) or (udp', 'tcp or (udp', ')(']) expect(() => userFilter(bad)).toThrow(/unbalanced/);
  });

  it('says before the start what will be captured', () => {
    const p = describeCapturePlan({ node: 'n1', iface: 'eth0', ownSsh: 'require' });
    expect(p.line).toBe("capture on n1:eth0: everything (no filter), not netwatch's own SSH connection (found on the node at start; no start without it); 128 bytes per packet");
    const q = describeCapturePlan({ node: 'local', iface: 'any', filter: ' port 53 ', snaplen: 0, ownSsh: 'ifset' });
    expect(q.what).toBe('filter: port 53');
    expect(q.snap).toBe('whole packets');
    expect(q.exclusion).toMatch(/this terminal's SSH session/);
    expect(ownSshMode(new LocalTransport('x'))).toBe('ifset');
    expect(describeOwnSsh({ client: '2001:db8::5', clientPort: 5, server: '198.18.0.11', serverPort: 22 })).toBe('excluding own SSH [2001:db8::5]:5 > 198.18.0.11:22');
  });
});

describe('local mode: netwatch on the node, started from an SSH session', () => {
  it('a capture through LocalTransport excludes the terminal\'s SSH session and says so; a garbled one refuses', async () => {
    const lab = new CaptureNetns();
    const t = new LocalTransport('local-ssh');
    const saved = process.env.SSH_CONNECTION;
    process.env.SSH_CONNECTION = '198.18.9.1 50000 198.18.9.2 22';
    try {
      await lab.ready();
      const s = new CaptureSession();
      s.start(t, { iface: lab.ifA, tcpdump: lab.tcpdump, seconds: 2 });
      await untilRunning(s);
      expect(s.appliedFilter).toBe('not (tcp and host 198.18.9.1 and port 50000 and host 198.18.9.2 and port 22)');
      expect(s.snapshot(0)).toMatchObject({ appliedFilter: s.appliedFilter, ownSsh: { client: '198.18.9.1', serverPort: 22 }, snaplen: 128 });
      await s.stop();
      // a garbled SSH_CONNECTION: the capture refuses, says why, and starts no tcpdump
      process.env.SSH_CONNECTION = '198.18.9.1 50000 198.18.9.2 22 and host 1.2.3.4';
      const bad = new CaptureSession();
      bad.start(t, { iface: lab.ifA, tcpdump: lab.tcpdump, seconds: 2 });
      expect(await bad.done()).toMatchObject({ kind: 'error', cause: 'unprotected', message: expect.stringContaining('refusing to capture') });
      expect(bad.appliedFilter).toBeUndefined();
      expect(lab.tcpdumpPids()).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.SSH_CONNECTION;
      else process.env.SSH_CONNECTION = saved;
      t.close();
      lab.destroy();
    }
  });
});

describe('--snaplen', () => {
  const cli = (v: string) => parseCli(['capture', 'n1:eth0', '--snaplen', v, '-w', 'f.pcap'], { intervalMs: 1000 }).snaplen;
  it('takes a whole number of bytes from 0 (whole packets) to 262144', () => {
    expect(cli('0')).toBe(0);
    expect(cli('1500')).toBe(1500);
    expect(cli('262144')).toBe(262144);
    for (const bad of ['-1', '262145', '64.5', '1e3', '', 'x']) expect(() => cli(bad), bad).toThrow(UsageError);
    expect(parseCli(['capture', 'n1:eth0', '-w', 'f.pcap'], { intervalMs: 1000 }).snaplen).toBeUndefined();
  });
});
