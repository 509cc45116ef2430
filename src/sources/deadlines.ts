/**
 * How long netwatch waits for a node's sampler, as pure functions of what was measured.
 *
 * First answer of a sampler: the remote side has to open a channel, run the login shell (a
 * node's .bashrc can cost a good part of a second of CPU) and the first, biggest frame. There is
 * no round trip measured yet, so the wait is an IDLE window that restarts on every sign of
 * progress (channel open, bytes arriving). It grows with the number of nodes started at once
 * and with this machine's load (all those shells and handshakes share its cores), and with the
 * login time measured on this node's connection (its `id -u` check).
 *
 * Later answers: a silence bound, restarted by every byte of the answer, of max(3 s, 4 × p95 of
 * this sampler's answer times, 4 × the link's round trip). The link's round trip is measured by
 * the transport (handshake, channel opens) and by probes (sampler.ts): when the bound runs out,
 * one round trip on the link tells a link that became slow (wait on) from a stuck sampler
 * (restart). So a late answer on a slow link is taken late, never restarted.
 */
import { availableParallelism, loadavg } from 'node:os';

export const MIN_SAMPLE_TIMEOUT_MS = 3000;
export const RTT_FACTOR = 4;
/** per node started at the same time: its handshake, login shells and first frame share our CPU */
export const PER_NODE_MS = 150;

export interface MachineLoad {
  /** 1-minute load average */
  load1: number;
  cores: number;
}

export function machineLoad(): MachineLoad {
  return { load1: loadavg()[0] ?? 0, cores: Math.max(1, availableParallelism()) };
}

/**
 * The idle window (ms) for a sampler's first answer: no progress for this long = stuck.
 * `loginMs`: how long this node's login shell took (measured at connect), if known.
 */
export function firstSampleWindowMs(nodes: number, loginMs: number | undefined, load: MachineLoad): number {
  const base = Math.max(MIN_SAMPLE_TIMEOUT_MS, RTT_FACTOR * (loginMs ?? 0)) + PER_NODE_MS * Math.max(0, nodes - 1);
  const busy = Math.max(1, load.load1 / load.cores);
  return Math.round(base * busy);
}

/** p95 of the measured latencies (ms); undefined when none */
export function p95(values: readonly number[]): number | undefined {
  if (!values.length) return undefined;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)];
}

/** bound (ms) for an answer after the first one: max(3 s, 4 × p95 of the recent round trips) */
export function laterSampleTimeoutMs(recentLatencies: readonly number[]): number {
  return Math.round(Math.max(MIN_SAMPLE_TIMEOUT_MS, RTT_FACTOR * (p95(recentLatencies) ?? 0)));
}

/**
 * SSH handshake of one hop (connect.ts). As OpenSSH's ConnectTimeout: the connect timeout bounds
 * the TCP connect and the wait for the server's first bytes (its identification banner). Those
 * two waits are a round trip each, so they measure the link: rtt = max(TCP connect, banner wait).
 * The rest of the handshake (key exchange, authentication: 5-6 round trips, one more per key
 * tried) may then be silent for at most HANDSHAKE_IDLE_RTTS × rtt at a time, and take at most
 * HANDSHAKE_TOTAL_RTTS × rtt in all; neither is ever shorter than the connect timeout.
 */
export const HANDSHAKE_IDLE_RTTS = 4;
export const HANDSHAKE_TOTAL_RTTS = 30;

export interface HandshakeBounds {
  /** no byte from the server for this long after the banner: give up */
  idleMs: number;
  /** the whole handshake after the banner */
  totalMs: number;
}

export function handshakeBounds(connectTimeoutMs: number, rttMs: number): HandshakeBounds {
  return {
    idleMs: Math.round(Math.max(connectTimeoutMs, HANDSHAKE_IDLE_RTTS * rttMs)),
    totalMs: Math.round(Math.max(connectTimeoutMs, HANDSHAKE_TOTAL_RTTS * rttMs)),
  };
}

/** a command that must finish on a fresh connection (login probe, sudo check): 3 round trips + its own time */
export function commandTimeoutMs(connectTimeoutMs: number, rttMs: number | undefined): number {
  return Math.round(connectTimeoutMs + RTT_FACTOR * (rttMs ?? 0));
}
