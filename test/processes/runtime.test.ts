import { describe, expect, it } from 'vitest';
import { cliError, parseCrictlContainers, parseCrictlPods, parseDockerPs } from '../../src/sources/processes/runtime.js';
import { fixture } from './fixtures.js';

describe('crictl', () => {
  it('ps -a -o json, with a warning line before the JSON', () => {
    const c = parseCrictlContainers(fixture('crictl-ps.json'));
    expect(c).toHaveLength(2);
    expect(c[0]).toEqual({
      id: '48f18189f2cff0c745249b747eb91944b853226a56c75a30643bad09a06fadac',
      sandbox: false,
      name: 'web',
      podUid: '3a4917f9-d29b-4a67-aa92-d674f558e951',
      podName: 'web-7d9c6b5f4-x2k8p',
      podNamespace: 'shop',
      state: 'CONTAINER_EXITED',
      sandboxId: 'e8452bae32383cbbcd7f8a1dd893b629517e8ae5860a5f3e7349127ca0b5be80',
    });
    expect(c[1]?.state).toBe('CONTAINER_RUNNING');
  });

  it('pods -o json: sandboxes; an empty list', () => {
    const p = parseCrictlPods(fixture('crictl-pods.json'));
    expect(p.map((x) => [x.id.slice(0, 12), x.sandbox, x.podNamespace, x.podName, x.state])).toEqual([
      ['e8452bae3238', true, 'shop', 'web-7d9c6b5f4-x2k8p', 'SANDBOX_READY'],
      ['678649dfe8de', true, 'kube-system', 'coredns-5d78c9869d-8hq2w', 'SANDBOX_READY'],
    ]);
    expect(parseCrictlPods(fixture('crictl-pods-empty.json'))).toEqual([]);
  });

  it('refuses output that is not the expected JSON', () => {
    expect(() => parseCrictlContainers('FATA[0002] validate service connection: context deadline exceeded')).toThrow();
    expect(() => parseCrictlContainers('{"items": []}')).toThrow(/containers/);
  });
});

describe('docker ps', () => {
  it('pod labels, sandboxes, states; plain containers', () => {
    const d = parseDockerPs(fixture('docker-ps.txt'));
    expect(d.map((x) => [x.id.slice(0, 12), x.sandbox, x.name, x.podName, x.state])).toEqual([
      ['d3a1e8c2b84d', false, 'web', 'web-7d9c6b5f4-x2k8p', 'running'],
      ['e8452bae3238', true, 'POD', 'web-7d9c6b5f4-x2k8p', 'running'],
      ['48f18189f2cf', false, 'web', 'web-7d9c6b5f4-x2k8p', 'exited'],
      ['518f09a357a5', false, undefined, undefined, 'running'],
    ]);
  });
  it('bare IDs (docker ps -q --no-trunc) and noise', () => {
    expect(parseDockerPs('518f09a357a51027424a953d716ce7d487ad70318e84a194f9ea525946b09e18\nWARNING: x\n')).toHaveLength(1);
  });
});

describe('CLI errors', () => {
  it('keeps the last lines; names a timeout', () => {
    expect(cliError('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n', 1)).toMatch(
      /^Cannot connect/,
    );
    expect(cliError('', 124)).toBe('timed out');
    expect(cliError('', 2)).toBe('exit status 2');
  });
});
