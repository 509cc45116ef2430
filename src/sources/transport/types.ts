/**
 * One way to run commands on a node. Two implementations: LocalTransport (child processes on
 * this machine) and SshTransport (one long-lived ssh2 connection per node, every channel on it).
 *
 * Commands are always a constant POSIX sh script plus positional arguments: the script sees the
 * values as "$1", "$2", ... and never as text pasted into it. See ../shell.ts.
 */
import type { Readable, Writable } from 'node:stream';

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** exit code; null when the command was ended by a signal or the channel closed first */
  code: number | null;
  signal: string | null;
}

export interface RemoteExit {
  code: number | null;
  signal: string | null;
}

/** A command still running on the node. */
export interface RemoteProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Settles once when the command has ended (or its channel is gone). Never rejects. */
  readonly exit: Promise<RemoteExit>;
  /**
   * Resolves when the command runs on the node (SSH: channel open, exec accepted; the login
   * shell starts then). Never rejects; absent = running once spawned. A sign of progress.
   */
  readonly started?: Promise<void>;
  /**
   * Ends the command: closes its stdin and the channel. Remote scripts started by netwatch watch
   * their stdin and end themselves (and what they started) when it closes.
   */
  close(): void;
}

export type TransportState =
  | { kind: 'connecting'; attempt: number; since: number }
  | { kind: 'ready'; since: number }
  | { kind: 'reconnecting'; attempt: number; nextAttemptAt: number; reason: string; since: number }
  /** no automatic retry: authentication, DNS, host key, sudo password, bad config */
  | { kind: 'failed'; reason: string; since: number }
  | { kind: 'closed'; since: number };

export interface SpawnOptions {
  /** run as root: directly when already root, else through `sudo -n` */
  privileged?: boolean;
  /**
   * A tag for the process title on the node (`$0` of the sh), so `ps` on the node shows what
   * netwatch runs and a reconnect can sweep what an earlier connection left. [a-z0-9-]+
   */
  tag?: string;
}

export interface ExecOptions extends SpawnOptions {
  /** written to stdin, which is then closed */
  input?: string | Buffer;
  /** kill the channel after this long; the result then has code null */
  timeoutMs?: number;
}

export interface Transport {
  /** the name the user gave (ssh alias, node name, or 'localhost') */
  readonly name: string;
  state(): TransportState;
  /** called on every state change; returns an unsubscribe function */
  onState(listener: (s: TransportState) => void): () => void;
  /** starts `sh -c script tag args...` on the node; throws if the transport is not ready */
  spawn(script: string, args: readonly string[], opts?: SpawnOptions): RemoteProcess;
  /** runs to completion and collects output; rejects only if the transport is not ready */
  exec(script: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** resolves when ready (immediately if it is); rejects when the state becomes failed/closed */
  ready(): Promise<void>;
  /** true when commands run as root without sudo */
  isRoot(): boolean;
  /** how long a login shell took on the current connection (ms), when measured */
  loginMs?(): number | undefined;
  /**
   * the round trip (ms) measured on the current connection: its handshake, then every channel
   * opened on it (open + exec = 2 round trips); undefined when not connected or not measured
   */
  rttMs?(): number | undefined;
  /** one round trip now (a request the server answers at once); undefined when none came in time */
  probeRtt?(timeoutMs: number): Promise<number | undefined>;
  /** the node's own address of this connection (SSH_CONNECTION on the node), when known */
  connectedAddress?(): string | undefined;
  close(): void;
}
