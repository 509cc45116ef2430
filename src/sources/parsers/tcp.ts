/** TCP socket states and counters. Pure. */
import type { TcpCounters, TcpStates } from '../types.js';

/** ss's state names as /proc/net/tcp's (the names netwatch uses everywhere) */
const SS_NAMES: Record<string, string> = {
  ESTAB: 'ESTABLISHED',
  'FIN-WAIT-1': 'FIN_WAIT1',
  'FIN-WAIT-2': 'FIN_WAIT2',
  UNCONN: 'CLOSE',
};

export function ssStateName(s: string): string {
  const u = s.toUpperCase();
  return SS_NAMES[u] ?? u.replace(/-/g, '_');
}

/**
 * The sampler's count of `ss -tan` by state, done on the node ("STATE COUNT" lines, e.g.
 * "ESTAB 52", "TIME-WAIT 40"), so 50k sockets cross the link as a dozen lines.
 */
export function parseSsCounts(lines: readonly string[]): TcpStates {
  const out: TcpStates = {};
  for (const line of lines) {
    const [state, n] = line.trim().split(/\s+/);
    if (!state || !n || !/^\d+$/.test(n) || state === 'State') continue;
    const key = ssStateName(state);
    out[key] = (out[key] ?? 0) + Number(n);
  }
  return out;
}

const PROC_STATES = [
  '',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
];

/** /proc/net/tcp and tcp6 (the 4th column is the state in hex); header lines are skipped */
export function parseProcNetTcpStates(lines: readonly string[]): TcpStates {
  const out: TcpStates = {};
  for (const line of lines) {
    const w = line.trim().split(/\s+/);
    if (!w[0] || !/^\d+:$/.test(w[0]) || !w[3]) continue;
    const name = PROC_STATES[parseInt(w[3], 16)] ?? `0x${w[3]}`;
    out[name] = (out[name] ?? 0) + 1;
  }
  return out;
}

/** awk's "STATEHEX COUNT" summary of /proc/net/tcp{,6} (the sampler's fallback without ss) */
export function parseAwkStates(lines: readonly string[]): TcpStates {
  const out: TcpStates = {};
  for (const line of lines) {
    const [hex, n] = line.trim().split(/\s+/);
    if (!hex || !n || !/^[0-9A-F]{2}$/i.test(hex)) continue;
    const name = PROC_STATES[parseInt(hex, 16)] ?? `0x${hex}`;
    out[name] = (out[name] ?? 0) + Number(n);
  }
  return out;
}


/** /proc/net/snmp (pairs of "Tcp:" header/value lines) plus optional /proc/net/sockstat */
export function parseTcpCounters(snmp: readonly string[], sockstat: readonly string[] = []): TcpCounters {
  const tcp = snmp.filter((l) => l.startsWith('Tcp:'));
  if (tcp.length < 2) throw new Error('no Tcp lines in /proc/net/snmp');
  const keys = tcp[0]!.split(/\s+/).slice(1);
  const vals = tcp[1]!.split(/\s+/).slice(1).map(Number);
  const get = (k: string) => vals[keys.indexOf(k)] ?? 0;
  const out: TcpCounters = {
    activeOpens: get('ActiveOpens'),
    passiveOpens: get('PassiveOpens'),
    attemptFails: get('AttemptFails'),
    estabResets: get('EstabResets'),
    currEstab: get('CurrEstab'),
    retransSegs: get('RetransSegs'),
    outRsts: get('OutRsts'),
    inErrs: get('InErrs'),
  };
  const line = sockstat.find((l) => l.startsWith('TCP:'));
  if (line) {
    const w = line.split(/\s+/);
    const n = (k: string) => {
      const i = w.indexOf(k);
      return i >= 0 ? Number(w[i + 1]) : undefined;
    };
    out.inuse = n('inuse');
    out.orphan = n('orphan');
    out.timeWait = n('tw');
  }
  return out;
}
