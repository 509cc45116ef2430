/**
 * The end-to-end case in the namespace lab, over the real SSH transport:
 * pod shop/web's old container still holds :8080 while the API lists a new container that
 * crash-loops on bind -> flagged as the cause; K and y end it; the port is free afterwards (the
 * new container binds it and is then owned by the pod); the ordinary pod shop/api is never
 * flagged; read-only refuses. The API side is PodInfo built here. Root only.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectProcesses } from '../../src/sources/processes/collect.js';
import { killProcess, killTarget } from '../../src/sources/processes/kill.js';
import type { ProcessView } from '../../src/sources/processes/types.js';
import { resolveSshHost } from '../../src/sources/ssh/configFiles.js';
import { SshTransport } from '../../src/sources/transport/ssh.js';
import type { ContainerInfo, PodInfo } from '../../src/sources/types.js';
import { KeyRoot } from '../../src/ui/input/useKeys.js';
import { ProcessesView } from '../../src/ui/processes/ProcessesView.js';
import { startLab, type Lab, type LabPod } from '../lab/lab.js';
import { sleep, until } from './podns.js';

let lab: Lab;
let ssh: SshTransport;
let web: LabPod;
let api: LabPod;
let sidecarId: string;
let oldId: string;
let oldPid: number;
const newWebId = randomBytes(32).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'nwproc-e2e-'));
const auditPath = join(dir, 'audit.log');

const ctr = (c: Partial<ContainerInfo> & { name: string }): ContainerInfo => ({
  kind: 'container', ready: true, restartCount: 0, state: 'running', ports: [], ...c,
});

function pods(webRunning: boolean): PodInfo[] {
  const webCtr = webRunning
    ? ctr({ name: 'web', containerID: `containerd://${newWebId}`, restartCount: 8, ports: [{ containerPort: 8080, protocol: 'TCP' }] })
    : ctr({
        name: 'web', containerID: `containerd://${newWebId}`, ready: false, restartCount: 7, state: 'CrashLoopBackOff',
        lastTerminated: { reason: 'Error', exitCode: 1, message: 'listen tcp :8080: bind: address already in use', containerID: `containerd://${newWebId}` },
        ports: [{ containerPort: 8080, protocol: 'TCP' }],
      });
  const base = { nodeName: 'n1', phase: 'Running', podIPs: [], hostNetwork: false };
  return [
    { ...base, namespace: 'shop', name: 'web', uid: web.uid, containers: [webCtr, ctr({ name: 'sidecar', containerID: `containerd://${sidecarId}` })] },
    { ...base, namespace: 'shop', name: 'api', uid: api.uid, containers: [ctr({ name: 'api', containerID: `containerd://${api.containerId}`, ports: [{ containerPort: 9090, protocol: 'TCP' }] })] },
  ];
}

const nsOf = (v: ProcessView, name: string) => v.namespaces.find((n) => n.pod?.name === name);
// eslint-disable-next-line no-control-regex
const plain = (s: string | undefined) => (s ?? '').replace(/\u001b\[[0-9;]*m/g, '');

beforeAll(async () => {
  lab = await startLab({ nodes: [{ name: 'n1', kind: 'bridge', cgroupDriver: 'systemd' }] });
  // a sidecar (the pod's first process: the lab joins the pod's netns through it), and the old
  // web container whose process holds :8080
  web = await lab.addPod('n1', { name: 'web', namespace: 'shop', listenPort: 0 });
  sidecarId = web.containerId;
  const old = await lab.addContainer('n1', 'web', { listenPort: 8080 });
  oldId = old.containerId;
  oldPid = old.pids[0]!;
  api = await lab.addPod('n1', { name: 'api', namespace: 'shop', listenPort: 9090 });
  ssh = new SshTransport(resolveSshHost('n1', { configFile: lab.sshConfigPath, env: {} }), { acceptNewHostKeys: false });
  await ssh.ready();
}, 120_000);

afterAll(async () => {
  ssh?.close();
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('stale processes in the lab, over SSH', () => {
  it('flags the old container holding :8080 as the cause; the ordinary pod is never flagged', async () => {
    const v = await collectProcesses(ssh, pods(false));
    expect(v.basis).toBe('api');
    const w = nsOf(v, 'web')!;
    expect(w.kind).toBe('pod');
    const old = w.processes.find((p) => p.containerId === oldId)!;
    expect(old).toMatchObject({ pid: oldPid, owner: 'stale', cause: 'holds TCP port 8080, declared by container web' });
    expect(w.causes).toEqual([old.pid]);
    expect(w.processes.find((p) => p.containerId === sidecarId)?.owner).toBe('pod');
    expect(w.notes[0]).toMatch(/container web \(CrashLoopBackOff, 7 restarts\): Error: listen tcp :8080: bind: address already in use/);
    const a = nsOf(v, 'api')!;
    expect(a.processes.map((p) => p.owner)).toEqual(['pod']);
    expect(a.listeners.map((l) => [l.port, l.pids])).toEqual([[9090, [api.pids[0]]]]);
    expect(a.stale + a.causes.length).toBe(0);
    expect(v.cost.wallMs).toBeLessThan(5000);
  });

  it('read-only: K is refused in the view and killProcess refuses; the process lives', async () => {
    const v = await collectProcesses(ssh, pods(false));
    const onKill = (t: Parameters<typeof killProcess>[1]) => killProcess(ssh, t, { readOnly: true, auditPath });
    const r = render(createElement(KeyRoot, null, createElement(ProcessesView, { view: v, readOnly: true, onKill, width: 140, height: 40 })));
    r.stdin.write('K');
    await sleep(50);
    expect(plain(r.lastFrame())).toContain('read-only: kill refused');
    r.unmount();
    const w = nsOf(v, 'web')!;
    const res = await onKill(killTarget(v, w, w.processes.find((p) => p.cause)!));
    expect(res.outcome).toEqual({ kind: 'refused', reason: 'read-only mode' });
    const again = await collectProcesses(ssh, pods(false));
    expect(nsOf(again, 'web')!.causes).toEqual(w.causes);
  });

  it('K and y end it; the port is free: the new container binds it and is owned by the pod', async () => {
    const v = await collectProcesses(ssh, pods(false));
    const onKill = (t: Parameters<typeof killProcess>[1]) => killProcess(ssh, t, { readOnly: false, auditPath, graceMs: 2000 });
    const r = render(createElement(KeyRoot, null, createElement(ProcessesView, { view: v, readOnly: false, onKill, width: 140, height: 40, graceMs: 2000 })));
    r.stdin.write('K');
    await sleep(50);
    const dialog = plain(r.lastFrame());
    expect(dialog).toContain(`Kill process ${oldPid} on n1?`);
    expect(dialog).toMatch(/pod +shop\/web/);
    expect(dialog).toContain(oldId);
    expect(dialog).toMatch(/port +tcp\/8080/);
    expect(dialog).toContain('SIGKILL after 2 s');
    r.stdin.write('y');
    await until('kill outcome', () => /ended after SIGTERM|ended by SIGKILL|kill refused|kill of|kill failed/.test(plain(r.lastFrame())), 15_000);
    expect(plain(r.lastFrame())).toContain(`process ${oldPid} on n1 ended after SIGTERM`);
    r.unmount();

    const after = await collectProcesses(ssh, pods(false));
    const w = nsOf(after, 'web')!;
    expect(w.listeners).toEqual([]);
    expect(w.processes.map((p) => p.containerId)).toEqual([sidecarId]);

    await lab.addContainer('n1', 'web', { listenPort: 8080, containerId: newWebId });
    let healed: ProcessView | undefined;
    for (let i = 0; i < 50 && !healed; i++) {
      const x = await collectProcesses(ssh, pods(true));
      if (nsOf(x, 'web')!.listeners.length) healed = x;
      else await sleep(100);
    }
    const hw = nsOf(healed!, 'web')!;
    const fresh = hw.processes.find((p) => p.containerId === newWebId)!;
    expect(fresh.owner).toBe('pod');
    expect(hw.listeners.map((l) => [l.port, l.pids])).toEqual([[8080, [fresh.pid]]]);
    expect(hw.stale + hw.causes.length).toBe(0);

    const audit = readFileSync(auditPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit.map((a) => a['outcome'])).toEqual(['refused', 'terminated']);
    expect(audit[1]).toMatchObject({ node: 'n1', pod: 'shop/web', pid: oldPid, containerId: oldId, port: 'tcp/8080' });
  });
});
