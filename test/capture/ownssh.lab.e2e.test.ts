/**
 * The "Done when" for captures, against the lab over real SSH through the built binary:
 * an UNFILTERED `netwatch capture NODE:eth0` while traffic flows holds that traffic and not one
 * packet of netwatch's own SSH connection (whose 4-tuple is learned on the node with `ss`: the
 * lab's relay makes it differ from netwatch's local socket, as ProxyJump and NAT do). A user
 * filter that would match the SSH session (`tcp`) still excludes it; --snaplen reaches tcpdump
 * (`-s N` in the node's ps) and 0 keeps whole packets. Run `npm run build` first.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureSession } from '../../src/sources/capture/session.js';
import { resolveSshHost } from '../../src/sources/ssh/configFiles.js';
import { SshTransport } from '../../src/sources/transport/ssh.js';
import { startLab, type Lab } from '../lab/lab.js';
import { runNetwatch, waitFor } from '../e2e/run.js';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ nodes: [{ name: 'oc-1', kind: 'bridge', pods: 1 }, { name: 'oc-2', kind: 'routed' }] });
});
afterAll(async () => {
  await lab?.stop();
});

/** pcap (microsecond or nanosecond, either byte order): the header's snap length and each record's lengths */
function readPcap(file: string): { snaplen: number; records: { caplen: number; len: number }[] } {
  const b = readFileSync(file);
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const records = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const caplen = u32(o + 8);
    records.push({ caplen, len: u32(o + 12) });
    o += 16 + caplen;
  }
  return { snaplen: u32(16), records };
}

function tcpdumpRead(file: string, filter: string[] = []): string[] {
  return execFileSync('tcpdump', ['-nn', '-r', file, ...filter], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 30 }).split('\n').filter(Boolean);
}

/** traffic through oc-1's eth0 from oc-2: 1000-byte UDP datagrams to oc-1, TCP connections to oc-1's pod */
function traffic(seconds: number): Promise<unknown> {
  const n1 = lab.node('oc-1');
  const pod = n1.pods[0]!;
  const js = `const net = require('net'); const end = Date.now() + ${seconds * 1000};
    (function again() { if (Date.now() > end) return; const c = net.connect(${pod.listenPort}, '${pod.ip}', () => { c.write('x'.repeat(100)); setTimeout(() => c.destroy(), 100); });
      c.on('error', () => {}); setTimeout(again, 200); })();`;
  const udp = `const u = require('dgram').createSocket('udp4'); let n = ${seconds * 10};
    const t = setInterval(() => { u.send(Buffer.alloc(1000, 120), 9999, '${n1.address}'); if (--n <= 0) { clearInterval(t); setTimeout(() => u.close(), 100); } }, 100);`;
  return Promise.all([lab.exec('oc-2', [process.execPath, '-e', udp]), lab.exec('oc-2', [process.execPath, '-e', js])]);
}

/** while the capture runs: the SSH connections on the node (ss) and tcpdump's command line (ps) */
async function onTheNode(node: string, iface = 'eth0'): Promise<{ ssh: string[]; tcpdump: string }> {
  const tcpdump = await waitFor('tcpdump on the node', async () => {
    const ps = await lab.exec(node, ['ps', '-eww', '-o', 'args']);
    return ps.stdout.split('\n').find((l) => l.startsWith(`tcpdump -i ${iface} `));
  }, 20_000, 100);
  const ss = await lab.exec(node, ['ss', '-tnH', 'state', 'established', '( sport = :22 )']);
  // "0 0 198.18.0.11:22 198.18.0.1:40022" -> client, client port, server, server port
  const ssh = ss.stdout.split('\n').filter(Boolean).map((l) => {
    const [local, peer] = l.trim().split(/\s+/).slice(-2) as [string, string];
    const split = (ep: string) => [ep.slice(0, ep.lastIndexOf(':')).replace(/^\[|\]$/g, ''), ep.slice(ep.lastIndexOf(':') + 1)];
    const [s, sp] = split(local);
    const [c, cp] = split(peer);
    return `${c} ${cp} ${s} ${sp}`;
  });
  return { ssh, tcpdump };
}

const ownPackets = (file: string, tuple: string) => {
  const [c, cp, s, sp] = tuple.split(' ');
  return tcpdumpRead(file, ['tcp', 'and', 'host', c!, 'and', 'port', cp!, 'and', 'host', s!, 'and', 'port', sp!]);
};

describe('a capture never records netwatch\'s own SSH session', () => {
  it('an unfiltered capture of a node\'s NIC holds the traffic and not one packet of netwatch\'s SSH connection', async () => {
    const file = `${lab.dir}/unfiltered.pcap`;
    const run = runNetwatch(['capture', 'oc-1:eth0', '-F', lab.sshConfigPath, '--seconds', '4', '-w', file]);
    const node = await onTheNode('oc-1');
    await traffic(3);
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(node.ssh).toHaveLength(1); // netwatch's: nothing else logs in to oc-1 during the test
    const all = tcpdumpRead(file);
    const udp = tcpdumpRead(file, ['udp', 'port', '9999']);
    const tcp = tcpdumpRead(file, ['tcp']);
    const own = ownPackets(file, node.ssh[0]!);
    console.log(`[figure] unfiltered capture of oc-1:eth0: ${all.length} packets (${udp.length} UDP, ${tcp.length} TCP), ${own.length} of netwatch's SSH connection`);
    expect(own).toEqual([]);
    expect(tcpdumpRead(file, ['tcp', 'port', '22'])).toEqual([]);
    expect(udp.length).toBeGreaterThanOrEqual(20);
    expect(tcp.length).toBeGreaterThan(10);
    // said before the start, and what the node applied
    expect(r.stderr).toContain("capture on oc-1:eth0: everything (no filter), not netwatch's own SSH connection");
    const [c, cp, s, sp] = node.ssh[0]!.split(' ');
    expect(s).toBe(lab.node('oc-1').address);
    expect(r.stderr).toContain(`excluding own SSH ${c}:${cp} > ${s}:${sp}`);
    expect(node.tcpdump).toContain(`-s 128 `);
    expect(node.tcpdump).toContain(`not (tcp and host ${c} and port ${cp} and host ${s} and port ${sp})`);
  }, 90_000);

  it('a user filter that matches the SSH session (tcp) still excludes it; --snaplen 0 keeps whole packets', async () => {
    const file = `${lab.dir}/tcp-udp.pcap`;
    const run = runNetwatch(['capture', 'oc-1:eth0', '-F', lab.sshConfigPath, '--filter', 'tcp or udp', '--snaplen', '0', '--seconds', '4', '-w', file]);
    const node = await onTheNode('oc-1');
    await traffic(3);
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('filter: tcp or udp');
    expect(r.stderr).toContain('whole packets');
    expect(node.ssh).toHaveLength(1);
    const [c, cp, s, sp] = node.ssh[0]!.split(' ');
    expect(node.tcpdump).toContain(' -s 0 ');
    expect(node.tcpdump).toContain(`(tcp or udp) and not (tcp and host ${c} and port ${cp} and host ${s} and port ${sp})`);
    expect(ownPackets(file, node.ssh[0]!)).toEqual([]);
    expect(tcpdumpRead(file, ['tcp']).length).toBeGreaterThan(10);
    const pcap = readPcap(file);
    expect(pcap.snaplen).toBe(262144);
    const big = pcap.records.filter((p) => p.len > 1000);
    expect(big.length).toBeGreaterThanOrEqual(20);
    for (const p of big) expect(p.caplen).toBe(p.len);
  }, 90_000);

  it('--snaplen N reaches tcpdump and cuts packets there; a bad one is a usage error', async () => {
    const file = `${lab.dir}/snap200.pcap`;
    const run = runNetwatch(['capture', 'oc-1:eth0', '-F', lab.sshConfigPath, '--filter', 'udp', '--snaplen', '200', '--seconds', '3', '-w', file]);
    const node = await onTheNode('oc-1');
    await traffic(2);
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(node.tcpdump).toContain(' -s 200 ');
    const pcap = readPcap(file);
    expect(pcap.records.length).toBeGreaterThan(5);
    for (const p of pcap.records) expect(p.caplen).toBe(Math.min(p.len, 200));
    const bad = await runNetwatch(['capture', 'oc-1:eth0', '-F', lab.sshConfigPath, '--snaplen', '64.5', '-w', `${lab.dir}/x.pcap`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--snaplen must be a whole number from 0 to 262144/);
  }, 60_000);

  it('through sudo (which resets the environment) the exclusion comes from the login shell\'s SSH_CONNECTION', async () => {
    const t = new SshTransport(resolveSshHost(`${lab.users.sudo}@oc-1`, { configFile: lab.sshConfigPath, env: {} }), { acceptNewHostKeys: false });
    try {
      await t.ready();
      expect(t.isRoot()).toBe(false);
      const s = new CaptureSession();
      s.start(t, { iface: 'eth0', seconds: 3 });
      const file = `${lab.dir}/sudo.pcap`;
      s.on('status', (st: { kind: string }) => st.kind === 'running' && void s.keepTo(file));
      const node = await onTheNode('oc-1');
      await traffic(2);
      const st = await s.done();
      expect(st.kind, JSON.stringify(st)).toBe('stopped');
      expect(node.ssh).toHaveLength(1);
      const [c, cp, sv, sp] = node.ssh[0]!.split(' ');
      expect(s.ownSsh).toEqual({ client: c, clientPort: Number(cp), server: sv, serverPort: Number(sp) });
      expect(s.appliedFilter).toBe(`not (tcp and host ${c} and port ${cp} and host ${sv} and port ${sp})`);
      expect(s.snapshot(0).parts[0]!.appliedFilter).toBe(s.appliedFilter);
      expect(ownPackets(file, node.ssh[0]!)).toEqual([]);
      expect(tcpdumpRead(file, ['udp', 'port', '9999']).length).toBeGreaterThanOrEqual(10);
    } finally {
      t.close();
    }
  }, 60_000);

  it('-i any excludes it too', async () => {
    const file = `${lab.dir}/any.pcap`;
    const run = runNetwatch(['capture', 'oc-1:any', '-F', lab.sshConfigPath, '--seconds', '3', '-w', file]);
    const node = await onTheNode('oc-1', 'any');
    await traffic(2);
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(node.ssh).toHaveLength(1);
    expect(ownPackets(file, node.ssh[0]!)).toEqual([]);
    expect(tcpdumpRead(file, ['tcp', 'port', '22'])).toEqual([]);
    expect(tcpdumpRead(file, ['udp', 'port', '9999']).length).toBeGreaterThanOrEqual(10);
  }, 60_000);
});
