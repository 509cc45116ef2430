/**
 * The stale-process check (issue 10): from a stale-process view (the crash-loop node of
 * test/processes/crashloop.ts, through the real collect.sh parser) to node.stale and the
 * `stale-process` problem; "cannot tell" (no runtime, no API, failed collection) raises nothing;
 * the background checker runs at most once per period, never twice at once, not on nodes that
 * are not live or that the `s` view has open.
 */
import { describe, expect, it } from 'vitest';
import { apiPods, B1, C1, ctr, E1, NEW, SA, SB, SC, UA, UB, UC, view, webCrashLooping } from '../processes/crashloop.js';
import { crictlPods, crictlPs } from '../processes/scenario.js';
import { staleCheckFailed, staleCheckOf, staleProblems } from '../../src/state/stale.js';
import { createAppStore } from '../../src/state/store.js';
import { StaleChecker } from '../../src/sources/processes/background.js';
import type { Transport } from '../../src/sources/transport/types.js';
import { nodeOutput } from '../processes/scenario.js';
import { listens, procs } from '../processes/crashloop.js';

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
/** the crash-loop node with crictl answering: it knows the sandboxes and the new container, not the old one */
const withRuntime = (pods = apiPods()) => view({ crictl }, pods);

describe('stale-process check: derivation', () => {
  it('flags the old container process holding :8080 of the crash-looping pod, crit, subject ns/pod, with the remedy', () => {
    const v = withRuntime();
    expect(v.basis).toBe('api+runtime');
    const c = staleCheckOf(v, apiPods());
    expect(c.status).toBe('ok');
    expect(c.procs).toEqual([{ pid: 201, comm: 'web', proto: 'tcp', port: 8080, namespace: 'shop', pod: 'web', why: 'crashloop', container: 'web' }]);
    const p = staleProblems(c);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ severity: 'crit', code: 'stale-process', subject: 'shop/web' });
    expect(p[0]!.message).toBe('pid 201 (web) holds :8080 of pod shop/web — not a container the runtime knows; the new container cannot bind');
    expect(p[0]!.remedy).toMatch(/kill PID/);
  });

  it('a not-ready container counts too; a healthy pod with a stale listener does not', () => {
    const notReady = ctr({ name: 'web', containerID: `containerd://${NEW}`, ready: false, state: 'running', ports: [] });
    expect(staleCheckOf(withRuntime(apiPods(notReady)), apiPods(notReady)).procs.map((p) => p.why)).toEqual(['not-ready']);
    const healthy = ctr({ name: 'web', containerID: `containerd://${NEW}`, ready: true, state: 'running', ports: [] });
    const c = staleCheckOf(withRuntime(apiPods(healthy)), apiPods(healthy));
    expect(c).toMatchObject({ status: 'ok', procs: [] });
    expect(staleProblems(c)).toEqual([]);
  });

  it('cannot tell without a runtime, without the API, or when the collection failed: no problem invented', () => {
    const noRuntime = staleCheckOf(view({}, apiPods()), apiPods());
    expect(noRuntime.status).toBe('cannot-tell');
    expect(noRuntime.reason).toMatch(/crictl not installed/);
    expect(staleProblems(noRuntime)).toEqual([]);
    const noApi = staleCheckOf(withRuntime(undefined as never), undefined);
    expect(noApi).toMatchObject({ status: 'cannot-tell', reason: expect.stringMatching(/no Kubernetes API/) });
    const failed = staleCheckFailed('process listing failed on n1: sudo: a password is required', 5);
    expect(failed).toEqual({ status: 'cannot-tell', at: 5, reason: 'process listing failed on n1: sudo: a password is required', procs: [] });
    expect(staleProblems(failed)).toEqual([]);
  });

  it('goes into the node\'s problems only while the node is live', () => {
    const store = createAppStore();
    store.getState().addNode('n1');
    store.getState().setStale('n1', staleCheckOf(withRuntime(), apiPods()));
    expect(store.getState().nodes['n1']!.problems.map((p) => p.code)).not.toContain('stale-process');
    store.getState().setStatus('n1', { kind: 'live', since: 0 });
    expect(store.getState().nodes['n1']!.problems.map((p) => p.code)).toContain('stale-process');
    expect(store.getState().nodes['n1']!.stale!.status).toBe('ok');
  });
});

describe('stale-process check: the background checker', () => {
  const output = nodeOutput({ procs, listens, crictl, docker: 'absent' });
  /** a transport whose exec answers after `delayMs` with the crash-loop node's collect.sh output */
  const fake = (delayMs: number, calls: { n: number }, fail = false): Transport =>
    ({
      name: 'n1',
      exec: () => {
        calls.n++;
        return new Promise((r) => setTimeout(() => r(fail ? { stdout: '', stderr: 'sudo: a password is required', code: 1 } : { stdout: output, stderr: '', code: 0 }), delayMs));
      },
    }) as unknown as Transport;
  const setup = () => {
    const store = createAppStore();
    store.getState().addNode('n1');
    store.getState().setPods('n1', apiPods(webCrashLooping), { kind: 'ok' });
    return store;
  };

  it('runs on a live node with API pods, at most once per period, drops a run while one is out', async () => {
    const store = setup();
    const calls = { n: 0 };
    let t = 0;
    const checker = new StaleChecker(store, () => fake(20, calls), { everyMs: 60_000, now: () => t });
    expect(checker.due()).toEqual([]); // not live yet
    store.getState().setStatus('n1', { kind: 'live', since: 0 });
    expect(checker.due()).toEqual(['n1']);
    const first = checker.check('n1');
    await checker.check('n1'); // in flight: dropped
    expect(checker.due()).toEqual([]);
    await first;
    expect(calls.n).toBe(1);
    expect(store.getState().nodes['n1']!.problems.filter((p) => p.code === 'stale-process')).toHaveLength(1);
    t = 59_000;
    expect(checker.due()).toEqual([]);
    t = 60_000;
    expect(checker.due()).toEqual(['n1']);
    // the `s` view open on the node: no background run; its result is stored instead
    checker.viewOpened('n1');
    expect(checker.due()).toEqual([]);
    checker.fromView('n1', view({}, apiPods()), apiPods());
    expect(store.getState().nodes['n1']!.stale!.status).toBe('cannot-tell');
    checker.viewClosed('n1');
    t = 120_000;
    expect(checker.due()).toEqual(['n1']);
  });

  it('is bounded in time and a failure is "cannot tell" with the reason', async () => {
    const store = setup();
    store.getState().setStatus('n1', { kind: 'live', since: 0 });
    const calls = { n: 0 };
    const slow = new StaleChecker(store, () => fake(5_000, calls), {});
    const t0 = Date.now();
    await slow.check('n1', 100);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(store.getState().nodes['n1']!.stale).toMatchObject({ status: 'cannot-tell', reason: 'no process listing within 0.1 s' });
    await new StaleChecker(store, () => fake(1, calls, true)).check('n1');
    expect(store.getState().nodes['n1']!.stale).toMatchObject({ status: 'cannot-tell', reason: expect.stringMatching(/sudo: a password is required/) });
    expect(store.getState().nodes['n1']!.problems.map((p) => p.code)).not.toContain('stale-process');
  });
});
