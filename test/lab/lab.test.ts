/** Self-test of the namespace lab (root only: fails, never skips, when not root). */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab, type LabNode } from './lab.js';
import { CLEAN_ENV, processesInPidNs, run } from './sys.js';

let lab: Lab;

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('the lab self-test must run as root (namespaces, cgroups); it is not skipped');
  lab = await startLab({ nodes: [
    { name: 'n1', kind: 'bridge', pods: 2, mtu: 1460 },
    { name: 'n2', kind: 'routed', pods: 2, cgroupDriver: 'systemd' },
  ] });
});

afterAll(async () => {
  await lab?.stop();
});

const out = async (node: string, script: string): Promise<string> => {
  const r = await lab.exec(node, ['sh', '-c', script]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
};

/** `name mtu operstate` for every interface the node's /sys/class/net lists. */
const ifaces = async (node: string): Promise<Map<string, string[]>> => {
  const text = await out(node, 'for i in /sys/class/net/*; do echo "${i##*/} $(cat $i/mtu) $(cat $i/operstate)"; done');
  return new Map(text.trim().split('\n').map((l) => { const [n, ...rest] = l.split(' '); return [n!, rest]; }));
};

/** A long-running real ssh session; resolves `up` once the remote command printed "up". */
function sshSession(node: string, extra: string[] = []) {
  const child = spawn('ssh', ['-F', lab.sshConfigPath, '-o', 'BatchMode=yes', ...extra, node, 'echo up; exec sleep 120'], { env: CLEAN_ENV });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const up = new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => { if (d.includes('up')) resolve(); });
    child.once('exit', (code) => reject(new Error(`ssh exited ${code}: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, up, exited, stderr: () => stderr };
}

describe('lab nodes', () => {
  it('shows each node its own interfaces in /sys/class/net, with the lab MTUs', async () => {
    const n1 = lab.node('n1');
    const i1 = await ifaces('n1');
    expect([...i1.keys()].sort()).toEqual(['cbr0', 'eth0', 'lo', ...n1.pods.map((p) => p.hostVeth)].sort());
    expect(i1.get('eth0')).toEqual(['1460', 'up']);
    expect(i1.get('cbr0')).toEqual(['1460', 'up']);
    for (const p of n1.pods) {
      expect(i1.get(p.hostVeth)?.[0]).toBe('1460');
      expect(await out('n1', `basename "$(readlink /sys/class/net/${p.hostVeth}/master)"`)).toBe('cbr0\n');
    }
    const n2 = lab.node('n2');
    const i2 = await ifaces('n2');
    expect([...i2.keys()].sort()).toEqual(['eth0', 'lo', ...n2.pods.map((p) => p.hostVeth)].sort());
    expect(i2.get('eth0')).toEqual(['1500', 'up']);
    for (const p of n2.pods) expect(p.hostVeth).toMatch(/^cali[0-9a-f]{11}$/);
    const routes = await out('n2', 'ip route');
    for (const p of n2.pods) expect(routes).toContain(`${p.ip} dev ${p.hostVeth} scope link`);
  });

  it('gives each node its own /proc: only the node processes, PID 1 is the holder', async () => {
    const ps = await out('n1', 'ps -eo pid=,comm=');
    const rows = ps.trim().split('\n').map((l) => l.trim().split(/\s+/));
    expect(rows[0]).toEqual(['1', 'sh']);
    expect(new Set(rows.map((r) => r[1]))).toEqual(new Set(['sh', 'sleep', 'sshd', 'pod-listener', 'ps']));
    expect(await out('n1', 'hostname')).toBe('n1\n');
    const hostView = processesInPidNs(lab.node('n1').holderPid);
    expect(hostView.filter((p) => p.comm === 'pod-listener')).toHaveLength(2);
  });

  it('runs pod processes in their pod netns and in kubelet-style cgroups with the pod uid', async () => {
    for (const node of lab.nodes) {
      for (const p of node.pods) {
        const pid = p.pids[0]!;
        const cg = await out(node.name, `cat /proc/${pid}/cgroup`);
        const uid = node.cgroupDriver === 'systemd' ? p.uid.replace(/-/g, '_') : p.uid;
        expect(cg).toContain(`pids:${p.cgroupPath}\n`);
        expect(cg).toContain(`pod${uid}`);
        expect(cg).toContain(p.containerId);
        expect(await out(node.name, `test -d /sys/fs/cgroup/memory${p.cgroupPath} && echo yes`)).toBe('yes\n');
        const [podNet, nodeNet] = (await out(node.name, `readlink /proc/${pid}/ns/net /proc/1/ns/net`)).trim().split('\n');
        expect(podNet).not.toBe(nodeNet);
        // The pod's eth0 is the peer of the node-side veth.
        const iflink = (await lab.execInPod(node.name, p.name, ['cat', '/sys/class/net/eth0/iflink'])).stdout;
        expect(await out(node.name, `cat /sys/class/net/${p.hostVeth}/ifindex`)).toBe(iflink);
      }
    }
    expect(lab.node('n1').pods[0]!.cgroupPath).toMatch(/^\/kubepods\/besteffort\/pod[0-9a-f-]{36}\/[0-9a-f]{64}$/);
    expect(lab.node('n2').pods[0]!.cgroupPath).toMatch(
      /^\/kubepods\.slice\/kubepods-besteffort\.slice\/kubepods-besteffort-pod[0-9a-f_]{36}\.slice\/cri-containerd-[0-9a-f]{64}\.scope$/);
  });

  it('routes pod to pod across nodes (bridge -> routed)', async () => {
    const to = lab.node('n2').pods[0]!;
    const r = await lab.execInPod('n1', 'pod-1', ['perl', '-MIO::Socket::INET', '-e',
      'IO::Socket::INET->new(PeerAddr => $ARGV[0], Timeout => 3) or die "connect: $!"; print "ok\\n"', `${to.ip}:8080`]);
    expect(r).toMatchObject({ stdout: 'ok\n', code: 0 });
  });

  it('counts generated connections in the node conntrack table (max is read-only, host-wide)', async () => {
    const count = async (n: string) => Number(await out(n, 'cat /proc/sys/net/netfilter/nf_conntrack_count'));
    for (const n of ['n1', 'n2']) {
      const before = await count(n);
      await lab.makeConnections(n, 25);
      expect(await count(n)).toBeGreaterThanOrEqual(before + 25);
      await lab.closeConnections(n);
    }
    const max = await lab.exec('n1', ['sh', '-c', 'echo 1000 > /proc/sys/net/netfilter/nf_conntrack_max']);
    expect(max.code).not.toBe(0);
    expect(await out('n1', 'cat /proc/sys/net/netfilter/nf_conntrack_max')).toBe(readFileSync('/proc/sys/net/netfilter/nf_conntrack_max', 'utf8'));
  });
});

describe('lab over ssh', () => {
  it('logs in with the real OpenSSH client and strict host keys', async () => {
    expect(readFileSync(lab.sshConfigPath, 'utf8')).toContain('StrictHostKeyChecking yes');
    for (const n of lab.nodes) {
      expect(await lab.ssh(n.name, 'hostname; cat /proc/self/cgroup | grep pids')).toMatchObject({ stdout: `${n.name}\n8:pids:/\n`, code: 0 });
      const fp = await run(['ssh-keygen', '-l', '-F', `[127.0.0.1]:${n.sshPort}`, '-f', lab.knownHostsPath]);
      expect(fp.stdout).toContain(n.hostKeyFingerprint);
    }
  });

  it('has non-root users: one with passwordless sudo, one whose sudo wants a password', async () => {
    const ok = await lab.ssh(`${lab.users.sudo}@n1`, 'id -un; sudo -n cat /proc/1/comm');
    expect(ok).toMatchObject({ stdout: `${lab.users.sudo}\nsh\n`, stderr: '', code: 0 });
    const pw = await lab.ssh(`${lab.users.password}@n2`, 'id -un; sudo -n true');
    expect(pw.stdout).toBe(`${lab.users.password}\n`);
    expect(pw.stderr).toContain('a password is required');
    expect(pw.code).toBe(1);
    expect(readFileSync('/etc/passwd', 'utf8')).not.toContain(lab.users.sudo);
  });

  it('refuses a node whose host key does not match known_hosts', async () => {
    const [n1, n2] = lab.nodes as [LabNode, LabNode];
    const kh = join(lab.dir, 'wrong_known_hosts');
    const n2Key = readFileSync(lab.knownHostsPath, 'utf8').split('\n').find((l) => l.startsWith(`[127.0.0.1]:${n2.sshPort} `))!;
    writeFileSync(kh, n2Key.replace(`:${n2.sshPort} `, `:${n1.sshPort} `) + '\n');
    const r = await run(['ssh', '-F', lab.sshConfigPath, '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${kh}`, 'n1', 'true'], { allowFail: true });
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
  });

  it('setMtu and setLink change what the node shows', async () => {
    const veth = lab.node('n1').pods[0]!.hostVeth;
    await lab.setMtu('n1', veth, 1400);
    await lab.setLink('n1', 'cbr0', false);
    const r = await lab.ssh('n1', `cat /sys/class/net/${veth}/mtu /sys/class/net/cbr0/mtu /sys/class/net/cbr0/operstate`);
    expect(r.stdout).toBe('1400\n1460\ndown\n');
    await lab.setLink('n1', 'cbr0', true);
    await lab.setMtu('n1', veth, 1460);
    expect((await ifaces('n1')).get('cbr0')).toEqual(['1460', 'up']);
  });

  it('stopSshd ends sessions and refuses new ones until startSshd', async () => {
    const s = sshSession('n1');
    await s.up;
    await lab.stopSshd('n1');
    expect(await s.exited).toBe(255);
    expect(processesInPidNs(lab.node('n1').holderPid).filter((p) => p.comm === 'sshd')).toEqual([]);
    const refused = await lab.ssh('n1', 'true');
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/Connection closed|reset/);
    await lab.startSshd('n1');
    expect(await lab.ssh('n1', 'echo back')).toMatchObject({ stdout: 'back\n', code: 0 });
  });

  it('cutLink blackholes the uplink: only keepalive notices, the node sshd keeps its session', async () => {
    const s = sshSession('n2', ['-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=2']);
    await s.up;
    const sessions = () => processesInPidNs(lab.node('n2').holderPid).filter((p) => p.comm === 'sshd').length;
    expect(sessions()).toBeGreaterThanOrEqual(2);
    const t0 = Date.now();
    await lab.cutLink('n2');
    expect(await s.exited).toBe(255);
    expect(s.stderr()).toContain('Timeout');
    expect(Date.now() - t0).toBeGreaterThan(1500);
    expect(sessions()).toBeGreaterThanOrEqual(2); // the node noticed nothing
    const during = await run(['ssh', '-F', lab.sshConfigPath, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=2', 'n2', 'true'], { allowFail: true });
    expect(during.code).toBe(255);
    await lab.restoreLink('n2');
    expect(await lab.ssh('n2', 'echo ok')).toMatchObject({ stdout: 'ok\n', code: 0 });
  }, 30_000);

  it('adds pods and extra containers, and deletes pods with all their processes', async () => {
    const pod = await lab.addPod('n2', { name: 'web', namespace: 'shop', listenPort: 9090 });
    expect(pod.ip).toMatch(/^198\.19\.2\.\d+$/);
    expect(await out('n2', `ss -Hltn 'sport = :9090' | wc -l; ls /sys/class/net | grep -c ${pod.hostVeth}`)).toBe('0\n1\n');
    const stale = await lab.addContainer('n2', 'web', { listenPort: 9091 });
    expect(await out('n2', `cat /proc/${stale.pids[0]}/cgroup | grep pids`)).toBe(`8:pids:${stale.cgroupPath}\n`);
    expect(stale.cgroupPath).toBe(`${pod.podCgroupPath}/cri-containerd-${stale.containerId}.scope`);
    const inPod = await lab.execInPod('n2', 'web', ['sh', '-c', "ss -Hltn '( sport = :9090 or sport = :9091 )' | wc -l; ls /sys/class/net"]);
    expect(inPod.stdout).toBe('2\neth0\nlo\n');
    await lab.deletePod('n2', 'shop/web');
    for (const pid of [...pod.hostPids, ...stale.hostPids]) expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(lab.node('n2').pods.map((p) => p.name)).toEqual(['pod-1', 'pod-2']);
    expect(await out('n2', `ls /sys/class/net | grep -c ${pod.hostVeth}; test -d /sys/fs/cgroup/pids${pod.podCgroupPath} || echo gone`)).toBe('0\ngone\n');
  });

  it('stop() removes everything and is idempotent', async () => {
    const holders = lab.nodes.map((n) => n.holderPid);
    const cgroupDirs = readFileSync(`/run/nwlab/${lab.id}/cgroups`, 'utf8').trim().split('\n');
    await lab.stop();
    await lab.stop();
    expect(existsSync(`/run/netns/nwlab-${lab.id}-net`)).toBe(false);
    for (const d of cgroupDirs) expect(existsSync(d)).toBe(false);
    // a killed holder is this process's child: until Node reaps it (on the event loop, after the
    // synchronous teardown) it is a zombie, which holds nothing; it must not be alive
    const alive = (pid: number) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 50 && holders.some(alive); i++) await new Promise((r) => setTimeout(r, 20));
    expect(holders.filter(alive)).toEqual([]);
    expect(existsSync(lab.dir)).toBe(false);
    expect(existsSync(`/run/nwlab/${lab.id}`)).toBe(false);
  });
});
