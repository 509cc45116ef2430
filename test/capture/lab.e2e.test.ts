/**
 * The "Done when" in the namespace lab, over the real SSH transport (root only):
 * a capture on a pod's veth shows the pod's traffic, the summary counts it, the kept pcap reads
 * back with tcpdump -r with the same count; a SYN to a closed port and to a blackholed address
 * show as RST and SYN-without-reply; a bad filter is refused; netwatch killed with SIGKILL and a
 * node whose link is cut leave no tcpdump behind (bounds printed).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSshHost } from '../../src/sources/ssh/configFiles.js';
import { SshTransport } from '../../src/sources/transport/ssh.js';
import { CaptureSession } from '../../src/sources/capture/session.js';
import { sweepEarlier, watchReconnects, type SweptProcess } from '../../src/sources/remote/sweep.js';
import { startLab, type Lab, type LabPod } from '../lab/lab.js';
import { untilRunning } from './netns.js';

const here = dirname(fileURLToPath(import.meta.url));
const BLACKHOLE = '198.19.250.9';
let lab: Lab;
let n1: SshTransport;
let n2: SshTransport;
let pod1: LabPod;
let pod2: LabPod;
const dir = mkdtempSync(join(tmpdir(), 'nwcap-lab-'));
const measured: Record<string, number> = {};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** tcpdump processes on this machine capturing on `iface` (lab nodes share the host's kernel) */
function tcpdumps(iface: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('tcpdump') && argv.includes(iface)) pids.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return pids;
}

async function goneWithin(iface: string, limitMs: number): Promise<number> {
  const t0 = Date.now();
  while (tcpdumps(iface).length) {
    if (Date.now() - t0 > limitMs) throw new Error(`tcpdump still on ${iface} after ${limitMs} ms`);
    await sleep(50);
  }
  return Date.now() - t0;
}

/** from pod-1: a TCP connection to pod-2's listener, a SYN to pod-2's closed port 9, a SYN into the blackhole, a UDP datagram */
function podTraffic(): Promise<unknown> {
  const js = `const net = require('net'), dgram = require('dgram');
    const ok = net.connect(${pod2.listenPort}, '${pod2.ip}', () => setTimeout(() => ok.destroy(), 200)); ok.on('error', () => {});
    net.connect(9, '${pod2.ip}').on('error', () => {});
    const bh = net.connect(80, '${BLACKHOLE}'); bh.on('error', () => {}); setTimeout(() => bh.destroy(), 1500);
    const u = dgram.createSocket('udp4'); u.send('x', 5353, '${pod2.ip}', () => u.close());`;
  return lab.execInPod('n1', 'pod-1', [process.execPath, '-e', js]);
}

beforeAll(async () => {
  lab = await startLab({ nodes: [{ name: 'n1', kind: 'bridge', pods: 2 }, { name: 'n2', kind: 'routed', pods: 1 }] });
  [pod1, pod2] = lab.node('n1').pods as [LabPod, LabPod];
  await lab.exec('n1', ['ip', 'route', 'add', 'blackhole', `${BLACKHOLE}/32`]);
  const connect = (name: string) => new SshTransport(resolveSshHost(name, { configFile: lab.sshConfigPath, env: {} }), { acceptNewHostKeys: false });
  n1 = connect('n1');
  n2 = connect('n2');
  await Promise.all([n1.ready(), n2.ready()]);
}, 120_000);

afterAll(async () => {
  n1?.close();
  n2?.close();
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
  console.log(`capture lab bounds and latencies (ms): ${JSON.stringify(measured)}`);
});

describe('captures in the lab, over SSH', () => {
  it('captures a pod’s veth: traffic, RST, SYN without reply; the pcap reads back with the same count', async () => {
    const s = new CaptureSession();
    // keypress to first packet, with the pod's traffic flowing
    const busy = lab.execInPod('n1', 'pod-1', [process.execPath, '-e', `const d = require('dgram').createSocket('udp4'); let n = 0; const t = setInterval(() => { d.send('k', 7, '${pod2.ip}'); if (++n > 300) { clearInterval(t); d.close(); } }, 10);`]);
    const t0 = Date.now();
    const first = new Promise<number>((r) => s.once('packets', () => r(Date.now() - t0)));
    s.start(n1, { node: 'n1', iface: pod1.hostVeth! });
    measured.keypressToFirstPacket = await first;
    await busy;
    await podTraffic();
    await sleep(300);
    await s.stop();
    expect(await s.done()).toMatchObject({ kind: 'stopped', reason: 'user' });
    const sum = s.summary();
    expect(sum.syn.refused).toBe(1);
    expect(sum.rstSenders.map((r) => r.key)).toContain(`${pod2.ip}:9 > ${pod1.ip}`);
    expect(sum.syn.unanswered).toBe(1);
    expect(sum.syn.recentUnanswered[0]).toMatchObject({ client: expect.stringMatching(new RegExp(`^${pod1.ip}:`)), server: `${BLACKHOLE}:80` });
    expect(sum.talkers.map((t) => t.key)).toContain(`tcp ${pod1.ip} > ${pod2.ip}:${pod2.listenPort}`);
    const [f] = await s.keep(dir);
    expect(f!.path).toMatch(new RegExp(`/n1_${pod1.hostVeth}_\\d{8}-\\d{6}\\.pcap$`));
    const lines = execFileSync('tcpdump', ['-nn', '-r', f!.path], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().split('\n').filter(Boolean);
    expect(lines.length).toBe(sum.packets);
    const udp7 = execFileSync('tcpdump', ['-nn', '-r', f!.path, 'udp and dst port 7'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().split('\n').filter(Boolean);
    expect(sum.talkers.find((t) => t.key === `udp ${pod1.ip} > ${pod2.ip}:7`)?.packets).toBe(udp7.length);
    expect(udp7.length).toBeGreaterThan(100);
    expect(s.stats()?.captured).toBe(sum.packets);
    expect(tcpdumps(pod1.hostVeth!)).toEqual([]);
  });

  it('refuses a bad filter with tcpdump’s own message, over SSH', async () => {
    const s = new CaptureSession();
    s.start(n1, { iface: pod1.hostVeth!, filter: 'tcp port 80 or' });
    const st = await s.done();
    expect(st).toMatchObject({ kind: 'error', cause: 'rejected' });
    expect(st.kind === 'error' && st.message).toMatch(/^tcpdump: .*syntax error/);
  });

  it('netwatch killed with SIGKILL during a capture: no tcpdump left on the node', async () => {
    const child = spawn(process.execPath, ['--import', join(here, 'ts-register.mjs'), join(here, 'kill-child-ssh.ts'), lab.sshConfigPath, 'n1', pod2.hostVeth!], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('capture in the child did not start')), 30_000);
        child.stdout!.on('data', (b: Buffer) => b.toString().includes('running') && (clearTimeout(t), resolve()));
      });
      expect(tcpdumps(pod2.hostVeth!).length).toBe(1);
      child.kill('SIGKILL');
      measured.sigkillOverSsh = await goneWithin(pod2.hostVeth!, 5000);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);

  it('a node whose link is cut ends its capture by itself within IDLE + 2 s of the last heartbeat', async () => {
    const idle = 5;
    const pod = lab.node('n2').pods[0]!;
    const s = new CaptureSession({ idleSeconds: idle, heartbeatMs: 1000 });
    s.start(n2, { iface: pod.hostVeth! });
    await untilRunning(s, 15_000);
    expect(tcpdumps(pod.hostVeth!).length).toBe(1);
    const t0 = Date.now();
    await lab.cutLink('n2');
    try {
      // the last heartbeat that got through is at most one interval (1 s) before the cut
      measured.linkCut = await goneWithin(pod.hostVeth!, (idle + 2 + 1) * 1000);
      expect(Date.now() - t0).toBeGreaterThanOrEqual((idle - 1) * 1000);
      // netwatch notices by keepalive; the capture then reports the lost connection
      expect(await s.done()).toMatchObject({ kind: 'stopped', reason: 'connection-lost' });
    } finally {
      await lab.restoreLink('n2');
    }
    await n2.ready();
    expect(await sweepEarlier(n2)).toEqual([]);
  }, 90_000);

  it('the reconnect sweep ends what a dropped connection left (a guard that has not fired yet)', async () => {
    const pod = lab.node('n2').pods[0]!;
    const swept = new Promise<SweptProcess[]>((resolve, reject) => {
      const stop = watchReconnects(n2, { onSwept: (s) => (stop(), resolve(s)), onError: reject });
    });
    // an idle limit far longer than the outage: only the sweep can end this one early
    const s = new CaptureSession({ idleSeconds: 600 });
    s.start(n2, { iface: pod.hostVeth! });
    await untilRunning(s, 15_000);
    await lab.cutLink('n2');
    const t0 = Date.now();
    while (n2.state().kind === 'ready') {
      if (Date.now() - t0 > 40_000) throw new Error('the transport did not notice the cut');
      await sleep(200);
    }
    expect(await s.done()).toMatchObject({ kind: 'stopped', reason: 'connection-lost' });
    expect(tcpdumps(pod.hostVeth!).length).toBe(1);
    await lab.restoreLink('n2');
    const r = await swept;
    expect(r.length).toBeGreaterThanOrEqual(1);
    measured.cutToSwept = Date.now() - t0;
    await goneWithin(pod.hostVeth!, 3000);
  }, 120_000);
});
