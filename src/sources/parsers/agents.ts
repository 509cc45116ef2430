/**
 * Node agents as remote/slow.sh lists them: "uptime S", "hz N", then "NAME PID STARTTICKS" for
 * each process whose /proc/PID/comm is a known agent (starttime: field 22 of /proc/PID/stat). Pure.
 */
import type { AgentProc } from '../types.js';


export function parseAgents(lines: readonly string[]): AgentProc[] {
  let uptime: number | undefined;
  let hz = 100;
  const out: AgentProc[] = [];
  for (const line of lines) {
    const w = line.trim().split(/\s+/);
    const g = (i: number): string => w[i] ?? '';
    if (g(0) === 'uptime' && w.length === 2) uptime = Number(g(1));
    else if (g(0) === 'hz' && w.length === 2 && Number(g(1)) > 0) hz = Number(g(1));
    else if (w.length === 3 && /^\d+$/.test(g(1)) && /^\d+$/.test(g(2))) {
      const p: AgentProc = { name: g(0), pid: Number(g(1)) };
      if (uptime !== undefined && Number.isFinite(uptime)) p.ageSec = Math.max(0, Math.round(uptime - Number(g(2)) / hz));
      out.push(p);
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.pid - b.pid);
}
