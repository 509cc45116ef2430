/**
 * The rule-set parsers on real output, named after where it came from (each fixture has a
 * sibling .source saying which repo, path, commit or capture): `nft list ruleset` of kube-proxy's
 * nftables mode (kubernetes/kubernetes' own expected rules loaded into a netns, and a published
 * cluster node), nft's view of iptables-nft tables, `iptables -S` of a Calico node, iptables-save
 * of a Cilium node with kube-proxy in IPVS mode and of kube-proxy in iptables mode; and the
 * iptables checks on them: CNI chains (cali-*, CILIUM_*) raise no kube-proxy flag, nftables mode
 * is told from the nft rule set. Also the real slow.sh nftrs section, with a stand-in `nft`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Assembler } from '../../src/sources/parsers/assemble.js';
import { parseFrame } from '../../src/sources/parsers/frame.js';
import { parseIptablesS, parseIptablesSave } from '../../src/sources/parsers/iptables.js';
import { kubeProxyNft, nftRuleCounts, parseNftRuleset } from '../../src/sources/parsers/nft.js';
import { parseIpvs } from '../../src/sources/parsers/ipvs.js';
import { GUARD_SH } from '../../src/sources/remote/guard.js';
import { SAMPLER_SH } from '../../src/sources/remote/sampler.js';
import type { AgentProc, Collected, IptablesState, IptRuleset, NftRuleset, ServiceEndpoints, ServiceInfo } from '../../src/sources/types.js';
import { checkService, serviceRules } from '../../src/state/services.js';
import { modelWith, type CollectorValues } from '../../src/state/model.js';
import { evaluate, verdicts } from '../../src/state/rules.js';
import { newNode } from '../../src/state/store.js';
import type { ClusterServices, NodeState } from '../../src/state/types.js';

const fx = (p: string) => readFileSync(new URL(`../fixtures/${p}`, import.meta.url), 'utf8').split('\n');
const KP_NFT = 'nft/nft-list-ruleset.netns-kubernetes-nftables-proxier_test-TestOverallNFTablesRules.txt';
const KP_NFT_PUBLISHED = 'nft/nft-a-list-table-kube-proxy.published-cluster-node.txt';
const IPTNFT_VIA_NFT = 'nft/nft-list-ruleset.netns-iptables-nft-kube-proxy-3svc.txt';
const CALICO_S = 'iptables/iptables-S.aks-kubenet-calico-node.filter.txt';
const CILIUM_IPVS = 'iptables/iptables-save-nat.cilium-kube-proxy-ipvs.txt';
const CILIUM_IPVS_FILTER = 'iptables/iptables-save-filter.cilium-kube-proxy-ipvs.txt';
const KP_IPTABLES = 'kube-proxy/kubernetes-proxier_test-TestOverallIPTablesRules.iptables-save';

describe('nft list ruleset', () => {
  it("reads kube-proxy's nftables mode (kubernetes' TestOverallNFTablesRules rules, listed by nft 1.0.6)", () => {
    const text = fx(KP_NFT);
    const r = parseNftRuleset(text, 'h1');
    expect(r.hash).toBe('h1');
    expect(Object.keys(r.tables)).toEqual(['ip kube-proxy', 'ip nat']);
    const kp = r.tables['ip kube-proxy']!;
    expect(kp.comment).toBe('rules for kube-proxy');
    // 16 base chains + 16 of the 5 Services with endpoints (service, endpoint, external, firewall chains)
    expect(Object.keys(kp.chains)).toHaveLength(32);
    expect(kp.chains['nat-prerouting']).toMatchObject({ type: 'nat', hook: 'prerouting', priority: 'dstnat', policy: 'accept', rules: ['jump services'] });
    expect(kp.chains['filter-prerouting-pre-dnat']).toMatchObject({ hook: 'prerouting', priority: 'dstnat - 10' });
    expect(kp.chains['reject-chain']).toMatchObject({ comment: 'helper for @no-endpoint-services / @no-endpoint-nodeports', rules: ['reject'] });
    const counts = nftRuleCounts(kp);
    expect(counts.services).toBe(2);
    expect(counts.masquerading).toBe(3);
    expect(counts['service-HVFWP5L3-ns5/svc5/tcp/p80']).toBe(3);
    expect(counts['cluster-ips-check']).toBe(2);
    expect(kp.sets['cluster-ips']).toMatchObject({ kind: 'set', type: 'ipv4_addr' });
    expect(kp.sets['cluster-ips']!.elements).toEqual(['172.30.0.41', '172.30.0.42', '172.30.0.43', '172.30.0.44', '172.30.0.45', '172.30.0.46']);
    expect(kp.sets['service-ips']!.kind).toBe('map');
    expect(kp.sets['service-ips']!.elements).toHaveLength(9);
    expect(kp.sets['service-ips']!.elements).toContain('172.30.0.41 . tcp . 80 : goto service-ULMVA6XW-ns1/svc1/tcp/p80');
    expect(kp.sets['no-endpoint-services']!.elements[2]).toBe('172.30.0.46 . tcp . 80 comment "ns6/svc6:p80" : goto reject-chain');
    // a rule with a vmap of two endpoints stays one rule
    expect(kp.chains['service-LAUZTJTB-ns4/svc4/tcp/p80']!.rules[1]).toMatch(/^numgen random mod 2 vmap \{ 0 : goto endpoint-UNZV3OEC.*1 : goto endpoint-5RFCDDV7.*\}$/);
    // the iptables-nft table beside it, with its counter
    expect(r.tables['ip nat']!.chains.PREROUTING!.rules).toEqual(['counter packets 0 bytes 0 jump KUBE-SERVICES']);
    // every line two tabs deep inside a chain, except its type/policy and comment lines
    expect(r.ruleCount).toBe(Object.values(r.tables).reduce((n, t) => n + Object.values(t.chains).reduce((m, c) => m + c.rules.length, 0), 0));
    expect(r.ruleCount).toBe(58);
    const [k] = kubeProxyNft(r);
    expect(k).toMatchObject({ table: 'ip kube-proxy', hasServices: true, servicesHooked: true });
    expect(k!.serviceChains.sort()).toEqual([
      'service-42NFTM6N-ns2/svc2/tcp/p80',
      'service-4AT6LBPK-ns3/svc3/tcp/p80',
      'service-HVFWP5L3-ns5/svc5/tcp/p80',
      'service-LAUZTJTB-ns4/svc4/tcp/p80',
      'service-ULMVA6XW-ns1/svc1/tcp/p80',
    ]);
    expect(k!.endpointChains).toHaveLength(6);
    expect(k!.serviceIps).toHaveLength(9);
  });

  it('reads `nft -a` output of a published cluster node: handles dropped, quoted and multi-line elements', () => {
    const r = parseNftRuleset(fx(KP_NFT_PUBLISHED));
    const kp = r.tables['ip kube-proxy']!;
    expect(Object.keys(kp.sets)).toEqual(['cluster-ips', 'nodeport-ips', 'service-ips']);
    expect(kp.sets['cluster-ips']!.elements).toHaveLength(6);
    expect(kp.chains['endpoint-573J25N3-default/kubernetes/tcp/https__10.128.0.16/6443']!.rules).toEqual([
      'ip saddr 10.128.0.16 jump mark-for-masquerade',
      'meta l4proto tcp dnat to 10.128.0.16:6443',
    ]);
    expect(r.ruleCount).toBe(8);
    const [k] = kubeProxyNft(r);
    // the excerpt has no services chain: the parser says so, it does not guess
    expect(k).toMatchObject({ hasServices: false, servicesHooked: false });
    expect(k!.serviceChains).toEqual(['service-2QRHZV4L-default/kubernetes/tcp/https', 'service-MJTK4JPM-home/http-server/tcp/mainhttp']);
    expect(k!.serviceIps).toContain('10.255.0.1 . tcp . 443 : goto service-2QRHZV4L-default/kubernetes/tcp/https');
  });

  it("reads nft's view of iptables-nft tables (kube-proxy in iptables mode): no kube-proxy nftables table", () => {
    const r = parseNftRuleset(fx(IPTNFT_VIA_NFT));
    expect(Object.keys(r.tables)).toEqual(['ip filter', 'ip nat']);
    const nat = r.tables['ip nat']!;
    expect(Object.keys(nat.chains).filter((c) => c.startsWith('KUBE-SVC-'))).toHaveLength(3);
    expect(nat.chains.PREROUTING).toMatchObject({ hook: 'prerouting', policy: 'accept' });
    expect(r.tables['ip filter']!.chains.FORWARD!.rules).toEqual(['counter packets 0 bytes 0 jump KUBE-FORWARD']);
    // the same rules iptables-nft-save printed for that netns
    expect(r.ruleCount).toBe(parseIptablesSave(fx('iptables/iptables-nft-save.netns-kube-proxy-3svc.txt')).ruleCount);
    expect(kubeProxyNft(r)).toEqual([]);
  });
});

describe('iptables -S and iptables-save of CNI nodes', () => {
  it('reads `iptables --list-rules` of a Calico node: policies, cali-* chains, rules', () => {
    const r = parseIptablesS(fx(CALICO_S), 'filter');
    const f = r.tables.filter!;
    expect(f.FORWARD!.policy).toBe('ACCEPT');
    expect(Object.keys(f).filter((c) => c.startsWith('cali-'))).toHaveLength(37);
    expect(Object.keys(f).filter((c) => c.startsWith('KUBE-'))).toHaveLength(8);
    expect(r.ruleCount).toBe(85);
    expect(f['cali-FORWARD']!.rules[2]).toMatchObject({ inIface: 'cali+', target: 'cali-from-wl-dispatch', comment: 'cali:8ZoYfO5HKXWbB3pk' });
    expect(f['cali-from-wl-dispatch']!.rules[0]).toMatchObject({ inIface: 'cali112d888c0c2', target: 'cali-fw-cali112d888c0c2' });
    // a rule with two comments: the last one is kept
    expect(f.FORWARD!.rules[6]).toMatchObject({ target: 'ACCEPT', comment: 'Policy explicitly accepted packet.' });
    // declared and empty
    expect(f['KUBE-SERVICES']!.rules).toEqual([]);
  });

  it('reads the filter table of a Cilium node (kube-proxy in IPVS mode): CILIUM_* chains, Docker, KUBE-SERVICES rejects', () => {
    const r = parseIptablesSave(fx(CILIUM_IPVS_FILTER));
    const f = r.tables.filter!;
    expect(Object.keys(f).filter((c) => c.startsWith('CILIUM_'))).toEqual(['CILIUM_FORWARD', 'CILIUM_INPUT', 'CILIUM_OUTPUT']);
    expect(f['CILIUM_FORWARD']!.rules).toHaveLength(6);
    expect(f['CILIUM_FORWARD']!.rules[2]).toMatchObject({ inIface: 'lxc+', target: 'ACCEPT', comment: 'cilium: cluster->any on lxc+ forward accept' });
    expect(f['KUBE-SERVICES']!.rules[0]).toMatchObject({ dest: '192.168.26.207/32', proto: 'tcp', dport: '80', target: 'REJECT' });
    expect(r.ruleCount).toBe(50);
  });

  it('reads kube-proxy iptables mode (kubernetes TestOverallIPTablesRules): KUBE-SVC and KUBE-SEP chains', () => {
    const r = parseIptablesSave(fx(KP_IPTABLES));
    const nat = r.tables.nat!;
    expect(Object.keys(nat).filter((c) => c.startsWith('KUBE-SVC-'))).toHaveLength(5);
    expect(Object.keys(nat).filter((c) => c.startsWith('KUBE-SEP-'))).toHaveLength(6);
    expect(r.ruleCount).toBe(65);
  });
});

/* ---------- the checks on these rule sets ---------- */

const ok = <T>(data: T): Collected<T> => ({ status: 'ok', data });
const KUBE_PROXY: AgentProc[] = [{ name: 'kube-proxy', pid: 100, ageSec: 100 }];

function nodeWith(values: Partial<CollectorValues>): NodeState {
  const n: NodeState = { ...newNode('n1', undefined, 0), status: { kind: 'live', since: 0 }, model: modelWith(values, 1000) };
  return { ...n, problems: evaluate(n) };
}
const ipt = (nft: IptRuleset | undefined, nftables?: Collected<NftRuleset>): IptablesState => ({
  version: 'iptables v1.8.9 (nf_tables)',
  mode: 'nft',
  backends: { legacy: ok({ hash: '', tables: {}, ruleCount: 0 }), nft: nft ? ok(nft) : { status: 'nodata', reason: 'notool: iptables-nft-save' } },
  ...(nftables ? { nftables } : {}),
});
const flagged = (n: NodeState, id: string) => n.problems.filter((p) => p.code === id);
const verdict = (n: NodeState, id: string) => verdicts(n).find((v) => v.id === id)!.verdict;

/** two tables of one backend in one rule set */
const merge = (a: IptRuleset, b: IptRuleset): IptRuleset => ({ hash: '', tables: { ...a.tables, ...b.tables }, ruleCount: a.ruleCount + b.ruleCount });

describe('kube-proxy checks on real rule sets', () => {
  it("a Calico node's cali-* filter chains beside kube-proxy's nat rules: no kube-proxy, FORWARD or split flag", () => {
    const kpNat = parseIptablesSave(fx(KP_IPTABLES));
    const rules = merge({ ...kpNat, tables: { nat: kpNat.tables.nat! } }, parseIptablesS(fx(CALICO_S)));
    const n = nodeWith({ iptables: ipt(rules), agents: [...KUBE_PROXY, { name: 'calico-node', pid: 101, ageSec: 100 }] });
    expect(verdict(n, 'kube-proxy-chains')).toBe('ok');
    expect(verdict(n, 'iptables-forward-drop')).toBe('ok');
    expect(verdict(n, 'iptables-backend-split')).toBe('ok');
  });

  it('a Cilium node with kube-proxy in IPVS mode: CILIUM_* chains and KUBE-SERVICES matching the ipset, no flag', () => {
    const ipvs = parseIpvs(fx('ipvs/proc-net-ip_vs.kernel-format.txt'));
    expect(ipvs.length).toBeGreaterThan(0);
    const rules = merge(parseIptablesSave(fx(CILIUM_IPVS)), parseIptablesSave(fx(CILIUM_IPVS_FILTER)));
    const n = nodeWith({ iptables: ipt(rules), ipvs: { services: ipvs, conns: {} }, agents: [...KUBE_PROXY, { name: 'cilium-agent', pid: 102, ageSec: 100 }] });
    expect(flagged(n, 'kube-proxy-chains')).toEqual([]);
    expect(verdict(n, 'kube-proxy-chains')).toBe('ok');
    expect(verdict(n, 'iptables-forward-drop')).toBe('ok');
    // the same rules without IPVS virtual servers: KUBE-SERVICES is there, kube-proxy's chains are not "missing"
    const noIpvs = nodeWith({ iptables: ipt(rules), agents: KUBE_PROXY });
    expect(flagged(noIpvs, 'kube-proxy-chains')).toEqual([]);
  });

  const nftMode = () => parseNftRuleset(fx(KP_NFT), 'h');
  it('kube-proxy in nftables mode: no nat KUBE-SERVICES, table ip kube-proxy hooked: healthy, not "missing"', () => {
    const n = nodeWith({ iptables: ipt(undefined, ok(nftMode())), agents: KUBE_PROXY });
    expect(flagged(n, 'kube-proxy-chains')).toEqual([]);
    expect(verdict(n, 'kube-proxy-chains')).toBe('ok');
  });

  it('nftables mode with the services chain no longer hooked: flagged with the table named', () => {
    const rs = nftMode();
    const kp = rs.tables['ip kube-proxy']!;
    for (const c of ['nat-prerouting', 'nat-output']) kp.chains[c]!.rules = [];
    const n = nodeWith({ iptables: ipt(undefined, ok(rs)), agents: KUBE_PROXY });
    const [p] = flagged(n, 'kube-proxy-chains');
    expect(p).toMatchObject({ severity: 'crit', subject: 'ip kube-proxy services' });
    expect(p!.message).toContain('nftables mode');
  });

  it('no KUBE-SERVICES and no nft on the node: still flagged, and the message says nftables mode could not be seen', () => {
    const n = nodeWith({ iptables: ipt(undefined, { status: 'nodata', reason: 'notool: nft' }), agents: KUBE_PROXY });
    const [p] = flagged(n, 'kube-proxy-chains');
    expect(p!.subject).toBe('KUBE-SERVICES');
    expect(p!.message).toContain('nftables mode not seen (notool: nft)');
  });
});

/* ---------- slow.sh's nftrs section, run for real with a stand-in nft ---------- */

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** the real sampler (sampler.sh + slow.sh) on a fake tree, asked one slow request ("x"), in its own session */
function runSlow(root: string, knownNft: string): string[] {
  const script = SAMPLER_SH.replace(GUARD_SH, 'nw_guard() { :; }\n');
  const setsid = spawnSync('sh', ['-c', 'command -v setsid']).stdout.toString().trim();
  const p = spawnSync(setsid, ['/bin/sh', '-c', script, 'nw-s-test', '60', '60'], {
    env: { PATH: join(root, 'bin'), NW_SAMPLER_ROOT: root },
    input: `1 x - - 5 ${knownNft || '-'}\n`,
    encoding: 'latin1',
    timeout: 30_000,
  });
  const out = p.stdout.split('\n');
  const b = out.indexOf('@@NW B 1');
  const e = out.indexOf('@@NW E 1');
  expect(b, p.stderr).toBeGreaterThanOrEqual(0);
  expect(e).toBeGreaterThan(b);
  return out.slice(b + 1, e);
}

describe('slow.sh nftrs', () => {
  const root = mkdtempSync(join(tmpdir(), 'nw-nft-'));
  dirs.push(root);
  mkdirSync(join(root, 'proc'), { recursive: true });
  writeFileSync(join(root, 'proc/uptime'), '100.00 50.00\n');
  const bin = join(root, 'bin');
  mkdirSync(bin);
  for (const t of ['sh', 'awk', 'mawk', 'gawk', 'grep', 'sed', 'cat', 'md5sum', 'cksum', 'timeout', 'getconf']) {
    const p = spawnSync('sh', ['-c', `command -v ${t}`]).stdout.toString().trim();
    if (p) symlinkSync(p, join(bin, t));
  }
  const fixture = new URL(`../fixtures/${KP_NFT}`, import.meta.url).pathname;

  it('without nft on the node: "notool nft", nothing run', () => {
    const out = runSlow(root, '');
    expect(out).toContain('@@ nftrs !notool nft');
  });

  it('ships the stripped ruleset with its hash, then "same" and counts only when the hash is known', () => {
    // the stand-in answers `list table F N` from the real listing (a table not there: nft's error), with what a real node
    // adds: a warning on stderr and "# handle N" numbers (as nft -a)
    writeFileSync(join(bin, 'nft'), [
      `#!${join(bin, 'sh')}`,
      `[ "$1 $2" = "list table" ] || exit 2`,
      `grep -q "^table $3 $4 {" "${fixture}" || { printf 'Error: No such file or directory\\nlist table %s %s\\n' "$3" "$4" >&2; exit 1; }`,
      'echo "# Warning: table ip nat is managed by iptables-nft, do not touch!" >&2',
      `exec awk -v t="table $3 $4 {" '$0 == t { on = 1 } on { if ($0 ~ /^\t\t[a-z]/ && $0 !~ /elements/) print $0 " # handle " NR; else print } on && /^}/ { exit }' "${fixture}"`,
      '',
    ].join('\n'), { mode: 0o755 });
    const a = new Assembler();
    const frame = (lines: string[]) => a.assemble(parseFrame(1, lines), 1, 1, []);
    const first = frame(runSlow(root, ''));
    const st = first.iptables!;
    expect(st.status).toBe('ok');
    const nft = (st as { data: IptablesState }).data.nftables!;
    expect(nft.status).toBe('ok');
    const rs = (nft as { data: NftRuleset }).data;
    expect(rs.hash).toMatch(/^[0-9a-f]{32}$/);
    // only kube-proxy's table: ip nat is iptables-nft's (ipt_nft reads it); no ip6 table here; handles and the warning gone
    expect(Object.keys(rs.tables)).toEqual(['ip kube-proxy']);
    const whole = parseNftRuleset(fx(KP_NFT));
    expect(rs.tables['ip kube-proxy']).toEqual(whole.tables['ip kube-proxy']);
    expect(rs.ruleCount).toBe(whole.ruleCount - 1);
    expect(kubeProxyNft(rs)[0]!.servicesHooked).toBe(true);
    expect(a.knownNftHash()).toBe(rs.hash);
    expect((st as { data: IptablesState }).data.shippedBytes).toBeGreaterThan(5000);

    const again = runSlow(root, rs.hash);
    const head = again.indexOf('@@ nftrs');
    expect(again[head + 1]).toBe(`.same ${rs.hash}`);
    expect(again.slice(head + 1)).toContain('.count ip kube-proxy 57');
    const second = frame(again).iptables as { status: 'ok'; data: IptablesState };
    expect(second.data.shippedBytes).toBe(0);
    expect(second.data.nftables).toEqual(nft);
  });

  it('counter values are stripped on the node: a listing that differs only in counters hashes the same', () => {
    const counted = (n: number) => `#!${join(bin, 'sh')}\n[ "$4" = kube-proxy ] && [ "$3" = ip ] || { echo "Error: No such file or directory" >&2; exit 1; }\nprintf 'table ip kube-proxy {\\n\\tchain input {\\n\\t\\ttype filter hook input priority filter; policy accept;\\n\\t\\ttcp dport 22 counter packets ${n} bytes ${n * 60} accept\\n\\t}\\n}\\n'\n`;
    writeFileSync(join(bin, 'nft'), counted(5), { mode: 0o755 });
    const a = new Assembler();
    const one = (a.assemble(parseFrame(1, runSlow(root, '')), 1, 1, []).iptables as { data: IptablesState }).data.nftables as { status: 'ok'; data: NftRuleset };
    expect(one.data.tables['ip kube-proxy']!.chains.input!.rules).toEqual(['tcp dport 22 counter accept']);
    writeFileSync(join(bin, 'nft'), counted(9000), { mode: 0o755 });
    const again = runSlow(root, one.data.hash);
    expect(again[again.indexOf('@@ nftrs') + 1]).toBe(`.same ${one.data.hash}`);
  });

  it('a failing nft is an error with its exit code, not an empty rule set', () => {
    writeFileSync(join(bin, 'nft'), `#!${join(bin, 'sh')}\necho 'Error: Could not process rule: Operation not permitted' >&2\nexit 1\n`, { mode: 0o755 });
    // (a missing table is no error: the stand-ins above answer ip6 kube-proxy that way)
    const out = runSlow(root, '');
    expect(out).toContain('@@ nftrs !exit 1');
    const a = new Assembler();
    const s = a.assemble(parseFrame(1, out), 1, 1, []).iptables as { status: 'ok'; data: IptablesState };
    expect(s.data.nftables).toMatchObject({ status: 'error' });
  });
});

/* ---------- service-rules in nftables mode, on kubernetes' own expected nft rules ---------- */

describe('service-rules, kube-proxy nftables mode (TestOverallNFTablesRules listed by nft)', () => {
  const AT = 10_000_000;
  const PERIOD = 60_000;
  const node = (): NodeState => {
    const n: NodeState = { ...newNode('n1', undefined, 0), status: { kind: 'live', since: 0 }, model: modelWith({ iptables: ipt(undefined, ok(parseNftRuleset(fx(KP_NFT), 'h'))) }, AT) };
    n.model.iptables.periodMs = PERIOD;
    return n;
  };
  const svc = (ns: string, name: string, vip: string): ServiceInfo => ({ namespace: ns, name, type: 'ClusterIP', clusterIPs: [vip], ports: [{ name: 'p80', port: 80, protocol: 'TCP', targetPort: 80 }] });
  const eps = (ips: string[], changedAt = AT - 10 * PERIOD): ServiceEndpoints => ({ endpoints: ips.map((ip) => ({ ip, port: 80, protocol: 'TCP', portName: 'p80' })), changedAt });

  it('reads the VIP → service chain → endpoint chains → dnat targets: in sync where the API agrees', () => {
    const one = checkService(node(), svc('ns1', 'svc1', '172.30.0.41'), eps(['10.180.0.1']));
    expect(one).toMatchObject({ mode: 'nftables', ports: [{ state: 'ok', present: ['10.180.0.1:80'], via: 'service-ULMVA6XW-ns1/svc1/tcp/p80' }] });
    // two endpoints through a vmap of two
    const four = checkService(node(), svc('ns4', 'svc4', '172.30.0.44'), eps(['10.180.0.4', '10.180.0.5']));
    expect(four.ports[0]).toMatchObject({ state: 'ok', present: ['10.180.0.4:80', '10.180.0.5:80'] });
    // session affinity adds a goto to the same endpoint chain: still one target
    expect(checkService(node(), svc('ns5', 'svc5', '172.30.0.45'), eps(['10.180.0.3'])).ports[0]).toMatchObject({ state: 'ok', present: ['10.180.0.3:80'] });
  });

  it('flags a node whose nft rules miss an endpoint or the VIP, with the Service named', () => {
    const cl = (entries: [ServiceInfo, string[]][]): ClusterServices => ({
      services: new Map(entries.map(([s]) => [`${s.namespace}/${s.name}`, s])),
      endpoints: new Map(entries.map(([s, ips]) => [`${s.namespace}/${s.name}`, eps(ips)])),
      status: { kind: 'ok' },
    });
    const ps = serviceRules(node(), cl([[svc('ns1', 'svc1', '172.30.0.41'), ['10.180.0.1', '10.180.0.9']], [svc('ns7', 'svc7', '172.30.0.47'), ['10.180.0.7']], [svc('ns3', 'svc3', '172.30.0.43'), ['10.180.0.3']]]));
    expect(ps.map((p) => p.subject).sort()).toEqual(['ns1/svc1', 'ns7/svc7']);
    expect(ps.find((p) => p.subject === 'ns1/svc1')!.message).toContain('kube-proxy nftables rules differ from the API');
    expect(ps.find((p) => p.subject === 'ns1/svc1')!.message).toContain('missing 10.180.0.9:80');
    expect(ps.find((p) => p.subject === 'ns7/svc7')!.message).toContain('no service-ips element');
  });

  it('an unhooked kube-proxy table is not read as rules: cannot tell (kube-proxy-chains flags it)', () => {
    const rs = parseNftRuleset(fx(KP_NFT), 'h');
    for (const c of ['nat-prerouting', 'nat-output']) rs.tables['ip kube-proxy']!.chains[c]!.rules = [];
    const n: NodeState = { ...newNode('n1', undefined, 0), status: { kind: 'live', since: 0 }, model: modelWith({ iptables: ipt(undefined, ok(rs)) }, AT) };
    expect(checkService(n, svc('ns1', 'svc1', '172.30.0.41'), eps(['10.180.0.1']))).toMatchObject({ ports: [] });
    expect(checkService(n, svc('ns1', 'svc1', '172.30.0.41'), eps(['10.180.0.1'])).cannotTell).toMatch(/no nft table ip kube-proxy/);
  });
});
