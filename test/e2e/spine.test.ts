/**
 * The spine end to end: netwatch over real SSH (strict host keys) against a lab of namespace
 * nodes. Values must equal what the lab set; problems must be flagged; a wrong host key refused.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';
import { runNetwatch } from './run.js';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({
    nodes: [
      { name: 'n1', kind: 'bridge', pods: 2 },
      { name: 'n2', kind: 'routed', pods: 2, cgroupDriver: 'systemd' },
      { name: 'n3', kind: 'bridge', pods: 1, mtu: 1460 },
    ],
  });
});
afterAll(async () => {
  await lab?.stop();
});

type Report = { nodes: Array<Record<string, any>> };

describe('netwatch --once --json against the lab', () => {
  it('reports what the lab set, and flags a wrong veth MTU and a bridge that is down', async () => {
    const badVeth = lab.node('n1').pods[0]!.hostVeth;
    await lab.setMtu('n1', badVeth, 1400);
    await lab.setLink('n3', 'cbr0', false);
    await lab.makeConnections('n2', 40);
    const ctLab = Number((await lab.exec('n2', ['cat', '/proc/sys/net/netfilter/nf_conntrack_count'])).stdout.trim());
    expect(ctLab).toBeGreaterThanOrEqual(40);

    const r = await runNetwatch(['-F', lab.sshConfigPath, '--hosts', 'n1,n2,n3', '--once', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout) as Report;
    const node = (n: string) => rep.nodes.find((x) => x.node === n)!;
    expect(rep.nodes.map((n) => n.node)).toEqual(['n1', 'n2', 'n3']);

    // interfaces: every lab interface with the MTU and state the lab gave it
    const ifs = (n: string) => new Map<string, any>(node(n).interfaces.data.map((i: any) => [i.name, i]));
    const n1 = ifs('n1');
    // a bridge takes the smallest MTU of its ports: whatever the kernel made of it, we show it
    const cbr0Mtu = Number((await lab.exec('n1', ['cat', '/sys/class/net/cbr0/mtu'])).stdout.trim());
    expect(n1.get('cbr0')).toMatchObject({ kind: 'bridge', mtu: cbr0Mtu, operstate: 'up' });
    expect(n1.get(badVeth)).toMatchObject({ kind: 'veth', master: 'cbr0', mtu: 1400 });
    const good = lab.node('n1').pods[1]!.hostVeth;
    expect(n1.get(good)).toMatchObject({ kind: 'veth', master: 'cbr0', mtu: 1500, operstate: 'up' });
    expect(n1.get('eth0')).toMatchObject({ mtu: 1500 });
    const n2 = ifs('n2');
    for (const p of lab.node('n2').pods) expect(n2.get(p.hostVeth)).toMatchObject({ kind: 'veth', mtu: 1500 });
    const n3 = ifs('n3');
    expect(n3.get('cbr0')).toMatchObject({ kind: 'bridge', mtu: 1460, operstate: 'down' });
    expect(n3.get('eth0')).toMatchObject({ mtu: 1460 });

    // conntrack: the count the node's /proc shows, against the max
    const ct = node('n2').conntrack;
    expect(ct.status).toBe('ok');
    expect(Math.abs(ct.data.count - ctLab)).toBeLessThanOrEqual(2);
    expect(ct.data.max).toBe(Number((await lab.exec('n2', ['cat', '/proc/sys/net/netfilter/nf_conntrack_max'])).stdout.trim()));

    // problems
    const codes = (n: string) => node(n).problems.map((p: any) => `${p.code}:${p.subject ?? ''}`);
    expect(codes('n1')).toContain(`veth-mtu:${badVeth}`);
    if (cbr0Mtu === 1500) expect(codes('n1')).not.toContain(`veth-mtu:${good}`);
    else expect(codes('n1')).toContain('bridge-mtu:cbr0');
    expect(codes('n3')).toContain('bridge-down:cbr0');
    expect(codes('n2').filter((c: string) => c.startsWith('veth-mtu') || c.startsWith('bridge-down'))).toEqual([]);

    // routes and neighbours made it through, and pods were found by their cgroups
    expect(node('n2').routes.data.some((rt: any) => rt.dst === lab.node('n2').pods[0]!.ip && rt.dev === lab.node('n2').pods[0]!.hostVeth)).toBe(true);
    const pods = node('n2').pods.items as any[];
    for (const p of lab.node('n2').pods) {
      expect(pods.find((x) => x.uid === p.uid)).toMatchObject({ veth: p.hostVeth, method: 'netns-peer' });
    }
    await lab.setMtu('n1', badVeth, 1500);
    await lab.setLink('n3', 'cbr0', true);
    await lab.closeConnections('n2');
  });

  it('refuses a host whose key changed, and names the fingerprint', async () => {
    const kh = readFileSync(lab.knownHostsPath, 'utf8').split('\n');
    const n1 = lab.node('n1');
    const other = lab.node('n2');
    // n1's entry replaced by n2's key: what a man in the middle would present
    const n2Key = kh.find((l) => l.startsWith(`[127.0.0.1]:${other.sshPort} `))!.split(' ').slice(1).join(' ');
    const forged = kh.map((l) => (l.startsWith(`[127.0.0.1]:${n1.sshPort} `) ? `[127.0.0.1]:${n1.sshPort} ${n2Key}` : l));
    const path = `${lab.dir}/known_hosts.forged`;
    writeFileSync(path, forged.join('\n'));
    const cfg = readFileSync(lab.sshConfigPath, 'utf8').replaceAll(lab.knownHostsPath, path);
    const cfgPath = `${lab.dir}/ssh_config.forged`;
    writeFileSync(cfgPath, cfg);
    const r = await runNetwatch(['-F', cfgPath, '--hosts', 'n1,n2', '--once', '--json', '--accept-new-host-keys']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/n1: .*(changed|CHANGED)/);
    expect(r.stderr).toContain(n1.hostKeyFingerprint);
    const rep = JSON.parse(r.stdout) as Report;
    expect(rep.nodes.find((n) => n.node === 'n2')!.status).toBe('live');
    expect(rep.nodes.find((n) => n.node === 'n1')!.status).toBe('failed');
  });
});
