/**
 * The Kubernetes node faults of k8s-faults.ts, each checked FROM INSIDE its node with the real
 * tool (iptables -S, iptables-{nft,legacy}-save, nft, ps, ip route, ip -d link, conntrack -L, cat),
 * and absent from the other nodes. Root only (fails, never skips, when not root).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabAgent } from './lab.js';
import {
  deletePodCidrRoute, deletePodRoute, dockerLegacyChain, forwardDrop, hairpinConnect, hasIpvs, ipvsConnText, kubeChainHash,
  kubeProxyDump, kubeProxyNftRules, kubeProxyNftText, kubeProxyRules, orphanNetnsVeth, selinuxEnforcing, serviceDnat, setBridgeNfCallIptables, setHairpin, setIpForward, type LabService,
} from './k8s-faults.js';

let lab: Lab;
let agent: LabAgent;
let orphan: { netns: string; hostVeth: string };
const VIP = '198.18.128.10';

const services = (node: string): LabService[] => lab.node(node).pods.map((p, i) => ({
  namespace: 'shop', name: `svc${i}`, portName: 'http', clusterIP: `198.18.128.${20 + i}`, port: 80, endpoints: [`${p.ip}:8080`],
}));

const sh = async (node: string, script: string, stderr = ''): Promise<string> => {
  const r = await lab.exec(node, ['sh', '-c', script]);
  expect(r.stderr).toBe(stderr);
  expect(r.code).toBe(0);
  return r.stdout;
};

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('the lab fault test must run as root (namespaces); it is not skipped');
  lab = await startLab({ nodes: [
    { name: 'ka', kind: 'bridge', pods: 2 },
    { name: 'kb', kind: 'bridge', pods: 1 },
    { name: 'kc', kind: 'routed', pods: 2, cgroupDriver: 'systemd' },
  ] });
  await Promise.all([
    (async () => {
      await kubeProxyRules(lab, 'ka', { services: services('ka'), clusterCidr: '198.19.0.0/16' });
      agent = await lab.startAgent('ka', 'kube-proxy');
      await serviceDnat(lab, 'ka', VIP, 80, lab.node('ka').pods[0]!);
      await setHairpin(lab, 'ka', lab.node('ka').pods[0]!, false);
      await setBridgeNfCallIptables(lab, 'ka', false);
      await selinuxEnforcing(lab, 'ka');
      orphan = await orphanNetnsVeth(lab, 'ka');
    })(),
    (async () => {
      await forwardDrop(lab, 'kb');
      await kubeProxyRules(lab, 'kb', { services: services('kb'), clusterCidr: '198.19.0.0/16', missing: 'KUBE-MARK-DROP' });
      await dockerLegacyChain(lab, 'kb');
      await deletePodCidrRoute(lab, 'kb');
      await setIpForward(lab, 'kb', false);
      await lab.setMtu('kb', 'eth0', 1400);
    })(),
    (async () => {
      await kubeProxyRules(lab, 'kc', { services: services('kc'), clusterCidr: '198.19.0.0/16', missing: 'KUBE-SERVICES', backend: 'legacy' });
      await deletePodRoute(lab, 'kc', lab.node('kc').pods[0]!);
      await kubeProxyNftRules(lab, 'kc', { services: services('kc'), clusterCidr: '198.19.0.0/16', hooked: false });
    })(),
  ]);
}, 120_000);

afterAll(async () => {
  await lab?.stop();
});

describe('kube-proxy dumps', () => {
  it('names chains with kube-proxy\'s own hash (proxier_test.go: ns1/svc1:p80 -> KUBE-SVC-XPGD46QRK7WJZT7O)', () => {
    expect(kubeChainHash('ns1/svc1:p80', 'tcp')).toBe('XPGD46QRK7WJZT7O');
    const d = kubeProxyDump({ clusterCidr: '198.19.0.0/16', services: [{ namespace: 'ns1', name: 'svc1', portName: 'p80', clusterIP: '198.18.128.41', port: 80, endpoints: ['198.19.1.10:80'] }] });
    expect(d).toContain('-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 198.18.128.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O');
  });
});

describe('iptables faults, as the node\'s iptables shows them', () => {
  it('healthy node: kube-proxy chains in nft only, FORWARD policy ACCEPT', async () => {
    const nft = await sh('ka', 'iptables-nft-save -t nat');
    for (const c of ['KUBE-SERVICES', 'KUBE-MARK-DROP', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING']) expect(nft).toContain(`:${c} - [0:0]`);
    expect(nft.match(/^:KUBE-SVC-[A-Z2-7]{16} /gm)).toHaveLength(2);
    expect(nft.match(/^:KUBE-SEP-[A-Z2-7]{16} /gm)).toHaveLength(2);
    expect(nft).toContain('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(await sh('ka', 'iptables-legacy-save')).not.toMatch(/^-A /m);
    expect(await sh('ka', 'iptables -S FORWARD')).toMatch(/^-P FORWARD ACCEPT$/m);
  });

  it('FORWARD DROP with no accept for the pod CIDR; KUBE-MARK-DROP missing in nft; DOCKER in legacy (split backends)', async () => {
    const fwd = await sh('kb', 'iptables -S FORWARD', '# Warning: iptables-legacy tables present, use iptables-legacy to see them\n');
    expect(fwd).toMatch(/^-P FORWARD DROP$/m);
    expect(fwd).not.toContain('198.19.2.0/24');
    // iptables-nft-save itself notices the other backend (on stderr)
    const nft = await sh('kb', 'iptables-nft-save -t nat', '# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n');
    expect(nft).toContain(':KUBE-SERVICES - [0:0]');
    expect(nft).not.toContain('KUBE-MARK-DROP');
    const legacy = await sh('kb', 'iptables-legacy-save -t nat');
    expect(legacy).toContain(':DOCKER - [0:0]');
    expect(legacy).toContain('-A DOCKER -i docker0 -j RETURN');
    expect(nft).not.toContain('DOCKER');
  });

  it('kube-proxy rules in legacy without KUBE-SERVICES (and no jump to it)', async () => {
    const legacy = await sh('kc', 'iptables-legacy-save -t nat');
    expect(legacy).toContain(':KUBE-MARK-DROP - [0:0]');
    expect(legacy).not.toContain('KUBE-SERVICES');
    expect(legacy.match(/^:KUBE-SVC-/gm)).toHaveLength(2);
  });
});

describe('node agents', () => {
  it('kube-proxy runs on ka (ps comm, node netns, kubelet-style cgroup of its pod) and nowhere else', async () => {
    const ps = await sh('ka', 'ps -eo pid=,comm=');
    expect(ps).toMatch(new RegExp(`^\\s*${agent.pid} kube-proxy$`, 'm'));
    expect(await sh('ka', `cat /proc/${agent.pid}/comm`)).toBe('kube-proxy\n');
    expect(await sh('ka', `cat /proc/${agent.pid}/cgroup`)).toContain(`/kubepods/besteffort/pod${agent.podUid}/${agent.containerId}`);
    expect(await sh('ka', `readlink /proc/${agent.pid}/ns/net /proc/1/ns/net | uniq | wc -l`)).toBe('1\n');
    for (const n of ['kb', 'kc']) expect(await sh(n, 'ps -eo comm=')).not.toContain('kube-proxy');
  });
});

describe('routes', () => {
  it('routed node: one pod has no /32 route, the other keeps it', async () => {
    const [gone, kept] = lab.node('kc').pods;
    const routes = await sh('kc', 'ip route');
    expect(routes).not.toContain(`${gone!.ip} dev`);
    expect(routes).toContain(`${kept!.ip} dev ${kept!.hostVeth} scope link`);
  });

  it('bridge node: no route covers its pod CIDR any more; the healthy bridge node keeps it', async () => {
    expect(await sh('kb', 'ip route show 198.19.2.0/24')).toBe('');
    expect(await sh('kb', 'ip route get 198.19.2.10')).toContain('via 198.18.0.1 dev eth0');
    expect(await sh('ka', 'ip route show 198.19.1.0/24')).toContain('dev cbr0 proto kernel scope link src 198.19.1.1');
  });
});

describe('veths, hairpin, SELinux, sysctls, MTU', () => {
  it('a veth whose peer is in a named netns of the node (ip -d link: link-netns cni-…)', async () => {
    const link = await sh('ka', `ip -d link show dev ${orphan.hostVeth}`);
    expect(link).toContain(`link-netns ${orphan.netns}`);
    expect(link).toMatch(/state UP/);
    expect(await sh('ka', 'ip netns list')).toContain(orphan.netns);
    expect(await sh('kb', 'ip netns list')).toBe('');
  });

  it('hairpin off on the pod\'s port; the pod\'s connect to the VIP (DNATed to itself) goes unanswered; conntrack shows reply src = orig src', async () => {
    const pod = lab.node('ka').pods[0]!;
    expect(await sh('ka', `cat /sys/class/net/${pod.hostVeth}/brport/hairpin_mode`)).toBe('0\n');
    expect(await hairpinConnect(lab, 'ka', pod, VIP, 80, 2)).toMatch(/^failed/);
    const ct = await sh('ka', `conntrack -L -p tcp --orig-dst ${VIP} 2>/dev/null`);
    const line = ct.split('\n').find((l) => l.includes(`dst=${VIP}`))!;
    expect(line).toMatch(/SYN_SENT/);
    expect(line).toContain('[UNREPLIED]');
    expect(line).toMatch(new RegExp(`src=${pod.ip} dst=${VIP} sport=\\d+ dport=80 .*src=${pod.ip} dst=${pod.ip} sport=8080`));
  });

  it('SELinux enforcing in ka\'s mount namespace only; its cgroup mounts stay', async () => {
    expect(await sh('ka', 'cat /sys/fs/selinux/enforce')).toBe('1\n');
    expect(await sh('ka', `cat /proc/${agent.pid}/cgroup >/dev/null; ls /sys/fs/cgroup | wc -l`)).not.toBe('0\n');
    expect(await sh('ka', `ls -d /sys/fs/cgroup/unified${agent.cgroupPath} 2>/dev/null || ls -d /sys/fs/cgroup/*${agent.cgroupPath} | head -1`)).toContain(agent.containerId);
    expect((await lab.exec('kb', ['cat', '/sys/fs/selinux/enforce'])).code).not.toBe(0);
  });

  it("kube-proxy's nftables-mode table on kc only, in the kubernetes test's shape, nothing jumping to services", async () => {
    const t = await sh('kc', 'nft list table ip kube-proxy');
    const svc = services('kc')[0]!;
    expect(t).toMatch(new RegExp(`${svc.clusterIP.replaceAll('.', '\\.')} \\. tcp \\. 80 : goto service-[A-Z0-9]{8}-shop/svc0/tcp/http`));
    expect(t).toMatch(/meta l4proto tcp dnat to 198\.19\.\d+\.\d+:8080/);
    expect(t).not.toMatch(/jump services/);
    // the same services with hooked: true jump from both nat base chains
    expect(kubeProxyNftText({ services: services('kc'), clusterCidr: '198.19.0.0/16' }).match(/jump services/g)).toHaveLength(2);
    // not on the other nodes (their own netns)
    const other = await lab.exec('ka', ['nft', 'list', 'table', 'ip', 'kube-proxy']);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('No such file or directory');
  });

  it('ip_forward 0 and eth0 MTU 1400 on kb only', async () => {
    expect(await sh('kb', 'cat /proc/sys/net/ipv4/ip_forward /sys/class/net/eth0/mtu')).toBe('0\n1400\n');
    expect(await sh('ka', 'cat /proc/sys/net/ipv4/ip_forward /sys/class/net/eth0/mtu')).toBe('1\n1500\n');
  });

  it('IPVS: the node has no /proc/net/ip_vs (no ip_vs module here); the fixture text is in the kernel\'s format', async () => {
    expect(await hasIpvs(lab, 'ka')).toBe(false);
    const t = ipvsConnText([{ client: '198.18.0.5', clientPort: 40000, vip: '198.18.128.10', vport: 80, dest: '198.19.1.10', dport: 8080, state: 'SYN_RECV', expires: 50 }]);
    expect(t.split('\n')[1]).toBe('TCP C6120005 9C40 C612800A 0050 C613010A 1F90 SYN_RECV         50');
  });
});
