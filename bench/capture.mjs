#!/usr/bin/env node
/**
 * Capture benchmark: prints figures, asserts nothing. Run as root after `npm run build`:
 *   node bench/capture.mjs [--quick]
 * 1. parse + decode + summary throughput of the pcap stream (synthetic stream from a fixture);
 * 2. on LocalTransport, in two namespaces this script creates (198.18.220.0/24, removed at the
 *    end): start() ("keypress") to first packet, and packets/s captured without loss (tcpdump's
 *    counters vs ours vs what was sent), with netwatch's CPU;
 * 3. keypress to screen in the capture view (production Ink, fake 120x40 TTY) while capturing
 *    10,000 packets/s;
 * 4. what finding netwatch's own SSH connection on the node costs each capture start (ownssh.sh:
 *    the walk up this process's ancestors for SSH_CONNECTION, validation, the filter).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { FakeStdin, FakeStdout } from './fake-tty.mjs';

process.env.NODE_ENV ??= 'production';
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;
const quick = process.argv.includes('--quick');

const { CaptureModel, PcapStreamParser, decodePacket, CaptureSession } = await import('../dist/sources/capture/index.js');
const { LocalTransport } = await import('../dist/sources/transport/local.js');
const { CaptureView } = await import('../dist/ui/capture/CaptureView.js');
const { KeyRoot } = await import('../dist/ui/input/useKeys.js');
const React = (await import('react')).default;
const { render } = await import('ink');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (n, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d });

// ---------- 1. parser throughput ----------
function syntheticStream(packets) {
  const src = readFileSync(new URL('../test/fixtures/capture/en10mb-mixed.cap', import.meta.url));
  const recs = [];
  for (let off = 24; off + 16 <= src.length; ) {
    const len = 16 + src.readUInt32LE(off + 8);
    recs.push(src.subarray(off, off + len));
    off += len;
  }
  const parts = [src.subarray(0, 24)];
  let t = 1_700_000_000;
  for (let i = 0; i < packets; i++) {
    const r = Buffer.from(recs[i % recs.length]);
    t += 0.0001;
    r.writeUInt32LE(Math.floor(t), 0);
    r.writeUInt32LE(Math.floor((t % 1) * 1e6), 4);
    // many flows: vary the source port of IPv4 TCP/UDP packets
    if (r.readUInt16BE(16 + 12) === 0x0800 && [6, 17].includes(r[16 + 23])) r.writeUInt16BE(1024 + (i % 50_000), 16 + 14 + 20);
    parts.push(r);
  }
  return Buffer.concat(parts);
}

function throughput() {
  const n = quick ? 100_000 : 500_000;
  const stream = syntheticStream(n);
  const chunks = [];
  for (let i = 0; i < stream.length; i += 32 * 1024) chunks.push(stream.subarray(i, i + 32 * 1024));
  const run = (label, fn) => {
    const t0 = performance.now();
    fn();
    const s = (performance.now() - t0) / 1000;
    console.log(`  ${label.padEnd(34)} ${fmt(n / s, 0).padStart(11)} packets/s  ${fmt(stream.length / s / 1e6).padStart(6)} MB/s  ${fmt((s / n) * 1e6, 2)} us/packet`);
  };
  console.log(`1. pcap stream: ${fmt(n, 0)} packets, ${fmt(stream.length / 1e6)} MB in 32 KiB chunks`);
  run('parse records', () => {
    const p = new PcapStreamParser();
    for (const c of chunks) p.push(c);
  });
  run('parse + decode', () => {
    const p = new PcapStreamParser();
    let i = 0;
    for (const c of chunks) for (const r of p.push(c)) decodePacket(p.header.linktype, r, i++);
  });
  run('model (decode, ring, summary, store)', () => {
    const m = new CaptureModel({ bufferBytes: 256 * 1024 * 1024 });
    for (const c of chunks) m.push(c);
    m.summary();
  });
}

// ---------- 2/3. live captures in own namespaces ----------
class Lab {
  id = randomBytes(2).toString('hex');
  nsA = `nwcap-b${this.id}-a`;
  nsB = `nwcap-b${this.id}-b`;
  ifA = `nb${this.id}a`;
  ifB = `nb${this.id}b`;
  dir = mkdtempSync(join(tmpdir(), 'nwcap-bench-'));
  tcpdump = join(this.dir, 'tcpdump-in-a');
  up() {
    const ip = (...a) => execFileSync('ip', a, { stdio: 'pipe' });
    ip('netns', 'add', this.nsA);
    ip('netns', 'add', this.nsB);
    ip('link', 'add', this.ifA, 'netns', this.nsA, 'type', 'veth', 'peer', 'name', this.ifB, 'netns', this.nsB);
    ip('-n', this.nsA, 'addr', 'add', '198.18.220.1/24', 'dev', this.ifA);
    ip('-n', this.nsB, 'addr', 'add', '198.18.220.2/24', 'dev', this.ifB);
    for (const [ns, dev] of [[this.nsA, this.ifA], [this.nsB, this.ifB]]) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
    writeFileSync(this.tcpdump, `#!/bin/sh\nexec ip netns exec ${this.nsA} tcpdump "$@"\n`);
    chmodSync(this.tcpdump, 0o755);
  }
  /** UDP to B:9999 at `rate` packets/s for `secs`; resolves with the number sent */
  blast(rate, secs) {
    const js = `const d = require('dgram').createSocket('udp4'); const buf = Buffer.alloc(18); let sent = 0; const t0 = Date.now();
      (function burst() { const el = (Date.now() - t0) / 1000; if (el >= ${secs}) { d.close(() => console.log(sent)); return; }
        const due = Math.floor(el * ${rate}); while (sent < due) { d.send(buf, 9999, '198.18.220.2'); sent++; } setTimeout(burst, 1); })();`;
    return new Promise((resolve) => {
      const c = spawn('ip', ['netns', 'exec', this.nsA, process.execPath, '-e', js], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      c.stdout.on('data', (b) => (out += b));
      c.on('close', () => resolve(Number(out.trim())));
    });
  }
  down() {
    for (const ns of [this.nsA, this.nsB]) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {}
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function firstPacket(lab, t) {
  const runs = quick ? 5 : 15;
  const first = [];
  const running = [];
  const pinger = lab.blast(200, runs * 2 + 5);
  await sleep(300);
  for (let i = 0; i < runs; i++) {
    const s = new CaptureSession();
    const t0 = performance.now();
    const got = new Promise((r) => s.once('packets', () => r(performance.now() - t0)));
    s.on('status', (st) => st.kind === 'running' && running.push(performance.now() - t0));
    s.start(t, { iface: lab.ifA, tcpdump: lab.tcpdump, filter: 'udp' });
    first.push(await got);
    await s.stop();
  }
  await pinger;
  console.log(`2a. start() to first packet (200 packets/s flowing), ${runs} runs, LocalTransport:`);
  console.log(`  tcpdump running (pcap header):   p50 ${fmt(pct(running, 50))} ms  max ${fmt(Math.max(...running))} ms`);
  console.log(`  first packet decoded:            p50 ${fmt(pct(first, 50))} ms  max ${fmt(Math.max(...first))} ms`);
}

async function rates(lab, t) {
  console.log('2b. packets/s captured (UDP, 60-byte frames, snaplen 128): sent / tcpdump captured / dropped by kernel / netwatch decoded, netwatch CPU');
  for (const rate of quick ? [10_000] : [10_000, 30_000, 60_000]) {
    const s = new CaptureSession();
    s.start(t, { iface: lab.ifA, tcpdump: lab.tcpdump, filter: 'udp and dst port 9999', count: 10_000_000 });
    while (s.status().kind !== 'running') await sleep(10);
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    const sent = await lab.blast(rate, 5);
    await sleep(500);
    await s.stop();
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - w0;
    const st = s.stats() ?? {};
    const ours = s.summary().packets;
    console.log(
      `  ${fmt(rate, 0).padStart(6)}/s for 5 s: sent ${fmt(sent, 0)}, tcpdump ${fmt(st.captured ?? NaN, 0)}, ` +
        `kernel drops ${fmt(st.dropped ?? NaN, 0)}, netwatch ${fmt(ours, 0)} (${ours === st.captured ? 'same' : 'DIFFERENT'}), ` +
        `CPU ${fmt(((cpu.user + cpu.system) / 1000 / wall) * 100)} % of a core`,
    );
  }
}

async function uiUnderLoad(lab, t) {
  const s = new CaptureSession();
  s.start(t, { iface: lab.ifA, tcpdump: lab.tcpdump, filter: 'udp', count: 10_000_000 });
  while (s.status().kind !== 'running') await sleep(10);
  const stdout = new FakeStdout();
  const stdin = new FakeStdin();
  let frames = 0;
  stdout.onWrite = () => frames++;
  const app = render(React.createElement(KeyRoot, null, React.createElement(CaptureView, { source: s, width: 120, height: 40 })), { stdout, stdin, exitOnCtrlC: false, patchConsole: false });
  const blast = lab.blast(10_000, 6);
  await sleep(500);
  const lat = [];
  const f0 = frames;
  const t0 = performance.now();
  for (let i = 0; i < (quick ? 8 : 20); i++) {
    const want = i % 2 === 0;
    const seen = new Promise((resolve) => {
      const k0 = performance.now();
      stdout.onWrite = (str) => {
        frames++;
        if (str.includes('packets ') && str.includes('PAUSED') === want) resolve(performance.now() - k0);
      };
    });
    stdin.write(' ');
    lat.push(await seen);
    await sleep(150);
  }
  const fps = ((frames - f0) / (performance.now() - t0)) * 1000;
  await blast;
  app.unmount();
  await s.stop();
  console.log(`3. capture view, 120x40, while capturing 10,000 packets/s (${fmt(s.summary().packets, 0)} captured):`);
  console.log(`  keypress (space) to screen: p50 ${fmt(pct(lat, 50))} ms  p95 ${fmt(pct(lat, 95))} ms  max ${fmt(Math.max(...lat))} ms; ${fmt(fps)} stdout writes/s`);
}

/** 4: nw_own_filter alone, as a capture start runs it (under a chain with SSH_CONNECTION set) */
async function ownSshCost() {
  const { OWNSSH_SH } = await import('../dist/sources/remote/scripts.js');
  const runs = quick ? 10 : 50;
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    execFileSync('env', ['-i', 'SSH_CONNECTION=198.18.0.1 40022 198.18.0.11 22', '/bin/sh', '-c', 'env -i /bin/sh -c "$1" nw-bench', 'nw-outer', `${OWNSSH_SH}\nnw_own_filter require '' 2>/dev/null`]);
    ms.push(performance.now() - t0);
  }
  const base = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    execFileSync('env', ['-i', '/bin/sh', '-c', 'env -i /bin/sh -c "exit 0" nw-bench', 'nw-outer']);
    base.push(performance.now() - t0);
  }
  console.log(`4. own SSH connection found and excluded on the node (ancestor walk + validation), ${runs} runs:`);
  console.log(`  ${fmt(pct(ms, 50) - pct(base, 50))} ms p50 above the same two shells doing nothing (${fmt(pct(ms, 50))} vs ${fmt(pct(base, 50))} ms)`);
}

throughput();
await ownSshCost();
if (process.getuid?.() !== 0) {
  console.log('(not root: the live parts need network namespaces)');
} else {
  const lab = new Lab();
  const t = new LocalTransport('bench');
  try {
    lab.up();
    await firstPacket(lab, t);
    await rates(lab, t);
    await uiUnderLoad(lab, t);
  } finally {
    t.close();
    lab.down();
  }
}
