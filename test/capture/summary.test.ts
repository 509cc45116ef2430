import { describe, expect, it } from 'vitest';
import { SummaryTracker } from '../../src/sources/capture/summary.js';
import { formatPacket } from '../../src/sources/capture/format.js';
import { modelOf, tcpdumpLines } from './fixtures.js';

// en10mb-mixed (see test/fixtures/capture/make-fixtures.sh): a TCP exchange, a SYN to a closed
// port, a SYN to a blackholed address, UDP echo, UDP to a closed port, ICMP echo, a DF datagram
// over a 1400-byte link (frag-needed), a bulk TCP transfer, and one with dropped segments.
describe('summary of en10mb-mixed', () => {
  const lines = tcpdumpLines('en10mb-mixed');
  const m = modelOf('en10mb-mixed');
  const s = m.summary();

  it('counts packets per protocol like tcpdump shows them', () => {
    expect(s.packets).toBe(lines.length);
    const byProto = Object.fromEntries(s.protos.map((p) => [p.proto, p.packets]));
    expect(byProto).toEqual({
      tcp: lines.filter((l) => l.includes('Flags [')).length,
      udp: lines.filter((l) => / IP6? /.test(l) && !l.includes('Flags [') && !l.includes('ICMP')).length,
      icmp: lines.filter((l) => /IP .*: ICMP /.test(l)).length,
      icmp6: lines.filter((l) => l.includes('ICMP6')).length,
      arp: lines.filter((l) => l.includes('ARP,')).length,
    });
  });

  it('tracks handshakes: answered, refused by RST, and the blackholed SYN unanswered', () => {
    expect(s.syn).toMatchObject({ started: 5, answered: 3, refused: 1, icmp: 0, unanswered: 1, pending: 0, retransmits: 3 });
    expect(s.syn.recentUnanswered).toEqual([
      expect.objectContaining({ server: '198.18.202.5:80', syns: 4 }),
    ]);
  });

  it('counts a SYN as unanswered only once it is older than the SYN age', () => {
    const t = new SummaryTracker({ synAge: 1 });
    const packets = m.recent();
    const blackholeSyn = packets.find((p) => p.dst === '198.18.202.5')!;
    for (const p of packets.slice(0, blackholeSyn.n + 1)) t.add(p);
    expect(t.snapshot(blackholeSyn.ts + 0.5).syn).toMatchObject({ unanswered: 0, pending: 1 });
    expect(t.snapshot(blackholeSyn.ts + 1).syn).toMatchObject({ unanswered: 1, pending: 0 });
  });

  it('lists RSTs by sender', () => {
    expect(s.rsts).toBe(lines.filter((l) => /Flags \[R/.test(l)).length);
    expect(s.rstSenders.map((r) => r.key).sort()).toEqual(['198.18.200.1:53700 > 198.18.201.1', '198.18.201.1:9 > 198.18.200.1']);
  });

  it('reports port unreachable and frag-needed with the next-hop MTU', () => {
    expect(s.icmp).toEqual({ unreachable: 1, fragNeeded: 1, packetTooBig: 0, timeExceeded: 0 });
    expect(s.icmpEvents).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'frag-needed', from: '198.18.200.254', about: 'udp > 198.18.201.1:5353', mtu: 1400, count: 1 }),
        expect.objectContaining({ kind: 'unreachable', code: 3, from: '198.18.201.1', about: 'udp > 198.18.201.1:5354' }),
      ]),
    );
  });

  it('finds the retransmissions of the lossy flow, also the ones TSO made a different length', () => {
    // 6 data segments re-sent in 53700 > 8081 (only one with the same seq and length as before),
    // and the 3 SYN retransmissions to the blackholed address
    expect(s.retransmits).toBe(9);
    expect(s.retransmitFlows).toEqual([
      { key: '198.18.200.1:53700 > 198.18.201.1:8081', count: 6 },
      { key: '198.18.200.1:55510 > 198.18.202.5:80', count: 3 },
    ]);
  });

  it('orients top talkers client > server:port, both directions in one row', () => {
    const bulk = s.talkers.find((t) => t.key.endsWith('> 198.18.201.1:8081'))!;
    expect(bulk.key).toBe('tcp 198.18.200.1 > 198.18.201.1:8081');
    expect(bulk.packets).toBe(lines.filter((l) => l.includes('198.18.201.1.8081')).length);
    expect(s.talkers[0]!.packets).toBeGreaterThanOrEqual(s.talkers[1]!.packets);
  });

  it('computes rates on the packet clock', () => {
    expect(s.avgPps).toBeCloseTo(s.packets / (s.last! - s.first!), 6);
    const quiet = m.summary(s.last! + 60);
    expect(quiet.pps).toBe(0);
    // the average is over the whole capture: started 25 s before its first packet
    const late = m.summary(s.last!, s.first! - 25);
    expect(late.avgPps).toBeCloseTo(s.packets / (s.last! - s.first! + 25), 6);
    // a start after the first packet (clock jitter) never shortens the span
    expect(m.summary(s.last!, s.first! + 1).avgPps).toBeCloseTo(s.avgPps, 6);
  });

  it('formats packet lines', () => {
    const out = m.recent().map((p) => formatPacket(p, { utc: true }));
    expect(out.find((l) => l.includes('[S]') && l.includes('198.18.202.5'))).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3}  TCP  198\.18\.200\.1:\d+ > 198\.18\.202\.5:80  \[S\] seq \d+ win 64240 len 0$/,
    );
    expect(out.find((l) => l.includes('frag needed'))).toMatch(
      /ICMP 198\.18\.200\.254 > 198\.18\.200\.1  frag needed, mtu 1400 \(udp 198\.18\.200\.1:\d+ > 198\.18\.201\.1:5353\)$/,
    );
    expect(out.find((l) => l.includes('ARP'))).toMatch(/ARP   who-has 198\.18\.200\.254 tell 198\.18\.200\.1$/);
  });
});

describe('summary bounds', () => {
  it('keeps its maps bounded under many flows, and the top talkers right', () => {
    const t = new SummaryTracker({ maxFlows: 100 });
    const base = modelOf('en10mb-mixed').recent().find((p) => p.tcp && p.tcp.flags === 2)!;
    for (let i = 0; i < 50; i++) t.add({ ...base, dst: '198.18.201.9', n: i });
    for (let i = 0; i < 5000; i++) t.add({ ...base, dport: 1 + i, n: 50 + i, ts: base.ts + i / 1000 });
    const s = t.snapshot(base.ts + 100);
    expect(s.syn.started).toBe(5001);
    expect(s.syn.unanswered).toBe(5001);
    expect(s.syn.retransmits).toBe(49);
    expect(s.talkers.length).toBe(10);
    expect(s.talkers[0]).toMatchObject({ key: `tcp 198.18.200.1 > 198.18.201.9:${base.dport}`, packets: 50 });
  });
});
