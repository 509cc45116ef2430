/**
 * What the capture view reads: one CaptureSession or a FanOut over several, behind one
 * interface. Snapshots are plain data the view can hold on to (pause) without them changing.
 */
import type { Packet } from './packet.js';
import type { KeptFile } from './store.js';
import type { CaptureSummary } from './summary.js';
import type { OwnSsh, TcpdumpStats } from './script.js';

export type StopReason =
  /** stop() */
  | 'user'
  /** tcpdump reached its packet count */
  | 'count'
  /** the duration ran out */
  | 'duration'
  /** the remote side ended by itself without an error */
  | 'ended'
  /** the channel or the connection went away; the node ends tcpdump by itself (guard) */
  | 'connection-lost';

/** unprotected: the node could not tell netwatch's own SSH connection, so nothing was captured */
export type ErrorCause = 'missing-tcpdump' | 'rejected' | 'unprotected' | 'tcpdump' | 'stream' | 'start';

export type CaptureStatus =
  | { kind: 'idle' }
  /** tcpdump checks the filter on the node; nothing captures yet */
  | { kind: 'validating'; since: number }
  | { kind: 'running'; since: number }
  | { kind: 'stopped'; since: number; reason: StopReason; message?: string }
  | { kind: 'error'; since: number; cause: ErrorCause; message: string };

export function isFinal(s: CaptureStatus): boolean {
  return s.kind === 'stopped' || s.kind === 'error';
}

/** One node's part of a capture. */
export interface CapturePart {
  node: string;
  iface: string;
  status: CaptureStatus;
  /** the exact filter the node applied: the user's and the own-SSH exclusion ('' = everything) */
  appliedFilter?: string;
  /** netwatch's own SSH connection, found on the node and excluded */
  ownSsh?: OwnSsh;
  packets: number;
  file: KeptFile | null;
  /** tcpdump's own counters, once it has printed them (at its end) */
  stats: TcpdumpStats | null;
  /** packets the memory cap let go before the capture was kept */
  droppedFromMemory: number;
}

export interface PacketLine {
  /** unique within the source */
  id: string;
  /** set for fan-out captures */
  node?: string;
  packet: Packet;
}

export interface CaptureSnapshot {
  /** "node-a:eth0  port 443" */
  title: string;
  /** the user's filter */
  filter: string;
  /** the filter the node applied (one node; for several see each part) */
  appliedFilter?: string;
  ownSsh?: OwnSsh;
  /** bytes kept per packet; 0: whole packets */
  snaplen?: number;
  status: CaptureStatus;
  parts: CapturePart[];
  summary: CaptureSummary;
  packets: number;
  /** the most recent packets, oldest first */
  lines: PacketLine[];
}

export interface CaptureSource {
  snapshot(maxLines?: number): CaptureSnapshot;
  /** called on every change (packets, summary tick, status, file); returns unsubscribe */
  subscribe(listener: () => void): () => void;
  /** keep the capture as pcap file(s) in `dir` (default: the configured directory) */
  keep(dir?: string): Promise<KeptFile[]>;
  stop(): Promise<void>;
}
