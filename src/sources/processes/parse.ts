/**
 * Parses the output of collect.sh (format in script.ts) into a RawSnapshot. Pure.
 */
import { parseCmdline, parseSocketRow, parseStat, isListening, type ProcStat, type SocketRow } from './procfs.js';
import { cliError, parseCrictlContainers, parseCrictlPods, parseDockerPs, type RuntimeContainer } from './runtime.js';

export interface RawProcess {
  stat: ProcStat;
  args: string[];
  cgroupLines: string[];
}

export interface RawListener {
  netns: number;
  proto: 'tcp' | 'udp';
  family: 4 | 6;
  row: SocketRow;
}

export interface RawRuntime {
  name: 'crictl' | 'docker';
  status: 'ok' | 'absent' | 'error';
  error?: string;
  containers: RuntimeContainer[];
}

export interface RawSnapshot {
  version?: number;
  uptimeSec?: number;
  clkTck: number;
  selfPid?: number;
  /** inode of the script's own netns: the node's */
  selfNetns?: number;
  /** pid -> netns inode, every process whose link was readable */
  netnsOf: Map<number, number>;
  /** processes outside the node's netns, and processes without a netns link (zombies) */
  processes: Map<number, RawProcess>;
  /** pid -> socket inodes it holds */
  sockets: Map<number, number[]>;
  /** netns whose socket tables were read (through their representative pid) */
  tablesRead: Set<number>;
  listeners: RawListener[];
  runtimes: RawRuntime[];
  /** CPU of the script and its children on the node, from `times` */
  cpuMs?: number;
  /** saw @@end: the output is whole */
  complete: boolean;
  warnings: string[];
}

const NS_RE = /^net:\[(\d+)\]$/;

/** "0m0.010000s 0m0.020000s" (two lines) -> total milliseconds */
export function parseTimes(lines: readonly string[]): number | undefined {
  let total = 0;
  let n = 0;
  for (const line of lines) {
    for (const m of line.matchAll(/(\d+)m([\d.]+)s/g)) {
      total += Number(m[1]) * 60_000 + Number(m[2]) * 1000;
      n++;
    }
  }
  return n ? Math.round(total) : undefined;
}

function splitPrefixed(line: string): { pid: number; file: string; content: string } | undefined {
  const m = /^(\d+)\/([a-z0-9/]+):/.exec(line);
  if (!m?.[1] || !m[2]) return undefined;
  return { pid: Number(m[1]), file: m[2], content: line.slice(m[0].length) };
}

export function parseCollectOutput(text: string): RawSnapshot {
  const snap: RawSnapshot = {
    clkTck: 100,
    netnsOf: new Map(),
    processes: new Map(),
    sockets: new Map(),
    tablesRead: new Set(),
    listeners: [],
    runtimes: [],
    complete: false,
    warnings: [],
  };
  const files = new Map<number, { stat?: string; cmdline?: string; cgroup: string[] }>();
  const reps: number[] = [];
  const rt = new Map<string, { lines: string[]; rc?: number }>();
  const absent = new Set<string>();
  const times: string[] = [];
  let section = '';
  let runtimeName = '';
  let last: { pid: number; file: string } | undefined;
  let fdPid: number | undefined;

  for (const line of text.split('\n')) {
    if (line.startsWith('@@')) {
      const [tag, ...rest] = line.slice(2).split(' ');
      const arg = rest.join(' ');
      last = undefined;
      switch (tag) {
        case 'nw-processes': snap.version = Number(arg); break;
        case 'uptime': snap.uptimeSec = Number(arg); break;
        case 'clk': if (Number(arg) > 0) snap.clkTck = Number(arg); break;
        case 'self': snap.selfPid = Number(arg); break;
        case 'selfns': { const m = NS_RE.exec(arg); if (m) snap.selfNetns = Number(m[1]); break; }
        case 'reps': reps.push(...rest.filter(Boolean).map(Number)); break;
        case 'runtime': runtimeName = arg; rt.set(arg, { lines: [] }); break;
        case 'rc': { const r = rt.get(runtimeName); if (r) r.rc = Number(arg); break; }
        case 'absent': absent.add(arg); break;
        case 'end': snap.complete = true; break;
        case 'error': snap.warnings.push(arg); break;
      }
      section = tag ?? '';
      continue;
    }
    switch (section) {
      case 'netns': {
        const [pid, ns] = line.split(' ');
        const m = NS_RE.exec(ns ?? '');
        if (pid && m) snap.netnsOf.set(Number(pid), Number(m[1]));
        break;
      }
      case 'files': {
        const p = splitPrefixed(line);
        if (!p) break;
        const f = files.get(p.pid) ?? { cgroup: [] };
        files.set(p.pid, f);
        const cont = last && last.pid === p.pid && last.file === p.file;
        // a newline inside comm or an argument continues the same file on the next line
        if (p.file === 'stat') f.stat = cont && f.stat !== undefined ? `${f.stat}\n${p.content}` : p.content;
        else if (p.file === 'cmdline') f.cmdline = cont && f.cmdline !== undefined ? `${f.cmdline}\n${p.content}` : p.content;
        else if (p.file === 'cgroup') f.cgroup.push(p.content);
        last = { pid: p.pid, file: p.file };
        break;
      }
      case 'fds': {
        const h = /^(\d+)\/fd:$/.exec(line);
        if (h) { fdPid = Number(h[1]); break; }
        const s = /socket:\[(\d+)\]$/.exec(line);
        if (s && fdPid !== undefined) {
          const list = snap.sockets.get(fdPid) ?? [];
          list.push(Number(s[1]));
          snap.sockets.set(fdPid, list);
        }
        break;
      }
      case 'listen': {
        const p = splitPrefixed(line);
        const ns = p && snap.netnsOf.get(p.pid);
        const kind = p && /^net\/(tcp|udp)(6?)$/.exec(p.file);
        const row = p && parseSocketRow(p.content);
        if (!p || ns === undefined || !kind || !row) break;
        const proto = kind[1] as 'tcp' | 'udp';
        if (isListening(proto, row)) snap.listeners.push({ netns: ns, proto, family: kind[2] ? 6 : 4, row });
        break;
      }
      case 'runtime': rt.get(runtimeName)?.lines.push(line); break;
      case 'times': times.push(line); break;
    }
  }

  for (const [pid, f] of files) {
    const stat = f.stat !== undefined ? parseStat(f.stat) : undefined;
    if (!stat || stat.pid !== pid) continue; // gone between listing and reading
    snap.processes.set(pid, { stat, args: parseCmdline(f.cmdline ?? ''), cgroupLines: f.cgroup });
  }
  for (const pid of reps) {
    const ns = snap.netnsOf.get(pid);
    if (ns !== undefined && snap.processes.has(pid)) snap.tablesRead.add(ns);
  }
  snap.runtimes.push(crictlStatus(rt, absent), dockerStatus(rt, absent));
  snap.cpuMs = parseTimes(times);
  if (!snap.complete) snap.warnings.push('the node\'s output ended early (timeout or lost connection)');
  return snap;
}

function crictlStatus(rt: Map<string, { lines: string[]; rc?: number }>, absent: Set<string>): RawRuntime {
  if (absent.has('crictl')) return { name: 'crictl', status: 'absent', containers: [] };
  const ps = rt.get('crictl-ps');
  const pods = rt.get('crictl-pods');
  if (!ps || !pods) return { name: 'crictl', status: 'error', error: 'no output', containers: [] };
  for (const r of [ps, pods]) {
    if (r.rc !== 0) return { name: 'crictl', status: 'error', error: cliError(r.lines.join('\n'), r.rc), containers: [] };
  }
  try {
    const containers = parseCrictlContainers(ps.lines.join('\n'));
    return { name: 'crictl', status: 'ok', containers: [...containers, ...parseCrictlPods(pods.lines.join('\n'))] };
  } catch (e) {
    return { name: 'crictl', status: 'error', error: (e as Error).message, containers: [] };
  }
}

function dockerStatus(rt: Map<string, { lines: string[]; rc?: number }>, absent: Set<string>): RawRuntime {
  if (absent.has('docker')) return { name: 'docker', status: 'absent', containers: [] };
  const r = rt.get('docker');
  if (!r) return { name: 'docker', status: 'error', error: 'no output', containers: [] };
  if (r.rc !== 0) return { name: 'docker', status: 'error', error: cliError(r.lines.join('\n'), r.rc), containers: [] };
  return { name: 'docker', status: 'ok', containers: parseDockerPs(r.lines.join('\n')) };
}
