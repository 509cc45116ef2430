import { describe, expect, it } from 'vitest';
import { bareContainerId, parseCgroupFile, parseCgroupPath } from '../../src/sources/processes/cgroup.js';
import { fixtureLines } from './fixtures.js';

const U1 = '3a4917f9-d29b-4a67-aa92-d674f558e951';
const U2 = '5188f397-7cba-4d83-b3e4-7819c0695be1';
const U3 = 'f7af04c7-7909-4dce-9797-21679d23575f';
const U4 = '14f0f99b-7647-4969-988b-40ae634a834d';
const U5 = '40f051e8-f4e9-46a5-8d5b-51758bed27e3';
const C1 = '48f18189f2cff0c745249b747eb91944b853226a56c75a30643bad09a06fadac';
const C2 = '2f78b2af45fb720bf53f8a0f86e1a18c649b743ccfb231a36308cfdb1d0d3415';
const C3 = 'd3a1e8c2b84d6782336e666a6079612b8acb158b7bdb14798d4fd5bf073f50fc';
const C4 = 'e8452bae32383cbbcd7f8a1dd893b629517e8ae5860a5f3e7349127ca0b5be80';
const C5 = '678649dfe8de9ed4f3cbc77ec20aa8eae81ebdb7eb29df6a8438e7a48693edc6';
const C6 = 'b63ccf6292e948a4ca2c2c6c2af5186df7174d973574d694165a4b8402d4d7a3';
const C7 = '518f09a357a51027424a953d716ce7d487ad70318e84a194f9ea525946b09e18';
const C8 = '2a783ae50b4abe01119c8b8145d6e070d53e31b16ff32aa26c145bc9f085f308';

const ids = (file: string) => {
  const r = parseCgroupFile(fixtureLines(file));
  return { containerId: r?.containerId, podUid: r?.podUid, runtime: r?.runtime };
};

describe('/proc/PID/cgroup: runtimes x drivers x cgroup versions', () => {
  it.each([
    // file, container, pod uid (dashes), runtime
    ['cgroup-v1-containerd-systemd.txt', C1, U1, 'containerd'],
    ['cgroup-v1-containerd-systemd-colon.txt', C2, U2, 'containerd'],
    ['cgroup-v1-containerd-cgroupfs-guaranteed.txt', C6, U1, undefined],
    ['cgroup-v1-docker-systemd.txt', C3, U3, 'docker'],
    ['cgroup-v1-docker-cgroupfs.txt', C4, U4, undefined],
    ['cgroup-v1-crio-systemd.txt', C5, U5, 'cri-o'],
    ['cgroup-v1-minikube-nested-crio.txt', C8, U2, 'cri-o'],
    ['cgroup-v2-containerd-systemd.txt', C1, U3, 'containerd'],
    ['cgroup-v2-containerd-cgroupfs.txt', C2, U4, undefined],
    ['cgroup-v2-crio-cgroupfs.txt', C3, U5, 'cri-o'],
    ['cgroup-v2-crio-systemd-guaranteed.txt', C4, U1, 'cri-o'],
    ['cgroup-v2-kind-nested.txt', C6, U2, 'containerd'],
  ])('%s', (file, containerId, podUid, runtime) => {
    expect(ids(file)).toEqual({ containerId, podUid, runtime });
  });

  it('a static pod: 32-hex UID (a manifest hash)', () => {
    expect(ids('cgroup-v2-static-pod.txt')).toEqual({ containerId: C5, podUid: 'a1fe9874feefc5163ddde29def38776f', runtime: 'containerd' });
  });

  it('CRI-O conmon and pod-level cgroups: pod, no container', () => {
    expect(ids('cgroup-v2-crio-conmon.txt')).toEqual({ containerId: undefined, podUid: U1, runtime: undefined });
    expect(ids('cgroup-v2-pod-level.txt')).toEqual({ containerId: undefined, podUid: U3, runtime: undefined });
  });

  it('plain Docker containers: a container, no pod', () => {
    expect(ids('cgroup-v1-docker-plain.txt')).toEqual({ containerId: C7, podUid: undefined, runtime: 'docker' });
    expect(ids('cgroup-v2-docker-plain-systemd.txt')).toEqual({ containerId: C7, podUid: undefined, runtime: 'docker' });
  });

  it('host processes: nothing (this machine, hybrid v1; a systemd service)', () => {
    const host = parseCgroupFile(fixtureLines('cgroup-v1-hybrid-host.txt'));
    expect(host).toMatchObject({ path: '/process_api/143e5a70c909cc58192616e3b7efb737' });
    expect(host?.containerId).toBeUndefined();
    expect(host?.podUid).toBeUndefined();
    expect(ids('cgroup-v2-host-service.txt')).toEqual({ containerId: undefined, podUid: undefined, runtime: undefined });
  });

  it('the real hybrid file of a process in kubepods-style cgroups on this machine', () => {
    const r = parseCgroupFile(fixtureLines('cgroup-v1-hybrid-local-kubepods.txt'));
    expect(r?.containerId).toMatch(/^[0-9a-f]{64}$/);
    expect(r?.podUid).toMatch(/^[0-9a-f]{8}-/);
    // the unified (0::) line is preferred: systemd naming there
    expect(r?.runtime).toBe('containerd');
  });

  it('the lab (namespace nodes with their own cgroup namespace view): cgroupfs and systemd drivers', () => {
    expect(ids('cgroup-lab-n1-cgroupfs.txt')).toEqual({
      containerId: '7cd122ee82961d5413d19415c7ec3b2149b13fae68737c232f1837e736f6c4cb',
      podUid: '7cd484a1-d287-4a7a-b573-9b03ab0d4e3b',
      runtime: undefined,
    });
    expect(ids('cgroup-lab-n2-systemd.txt')).toEqual({
      containerId: 'd3af26da1b1070bb6fc8cb3a754a0ab67b41580e2a368de1cbaa6976d53a00f7',
      podUid: '40f051e8-f4e9-46a5-8d5b-51758bed27e3',
      runtime: 'containerd',
    });
  });

  it('paths one by one', () => {
    expect(parseCgroupPath(`/kubepods/burstable/pod${U1}/${C1}`)).toMatchObject({ containerId: C1, podUid: U1 });
    expect(parseCgroupPath(`/kubepods/burstable/pod${U1}`)).toMatchObject({ podUid: U1 });
    expect(parseCgroupPath(`/kubepods/burstable/pod${U1}`).containerId).toBeUndefined();
    // a 64-hex element with no pod before it and no docker parent is not taken for a container
    expect(parseCgroupPath(`/something/${C1}`).containerId).toBeUndefined();
    expect(parseCgroupPath('/').podUid).toBeUndefined();
  });
});

describe('container IDs from the pod status', () => {
  it('strips the runtime scheme', () => {
    expect(bareContainerId(`containerd://${C1}`)).toBe(C1);
    expect(bareContainerId(`docker://${C2.toUpperCase()}`)).toBe(C2);
    expect(bareContainerId(`cri-o://${C3}`)).toBe(C3);
    expect(bareContainerId(undefined)).toBeUndefined();
  });
});
