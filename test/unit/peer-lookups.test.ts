/**
 * Which pods' eth0 peer the monitor looks up (peerLookupsDue): new pods once, a "host" answer
 * again while the pod is young (its first process can still be entering the pod's network
 * namespace), never one already in flight; first sightings are forgotten with the pod.
 */
import { describe, expect, it } from 'vitest';
import { peerLookupsDue, YOUNG_POD_MS } from '../../src/sources/monitor.js';
import type { PodCgroup } from '../../src/sources/types.js';

const cg = (uid: string, pids = [100]): PodCgroup => ({ uid, pids, containerIds: [] });
const uids = (l: PodCgroup[]) => l.map((p) => p.uid);

describe('peerLookupsDue', () => {
  it('asks for a new pod, not for one answered or in flight or without a process', () => {
    const seen = new Map<string, number>();
    const known = { b: { peer: 12, eth0Index: 2 } };
    expect(uids(peerLookupsDue([cg('a'), cg('b'), cg('c'), cg('d', [])], known, seen, new Set(['c']), 1000))).toEqual(['a']);
    expect([...seen.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('asks again after a "host" answer while the pod is young, and no more once it is older', () => {
    const seen = new Map<string, number>();
    const t0 = 50_000;
    expect(uids(peerLookupsDue([cg('a')], {}, seen, new Set(), t0))).toEqual(['a']);
    // the runtime had not moved the process yet: "host"
    expect(uids(peerLookupsDue([cg('a')], { a: 'host' }, seen, new Set(), t0 + 500))).toEqual(['a']);
    expect(uids(peerLookupsDue([cg('a')], { a: 'host' }, seen, new Set(), t0 + YOUNG_POD_MS - 1))).toEqual(['a']);
    expect(uids(peerLookupsDue([cg('a')], { a: 'host' }, seen, new Set(), t0 + YOUNG_POD_MS))).toEqual([]);
    // a peer answer stands at any age
    expect(uids(peerLookupsDue([cg('a')], { a: { peer: 9 } }, seen, new Set(), t0 + 1))).toEqual([]);
  });

  it('forgets a pod that left: the same UID seen again is young again', () => {
    const seen = new Map<string, number>();
    peerLookupsDue([cg('a')], {}, seen, new Set(), 0);
    peerLookupsDue([], {}, seen, new Set(), YOUNG_POD_MS * 2);
    expect(seen.size).toBe(0);
    expect(uids(peerLookupsDue([cg('a')], { a: 'host' }, seen, new Set(), YOUNG_POD_MS * 3))).toEqual(['a']);
  });
});

describe('peerLookupsDue on the node first pod list', () => {
  it('takes the pods already there as old: a "host" answer of theirs stands', () => {
    const seen = new Map<string, number>();
    const t0 = 1_000_000;
    expect(uids(peerLookupsDue([cg('kube-proxy')], {}, seen, new Set(), t0, true))).toEqual(['kube-proxy']);
    expect(uids(peerLookupsDue([cg('kube-proxy')], { 'kube-proxy': 'host' }, seen, new Set(), t0 + 1000))).toEqual([]);
    // a pod that comes later is young
    expect(uids(peerLookupsDue([cg('kube-proxy'), cg('new')], { 'kube-proxy': 'host', new: 'host' }, seen, new Set(), t0 + 2000))).toEqual(['new']);
  });
});
