/**
 * Host key decisions of the real binary against a lab node's sshd (ED25519 host key), with the
 * real `ssh -o BatchMode=yes` run on the same files as the oracle: a node known only by an RSA
 * key is refused as changed by both, with StrictHostKeyChecking yes, accept-new and
 * --accept-new-host-keys, and neither touches known_hosts; a new or port-less-known node is
 * accepted by both, and both record the same thing (or nothing).
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../lab/lab.js';
import { runNetwatch } from './run.js';

let lab: Lab;
let rsaKey = '';

beforeAll(async () => {
  lab = await startLab({ nodes: [{ name: 'n1', kind: 'bridge', pods: 1 }] });
  execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-N', '', '-C', '', '-f', `${lab.dir}/hk_rsa`]);
  rsaKey = readFileSync(`${lab.dir}/hk_rsa.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}, 120_000);
afterAll(async () => {
  await lab?.stop();
});

type Policy = 'yes' | 'accept-new' | 'flag';

/** ssh_config and known_hosts copies for one run: `who` keeps ssh's and netwatch's apart */
function files(name: string, who: string, knownHosts: string, policy: Policy) {
  const kh = `${lab.dir}/known_hosts.${name}.${policy}.${who}`;
  writeFileSync(kh, knownHosts);
  const strict = policy === 'accept-new' ? 'accept-new' : 'yes';
  const cfg = readFileSync(lab.sshConfigPath, 'utf8')
    .replaceAll(lab.knownHostsPath, kh)
    .replaceAll('StrictHostKeyChecking yes', `StrictHostKeyChecking ${strict}`);
  const cfgPath = `${lab.dir}/ssh_config.${name}.${policy}.${who}`;
  writeFileSync(cfgPath, cfg);
  return { kh, cfgPath };
}

function ssh(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('ssh', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, stderr });
    });
  });
}

async function both(name: string, knownHosts: string, policy: Policy) {
  const s = files(name, 'ssh', knownHosts, policy);
  const n = files(name, 'netwatch', knownHosts, policy);
  const sshArgs = ['-F', s.cfgPath, '-o', 'BatchMode=yes', ...(policy === 'flag' ? ['-o', 'StrictHostKeyChecking=accept-new'] : []), 'n1', 'true'];
  const nwArgs = ['-F', n.cfgPath, '--hosts', 'n1', '--once', '--json', ...(policy === 'flag' ? ['--accept-new-host-keys'] : [])];
  const [o, r] = await Promise.all([ssh(sshArgs), runNetwatch(nwArgs)]);
  const status = (JSON.parse(r.stdout) as { nodes: Array<{ node: string; status: string }> }).nodes[0]!.status;
  return {
    ssh: { ok: o.code === 0, stderr: o.stderr, after: readFileSync(s.kh, 'utf8').replaceAll(s.kh, 'KH') },
    nw: { ok: status === 'live', stderr: r.stderr, after: readFileSync(n.kh, 'utf8').replaceAll(n.kh, 'KH'), kh: n.kh },
  };
}

describe('host keys of a lab node: netwatch against ssh', () => {
  const policies: Policy[] = ['yes', 'accept-new', 'flag'];

  it('refuses a node known only by RSA that offers ED25519 exactly when ssh does, saying it changed', async () => {
    const port = lab.node('n1').sshPort;
    const kh = `[127.0.0.1]:${port} ${rsaKey}\n`;
    for (const policy of policies) {
      const r = await both('rsa-known', kh, policy);
      expect(`${policy}: ssh ${r.ssh.ok}, netwatch ${r.nw.ok}`).toBe(`${policy}: ssh false, netwatch false`);
      expect(r.ssh.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
      expect(r.nw.stderr).toContain(`n1: REMOTE HOST IDENTIFICATION HAS CHANGED for [127.0.0.1]:${port}: it now offers ED25519 key ${lab.node('n1').hostKeyFingerprint}`);
      expect(r.nw.stderr).toContain(`the host is known with other key types: RSA key in ${r.nw.kh}:1`);
      expect(r.nw.stderr).not.toContain('--accept-new-host-keys');
      expect([r.ssh.after, r.nw.after]).toEqual([kh, kh]);
    }
  }, 120_000);

  it('accepts a new node under accept-new as ssh does, and both record the same line', async () => {
    for (const policy of policies) {
      const r = await both('new', '', policy);
      expect(`${policy}: ssh ${r.ssh.ok}, netwatch ${r.nw.ok}`).toBe(`${policy}: ssh ${policy !== 'yes'}, netwatch ${policy !== 'yes'}`);
      expect(r.nw.after).toBe(r.ssh.after);
    }
  }, 120_000);

  it('takes the port-less entry as ssh does, and writes no [host]:port line', async () => {
    const n1 = lab.node('n1');
    const line = readFileSync(lab.knownHostsPath, 'utf8').split('\n').find((l) => l.startsWith(`[127.0.0.1]:${n1.sshPort} `))!;
    const kh = `127.0.0.1 ${line.split(' ').slice(1, 3).join(' ')}\n`;
    for (const policy of policies) {
      const r = await both('portless', kh, policy);
      expect(`${policy}: ssh ${r.ssh.ok}, netwatch ${r.nw.ok}`).toBe(`${policy}: ssh true, netwatch true`);
      expect([r.ssh.after, r.nw.after]).toEqual([kh, kh]);
    }
  }, 120_000);
});
