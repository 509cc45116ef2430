import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Assembler } from '../../src/sources/parsers/assemble.js';
import { parseConntrackS, parseConntrackStat } from '../../src/sources/parsers/conntrack.js';
import { parseFacts } from '../../src/sources/parsers/facts.js';
import { parseFrame, splitGrepBundle } from '../../src/sources/parsers/frame.js';
import { parseIpLinkDetail } from '../../src/sources/parsers/links.js';
import { parseKmsgLine } from '../../src/sources/parsers/kmsg.js';
import { parseFdb, parseNeighbours, parseRoutes } from '../../src/sources/parsers/net.js';
import { parseNetDev } from '../../src/sources/parsers/netdev.js';
import { parseCgroupPath, parsePodCgroups, parsePodPeers } from '../../src/sources/parsers/podcgroups.js';
import { parseAwkStates, parseProcNetTcpStates, parseSsCounts, parseTcpCounters } from '../../src/sources/parsers/tcp.js';

const fx = (name: string) => readFileSync(new URL(`../fixtures/node/${name}`, import.meta.url), 'utf8').split('\n').filter((l) => l !== '');

describe('conntrack', () => {
  it('sums the per-CPU rows of the current 17-column layout (clashres)', () => {
    const s = parseConntrackStat(fx('nf_conntrack.stat.host'));
    expect(s).toEqual({ found: 0, invalid: 0, insert: 0, insertFailed: 0, drop: 0, earlyDrop: 0, error: 0, searchRestart: 0 });
  });
  it('reads the old layout by column name (searched, delete_list)', () => {
    const s = parseConntrackStat(fx('nf_conntrack.stat.linux4.14'));
    expect(s.found).toBe(0x1b8c2 + 0x1c001);
    expect(s.invalid).toBe(0xc1e + 0xb07);
    expect(s.insertFailed).toBe(4);
    expect(s.drop).toBe(7);
    expect(s.earlyDrop).toBe(1);
    expect(s.error).toBe(0x2a + 0x19);
    expect(s.searchRestart).toBe(0x11 + 0x9);
  });
  it('parses conntrack -S', () => {
    expect(parseConntrackS(fx('conntrack-S.host')).found).toBe(0);
    expect(parseConntrackS(['cpu=0 found=3 invalid=7 insert=0 insert_failed=2 drop=5 early_drop=1 error=4 search_restart=9', 'cpu=1 found=1 drop=1'])).toEqual({
      found: 4, invalid: 7, insert: 0, insertFailed: 2, drop: 6, earlyDrop: 1, error: 4, searchRestart: 9,
    });
  });
  it('refuses text that is not a stat file', () => {
    expect(() => parseConntrackStat(['garbage'])).toThrow();
    expect(() => parseConntrackS(['nothing here'])).toThrow();
  });
});

describe('interfaces', () => {
  it('reads /proc/net/dev', () => {
    const m = parseNetDev(fx('net_dev.host'));
    expect(m.get('lo')).toBeDefined();
    const raw = fx('net_dev.host').find((l) => l.trim().startsWith('eth0:'))!.split(':')[1]!.trim().split(/\s+/).map(Number);
    expect(m.get('eth0')).toMatchObject({ rxBytes: raw[0], rxPackets: raw[1], rxDropped: raw[3], txBytes: raw[8], txDropped: raw[11] });
  });
  it('reads kinds, masters, peers and netns ids from ip -o -d link', () => {
    const l = new Map(parseIpLinkDetail(fx('ip-o-d-link.lab-n1')).map((d) => [d.name, d]));
    expect(l.get('lo')!.kind).toBe('loopback');
    expect(l.get('cbr0')).toMatchObject({ kind: 'bridge', state: 'UP', mtu: 1500 });
    const veths = [...l.values()].filter((d) => d.kind === 'veth');
    expect(veths.length).toBeGreaterThanOrEqual(3); // uplink eth0 and the pods' veths
    const pod = veths.find((d) => d.name.startsWith('veth'))!;
    expect(pod).toMatchObject({ master: 'cbr0', linkNetnsId: expect.any(Number) });
    expect(pod.peer).toMatch(/^if\d+$/);
    const bn = parseIpLinkDetail(fx('ip-o-d-link.bridge-netns'));
    expect(bn.find((d) => d.name === 'vp1')).toMatchObject({ kind: 'veth', peer: 'vb1' });
    // a peer in a named namespace: `link-netns cni-…`, no id
    const named = parseIpLinkDetail(fx('ip-o-d-link.named-netns')).find((d) => d.kind === 'veth')!;
    expect(named).toMatchObject({ name: 'veth3a1f0c2e', linkNetns: 'cni-5f1c2a3b-0d4e-6f78-9a0b-1c2d3e4f5a6b', linkNetnsId: undefined });
  });
});

describe('routes, neighbours, fdb', () => {
  it('finds the /32 routes of a routed node', () => {
    const r = parseRoutes(fx('ip-route.lab-n2'), 4);
    expect(r[0]).toMatchObject({ dst: 'default', gateway: '198.18.0.1', dev: 'eth0' });
    expect(r.filter((x) => x.dev?.startsWith('cali') && x.scope === 'link')).toHaveLength(2);
  });
  it('reads neighbour states', () => {
    const n = parseNeighbours(['198.19.1.10 dev cbr0 lladdr 02:8c:66:dc:29:0a REACHABLE', '10.0.0.9 dev eth0 FAILED', 'fe80::1 dev eth0 lladdr 00:11:22:33:44:55 router STALE', '10.0.0.8 dev eth0  INCOMPLETE']);
    expect(n.map((x) => x.state)).toEqual(['REACHABLE', 'FAILED', 'STALE', 'INCOMPLETE']);
    expect(n[2]!.router).toBe(true);
    expect(parseNeighbours(fx('ip-neigh.lab-n1')).every((x) => x.dev === 'cbr0' || x.dev === 'eth0')).toBe(true);
  });
  it('tells learned bridge entries from self/permanent ones', () => {
    const f = parseFdb(fx('bridge-fdb.lab-n1'));
    const learned = f.filter((e) => e.master === 'cbr0' && !e.permanent && !e.self);
    expect(learned).toHaveLength(2);
    expect(f.filter((e) => e.self).length).toBeGreaterThan(0);
  });
});

describe('tcp', () => {
  it('reads the per-state counts of ss -tan made on the node, with /proc/net/tcp names', () => {
    const c = parseSsCounts(fx('ss-tan-counts.lab-n1'));
    expect(c.ESTABLISHED).toBeGreaterThan(0);
    expect(c.TIME_WAIT).toBeGreaterThan(0);
    expect(c.LISTEN).toBeGreaterThan(0);
    expect(Object.keys(c).every((k) => /^[A-Z_0-9]+$/.test(k) && !k.includes('-'))).toBe(true);
    expect(parseSsCounts(['ESTAB 52', 'TIME-WAIT 40', 'FIN-WAIT-1 2', 'State 1', 'garbage'])).toEqual({ ESTABLISHED: 52, TIME_WAIT: 40, FIN_WAIT1: 2 });
  });
  it('reads the fallback count of /proc/net/tcp{,6} made on the node without ss, with the same names', () => {
    expect(parseAwkStates(fx('proc-net-tcp-awk.lab-n1'))).toEqual({ TIME_WAIT: 20, LISTEN: 2, ESTABLISHED: 50 });
  });
  it('assembles the tcpss section into TCP states', () => {
    const a = new Assembler();
    const g = (path: string, lines: string[]) => lines.map((l) => `.${path}:${l}`);
    const body = ['@@ grep', ...g('/proc/uptime', ['5.0 1.0']), ...g('/proc/net/dev', fx('net_dev.host')), '@@ tcpss', ...fx('ss-tan-counts.lab-n1').map((l) => `.${l}`)];
    expect(a.assemble(parseFrame(0, body), 0, 1, []).tcp).toEqual({ status: 'ok', data: { ESTABLISHED: 50, LISTEN: 2, TIME_WAIT: 20 } });
    const failed = [...body.slice(0, -3), '@@ tcpss', '@@ tcpss !exit 1'];
    expect(a.assemble(parseFrame(1, failed), 0, 1, []).tcp).toMatchObject({ status: 'error' });
  });
  it('counts states from /proc/net/tcp', () => {
    const lines = ['  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode', '   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0', '   1: 0B0012C6:9C40 630012C6:0050 02 00000001:00000000 01:00000043 00000002     0        0 2 1 0 100 0 0 10 0'];
    expect(parseProcNetTcpStates(lines)).toEqual({ LISTEN: 1, SYN_SENT: 1 });
  });
  it('reads the Tcp counters of /proc/net/snmp and sockstat', () => {
    const c = parseTcpCounters(fx('snmp.host'), fx('sockstat.host'));
    const tcp = fx('snmp.host').filter((l) => l.startsWith('Tcp:'));
    const keys = tcp[0]!.split(/\s+/);
    const vals = tcp[1]!.split(/\s+/);
    expect(c.attemptFails).toBe(Number(vals[keys.indexOf('AttemptFails')]));
    expect(c.outRsts).toBe(Number(vals[keys.indexOf('OutRsts')]));
    expect(c.inuse).toBeTypeOf('number');
  });
});

describe('pods by cgroup', () => {
  it('finds pod UIDs and container IDs for both cgroup drivers', () => {
    const a = parsePodCgroups(fx('podcg.lab-n1'));
    const b = parsePodCgroups(fx('podcg-all.lab-n2'));
    expect(a.size).toBe(2);
    expect(b.size).toBe(2);
    for (const p of [...a.values(), ...b.values()]) {
      expect(p.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(p.containerIds[0]).toMatch(/^[0-9a-f]{64}$/);
      expect(p.pids.length).toBeGreaterThan(0);
    }
  });
  it('reads the paths kubelet and the runtimes write (v1, v2, containerd, docker, cri-o)', () => {
    const id = 'a'.repeat(64);
    const cases = [
      `/kubepods/burstable/pod0a1b2c3d-1111-2222-3333-444455556666/${id}`,
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0a1b2c3d_1111_2222_3333_444455556666.slice/cri-containerd-${id}.scope`,
      `/kubepods.slice/kubepods-pod0a1b2c3d_1111_2222_3333_444455556666.slice/docker-${id}.scope`,
      `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0a1b2c3d_1111_2222_3333_444455556666.slice/crio-${id}.scope`,
    ];
    for (const c of cases) expect(parseCgroupPath(c)).toEqual({ uid: '0a1b2c3d-1111-2222-3333-444455556666', containerId: id });
    expect(parseCgroupPath('/system.slice/sshd.service')).toEqual({});
  });
  it('reads pod peers', () => {
    expect(parsePodPeers(['35 eth0@if7', '36 host', 'junk', '37 eth0@if12 3 0', '38 eth0@if9 2 -'])).toEqual(
      new Map<number, unknown>([[35, { peer: 7 }], [36, 'host'], [37, { peer: 12, eth0Index: 3, linkNetnsId: 0 }], [38, { peer: 9, eth0Index: 2 }]]),
    );
  });
});

describe('sampler frames', () => {
  function frames(file: string) {
    const out: { seq: number; body: string[] }[] = [];
    let cur: { seq: number; body: string[] } | undefined;
    for (const l of fx(file)) {
      if (l.startsWith('@@NW B ')) cur = { seq: Number(l.slice(7)), body: [] };
      else if (l.startsWith('@@NW E ')) out.push(cur!);
      else cur?.body.push(l);
    }
    return out;
  }
  it('splits the grep bundle back into its files', () => {
    const [f0] = frames('sampler-frames.lab-n1');
    const files = splitGrepBundle(parseFrame(0, f0!.body).sections.get('grep')!);
    expect(files.get('/proc/uptime')![0]).toMatch(/^\d+\.\d+ \d+\.\d+$/);
    expect(files.get('/proc/sys/net/netfilter/nf_conntrack_count')![0]).toMatch(/^\d+$/);
    expect(files.get('/proc/net/stat/nf_conntrack')![0]).toMatch(/^entries/);
    expect(files.get('/proc/net/dev')![0]).toMatch(/^Inter-\|/);
    expect(files.get('/proc/net/dev')!.some((l) => l.trim().startsWith('cbr0:'))).toBe(true);
    expect(files.get('/proc/net/snmp')![0]).toMatch(/^Ip: /);
    expect(files.get('/proc/net/sockstat')![0]).toMatch(/^sockets:/);
    expect(files.get('/sys/class/net/cbr0/operstate')).toEqual(['up']);
    expect(files.get('/sys/class/net/cbr0/mtu')).toEqual(['1500']);
  });
  it('assembles complete interfaces on every tick, full or fast', () => {
    const fr = frames('sampler-frames.lab-n1');
    const a = new Assembler();
    const s0 = a.assemble(parseFrame(0, fr[0]!.body), 1000, 5, []);
    const s1 = a.assemble(parseFrame(1, fr[1]!.body), 2000, 5, []);
    expect(s0.interfaces.status).toBe('ok');
    expect(s1.interfaces).toEqual({ status: 'ok', data: expect.any(Array) });
    const i0 = s0.interfaces.status === 'ok' ? s0.interfaces.data : [];
    const i1 = s1.interfaces.status === 'ok' ? s1.interfaces.data : [];
    expect(i1.map((i) => [i.name, i.kind, i.mtu, i.master, i.ifindex])).toEqual(i0.map((i) => [i.name, i.kind, i.mtu, i.master, i.ifindex]));
    expect(i0.find((i) => i.name === 'cbr0')).toMatchObject({ kind: 'bridge', adminUp: true });
    expect(s0.conntrack.status).toBe('ok');
    expect(s0.routes4?.status).toBe('ok');
    expect(s0.podCgroups?.status === 'ok' && s0.podCgroups.data.length).toBe(2);
    expect(s0.facts?.status === 'ok' && s0.facts.data.hostname).toBe('n1');
    expect(s1.routes4).toBeUndefined();
    expect(s0.fdb?.status).toBe('ok');
    expect(s1.fdb).toBeUndefined();
    expect(s1.routes6).toBeUndefined();
    expect(a.needIdentity).toBe(false);
  });
  it('a routed node (no bridge) has no fdb: no data, said on the r tick', () => {
    const fr = frames('sampler-frames.lab-n2');
    const a = new Assembler();
    expect(a.assemble(parseFrame(0, fr[0]!.body), 1000, 5, []).fdb).toEqual({ status: 'nodata', reason: 'no bridge on the node' });
    expect(a.assemble(parseFrame(1, fr[1]!.body), 2000, 5, []).fdb).toBeUndefined();
  });
  it('reports a missing conntrack module as no data, not as an error', () => {
    const a = new Assembler();
    const g = (path: string, lines: string[]) => lines.map((l) => `.${path}:${l}`);
    const body = ['@@ grep', ...g('/proc/uptime', ['5.0 1.0']), ...g('/proc/net/dev', fx('net_dev.host')), ...g('/proc/net/snmp', fx('snmp.host')), './sys/class/net/lo/operstate:unknown'];
    const s = a.assemble(parseFrame(0, body), 0, 1, []);
    expect(s.conntrack.status).toBe('nodata');
    expect(s.interfaces.status).toBe('ok');
    expect(s.tcpCounters.status).toBe('ok');
  });
});

describe('kernel log and facts', () => {
  it('reads /dev/kmsg records', () => {
    expect(parseKmsgLine('K 4,1234,5678901,-;nf_conntrack: table full, dropping packet')).toEqual({ seq: 1234, usec: 5678901, text: 'nf_conntrack: table full, dropping packet' });
    expect(parseKmsgLine('sudo: a password is required')).toBeUndefined();
  });
  it('reads facts with grep -H sysctls', () => {
    const f = parseFacts(['hostname n1', 'os "Debian GNU/Linux 12 (bookworm)"', 'memtotal 24683656', 'sysctl net/ipv4/ip_forward:1', 'sysctl net/ipv4/ip_local_port_range:32768\t60999', 'selinux 0']);
    expect(f).toEqual({ hostname: 'n1', os: 'Debian GNU/Linux 12 (bookworm)', memTotalKb: 24683656, sysctl: { 'net.ipv4.ip_forward': '1', 'net.ipv4.ip_local_port_range': '32768 60999' }, selinuxEnforcing: false });
  });
});
