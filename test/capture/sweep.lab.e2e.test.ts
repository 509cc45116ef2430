/**
 * The one reconnect sweep through the Monitor over real SSH (lab, root): what an earlier
 * connection of this netwatch left on the node (its sampler and a capture whose guards would
 * wait 10 minutes) is ended when the Monitor's connection becomes ready again after a drop (its
 * first connection is not swept: nothing of the process can be there yet); a pairing partner's
 * capture (another instance id) runs on. The earlier connection is a second live SshTransport of
 * this process, so the test does not depend on when the node's sshd notices a dead one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureSession } from '../../src/sources/capture/session.js';
import { Monitor } from '../../src/sources/monitor.js';
import { SAMPLER_SH } from '../../src/sources/remote/scripts.js';
import { INSTANCE_ID, processTag } from '../../src/sources/remote/tags.js';
import { resolveSshHost } from '../../src/sources/ssh/configFiles.js';
import { SshTransport } from '../../src/sources/transport/ssh.js';
import { createAppStore } from '../../src/state/store.js';
import { startLab, type Lab } from '../lab/lab.js';
import { netwatchProcs } from '../e2e/remote.js';
import { waitFor } from '../e2e/run.js';
import { untilRunning } from './netns.js';

let lab: Lab;
const connect = (name: string) => new SshTransport(resolveSshHost(name, { configFile: lab.sshConfigPath, env: {} }), { acceptNewHostKeys: false });

beforeAll(async () => {
  lab = await startLab({ nodes: [{ name: 'sw-1', kind: 'bridge', pods: 1 }] });
});
afterAll(async () => {
  await lab?.stop();
});

describe('the reconnect sweep', () => {
  it("the Monitor, when it reconnects, ends an earlier connection's sampler and capture and spares a partner's", async () => {
    const earlier = connect('sw-1');
    const store = createAppStore({ interval: 0.5 });
    const log: string[] = [];
    const monitor = new Monitor(store, { intervalMs: 500, idleSeconds: 600, log: (l) => log.push(l) });
    const mine = new SshTransport(resolveSshHost('sw-1', { configFile: lab.sshConfigPath, env: {} }), { acceptNewHostKeys: false, reconnect: { baseMs: 200, maxMs: 500 } });
    try {
      // the Monitor's first connection: nothing of this process can be on the node yet, no sweep
      monitor.add('sw-1', mine);
      monitor.start();
      await waitFor('sw-1 live', () => store.getState().nodes['sw-1']!.status.kind === 'live', 20_000);
      const ownSampler = (await netwatchProcs(lab, 'sw-1')).filter((l) => l.includes(`nwtag=nw-s-${INSTANCE_ID}`)).map((l) => l.split(' ')[0]!);
      expect(ownSampler).toHaveLength(1);
      expect(log.some((l) => l.includes('swept'))).toBe(false);

      // what an earlier connection of this process left: a sampler and a capture that would run 10 min
      await earlier.ready();
      const veth = lab.node('sw-1').pods[0]!.hostVeth!;
      const sampler = earlier.spawn(SAMPLER_SH, ['600', '3600'], { privileged: true, tag: processTag('sampler', earlier) });
      sampler.stdin.on('error', () => {});
      const capture = new CaptureSession({ idleSeconds: 600 });
      capture.start(earlier, { iface: veth });
      const partner = new CaptureSession({ idleSeconds: 600, instanceId: 'othr0001' });
      partner.start(earlier, { iface: veth });
      await Promise.all([untilRunning(capture, 15_000), untilRunning(partner, 15_000)]);
      const capTag = processTag('capture', earlier);
      const before = await netwatchProcs(lab, 'sw-1');
      expect(before.filter((l) => l.includes(`nwtag=nw-s-${INSTANCE_ID}`))).toHaveLength(2);
      expect(before.filter((l) => l.split(' ')[1] === 'tcpdump')).toHaveLength(2);

      // the Monitor's connection drops (its sshd session dies on the node) and comes back
      const killed = await lab.exec('sw-1', ['sh', '-c', 'p=$1; while [ "$p" -gt 1 ]; do c=$(cat /proc/$p/comm); if [ "$c" = sshd ]; then kill -9 "$p"; echo "$p"; exit 0; fi; p=$(sed -n "s/^PPid:[[:space:]]*//p" /proc/$p/status); done; exit 1', 'find-sshd', ownSampler[0]!]);
      expect(killed.code, killed.stderr).toBe(0);
      await waitFor('the sweep logged', () => log.some((l) => l.includes('swept')), 20_000);
      await waitFor('sw-1 live again', () => store.getState().nodes['sw-1']!.status.kind === 'live', 20_000);
      const swept = log.join('\n');
      expect(swept).toContain(`nw-s-${INSTANCE_ID}`);
      expect(swept).toContain(capTag);
      expect(swept).not.toContain('othr0001');
      expect(await capture.done()).toMatchObject({ kind: 'stopped' });
      await sampler.exit;
      expect(partner.status().kind).toBe('running');
      // the monitor's new sampler runs on, and exactly one tcpdump is left: the partner's
      const after = await netwatchProcs(lab, 'sw-1');
      expect(after.filter((l) => l.split(' ')[1] === 'tcpdump')).toHaveLength(1);
      expect(after.filter((l) => l.includes(`nwtag=nw-s-${INSTANCE_ID}`))).toHaveLength(1);
      // the first sampler's nft watcher (slow.sh's xtables-monitor, in its process group) went with
      // it: one is left, the new sampler's
      const watchers = async () => (await lab.exec('sw-1', ['sh', '-c', 'for p in /proc/[0-9]*; do read -r c < $p/comm 2>/dev/null && [ "$c" = xtables-monitor ] && echo ${p#/proc/}; done; true'])).stdout.trim().split('\n').filter(Boolean);
      let seen: string[] = [];
      await waitFor('one nft watcher on sw-1', async () => (seen = await watchers()).length === 1, 20_000, 250).catch(async (e: Error) => {
        // what is left, for the failure message: state and process group of each watcher, and ps
        const ps = await lab.exec('sw-1', ['sh', '-c', 'for p in "$@"; do echo "$p $(cut -d" " -f3-8 /proc/$p/stat)"; done; ps -eo pid,ppid,pgid,sid,args 2>/dev/null | head -40', 'diag', ...seen]);
        throw new Error(`${e.message}: ${JSON.stringify(seen)}\n${ps.stdout}`);
      });
      await partner.stop();
    } finally {
      monitor.stop();
      earlier.close();
    }
  }, 90_000);
});
