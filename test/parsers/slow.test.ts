import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAgents } from '../../src/sources/parsers/agents.js';
import { parseHairpin } from '../../src/sources/parsers/hairpin.js';
import { NFT_FULL_EVERY, parseIptablesSave, parseIptablesVersion, parseNftMark, parseRule, parseSlowIpt, splitWords } from '../../src/sources/parsers/iptables.js';
import { Assembler } from '../../src/sources/parsers/assemble.js';
import { parseFrame } from '../../src/sources/parsers/frame.js';
import { compressIpv6, parseIpvs, parseIpvsConnCounts } from '../../src/sources/parsers/ipvs.js';

const fx = (p: string) => readFileSync(new URL(`../fixtures/${p}`, import.meta.url), 'utf8').split('\n');

describe('iptables-save', () => {
  it('reads a Cilium node with kube-proxy in IPVS mode (nat table)', () => {
    const r = parseIptablesSave(fx('iptables/iptables-save-nat.cilium-kube-proxy-ipvs.txt'), 'h');
    const nat = r.tables.nat!;
    expect(Object.keys(r.tables)).toEqual(['nat']);
    expect(nat.PREROUTING!.policy).toBe('ACCEPT');
    expect(nat['KUBE-SERVICES']!.policy).toBeUndefined();
    // declared but empty: kube-proxy IPVS mode puts no rule in KUBE-MARK-DROP here
    expect(nat['KUBE-MARK-DROP']!.rules).toEqual([]);
    expect(nat['KUBE-SERVICES']!.rules).toHaveLength(5);
    expect(r.ruleCount).toBe(26);
    const masq = nat['KUBE-SERVICES']!.rules[1]!;
    expect(masq).toMatchObject({ source: '!10.42.0.0/16', target: 'KUBE-MARK-MASQ', comment: 'Kubernetes service cluster ip + port for masquerade purpose' });
    const out = nat.OUTPUT!.rules[2]!;
    expect(out).toMatchObject({ dest: '!127.0.0.0/8', target: 'DOCKER' });
    expect(nat.POSTROUTING!.rules[2]).toMatchObject({ source: '172.17.0.0/16', outIface: '!docker0', target: 'MASQUERADE' });
  });

  for (const b of ['legacy', 'nft'] as const) {
    it(`reads real iptables-${b}-save output of kube-proxy-shaped rules`, () => {
      const r = parseIptablesSave(fx(`iptables/iptables-${b}-save.netns-kube-proxy-3svc.txt`));
      expect(r.ruleCount).toBe(31);
      expect(Object.keys(r.tables).sort()).toEqual(['filter', 'nat']);
      const nat = r.tables.nat!;
      expect(Object.keys(nat).filter((c) => c.startsWith('KUBE-SVC-'))).toHaveLength(3);
      expect(nat['KUBE-SERVICES']!.rules[0]).toMatchObject({ dest: '198.19.0.0/32', proto: 'tcp', dport: '80', comment: 'ns0/svc-0:http cluster IP' });
      const sep = Object.entries(nat).find(([c]) => c.startsWith('KUBE-SEP-'))![1];
      expect(sep.rules[1]).toMatchObject({ target: 'DNAT', toDestination: '198.18.100.0:8080', proto: 'tcp' });
      expect(r.tables.filter!.FORWARD!.policy).toBe('ACCEPT');
    });
  }

  it('splits quoted words with escapes and keeps negation on the value', () => {
    expect(splitWords('-m comment --comment "a \\"b\\" c" -j X')).toEqual(['-m', 'comment', '--comment', 'a "b" c', '-j', 'X']);
    expect(parseRule('! -i lo -p tcp ! --dport 22 -g KUBE-X')).toMatchObject({ inIface: '!lo', proto: 'tcp', dport: '!22', target: 'KUBE-X' });
  });

  it('reads iptables -V', () => {
    expect(parseIptablesVersion(['iptables v1.8.9 (nf_tables)'])).toEqual({ version: 'iptables v1.8.9 (nf_tables)', mode: 'nft' });
    expect(parseIptablesVersion(['iptables v1.8.9 (legacy)']).mode).toBe('legacy');
    expect(parseIptablesVersion(['iptables v1.6.1']).mode).toBe('legacy');
  });

  it('reads slow.sh answers: changed (hash + text + counts) and unchanged (hash + counts)', () => {
    const ch = parseSlowIpt(['hash abc123', '*filter', ':INPUT ACCEPT', '-A INPUT -j DROP', 'COMMIT', '', '@@counts', 'count filter 1']);
    expect(ch).toEqual({ hash: 'abc123', same: false, text: ['*filter', ':INPUT ACCEPT', '-A INPUT -j DROP', 'COMMIT', ''], counts: { filter: 1 } });
    expect(parseSlowIpt(['same abc123', 'count filter 1', 'count nat 0'])).toEqual({ hash: 'abc123', same: true, text: [], counts: { filter: 1, nat: 0 } });
    expect(() => parseSlowIpt(['hash $(reboot)'])).toThrow();
    // slow.sh now answers "same H" alone
    expect(parseSlowIpt(['same abc123'])).toEqual({ hash: 'abc123', same: true, text: [], counts: {} });
  });

  it('reads the nft watcher mark (four numbers) and nothing else', () => {
    expect(parseNftMark(['9683.149294.19040.1'])).toBe('9683.149294.19040.1');
    for (const bad of [[], [''], ['9683.149294.19040'], ['1.2.3.4 ; reboot'], ['1.2.3.4\x1b[2J'], ['a.b.c.d']]) expect(parseNftMark(bad)).toBeUndefined();
  });

  it('sends the watcher mark back, and a count of 0 (full save) every NFT_FULL_EVERY-th read, when asked, and without a copy', () => {
    const a = new Assembler();
    const answer = (seq: number, mark: string[], nft: string[]) =>
      a.assemble(parseFrame(seq, ['@@ iptv', '.iptables v1.8.9 (nf_tables)', '@@ nftmark', ...mark.map((l) => `.${l}`), '@@ ipt_nft', ...nft.map((l) => `.${l}`)]), 0, 1, []);
    expect(a.nftMarkForRequest()).toBe('-');
    answer(0, ['7.8.9.3'], ['hash ab', '*filter', ':INPUT ACCEPT', '-A INPUT -j DROP', 'COMMIT', '', '@@counts', 'count filter 1']);
    const sent: string[] = [];
    for (let i = 0; i < 2 * NFT_FULL_EVERY; i++) {
      sent.push(a.nftMarkForRequest());
      answer(i + 1, ['7.8.9.3'], ['same ab']);
    }
    // reads 2..10 skip the save; the 11th (and the 21st) asks for it in full
    expect(sent.slice(0, NFT_FULL_EVERY - 1).every((m) => m === '7.8.9.3')).toBe(true);
    expect(sent[NFT_FULL_EVERY - 1]).toBe('7.8.9.0');
    expect(sent.filter((m) => m === '7.8.9.0')).toHaveLength(2);
    expect(a.nftMarkForRequest(true)).toBe('7.8.9.0');
    // the watcher is gone: no mark (the node starts one)
    answer(99, [], ['same ab']);
    const gone = a.assemble(parseFrame(100, ['@@ nftmark', '@@ nftmark !nowatch xtables-monitor did not start', '@@ ipt_nft', '.same ab']), 0, 1, []);
    expect(gone.iptables?.status).toBe('ok');
    expect(a.nftMarkForRequest()).toBe('-');
    // an error in the nft answer drops the copy: the mark goes with a count of 0 (same watcher, full save)
    answer(101, ['7.8.9.5'], ['same ab']);
    answer(102, ['7.8.9.5'], ['same zz']);
    expect(a.knownHash('nft')).toBeUndefined();
    expect(a.nftMarkForRequest()).toBe('7.8.9.0');
  });
});

describe('ipvs', () => {
  it('reads /proc/net/ip_vs in the kernel format (hex IPv4, [IPv6], FWM)', () => {
    const s = parseIpvs(fx('ipvs/proc-net-ip_vs.kernel-format.txt'));
    expect(s).toEqual([
      { proto: 'TCP', addr: '10.96.0.1', port: 443, scheduler: 'rr', reals: [{ addr: '192.168.0.10', port: 6443, weight: 1, active: 3, inactive: 0 }] },
      { proto: 'TCP', addr: 'fd00:10:96::a', port: 53, scheduler: 'rr', reals: [{ addr: 'fd00:10:244:1::5', port: 53, weight: 1, active: 0, inactive: 2 }] },
      { proto: 'FWM', addr: '258', port: 0, scheduler: 'rr', reals: [] },
    ]);
  });
  it('reads the node-counted ip_vs_conn', () => {
    expect(parseIpvsConnCounts(['TCP 0A600001 01BB SYN_RECV 23', 'TCP 0A600001 01BB ESTABLISHED 2', 'TCP fd00:0010:0096:0000:0000:0000:0000:000a 0035 SYN_RECV 1'])).toEqual({
      'TCP 10.96.0.1:443': { SYN_RECV: 23, ESTABLISHED: 2 },
      'TCP [fd00:10:96::a]:53': { SYN_RECV: 1 },
    });
    expect(compressIpv6('0000:0000:0000:0000:0000:0000:0000:0001')).toBe('::1');
  });
});

describe('agents and hairpin', () => {
  it('ages agents from starttime and uptime', () => {
    expect(parseAgents(['uptime 1000.50', 'hz 100', 'kube-proxy 812 50000', 'calico-node 90 10050'])).toEqual([
      { name: 'calico-node', pid: 90, ageSec: 900 },
      { name: 'kube-proxy', pid: 812, ageSec: 501 },
    ]);
  });
  it('reads conntrack -L and /proc/net/nf_conntrack hairpin lines', () => {
    const l1 = 'tcp      6 118 SYN_SENT src=198.18.1.5 dst=198.19.0.7 sport=40000 dport=80 [UNREPLIED] src=198.18.1.5 dst=198.18.1.5 sport=8080 dport=40000 mark=0 use=1';
    const l2 = 'ipv4     2 tcp      6 110 SYN_SENT src=198.18.1.6 dst=198.19.0.8 sport=41000 dport=443 [UNREPLIED] src=198.18.1.6 dst=198.18.1.1 sport=8443 dport=41000 mark=0 zone=0 use=2';
    expect(parseHairpin([l1, l2])).toEqual([
      { proto: 'tcp', src: '198.18.1.5', dst: '198.19.0.7', dport: 80, state: 'SYN_SENT' },
      { proto: 'tcp', src: '198.18.1.6', dst: '198.19.0.8', dport: 443, state: 'SYN_SENT' },
    ]);
  });
});
