/**
 * A throwaway two-namespace network for capture tests (root only):
 *
 *   nwcap-<id>-a  veth nc<id>a 198.18.210.1/24  <---->  nc<id>b 198.18.210.2/24  nwcap-<id>-b
 *                 route 198.18.211.0/24 via .2                blackhole 198.18.211.0/24
 *
 * B runs a TCP echo server on 8080 and a UDP echo server on 5353; port 9 is closed.
 * `tcpdump` is a wrapper script that runs tcpdump inside A (`ip netns exec` execs, so the pid,
 * the process group and the signals are tcpdump's own). Nothing leaves the namespaces.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const A_ADDR = '198.18.210.1';
export const B_ADDR = '198.18.210.2';
export const BLACKHOLE = '198.18.211.5';

const SERVER_JS = `
const net = require('net'), dgram = require('dgram');
net.createServer((c) => { c.on('data', (d) => c.write(d)); c.on('error', () => {}); }).listen(8080, '${B_ADDR}');
const u = dgram.createSocket('udp4'); u.on('message', (m, r) => u.send(m, r.port, r.address)); u.bind(5353, '${B_ADDR}');
`;

export class CaptureNetns {
  readonly id = randomBytes(2).toString('hex');
  readonly nsA = `nwcap-${this.id}-a`;
  readonly nsB = `nwcap-${this.id}-b`;
  readonly ifA = `nc${this.id}a`;
  readonly ifB = `nc${this.id}b`;
  readonly dir = mkdtempSync(join(tmpdir(), 'nwcap-'));
  readonly tcpdump = join(this.dir, 'tcpdump-in-a');
  private readonly children: ChildProcess[] = [];

  constructor() {
    try {
      this.setup();
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  private setup(): void {
    const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
    ip('netns', 'add', this.nsA);
    ip('netns', 'add', this.nsB);
    ip('link', 'add', this.ifA, 'netns', this.nsA, 'type', 'veth', 'peer', 'name', this.ifB, 'netns', this.nsB);
    for (const [ns, dev, addr] of [
      [this.nsA, this.ifA, A_ADDR],
      [this.nsB, this.ifB, B_ADDR],
    ] as const) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev);
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
    ip('-n', this.nsA, 'route', 'add', '198.18.211.0/24', 'via', B_ADDR);
    execFileSync('ip', ['netns', 'exec', this.nsB, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    ip('-n', this.nsB, 'route', 'add', 'blackhole', '198.18.211.0/24');
    writeFileSync(this.tcpdump, `#!/bin/sh\nexec ip netns exec ${this.nsA} tcpdump "$@"\n`);
    chmodSync(this.tcpdump, 0o755);
    const server = spawn('ip', ['netns', 'exec', this.nsB, process.execPath, '-e', SERVER_JS], { stdio: 'ignore' });
    this.children.push(server);
  }

  /** runs a node script inside A; resolves with its stdout */
  nodeInA(js: string, timeoutMs = 20_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const c = spawn('ip', ['netns', 'exec', this.nsA, process.execPath, '-e', js], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.children.push(c);
      let out = '';
      let err = '';
      c.stdout!.on('data', (b: Buffer) => (out += b));
      c.stderr!.on('data', (b: Buffer) => (err += b));
      const t = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
      c.on('close', (code) => {
        clearTimeout(t);
        if (code === 0) resolve(out);
        else reject(new Error(`traffic script failed (${code}): ${err}`));
      });
    });
  }

  /** waits until B's servers accept connections */
  async ready(): Promise<void> {
    await this.nodeInA(`
      const net = require('net'); let n = 0;
      (function tryIt() { const s = net.connect(8080, '${B_ADDR}', () => { s.end(); }); s.on('error', () => { if (++n < 100) setTimeout(tryIt, 50); else process.exit(1); }); })();`);
  }

  /** a TCP exchange with B, a SYN to B's closed port 9 (RST), a SYN into the blackhole, UDP echo */
  async traffic(): Promise<void> {
    await this.nodeInA(`
      const net = require('net'), dgram = require('dgram');
      const s = net.connect(8080, '${B_ADDR}', () => s.end('hello'));
      s.on('data', () => {}); s.on('error', () => {});
      net.connect(9, '${B_ADDR}').on('error', () => {});
      const bh = net.connect(80, '${BLACKHOLE}'); bh.on('error', () => {});
      setTimeout(() => bh.destroy(), 1500);
      const u = dgram.createSocket('udp4');
      u.send('ping', 5353, '${B_ADDR}', () => {});
      u.on('message', () => u.close());
      setTimeout(() => { try { u.close(); } catch {} }, 1500);`);
  }

  /** pids of tcpdump processes capturing on this lab's interface */
  tcpdumpPids(): number[] {
    const pids: number[] = [];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      let argv: string[];
      try {
        argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      } catch {
        continue;
      }
      if (argv[0]?.endsWith('tcpdump') && argv.includes(this.ifA)) pids.push(Number(d));
    }
    return pids;
  }

  /** resolves with the milliseconds until no tcpdump runs on the interface (rejects after limitMs) */
  async tcpdumpGone(limitMs: number): Promise<number> {
    const t0 = Date.now();
    while (this.tcpdumpPids().length > 0) {
      if (Date.now() - t0 > limitMs) throw new Error(`tcpdump still running after ${limitMs} ms: ${this.tcpdumpPids().join(' ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return Date.now() - t0;
  }

  destroy(): void {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const pid of this.tcpdumpPids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const ns of [this.nsA, this.nsB]) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        /* not there */
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** waits until a capture reports running (tcpdump started on the node), or fails with its status */
export async function untilRunning(s: { status(): { kind: string } }, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (s.status().kind !== 'running') {
    if (Date.now() - t0 > timeoutMs) throw new Error(`not running: ${JSON.stringify(s.status())}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
