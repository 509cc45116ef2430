import { describe, expect, it } from 'vitest';
import {
  hexToAddress,
  isKernelThread,
  parseCmdline,
  parseSocketRow,
  parseSocketTable,
  parseStat,
} from '../../src/sources/processes/procfs.js';
import { parseTimes } from '../../src/sources/processes/parse.js';
import { fixture } from './fixtures.js';

describe('/proc/PID/stat', () => {
  it('reads an ordinary process', () => {
    const s = parseStat(fixture('stat-bash.txt'));
    expect(s).toEqual({ pid: 4453, comm: 'bash', state: 'S', ppid: 4442, flags: 4194560, startTicks: 43020 });
    expect(isKernelThread(s!)).toBe(false);
  });

  it('takes comm up to the LAST parenthesis: spaces and parens inside comm', () => {
    const s = parseStat(fixture('stat-comm-parens.txt'));
    expect(s?.comm).toBe('web) (x y');
    expect(s?.state).toBe('S');
    expect(s?.ppid).toBe(32341);
    expect(s?.startTicks).toBe(168217);
  });

  it('keeps a newline inside comm', () => {
    const s = parseStat(fixture('stat-comm-newline.txt').trimEnd());
    expect(s?.comm).toBe('a\nb');
    expect(s?.startTicks).toBe(168248);
  });

  it('reads a zombie and a kernel thread', () => {
    const z = parseStat(fixture('stat-zombie.txt'));
    expect(z?.state).toBe('Z');
    expect(z?.ppid).toBe(1);
    const k = parseStat(fixture('stat-kthreadd.txt'));
    expect(k?.comm).toBe('kthreadd');
    expect(isKernelThread(k!)).toBe(true);
  });

  it('refuses what is not a stat line', () => {
    expect(parseStat('')).toBeUndefined();
    expect(parseStat('123 (trunc')).toBeUndefined();
    expect(parseStat('x (a) S 1 2')).toBeUndefined();
  });
});

describe('/proc/PID/cmdline', () => {
  it('splits at NUL and drops the terminator', () => {
    expect(parseCmdline(fixture('cmdline-perl.bin'))).toEqual([
      'perl',
      '-e',
      'open F,">/proc/self/comm"; print F "web) (x y"; close F; sleep 30',
    ]);
  });
  it('keeps a rewritten title (no NUL) as one argument; empty for kernel threads', () => {
    expect(parseCmdline('nginx: worker process')).toEqual(['nginx: worker process']);
    expect(parseCmdline('')).toEqual([]);
    expect(parseCmdline('a\0\0b\0')).toEqual(['a', '', 'b']);
  });
});

describe('socket tables', () => {
  // Ground truth: `ss -ltnua` in the same netns when the fixtures were taken (see README).
  it('IPv4 TCP: LISTEN rows only, little-endian address words', () => {
    const rows = parseSocketTable(fixture('net-tcp.txt'), 'tcp');
    expect(rows.map((r) => [r.localAddress, r.localPort, r.inode])).toEqual([
      ['127.0.0.1', 8080, 225577],
      ['198.18.0.5', 8081, 225578],
    ]);
  });

  it('IPv6 TCP: :: and ::1', () => {
    const rows = parseSocketTable(fixture('net-tcp6.txt'), 'tcp');
    expect(rows.map((r) => [r.localAddress, r.localPort])).toEqual([
      ['::', 9090],
      ['::1', 8443],
    ]);
  });

  it('UDP: unconnected sockets are listeners, connected ones are not', () => {
    expect(parseSocketTable(fixture('net-udp.txt'), 'udp').map((r) => [r.localAddress, r.localPort])).toEqual([
      ['198.18.0.5', 53],
      ['0.0.0.0', 5353],
    ]);
    expect(parseSocketTable(fixture('net-udp6.txt'), 'udp').map((r) => [r.localAddress, r.localPort])).toEqual([['::', 5354]]);
  });

  it('rows in detail and the header', () => {
    const lines = fixture('net-tcp.txt').split('\n');
    expect(parseSocketRow(lines[0]!)).toBeUndefined();
    expect(parseSocketRow(lines[3]!)).toMatchObject({
      localAddress: '127.0.0.1',
      localPort: 8080,
      remoteAddress: '127.0.0.1',
      remotePort: 0x8114,
      state: 1,
      uid: 0,
      inode: 225585,
    });
  });

  it('addresses', () => {
    expect(hexToAddress('050012C6')).toBe('198.18.0.5');
    expect(hexToAddress('0000000000000000FFFF00000500A8C0')).toBe('::ffff:192.168.0.5');
    expect(hexToAddress('B80D0120000000000000000001000000')).toBe('2001:db8::1');
    expect(hexToAddress('B80D0120000000000100000000000000')).toBe('2001:db8::1:0:0');
    expect(hexToAddress('B80D0120000000000000000000000100')).toBe('2001:db8::1:0');
    expect(hexToAddress('XYZ')).toBeUndefined();
  });
});

describe('times', () => {
  it('sums the shell and children CPU', () => {
    expect(parseTimes(['0m0.010000s 0m0.020000s', '0m0.150000s 1m0.430000s'])).toBe(60_610);
    expect(parseTimes([])).toBeUndefined();
  });
});
