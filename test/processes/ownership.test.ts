/**
 * Ownership on realistic nodes, through the real parser (scenario.ts writes collect.sh output).
 * The node: pod shop/web, whose old container's process still holds :8080 after a runtime crash
 * while its new container crash-loops on bind; pod shop/api, ordinary (two processes, zombies, a
 * debugging shell nsenter'ed from the host); pod tools/debug with an ephemeral container; a
 * leaked netns of a deleted pod; an `ip netns` namespace with no container at all.
 */
import { describe, expect, it } from 'vitest';
import { onlyPod, processViewFromOutput } from '../../src/sources/processes/collect.js';
import {
  apiPods, B1, bindError, C1, E1, listens, NEW, ns, owners, PREV, procs, SA, SB, SC, UA, UB, UC, UL, view, webCrashLooping,
} from './crashloop.js';
import { crictlPods, crictlPs, nodeOutput, podCgroupSystemd } from './scenario.js';

describe('with the API, no runtime CLI', () => {
  const v = view({}, apiPods());

  it('says what ownership is based on', () => {
    expect(v.basis).toBe('api');
    expect(v.basisNote).toMatch(/pods' status \(API\) only.*crictl not installed.*docker: Cannot connect/);
    expect(v.runtimes).toEqual([
      { name: 'crictl', status: 'absent', containers: 0 },
      { name: 'docker', status: 'error', error: 'Cannot connect to the Docker daemon', containers: 0 },
    ]);
  });

  it('flags the old container process holding the port as the cause of the bind crash loop', () => {
    const web = ns(v, 100);
    expect(web.kind).toBe('pod');
    expect(web.pod).toEqual({ namespace: 'shop', name: 'web', uid: UA, from: 'api' });
    expect(owners(web)).toEqual([[200, 'sandbox'], [201, 'stale']]);
    expect(web.causes).toEqual([201]);
    const old = web.processes[1]!;
    expect(old.cause).toBe('holds TCP port 8080, declared by container web');
    expect(old.ownerNote).toMatch(/container [0-9a-f]{12} is not in any pod status; no runtime to ask/);
    expect(web.notes).toEqual([`container web (CrashLoopBackOff, 7 restarts): Error: ${bindError}`]);
    expect(web.listeners).toEqual([{ proto: 'tcp', family: 4, address: '0.0.0.0', port: 8080, inode: 5001, pids: [201] }]);
    // the view lists the namespace with a cause first
    expect(v.namespaces[0]!.inode).toBe(100);
  });

  it('never flags an ordinary pod: its processes, a forked worker sharing the socket, zombies, a host shell', () => {
    const api = ns(v, 101);
    expect(api.kind).toBe('pod');
    expect(owners(api)).toEqual([[300, 'sandbox'], [301, 'pod'], [302, 'pod'], [305, 'host']]);
    expect(api.stale).toBe(0);
    expect(api.causes).toEqual([]);
    expect(api.zombies).toBe(2);
    expect(api.listeners.map((l) => [l.proto, l.family, l.port, l.pids])).toEqual([
      ['udp', 4, 5353, []],
      ['tcp', 6, 9090, [301, 302]],
    ].sort((a, b) => (a[2] as number) - (b[2] as number)));
    expect(api.processes[1]).toMatchObject({ containerName: 'api', podUid: UB, containerId: B1 });
    expect(api.processes[3]!.ownerNote).toMatch(/no container in its cgroup/);
  });

  it('init and ephemeral containers are known', () => {
    expect(owners(ns(v, 102))).toEqual([[400, 'sandbox'], [401, 'pod'], [402, 'pod']]);
    expect(ns(v, 102).processes[2]!.containerName).toBe('debugger-x7k');
  });

  it('lists a namespace no pod owns as leaked; its processes are stale but cause nothing', () => {
    const leaked = ns(v, 103);
    expect(leaked.kind).toBe('leaked');
    expect(leaked.pod).toEqual({ uid: UL, from: 'cgroup' });
    expect(owners(leaked)).toEqual([[500, 'stale'], [501, 'stale']]);
    expect(leaked.causes).toEqual([]);
  });

  it('namespaces without containers are summarised; the node netns and host-network pods are not pod namespaces', () => {
    expect(v.others).toEqual([{ inode: 104, processes: 1, comms: ['dnsmasq'] }]);
    expect(v.namespaces.map((n) => n.inode).sort()).toEqual([100, 101, 102, 103]);
    expect(v.processCount).toBe(12);
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(v))).toEqual(v);
  });

  it('narrows to one pod (s on a pod), by UID with dashes or underscores', () => {
    expect(onlyPod(v, UB).namespaces.map((n) => n.inode)).toEqual([101]);
    expect(onlyPod(v, UL.replace(/-/g, '_')).namespaces.map((n) => n.inode)).toEqual([103]);
    expect(onlyPod(v, UB).others).toEqual([]);
  });
});

describe('causes', () => {
  it('a bind error alone (no declared port) flags the stale listener on the port it names', () => {
    const web = { ...webCrashLooping, ports: [] };
    const v = view({}, apiPods(web));
    expect(ns(v, 100).processes[1]!.cause).toBe(`holds TCP port 8080 while container web fails: Error: ${bindError}`);
  });

  it('a declared port alone flags the stale listener', () => {
    const web = { ...webCrashLooping, lastTerminated: undefined, state: 'running' };
    const v = view({}, apiPods(web));
    expect(ns(v, 100).causes).toEqual([201]);
  });

  it('a stale process on another port, or with no listener, is stale but not the cause', () => {
    const other = listens.map((l) => (l.inode === 5001 ? { ...l, port: 8081 } : l));
    const v = view({ listens: other }, apiPods());
    expect(ns(v, 100).processes[1]!.owner).toBe('stale');
    expect(ns(v, 100).causes).toEqual([]);
    const v2 = view({ listens: listens.filter((l) => l.inode !== 5001) }, apiPods());
    expect(ns(v2, 100).causes).toEqual([]);
  });

  it("a process of a container the API lists only in lastState is stale, and says so", () => {
    const withPrev = procs.map((p) => (p.pid === 201 ? { ...p, cgroup: podCgroupSystemd(UA, PREV!) } : p));
    const web = { ...webCrashLooping, lastTerminated: { ...webCrashLooping.lastTerminated!, containerID: `containerd://${PREV}` } };
    const v = view({ procs: withPrev }, apiPods(web));
    const p = ns(v, 100).processes[1]!;
    expect(p.owner).toBe('stale');
    expect(p.ownerNote).toMatch(/container web \([0-9a-f]{12}\) terminated per the pod status, yet this process runs/);
    expect(p.cause).toMatch(/^holds TCP port 8080/);
  });
});

describe('with a runtime CLI', () => {
  const entries = [
    { id: SA!, podUid: UA, podName: 'web', namespace: 'shop' },
    { id: SB!, podUid: UB, podName: 'api', namespace: 'shop' },
    { id: SC!, podUid: UC, podName: 'debug', namespace: 'tools' },
  ];
  const containers = [
    { id: NEW!, podUid: UA, podName: 'web', namespace: 'shop', name: 'web', state: 'CONTAINER_EXITED', sandboxId: SA },
    { id: B1!, podUid: UB, podName: 'api', namespace: 'shop', name: 'api', sandboxId: SB },
    { id: C1!, podUid: UC, podName: 'debug', namespace: 'tools', name: 'main', sandboxId: SC },
    { id: E1!, podUid: UC, podName: 'debug', namespace: 'tools', name: 'debugger-x7k', sandboxId: SC },
  ];
  const crictl = { ps: crictlPs(containers), pods: crictlPods(entries) };

  it('API + crictl: sandboxes by the runtime, the stale process still the cause', () => {
    const v = view({ crictl }, apiPods());
    expect(v.basis).toBe('api+runtime');
    expect(owners(ns(v, 100))).toEqual([[200, 'sandbox'], [201, 'stale']]);
    expect(ns(v, 100).processes[1]!.ownerNote).toMatch(/is not in any pod status; the runtime does not list [0-9a-f]{12}/);
    expect(ns(v, 100).causes).toEqual([201]);
    expect(ns(v, 101).stale).toBe(0);
    expect(ns(v, 103).kind).toBe('leaked');
  });

  it('no API: ownership from the runtime alone, pods named from its labels, no cause', () => {
    const v = view({ crictl });
    expect(v.basis).toBe('runtime');
    expect(v.basisNote).toMatch(/no Kubernetes API: ownership from crictl alone/);
    const web = ns(v, 100);
    expect(web.pod).toEqual({ namespace: 'shop', name: 'web', uid: UA, from: 'runtime' });
    expect(owners(web)).toEqual([[200, 'sandbox'], [201, 'stale']]);
    expect(web.causes).toEqual([]);
    expect(owners(ns(v, 101))).toEqual([[300, 'sandbox'], [301, 'runtime'], [302, 'runtime'], [305, 'host']]);
    expect(ns(v, 103).kind).toBe('leaked');
  });

  it('a failing crictl counts as no runtime', () => {
    const v = view({ crictl: { error: 'FATA[0002] validate service connection: context deadline exceeded' } });
    expect(v.basis).toBe('none');
    expect(v.runtimes[0]).toEqual({ name: 'crictl', status: 'error', error: 'FATA[0002] validate service connection: context deadline exceeded', containers: 0 });
  });

  it('Docker (dockershim / cri-dockerd): pause containers are podsandbox', () => {
    const docker = [
      `${SA}|${UA}|shop|web|POD|podsandbox|running`,
      `${SB}|${UB}|shop|api|POD|podsandbox|running`,
      `${B1}|${UB}|shop|api|api|container|running`,
    ].join('\n');
    const v = view({ docker });
    expect(v.basis).toBe('runtime');
    expect(owners(ns(v, 100))).toEqual([[200, 'sandbox'], [201, 'stale']]);
    expect(owners(ns(v, 101)).slice(0, 3)).toEqual([[300, 'sandbox'], [301, 'runtime'], [302, 'runtime']]);
  });
});

describe('with neither', () => {
  it('lists everything and calls nothing stale', () => {
    const v = view({});
    expect(v.basis).toBe('none');
    expect(v.basisNote).toMatch(/nothing called stale/);
    expect(v.namespaces.every((n) => n.kind === 'unattributed' && n.stale === 0 && n.causes.length === 0)).toBe(true);
    expect(owners(ns(v, 100))).toEqual([[200, 'unverified'], [201, 'unverified']]);
    expect(ns(v, 100).pod).toEqual({ uid: UA, from: 'cgroup' });
  });
});

describe('the real output of this machine (test/fixtures/processes/collect-local.txt)', () => {
  it('parses into two pods with their listeners, zombies and cost', async () => {
    const { fixture } = await import('./fixtures.js');
    const v = processViewFromOutput('localhost', fixture('collect-local.txt'), undefined);
    expect(v.namespaces.map((n) => [n.inode, n.pod?.uid, n.processes.map((p) => p.comm), n.listeners.map((l) => l.port), n.zombies])).toEqual([
      [4026532364, '40f051e8-f4e9-46a5-8d5b-51758bed27e3', ['pause', 'perl', 'perl'], [19090], 2],
      [4026532246, '7cd484a1-d287-4a7a-b573-9b03ab0d4e3b', ['pause', 'perl'], [18080], 0],
    ].sort((a, b) => String(a[1]).localeCompare(String(b[1]))).reverse());
    const perl = v.namespaces.flatMap((n) => n.processes).find((p) => p.pid === 27043)!;
    expect(perl).toMatchObject({ containerId: '0eaf4dc6a8391e6d7f190baded329c2c03e90c61e479790d7fa21eec0a5f4edf', startTicks: 194227, runtime: 'containerd' });
    expect(perl.args.at(-1)).toBe('18080');
    expect(v.cost.remoteCpuMs).toBe(30);
    expect(v.runtimes[1]).toMatchObject({ name: 'docker', status: 'error' });
    expect(v.warnings).toEqual([]);
  });

  it('the real output of lab nodes over SSH: only the node\'s own processes, its pod netns', async () => {
    const { fixture } = await import('./fixtures.js');
    for (const [file, uid] of [
      ['collect-lab-n1.txt', '7cd484a1-d287-4a7a-b573-9b03ab0d4e3b'],
      ['collect-lab-n2.txt', '40f051e8-f4e9-46a5-8d5b-51758bed27e3'],
    ] as const) {
      const v = processViewFromOutput('n', fixture(file), undefined);
      expect(v.namespaces).toHaveLength(1);
      const n = v.namespaces[0]!;
      expect(n.pod).toEqual({ uid, from: 'cgroup' });
      expect(n.processes.map((p) => p.comm)).toEqual(['sleep', 'pod-listener']);
      expect(n.listeners.map((l) => [l.port, l.pids])).toEqual([[8080, [n.processes[1]!.pid]]]);
      expect(v.others).toEqual([]);
    }
  });

  it('a cut-off output is flagged', () => {
    const v = processViewFromOutput('n1', nodeOutput({ procs, listens }).split('@@times')[0]!, undefined);
    expect(v.warnings[0]).toMatch(/ended early/);
  });
});
