/**
 * The kill flow end to end on this machine (LocalTransport, real processes we start): start-time
 * check, SIGTERM, SIGKILL after the grace period, read-only, audit log. Root only.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultAuditPath, killProcess, parseKillReply, type KillTarget } from '../../src/sources/processes/kill.js';
import { LocalTransport } from '../../src/sources/transport/local.js';
import { listening, PodNsLab, statOf, until } from './podns.js';

const local = new LocalTransport();
const lab = new PodNsLab();
const dir = mkdtempSync(join(tmpdir(), 'nwproc-audit-'));
const auditPath = join(dir, 'state', 'audit.log');
const started: number[] = [];

afterAll(async () => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  local.close();
  await lab.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function startSleep(): Promise<number> {
  const child = spawn('sleep', ['300'], { stdio: 'ignore', detached: true });
  started.push(child.pid!);
  await until('sleep running', () => statOf(child.pid!)?.comm === 'sleep');
  return child.pid!;
}

const target = (pid: number, extra: Partial<KillTarget> = {}): KillTarget => ({
  node: 'localhost',
  pod: 'nwproc/test',
  pid,
  startTicks: statOf(pid)!.startTicks,
  command: 'sleep 300',
  ports: [],
  ...extra,
});

const audit = (): Record<string, unknown>[] =>
  readFileSync(auditPath, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const alive = (pid: number) => {
  const s = statOf(pid);
  return Boolean(s && s.state !== 'Z');
};

describe('killProcess on this machine', () => {
  it('refuses in read-only mode without touching the process, and records it', async () => {
    const pid = await startSleep();
    const r = await killProcess(local, target(pid), { readOnly: true, auditPath, user: 'tester' });
    expect(r.outcome).toEqual({ kind: 'refused', reason: 'read-only mode' });
    expect(r.message).toBe('kill refused: read-only mode');
    expect(alive(pid)).toBe(true);
    expect(audit().at(-1)).toMatchObject({ user: 'tester', node: 'localhost', pod: 'nwproc/test', pid, outcome: 'refused', reason: 'read-only mode' });
  });

  it('refuses when the start time differs (the pid is not the same process)', async () => {
    const pid = await startSleep();
    const t = target(pid);
    const r = await killProcess(local, { ...t, startTicks: t.startTicks - 1 }, { readOnly: false, auditPath, graceMs: 1000 });
    expect(r.outcome).toEqual({
      kind: 'refused',
      reason: `process ${pid} is no longer the same process (start time ${t.startTicks}, expected ${t.startTicks - 1})`,
    });
    expect(alive(pid)).toBe(true);
    expect(audit().at(-1)).toMatchObject({ pid, outcome: 'refused' });
  });

  it('SIGTERM ends an ordinary process', async () => {
    const pid = await startSleep();
    const r = await killProcess(local, target(pid), { readOnly: false, auditPath, graceMs: 3000 });
    expect(r.outcome).toEqual({ kind: 'terminated' });
    expect(r.message).toBe(`process ${pid} on localhost ended after SIGTERM`);
    expect(alive(pid)).toBe(false);
    expect(audit().at(-1)).toMatchObject({ pid, outcome: 'terminated', command: 'sleep 300' });
  });

  it('SIGKILL after the grace period for a listener that ignores SIGTERM; its port is free afterwards', async () => {
    const pod = await lab.addPod();
    const c = await lab.addContainer(pod, 'ignore-term', { port: 18181 });
    const t0 = Date.now();
    const r = await killProcess(
      local,
      { node: 'localhost', pod: 'nwproc/stuck', pid: c.pid, startTicks: c.startTicks, command: 'perl -e ...', containerId: c.id, ports: ['tcp/18181'] },
      { readOnly: false, auditPath, graceMs: 1000 },
    );
    expect(r.outcome).toEqual({ kind: 'killed' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(alive(c.pid)).toBe(false);
    expect(listening(pod.holder, 18181)).toBe(false);
    expect(audit().at(-1)).toMatchObject({ pid: c.pid, containerId: c.id, port: 'tcp/18181', ports: ['tcp/18181'], outcome: 'killed' });
  });

  it('reports a process that is already gone', async () => {
    const pid = await startSleep();
    const t = target(pid);
    process.kill(pid, 'SIGKILL');
    await until('gone', () => !alive(pid));
    const r = await killProcess(local, t, { readOnly: false, auditPath });
    expect(r.outcome).toEqual({ kind: 'gone' });
  });

  it('sends nothing when the audit log cannot be written', async () => {
    const pid = await startSleep();
    const r = await killProcess(local, target(pid), { readOnly: false, auditPath: '/dev/null/netwatch/audit.log' });
    expect(r.outcome.kind).toBe('refused');
    expect(r.message).toMatch(/audit log .* not writable/);
    expect(alive(pid)).toBe(true);
  });

  it('every attempt above is one JSON line with the fields of the audit log', () => {
    const lines = audit();
    expect(lines.length).toBe(5);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(expect.arrayContaining(['time', 'user', 'node', 'pod', 'pid', 'command', 'containerId', 'port', 'outcome']));
      expect(Number.isNaN(Date.parse(String(l['time'])))).toBe(false);
    }
  });
});

describe('kill replies and defaults', () => {
  it('maps every reply of kill.sh', () => {
    expect(parseKillReply(5, 9, 'terminated')).toEqual({ kind: 'terminated' });
    expect(parseKillReply(5, 9, 'killed')).toEqual({ kind: 'killed' });
    expect(parseKillReply(5, 9, 'gone zombie')).toEqual({ kind: 'gone' });
    expect(parseKillReply(5, 9, 'alive D')).toEqual({ kind: 'failed', reason: 'still running after SIGKILL (state D)' });
    expect(parseKillReply(5, 9, 'error kill: Operation not permitted')).toEqual({ kind: 'failed', reason: 'kill: Operation not permitted' });
    expect(parseKillReply(5, 9, 'what')).toMatchObject({ kind: 'failed' });
  });

  it('audit log under $XDG_STATE_HOME or ~/.local/state', () => {
    const saved = process.env['XDG_STATE_HOME'];
    try {
      process.env['XDG_STATE_HOME'] = '/x/state';
      expect(defaultAuditPath()).toBe('/x/state/netwatch/audit.log');
      delete process.env['XDG_STATE_HOME'];
      expect(defaultAuditPath()).toMatch(/\/\.local\/state\/netwatch\/audit\.log$/);
    } finally {
      if (saved === undefined) delete process.env['XDG_STATE_HOME'];
      else process.env['XDG_STATE_HOME'] = saved;
    }
  });

  it('refuses a bad pid before contacting the node', async () => {
    const r = await killProcess(local, { node: 'x', pod: 'p', pid: 0, startTicks: 1, command: '', ports: [] }, { readOnly: false, auditPath });
    expect(r.outcome).toMatchObject({ kind: 'refused' });
  });
});
