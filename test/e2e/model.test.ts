/**
 * The node model against the lab, over real SSH: TCP state counts equal the node's own `ss`;
 * IPv6 routes (read every 60th tick) stay next to IPv4 routes (every 15th) tick after tick; an
 * `ip route` that fails on one tick (a wrapper bind-mounted over the node's `ip`, inside that
 * node's mount namespace only) un-maps no pod; a node whose link is cut is shown as not live and
 * gets no pod problems invented for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Monitor } from '../../src/sources/monitor.js';
import { resolveSshHost } from '../../src/sources/ssh/configFiles.js';
import { SshTransport } from '../../src/sources/transport/ssh.js';
import type { PodInfo } from '../../src/sources/types.js';
import { routesOf } from '../../src/state/model.js';
import { primaryChoice } from '../../src/state/topology.js';
import { createAppStore } from '../../src/state/store.js';
import type { NodeState } from '../../src/state/types.js';
import { segsText } from '../../src/ui/columns.js';
import { podRows } from '../../src/ui/select.js';
import { summaryLines } from '../../src/ui/summary.js';
import { startLab, type Lab } from '../lab/lab.js';
import { runNetwatch, waitFor } from './run.js';

let lab: Lab;
const V6 = '2001:db8:5::/64';

beforeAll(async () => {
  lab = await startLab({ nodes: [{ name: 'n1', kind: 'bridge', pods: 0 }, { name: 'n2', kind: 'routed', pods: 2 }, { name: 'n3', kind: 'bridge', pods: 2 }] });
  // an IPv6 route inside each node's own netns (a documentation prefix: nothing is sent)
  for (const n of ['n1', 'n2']) {
    const r = await lab.exec(n, ['ip', '-6', 'route', 'add', V6, 'dev', 'eth0']);
    expect(r.code, r.stderr).toBe(0);
  }
});
afterAll(async () => {
  await lab?.stop();
});

/** counts per state of `ss -tan` run on the node */
async function ssCounts(node: string): Promise<Record<string, number>> {
  const r = await lab.exec(node, ['ss', '-tan']);
  const out: Record<string, number> = {};
  for (const line of r.stdout.split('\n').slice(1)) {
    const s = line.trim().split(/\s+/)[0];
    if (s) out[s] = (out[s] ?? 0) + 1;
  }
  return out;
}

const within10 = (got: number, want: number) => Math.abs(got - want) <= Math.max(1, 0.1 * want);

function monitorFor(nodes: string[], intervalMs: number) {
  const store = createAppStore({ interval: intervalMs / 1000 });
  const monitor = new Monitor(store, { intervalMs, idleSeconds: 15 });
  for (const n of nodes) {
    const host = resolveSshHost(n, { configFile: lab.sshConfigPath });
    monitor.add(n, new SshTransport(host, { acceptNewHostKeys: false, reconnect: { baseMs: 200, maxMs: 1000 } }));
  }
  return { store, monitor };
}

/** the lab's pods as the Kubernetes API would list them (with their IPs) */
function apiPods(node: string): PodInfo[] {
  return lab.node(node).pods.map((p) => ({
    namespace: p.namespace, name: p.name, uid: p.uid, nodeName: node, phase: 'Running', podIPs: [p.ip], hostNetwork: false, containers: [],
  }));
}

describe('node model against the lab', () => {
  it('ESTAB and TIME_WAIT in --once --json and in the detail view are within 10 % of ss -tan on the node', async () => {
    await lab.makeConnections('n1', 20);
    await lab.closeConnections('n1'); // closed by the node side: TIME-WAIT
    await lab.makeConnections('n1', 25); // both ends on the node: 50 ESTAB
    try {
      const before = await ssCounts('n1');
      const r = await runNetwatch(['-F', lab.sshConfigPath, '--hosts', 'n1', '--once', '--json']);
      const after = await ssCounts('n1');
      expect(r.code, r.stderr).toBe(0);
      const n1 = (JSON.parse(r.stdout) as { nodes: any[] }).nodes[0];
      expect(n1.collectors.tcpStates).toMatchObject({ status: 'ok' });
      const states = n1.tcpStates.data as Record<string, number>;
      console.log(`[figure] ss on n1: ESTAB ${before.ESTAB}/${after.ESTAB} TIME-WAIT ${before['TIME-WAIT']}/${after['TIME-WAIT']}; netwatch ESTABLISHED ${states.ESTABLISHED} TIME_WAIT ${states.TIME_WAIT}`);
      expect(before.ESTAB).toBeGreaterThanOrEqual(50);
      expect(before['TIME-WAIT']).toBeGreaterThanOrEqual(15);
      expect(within10(states.ESTABLISHED!, before.ESTAB!) || within10(states.ESTABLISHED!, after.ESTAB!)).toBe(true);
      expect(within10(states.TIME_WAIT!, before['TIME-WAIT']!) || within10(states.TIME_WAIT!, after['TIME-WAIT']!)).toBe(true);

      // the detail view's TCP line, from a live monitor's store
      const { store, monitor } = monitorFor(['n1'], 500);
      monitor.start();
      try {
        await waitFor('n1 tcp states', () => store.getState().nodes.n1!.model.tcpStates.value);
        const line = segsText(summaryLines(store.getState().nodes.n1!, Date.now())[4]!);
        const num = (label: string) => Number(new RegExp(`${label} (\\d+)`).exec(line)?.[1]);
        const ss = await ssCounts('n1');
        expect(within10(num('ESTAB'), ss.ESTAB!), line).toBe(true);
        expect(within10(num('TIME_WAIT'), ss['TIME-WAIT']!), line).toBe(true);
      } finally {
        monitor.stop();
      }
    } finally {
      await lab.closeConnections('n1');
    }
  }, 60_000);

  it('IPv6 routes are there after 30 ticks, and a failed ip route on one tick un-maps no pod', async () => {
    // a wrapper over n2's `ip`, in n2's mount namespace only: `ip -4 route ...` fails once when armed
    const wrapper = [
      'set -e',
      'real=$(command -v ip); cp "$real" /run/nwtest-ip-real',
      'cat > /run/nwtest-ip <<"EOF"',
      '#!/bin/sh',
      'if [ "$1" = -4 ] && [ "$2" = route ] && [ -e /run/nwtest-arm ]; then rm -f /run/nwtest-arm; echo "RTNETLINK answers: injected failure" >&2; exit 2; fi',
      'exec /run/nwtest-ip-real "$@"',
      'EOF',
      'chmod 755 /run/nwtest-ip',
      'mount --bind /run/nwtest-ip "$real"',
    ].join('\n');
    const w = await lab.exec('n2', ['sh', '-c', wrapper]);
    expect(w.code, w.stderr).toBe(0);
    const { store, monitor } = monitorFor(['n1', 'n2'], 200);
    store.getState().setPods('n2', apiPods('n2'), { kind: 'ok' });
    const seen = { v6Missing: 0, unmapped: [] as string[], error: undefined as string | undefined, updates: 0 };
    const unsub = store.subscribe((st) => {
      const n1 = st.nodes.n1!;
      const n2 = st.nodes.n2!;
      seen.updates++;
      for (const n of [n1, n2]) if (n.samplesOk > 0 && !routesOf(n).some((r) => r.family === 6 && r.dst === V6)) seen.v6Missing++;
      if (n2.model.routes4.status === 'error') seen.error ??= n2.model.routes4.text;
      if (n2.samplesOk > 0 && n2.kube) {
        for (const l of n2.kube.links) if (l.method !== 'route' || !l.iface) seen.unmapped.push(`${l.pod.name}@${n2.samplesOk}: ${l.method} ${l.reason ?? ''}`);
      }
    });
    monitor.start();
    try {
      const st = () => store.getState().nodes;
      await waitFor('both live', () => st().n1!.status.kind === 'live' && st().n2!.status.kind === 'live');
      expect(await lab.exec('n2', ['touch', '/run/nwtest-arm'])).toMatchObject({ code: 0 });
      await waitFor('the failed ip route seen', () => seen.error, 20_000);
      await waitFor('30 more ticks, routes4 good again', () => st().n2!.samplesOk >= 35 && st().n1!.samplesOk >= 30 && st().n2!.model.routes4.status === 'ok', 30_000);
      expect(seen.error).toMatch(/RTNETLINK answers: injected failure/);
      expect(seen.v6Missing).toBe(0);
      expect(seen.unmapped).toEqual([]);
      for (const n of ['n1', 'n2']) expect(routesOf(st()[n]!).filter((r) => r.family === 6).map((r) => r.dst)).toContain(V6);
      console.log(`[figure] ${st().n2!.samplesOk} ticks of n2 at 0.2 s, ${seen.updates} store updates: IPv6 route always present, pods mapped by route throughout`);
    } finally {
      unsub();
      monitor.stop();
      await lab.exec('n2', ['sh', '-c', 'umount "$(command -v ip)"; rm -f /run/nwtest-ip /run/nwtest-ip-real /run/nwtest-arm']);
    }
  }, 90_000);

  it("a pod whose eth0 peer lives in another namespace is not mapped to the node's interface of that index", async () => {
    // pod 0's host-side veth moves to another namespace on the node; the index it had is taken
    // by another veth pair, down (the trap: eth0@ifN names an unrelated veth)
    const p = lab.node('n3').pods[0]!;
    const ix = (await lab.exec('n3', ['cat', `/sys/class/net/${p.hostVeth}/ifindex`])).stdout.trim();
    const script = 'set -e; ip netns add nwother; ip link set "$1" netns nwother; ip link add nwtrap index "$2" type veth peer name nwtrap2; ip link set nwtrap down';
    const r = await lab.exec('n3', ['sh', '-c', script, 'sh', p.hostVeth, ix]);
    expect(r.code, r.stderr).toBe(0);
    try {
      const peer = (await lab.execInPod('n3', p.name, ['ip', '-o', 'link', 'show', 'eth0'])).stdout;
      expect(peer).toMatch(new RegExp(`eth0@if${ix}:`));
      const out = await runNetwatch(['-F', lab.sshConfigPath, '--hosts', 'n3', '--once', '--json']);
      expect(out.code, out.stderr).toBe(0);
      const n3 = (JSON.parse(out.stdout) as { nodes: any[] }).nodes[0];
      const item = n3.pods.items.find((x: any) => x.uid === p.uid);
      console.log(`[figure] moved peer: pod ${p.name} -> ${JSON.stringify({ veth: item.veth, method: item.method, unmapped: item.unmapped })}`);
      expect(item.veth).toBeUndefined();
      expect(item.unmapped).toMatch(/is nwtrap, whose peer is index \d+, not the pod's eth0 \(\d+\)/);
      expect(n3.problems.map((x: any) => x.code)).not.toContain('pod-veth-down');
      // the other pod keeps its veth
      const other = lab.node('n3').pods[1]!;
      expect(n3.pods.items.find((x: any) => x.uid === other.uid)).toMatchObject({ veth: other.hostVeth, method: 'netns-peer' });
    } finally {
      await lab.exec('n3', ['sh', '-c', 'ip link del nwtrap; ip netns del nwother']);
    }
  }, 60_000);

  it('with no default route the primary interface is the one holding the address the SSH connection reached', async () => {
    // the relay reaches n1 on its uplink's own /24, so SSH works without a default route
    expect(await lab.exec('n1', ['ip', 'route', 'del', 'default'])).toMatchObject({ code: 0 });
    const { store, monitor } = monitorFor(['n1'], 200);
    monitor.start();
    try {
      const n1 = () => store.getState().nodes.n1!;
      await waitFor('n1 live with its routes read', () => n1().status.kind === 'live' && n1().model.routes4.status === 'ok');
      expect(n1().connectedAddress).toBe(lab.node('n1').address);
      expect(routesOf(n1()).some((r) => r.dst === 'default')).toBe(false);
      expect(primaryChoice(n1())).toMatchObject({ iface: { name: 'eth0' }, via: 'address' });
    } finally {
      monitor.stop();
      await lab.exec('n1', ['ip', 'route', 'replace', 'default', 'via', '198.18.0.1']);
    }
  }, 60_000);

  it('a node whose link is cut shows as not live, with no pod problems invented', async () => {
    const { store, monitor } = monitorFor(['n2'], 500);
    store.getState().setPods('n2', apiPods('n2'), { kind: 'ok' });
    const invented: string[] = [];
    let cut = false;
    const unsub = store.subscribe((st) => {
      const n = st.nodes.n2!;
      if (!cut) return;
      for (const p of n.problems) if (/^(pod-|veth-no-pod|neigh-)/.test(p.code)) invented.push(`${n.status.kind}: ${p.code} ${p.subject ?? ''}`);
    });
    monitor.start();
    try {
      const n = () => store.getState().nodes.n2! as NodeState;
      await waitFor('n2 live, pods mapped', () => n().status.kind === 'live' && n().kube!.links.every((l) => l.iface));
      cut = true;
      await lab.cutLink('n2');
      await waitFor('n2 not live', () => n().status.kind !== 'live', 30_000);
      // a pod scheduled while the node is unreachable: its veth cannot be seen, it is not missing
      store.getState().setPods('n2', [...apiPods('n2'), { ...apiPods('n2')[0]!, name: 'new-pod', uid: '0000-new', podIPs: ['198.19.2.99'] }], { kind: 'ok' });
      await new Promise((r) => setTimeout(r, 4000));
      const state = n();
      console.log(`[figure] link cut: n2 ${state.status.kind}, problems ${state.problems.map((p) => p.code).join(',')}`);
      expect(['stale', 'reconnecting', 'failed']).toContain(state.status.kind);
      expect(state.problems.map((p) => p.code).some((c) => c === 'node-stale' || c === 'node-unreachable' || c === 'node-failed')).toBe(true);
      expect(invented).toEqual([]);
      expect(podRows(state).map((r) => r.unknown)).toEqual(podRows(state).map(() => `unknown: node ${state.status.kind}`));
    } finally {
      unsub();
      monitor.stop();
      await lab.restoreLink('n2');
    }
  }, 90_000);
});
