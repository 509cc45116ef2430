/**
 * Hostile interface names and a node without awk, in the lab over real SSH.
 * - n1 gets veth pairs (in its own netns) named like the sampler's markers ("@@", "@@NW"),
 *   with '|', every printable byte class, a control byte, UTF-8 and invalid UTF-8: `netwatch
 *   --once --json` shows each under its exact bytes with the ifindex, iflink, MAC and MTU /sys
 *   shows inside the node, and no other interface loses its identity.
 * - n2 has no awk (/dev/null bind-mounted over it in n2's own mount namespace): its row says why
 *   ("sampler: awk not found") instead of "connecting", the sampler is started at most twice in
 *   70 s, n1 stays live meanwhile, and with awk back n2 is live by its next try.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameBytes } from '../../src/sources/parsers/bytes.js';
import { Monitor } from '../../src/sources/monitor.js';
import { SAMPLER_SH } from '../../src/sources/remote/sampler.js';
import { resolveSshHost } from '../../src/sources/ssh/configFiles.js';
import { SshTransport } from '../../src/sources/transport/ssh.js';
import { createAppStore } from '../../src/state/store.js';
import { statusLabel } from '../../src/ui/select.js';
import { startLab, type Lab } from '../lab/lab.js';
import { netwatchProcs } from './remote.js';
import { runNetwatch, waitFor } from './run.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ nodes: [{ name: 'n1', kind: 'bridge', pods: 1 }, { name: 'n2', kind: 'routed', pods: 0 }] });
});
afterAll(async () => {
  await lab?.stop();
});

/** a printf format (octal escapes only) that writes these bytes */
const oct = (b: Buffer) => [...b].map((x) => '\\' + x.toString(8).padStart(3, '0')).join('');

const NAMES: Buffer[] = [
  '@@', '@@NW', 'a|b', '|', '!"#$&\'()*+,-.', ';<=>?@[\\]^_`{}~', '.dot', '@@NW_E_1', 'üñí€', 'e\x1b[31m',
].map((s) => Buffer.from(s)).concat([Buffer.from([0xff, 0xfe, 0x61]), Buffer.from([0xc0, 0xaf, 0x2d, 0xed, 0xb2, 0x80])]);

interface SysIf { ifindex: number; iflink: number; mac: string; mtu: number }

/** every interface of the node as /sys shows it, keyed by the hex of its name */
async function sysIfaces(node: string): Promise<Map<string, SysIf>> {
  const script = 'for d in /sys/class/net/* /sys/class/net/.[!.]*; do [ -r "$d/ifindex" ] || continue; ' +
    'printf "%s" "${d##*/}" | od -An -tx1 | tr -d " \\n"; printf " %s %s %s %s\\n" $(cat "$d/ifindex" "$d/iflink" "$d/address" "$d/mtu"); done';
  const r = await lab.exec(node, ['sh', '-c', script]);
  expect(r.code, r.stderr).toBe(0);
  const out = new Map<string, SysIf>();
  for (const l of r.stdout.trim().split('\n')) {
    const [hex, ix, il, mac, mtu] = l.split(' ');
    out.set(hex!, { ifindex: Number(ix), iflink: Number(il), mac: mac!, mtu: Number(mtu) });
  }
  return out;
}

describe('hostile interface names over real SSH', () => {
  it('the kernel refuses names with blanks, ":", "/" or a stray "%" (so the framing may rely on them)', async () => {
    // '%' makes the name a template ("eth%d"): one without a single %d is refused as well
    // and byte 0xa0 is a blank to the kernel's ctype (Latin-1 NBSP), so UTF-8 U+00A0 is refused too
    for (const bad of ['@@NW E 1', 'x:y', 'a/b', 'a%b', 'a\u00a0b']) {
      const r = await lab.exec('n1', ['ip', 'link', 'add', 'name', bad, 'type', 'veth', 'peer', 'name', 'q0']);
      expect(r.code, bad).not.toBe(0);
    }
  });

  it('shows every hostile name with the right ifindex, iflink, MAC and MTU; no interface loses identity', async () => {
    let mtu = 1300;
    for (const n of NAMES) {
      const r = await lab.exec('n1', ['sh', '-c', `n=$(printf '${oct(n)}'); ip link add name "$n" type veth peer name p${mtu} && ip link set dev "$n" mtu ${mtu++} up`]);
      expect(r.code, `${n.toString('hex')}: ${r.stderr}`).toBe(0);
    }
    const sys = await sysIfaces('n1');
    for (const n of NAMES) expect(sys.has(n.toString('hex')), n.toString('hex')).toBe(true);

    const r = await runNetwatch(['-F', lab.sshConfigPath, '--hosts', 'n1', '--once', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const n1 = (JSON.parse(r.stdout) as { nodes: any[] }).nodes[0];
    const got = new Map<string, any>((n1.interfaces.data as any[]).map((i) => [nameBytes(i.name).toString('hex'), i]));
    expect([...got.keys()].sort()).toEqual([...sys.keys()].sort());
    for (const [hex, s] of sys) {
      const i = got.get(hex);
      expect({ hex, ifindex: i.ifindex, iflink: i.iflink, mac: i.mac, mtu: i.mtu }).toEqual({ hex, ...s });
    }
    for (const n of NAMES) expect(got.get(n.toString('hex'))).toMatchObject({ kind: 'veth' });
    // the pod's veth is still mapped to its bridge port (nothing after "@@" lost its identity)
    const veth = got.get(Buffer.from(lab.node('n1').pods[0]!.hostVeth).toString('hex'));
    expect(veth).toMatchObject({ kind: 'veth', master: 'cbr0' });
  }, 60_000);
});

describe('a node without awk', () => {
  it('says why on its row and costs at most one sampler start a minute; the other node stays live', async () => {
    const awk = (await lab.exec('n2', ['sh', '-c', 'readlink -f "$(command -v awk)"'])).stdout.trim();
    expect(awk).toMatch(/^\/usr\/bin\//);
    const m = await lab.exec('n2', ['mount', '--bind', '/dev/null', awk]);
    expect(m.code, m.stderr).toBe(0);
    let hidden = true;
    const store = createAppStore({ interval: 0.5 });
    const monitor = new Monitor(store, { intervalMs: 500, idleSeconds: 15 });
    const starts: Record<string, number[]> = { n1: [], n2: [] };
    const t0 = Date.now();
    for (const n of ['n1', 'n2']) {
      const t = new SshTransport(resolveSshHost(n, { configFile: lab.sshConfigPath }), { acceptNewHostKeys: false });
      // count the sampler starts netwatch makes on each node
      const spawn = t.spawn.bind(t);
      t.spawn = (script, args, opts) => {
        if (script === SAMPLER_SH) starts[n]!.push(Date.now() - t0);
        return spawn(script, args, opts);
      };
      monitor.add(n, t);
    }
    monitor.start();
    try {
      const down = await waitFor('n2 says why', () => {
        const s = store.getState().nodes.n2!.status;
        return s.kind === 'failed' && s.reason.includes('awk not found') ? s : undefined;
      });
      expect(statusLabel(down, Date.now()).text).toMatch(/^failed: sampler: awk not found \(exit 127\); next try in \d+s$/);
      // --once says the same, and fails for that node only
      const r = await runNetwatch(['-F', lab.sshConfigPath, '--hosts', 'n1,n2', '--once', '--json']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^netwatch: n2: sampler: awk not found \(exit 127\)/);
      const rep = JSON.parse(r.stdout) as { nodes: any[] };
      expect(rep.nodes.find((x) => x.node === 'n2').error).toMatch(/^sampler: awk not found \(exit 127\)/);
      expect(rep.nodes.find((x) => x.node === 'n1').interfaces).toMatchObject({ status: 'ok' });
      const seen: string[] = [];
      while (Date.now() - t0 < 70_000) {
        await new Promise((res) => setTimeout(res, 1000));
        const n = store.getState().nodes;
        seen.push(n.n2!.status.kind);
        expect(n.n1!.status.kind).toBe('live');
      }
      console.log(`[figure] sampler starts in 70 s: n2 (no awk) at ${starts.n2!.join(', ')} ms; n1 ${starts.n1!.length}`);
      expect(starts.n2!.length).toBeGreaterThanOrEqual(2);
      expect(starts.n2!.length).toBeLessThanOrEqual(2);
      expect(starts.n1).toHaveLength(1);
      expect(new Set(seen)).toEqual(new Set(['failed']));
      // awk back: n2 is live again by its next try, at most a minute later
      await lab.exec('n2', ['umount', awk]);
      hidden = false;
      await waitFor('n2 live again', () => store.getState().nodes.n2!.status.kind === 'live', 65_000, 250);
      console.log(`[figure] n2 live again ${Date.now() - t0} ms after the start, sampler starts ${starts.n2!.join(', ')} ms`);
      expect(starts.n2).toHaveLength(3);
      monitor.stop();
      // nothing of netwatch is left on either node
      await waitFor('nodes clean', async () => (await netwatchProcs(lab, 'n1')).length + (await netwatchProcs(lab, 'n2')).length === 0, 5000);
    } finally {
      monitor.stop();
      if (hidden) await lab.exec('n2', ['umount', awk]);
    }
  }, 200_000);
});
