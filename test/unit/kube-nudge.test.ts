/**
 * Which pod lists make a node read its routes on the next tick (src/cli/kube.ts newPodsOnNode):
 * a new pod or a pod that got its IP, once; not the node's first list, not the same list again,
 * not a pod without an IP or on the host's network, not a pod leaving.
 */
import { describe, expect, it } from 'vitest';
import { newPodsOnNode } from '../../src/cli/kube.js';
import type { PodInfo } from '../../src/sources/types.js';

const pod = (uid: string, ips: string[], hostNetwork = false): PodInfo => ({
  namespace: 'shop', name: `web-${uid}`, uid, nodeName: 'n1', phase: 'Running', podIPs: ips, hostNetwork, containers: [],
});

describe('newPodsOnNode', () => {
  it('the first list nudges nothing; a new pod nudges once; the same list again does not', () => {
    const a = newPodsOnNode(undefined, [pod('a', ['198.19.1.10'])]);
    expect(a.nudge).toBe(false);
    const b = newPodsOnNode(a.keys, [pod('a', ['198.19.1.10']), pod('b', ['198.19.1.11'])]);
    expect(b.nudge).toBe(true);
    expect(newPodsOnNode(b.keys, [pod('a', ['198.19.1.10']), pod('b', ['198.19.1.11'])]).nudge).toBe(false);
  });

  it('a pod that gets its IP nudges; one without an IP, on the host network, or leaving does not', () => {
    const a = newPodsOnNode(undefined, [pod('a', [])]);
    expect(newPodsOnNode(a.keys, [pod('a', []), pod('h', ['198.18.0.5'], true)]).nudge).toBe(false);
    expect(newPodsOnNode(a.keys, [pod('a', ['198.19.1.12'])]).nudge).toBe(true);
    const two = newPodsOnNode(undefined, [pod('a', ['198.19.1.12']), pod('b', ['198.19.1.13'])]);
    expect(newPodsOnNode(two.keys, [pod('a', ['198.19.1.12'])]).nudge).toBe(false);
  });
});
