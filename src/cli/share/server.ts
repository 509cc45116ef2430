/**
 * The owner's side of a shared session: a Unix socket (never TCP) that serves the stream of
 * StreamProducer (one diff per update, serialized once, whatever the number of viewers) as
 * newline-delimited frame texts, and takes a viewer's requests (JSON lines) back.
 *
 * A viewer never slows the owner: each has a bounded buffer (the socket's writableLength); past the
 * bound its deltas are dropped and, once its socket drains, it gets one fresh snapshot (its replica
 * goes on from that seq). The peer is checked with SO_PEERCRED before it gets a byte of state.
 */
import { chmodSync, chownSync, unlinkSync } from 'node:fs';
import net, { type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { frameText, type Frame, type Hello, type StreamProducer } from '../../state/stream.js';
import type { CaptureTarget } from '../../ui/types.js';
import { findGroup, inGroup, readAccounts, socketName, ensureShareDir, ShareError, userNameOf, type Accounts, type GroupEntry } from './paths.js';
import { peerCred, type PeerCred } from './peercred.js';

/** a viewer's request (one JSON line) */
export type ShareRequest =
  | { r: 'mark'; note: string }
  | { r: 'capture'; target: CaptureTarget; filter?: string; snaplen?: number }
  /** the viewer that started capture `id` closed its view: it ends (only that viewer's own) */
  | { r: 'captureStop'; id: number }
  | { r: 'kill' }
  | { r: 'snap' };

/** the answer to a request, to the viewer that asked (an event frame, kind 'reply') */
export interface ShareReply {
  r: string;
  ok: boolean;
  message: string;
  /** a capture started: its id (its event frames carry it) */
  id?: number;
}

export const KILL_REFUSED = 'kill refused: attached viewers are read-only (kill only in the owner\'s session)';
/** a viewer's capture runs at most this long in the owner's session (the owner's own `c` has the prompt and esc) */
export const VIEWER_CAPTURE_SECONDS = 30;
/** a request line longer than this closes the connection */
export const MAX_REQUEST = 64 * 1024;
/** per viewer, bytes queued before its deltas are dropped (default) */
export const DEFAULT_VIEWER_BUFFER = 4 * 1024 * 1024;

export interface ShareServerOptions {
  dir: string;
  pid?: number;
  /** the owner: whose uid may attach */
  uid: number;
  /** --share-group: its members may attach too */
  group?: string;
  accounts?: Accounts;
  viewerBuffer?: number;
  /** what the hello viewers get says (a recorder's producer says 'recording' and its argv) */
  hello?: Pick<Hello, 'producer' | 'meta'>;
  /** the peer check (tests may pass one; default SO_PEERCRED through python3) */
  peer?: (s: Socket) => Promise<PeerCred>;
  /**
   * who a viewer is, by the uid SO_PEERCRED gave (never a name the viewer sends): signs its marks
   * and captures; default: /etc/passwd; undefined: "uid N"
   */
  userName?: (uid: number) => string | undefined;
  onMark?: (note: string, by: string) => void;
  /** a capture asked by a viewer: the owner's session runs it; the answer goes back as the reply */
  onCapture?: (req: Extract<ShareRequest, { r: 'capture' }>, by: string, viewer: object) => ShareReply;
  /** a viewer's capture view closed: stop capture `id` if that viewer started it */
  onCaptureStop?: (id: number, viewer: object) => ShareReply;
  log?: (msg: string) => void;
}

interface Viewer {
  socket: Socket;
  cred: PeerCred;
  dropping: boolean;
  dropped: number;
  unsub?: () => void;
}

/** a viewer's signature: its user name (from its uid) or, when the system has none, the uid */
export function viewerBy(uid: number, name: string | undefined): string {
  // a name from /etc/passwd is the system's, yet bounded (a mark's by is cut at 64 anyway)
  return `${(name && Array.from(name).slice(0, 32).join('')) || `uid ${uid}`} (attached)`;
}

function reply(r: ShareReply): string {
  return frameText({ t: 'event', at: Date.now(), kind: 'reply', data: r }) + '\n';
}

export class ShareServer {
  readonly path: string;
  private server: Server | undefined;
  private viewers = new Set<Viewer>();
  private pending = new Set<Socket>();
  private group: GroupEntry | undefined;
  private accounts: Accounts | undefined;
  private readonly bound: number;
  private closed = false;

  private current: StreamProducer | undefined;

  /**
   * `producer`: one producer for the server's life (the recorder's, with --record: one diff per
   * update for both; the server never stops it), or a factory: then a producer runs only while a
   * viewer is attached (made on the first, stopped after the last), so --share costs the owner
   * nothing while nobody watches (no diff per update).
   */
  constructor(
    private readonly producerOf: StreamProducer | (() => StreamProducer),
    private readonly opts: ShareServerOptions,
  ) {
    this.path = join(opts.dir, socketName(opts.pid ?? process.pid));
    this.bound = opts.viewerBuffer ?? DEFAULT_VIEWER_BUFFER;
    if (opts.group !== undefined) {
      this.accounts = opts.accounts ?? readAccounts();
      this.group = findGroup(this.accounts, opts.group);
      if (!this.group) throw new ShareError(`--share-group ${JSON.stringify(opts.group)}: no such group`);
    }
  }

  /** makes the directory (checked), listens; resolves with the socket's path */
  async start(): Promise<string> {
    // the directory is ours (the process's uid); opts.uid is whose peers may attach (the same, but for tests)
    const me = process.getuid?.() ?? this.opts.uid;
    ensureShareDir(this.opts.dir, me, this.group?.gid);
    try {
      unlinkSync(this.path); // a leftover of a dead process with our pid; the directory is ours alone
    } catch {
      /* none */
    }
    const server = net.createServer({ pauseOnConnect: true }, (s) => void this.accept(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.opts.log?.(`share: ${e.message}`));
    if (this.group) chownSync(this.path, me, this.group.gid);
    chmodSync(this.path, this.group ? 0o660 : 0o600);
    return this.path;
  }

  private get producer(): StreamProducer {
    if (!this.current) this.current = typeof this.producerOf === 'function' ? this.producerOf() : this.producerOf;
    return this.current;
  }

  /** an event frame (a capture's lines) to every viewer, in order with the deltas; nothing without viewers */
  event(kind: string, data: unknown): void {
    if (this.viewers.size && this.current) this.current.event(kind, data);
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** deltas dropped for slow viewers, the attached ones' (each counts its own) */
  get dropped(): number {
    let n = 0;
    for (const v of this.viewers) n += v.dropped;
    return n;
  }

  /** whether a producer runs for this server (a factory's only while a viewer is attached; a given one always) */
  get producing(): boolean {
    return this.current !== undefined || typeof this.producerOf !== 'function';
  }

  /** why this peer may not attach, or undefined when it may */
  refusal(c: PeerCred): string | undefined {
    if (c.uid === this.opts.uid) return undefined;
    if (this.group && this.accounts && inGroup(this.accounts, this.group, c)) return undefined;
    const g = this.group ? ` nor in group ${this.group.name} (gid ${this.group.gid})` : '';
    return `netwatch: attach refused: uid ${c.uid} is not the owner (uid ${this.opts.uid})${g}`;
  }

  private async accept(s: Socket): Promise<void> {
    this.pending.add(s);
    s.on('error', () => s.destroy());
    let cred: PeerCred;
    try {
      cred = await (this.opts.peer ?? peerCred)(s);
    } catch (e) {
      this.pending.delete(s);
      this.refuse(s, `netwatch: attach refused: the peer could not be checked (${(e as Error).message})`);
      return;
    }
    this.pending.delete(s);
    if (this.closed || s.destroyed) return void s.destroy();
    const why = this.refusal(cred);
    if (why) {
      this.opts.log?.(`share: refused pid ${cred.pid} uid ${cred.uid}`);
      this.refuse(s, why);
      return;
    }
    const v: Viewer = { socket: s, cred, dropping: false, dropped: 0 };
    this.viewers.add(v);
    this.opts.log?.(`share: viewer pid ${cred.pid} uid ${cred.uid} attached (${this.viewers.size})`);
    s.setNoDelay?.(true);
    s.on('drain', () => {
      if (!v.dropping) return;
      v.dropping = false;
      // the replica goes on from this snapshot's seq (made once however many viewers resync)
      s.write(this.producer.snapshotFrame().line());
    });
    s.on('close', () => this.drop(v));
    this.readRequests(v);
    const p = this.producer;
    // the producer's hello but for who produces (a recorder's producer: its argv are not the viewers')
    const hello = this.opts.hello ? { ...p.hello, meta: undefined, ...this.opts.hello } : undefined;
    v.unsub = p.subscribe((f, _text, line) => this.send(v, f, line), hello ? { hello } : {});
    s.resume();
  }

  private refuse(s: Socket, message: string): void {
    s.end(frameText({ t: 'event', at: Date.now(), kind: 'refused', data: message }) + '\n');
    setTimeout(() => s.destroy(), 1000).unref();
  }

  /** one frame to one viewer: the producer's Buffer, the same for every viewer (never encoded per viewer) */
  private send(v: Viewer, f: Frame, line: () => Buffer): void {
    const s = v.socket;
    if (s.destroyed || !s.writable) return;
    if (v.dropping) {
      if (f.t === 'delta') v.dropped++;
      return;
    }
    // hello and the first snap always go (subscribe); deltas only while under the bound
    if (f.t === 'delta' && s.writableLength > this.bound) {
      v.dropping = true;
      v.dropped++;
      return;
    }
    s.write(line());
  }

  private readRequests(v: Viewer): void {
    let buf = '';
    v.socket.setEncoding('utf8');
    v.socket.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.length > MAX_REQUEST) buf = ' '.repeat(MAX_REQUEST + 1);
        else if (line.trim()) this.request(v, line);
      }
      if (buf.length > MAX_REQUEST) {
        this.opts.log?.(`share: viewer pid ${v.cred.pid}: request over ${MAX_REQUEST} bytes, closed`);
        v.socket.destroy();
      }
    });
  }

  private request(v: Viewer, line: string): void {
    let q: ShareRequest;
    try {
      q = JSON.parse(line) as ShareRequest;
    } catch {
      return void v.socket.write(reply({ r: '?', ok: false, message: 'not a request (bad JSON)' }));
    }
    const by = this.signature(v.cred.uid);
    const answer = (r: ShareReply) => v.socket.writable && v.socket.write(reply(r));
    switch (q?.r) {
      case 'mark': {
        const note = typeof q.note === 'string' ? q.note : '';
        if (!note.trim()) return void answer({ r: 'mark', ok: false, message: 'a mark needs a note' });
        if (!this.opts.onMark) return void answer({ r: 'mark', ok: false, message: 'marks are not available in this session' });
        this.opts.onMark(note, by);
        return void answer({ r: 'mark', ok: true, message: 'marked' });
      }
      case 'capture':
        if (!this.opts.onCapture) return void answer({ r: 'capture', ok: false, message: 'captures from viewers are not available in this session' });
        return void answer(this.opts.onCapture(q, by, v));
      case 'captureStop':
        if (!this.opts.onCaptureStop || typeof q.id !== 'number') return void answer({ r: 'captureStop', ok: false, message: 'no such capture' });
        return void answer(this.opts.onCaptureStop(q.id, v));
      case 'kill':
        this.opts.log?.(`share: kill from viewer pid ${v.cred.pid} uid ${v.cred.uid} refused`);
        return void answer({ r: 'kill', ok: false, message: KILL_REFUSED });
      case 'snap':
        v.dropping = false;
        return void v.socket.write(this.producer.snapshotFrame().line());
      default:
        return void answer({ r: String((q as { r?: unknown })?.r ?? '?').slice(0, 20), ok: false, message: 'unknown request' });
    }
  }

  private names = new Map<number, string>();
  /** "alice (attached)": the user name of the uid SO_PEERCRED gave (looked up once per uid) */
  private signature(uid: number): string {
    let by = this.names.get(uid);
    if (by === undefined) {
      let name: string | undefined;
      try {
        name = (this.opts.userName ?? ((u: number) => userNameOf(u, this.accounts)))(uid);
      } catch {
        name = undefined;
      }
      by = viewerBy(uid, name);
      this.names.set(uid, by);
    }
    return by;
  }

  private drop(v: Viewer): void {
    if (!this.viewers.delete(v)) return;
    v.unsub?.();
    if (!this.viewers.size && typeof this.producerOf === 'function' && this.current) {
      this.current.stop();
      this.current = undefined;
    }
    this.opts.log?.(`share: viewer pid ${v.cred.pid} left (${v.dropped} deltas dropped for it)`);
  }

  /** tells every viewer the session ended, closes, removes the socket */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const bye = frameText({ t: 'event', at: Date.now(), kind: 'end', data: 'owner ended the session' }) + '\n';
    for (const v of this.viewers) {
      v.unsub?.();
      v.socket.end(bye);
      setTimeout(() => v.socket.destroy(), 500).unref();
    }
    for (const s of this.pending) s.destroy();
    this.viewers.clear();
    if (typeof this.producerOf === 'function') this.current?.stop();
    this.current = undefined;
    this.server?.close();
    try {
      unlinkSync(this.path);
    } catch {
      /* gone */
    }
  }
}
