import { describe, expect, it } from 'vitest';
import { PcapFormatError, PcapStreamParser, parsePcapHeader } from '../../src/sources/capture/pcap.js';
import { decodePacket, ipv6 } from '../../src/sources/capture/decode.js';
import { tcpFlags } from '../../src/sources/capture/format.js';
import type { Packet } from '../../src/sources/capture/packet.js';
import { FIXTURE_NAMES, fixture, modelOf, tcpdumpLines } from './fixtures.js';

/** the fields tcpdump prints that we decode too */
function checkAgainstTcpdump(p: Packet, line: string): void {
  const [ts] = line.split(' ');
  expect(p.tsSec * 1e6 + Math.floor(p.tsNsec / 1e3)).toBe(Math.round(Number(ts) * 1e6));
  const ip = / (IP6?) (\S+) > (\S+?):? /.exec(line);
  if (line.includes(' ARP, ')) {
    expect(p.proto).toBe('arp');
    const req = /Request who-has (\S+) tell (\S+),/.exec(line);
    if (req) expect([p.arp?.targetIp, p.arp?.senderIp]).toEqual([req[1], req[2]]);
    const rep = /Reply (\S+) is-at (\S+),/.exec(line);
    if (rep) expect([p.arp?.senderIp, p.arp?.senderMac]).toEqual([rep[1], rep[2]]);
    return;
  }
  expect(ip, line).not.toBeNull();
  expect(p.family).toBe(ip![1] === 'IP6' ? 6 : 4);
  const withPort = (a?: string, port?: number) => (port === undefined ? a : `${a}.${port}`);
  expect(withPort(p.src, p.sport)).toBe(ip![2]);
  expect(withPort(p.dst, p.dport)).toBe(ip![3]);
  const flags = /Flags \[([^\]]+)\], seq (\d+)/.exec(line);
  if (flags) {
    expect(p.proto).toBe('tcp');
    expect(tcpFlags(p.tcp!.flags)).toBe(flags[1]);
    expect(p.tcp!.seq).toBe(Number(flags[2]));
    const ack = /, ack (\d+)/.exec(line);
    if (ack) expect(p.tcp!.ack).toBe(Number(ack[1]));
    expect(p.tcp!.dataLen).toBe(Number(/length (\d+)/.exec(line)![1]));
  }
  const udp = /: UDP, length (\d+)/.exec(line);
  if (udp) expect(p.udpLen! - 8).toBe(Number(udp[1]));
  const mtu = /\(mtu (\d+)\)|packet too big, mtu (\d+)/.exec(line);
  if (mtu) expect(p.icmp?.mtu).toBe(Number(mtu[1] ?? mtu[2]));
  const echo = /echo (request|reply), id (\d+), seq (\d+)/.exec(line);
  if (echo) expect([p.icmp?.kind, p.icmp?.id, p.icmp?.seq]).toEqual([`echo-${echo[1]}`, Number(echo[2]), Number(echo[3])]);
  const unreach = /ICMP (\S+) udp port (\d+) unreachable/.exec(line) ?? /unreachable port, (\S+) udp port (\d+)/.exec(line);
  if (unreach) {
    expect(p.icmp?.kind).toBe('unreachable');
    expect([p.icmp?.inner?.dst, p.icmp?.inner?.dport]).toEqual([unreach[1], Number(unreach[2])]);
  }
}

describe('pcap stream + decoder, against tcpdump -r of the same files', () => {
  for (const name of FIXTURE_NAMES) {
    it(name, () => {
      const lines = tcpdumpLines(name);
      const m = modelOf(name);
      const packets = m.recent();
      expect(packets.length).toBe(lines.length);
      packets.forEach((p, i) => checkAgainstTcpdump(p, lines[i]!));
    });
  }

  it('gives the same packets whatever the chunk boundaries', () => {
    const whole = modelOf('en10mb-mixed').recent();
    for (const chunk of [1, 7, 16, 23, 24, 25, 100, 4095]) {
      expect(modelOf('en10mb-mixed', chunk).recent()).toEqual(whole);
    }
  });
});

describe('pcap header', () => {
  it('reads both byte orders and both time precisions', () => {
    const le = parsePcapHeader(fixture('en10mb-mixed'));
    const be = parsePcapHeader(fixture('en10mb-bigendian'));
    const ns = parsePcapHeader(fixture('en10mb-nano'));
    expect(le).toMatchObject({ littleEndian: true, nanoseconds: false, snaplen: 128, linktype: 1, versionMajor: 2, versionMinor: 4 });
    expect(be).toMatchObject({ littleEndian: false, nanoseconds: false, snaplen: 128, linktype: 1, versionMajor: 2, versionMinor: 4 });
    expect(ns).toMatchObject({ littleEndian: true, nanoseconds: true, linktype: 1 });
    expect(parsePcapHeader(fixture('sll-any')).linktype).toBe(113);
    expect(parsePcapHeader(fixture('sll2-any')).linktype).toBe(276);
    expect(parsePcapHeader(fixture('raw-tun')).linktype).toBe(101);
  });

  it('keeps nanoseconds from a nanosecond file', () => {
    const p = modelOf('en10mb-nano').recent();
    expect(p.some((x) => x.tsNsec % 1000 !== 0)).toBe(true);
  });

  it('refuses pcapng and garbage with a clear error', () => {
    const ng = Buffer.alloc(28);
    ng.writeUInt32BE(0x0a0d0d0a, 0);
    expect(() => new PcapStreamParser().push(ng)).toThrow(/pcapng/);
    expect(() => new PcapStreamParser().push(Buffer.from('tcpdump: eth0: No such device exists\n'))).toThrow(PcapFormatError);
  });

  it('refuses a record header claiming more than libpcap allows, at once', () => {
    const b = fixture('en10mb-mixed');
    const corrupt = Buffer.from(b.subarray(0, 24 + 16));
    corrupt.writeUInt32LE(16 * 1024 * 1024 - 1, 24 + 8); // caplen ~16 MiB
    const parser = new PcapStreamParser();
    const t0 = performance.now();
    expect(() => parser.push(corrupt)).toThrow(/corrupt stream/);
    expect(performance.now() - t0).toBeLessThan(10);
    // the largest record libpcap writes is still taken
    const big = Buffer.alloc(24 + 16 + 262_144);
    b.copy(big, 0, 0, 24);
    big.writeUInt32LE(262_144, 24 + 8);
    big.writeUInt32LE(262_144, 24 + 12);
    expect(new PcapStreamParser().push(big)).toHaveLength(1);
  });

  it('joins a record that arrives in many small chunks once, not per chunk', () => {
    const rec = Buffer.alloc(24 + 16 + 200_000);
    fixture('en10mb-mixed').copy(rec, 0, 0, 24);
    rec.writeUInt32LE(200_000, 24 + 8);
    rec.writeUInt32LE(200_000, 24 + 12);
    const parser = new PcapStreamParser();
    const out = [];
    for (let i = 0; i < rec.length; i += 100) out.push(...parser.push(rec.subarray(i, i + 100)));
    expect(out).toHaveLength(1);
    expect(out[0]!.caplen).toBe(200_000);
    expect(parser.pendingBytes()).toBe(0);
  });

  it('waits for a split header and a split record', () => {
    const b = fixture('en10mb-mixed');
    const parser = new PcapStreamParser();
    expect(parser.push(b.subarray(0, 10))).toEqual([]);
    expect(parser.header).toBeNull();
    expect(parser.push(b.subarray(10, 30))).toEqual([]);
    expect(parser.header?.linktype).toBe(1);
    expect(parser.pendingBytes()).toBe(6);
  });
});

describe('decoder details', () => {
  it('reads 802.1Q and 802.1ad (QinQ) tags', () => {
    const p = modelOf('vlan').recent();
    expect(p.map((x) => x.vlans)).toEqual([[100], [100], [200, 100]]);
    expect(p[2]).toMatchObject({ proto: 'udp', src: '198.18.203.1', dport: 5353 });
  });

  it('reads direction and ifindex from Linux cooked headers', () => {
    const v1 = modelOf('sll-any').recent();
    const v2 = modelOf('sll2-any').recent();
    expect(new Set(v1.map((x) => x.direction))).toContain('out');
    expect(new Set(v1.map((x) => x.direction))).toContain('in');
    expect(v2.every((x) => typeof x.ifindex === 'number' && x.ifindex > 0)).toBe(true);
  });

  it('decodes ICMP frag-needed with the next-hop MTU and the packet it is about', () => {
    const p = modelOf('en10mb-mixed').recent().find((x) => x.icmp?.kind === 'frag-needed')!;
    expect(p.src).toBe('198.18.200.254');
    expect(p.icmp).toMatchObject({ type: 3, code: 4, mtu: 1400 });
    expect(p.icmp!.inner).toMatchObject({ src: '198.18.200.1', dst: '198.18.201.1', ipProto: 17, dport: 5353 });
  });

  it('decodes ICMPv6 packet too big (synthetic: no IPv6 router in the fixture namespaces)', () => {
    const [p] = modelOf('icmp6-ptb-synthetic').recent();
    expect(p!.icmp).toMatchObject({ kind: 'packet-too-big', mtu: 1280 });
    expect(p!.icmp!.inner).toMatchObject({ src: 'fe80::1', dst: 'fe80::2', ipProto: 6, sport: 43210, dport: 8082 });
  });

  it('marks a packet cut inside a header as truncated and keeps what was complete', () => {
    const b = fixture('en10mb-mixed');
    const parser = new PcapStreamParser();
    const recs = parser.push(b);
    const syn = recs.map((r, i) => decodePacket(1, r, i)).find((p) => p.tcp)!;
    const rec = recs[syn.n]!;
    const cut = decodePacket(1, { ...rec, data: rec.data.subarray(0, 14 + 20 + 6), caplen: 40 }, 0);
    expect(cut).toMatchObject({ truncated: true, proto: 'tcp', sport: syn.sport, dport: syn.dport });
    expect(cut.tcp).toBeUndefined();
  });

  it('writes IPv6 addresses the RFC 5952 way', () => {
    const a = (hex: string) => ipv6(Buffer.from(hex, 'hex'), 0);
    expect(a('fe800000000000000000000000000001')).toBe('fe80::1');
    expect(a('20010db8000000010000000000000001')).toBe('2001:db8:0:1::1');
    expect(a('20010db8000100000001000000000001')).toBe('2001:db8:1:0:1::1');
    expect(a('00000000000000000000000000000000')).toBe('::');
    expect(a('20010db8000000000001000000000000')).toBe('2001:db8:0:0:1::');
  });
});
