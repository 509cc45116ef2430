/**
 * A RemoteProcess over an ssh2 exec channel. spawn() must answer at once but a channel opens
 * asynchronously (and may have to wait for a free slot: sshd allows 10 sessions per connection
 * by default, MaxSessions), so the process is handed out with its own stdin/stdout/stderr
 * streams that are joined to the channel once it is open.
 */
import { PassThrough } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import type { RemoteExit, RemoteProcess } from '../transport/types.js';

/** At most `max` channels at once; the rest wait in order, each for at most `waitMs`. */
export class ChannelSlots {
  private used = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    readonly max: number,
    readonly waitMs: number,
  ) {}

  get busy(): number {
    return this.used;
  }

  /** Resolves with a release function, or with null when no slot freed up in time. */
  acquire(): Promise<(() => void) | null> {
    const release = () => {
      const next = this.queue.shift();
      if (next) next();
      else this.used--;
    };
    if (this.used < this.max) {
      this.used++;
      return Promise.resolve(once(release));
    }
    return new Promise((resolve) => {
      const grant = () => {
        clearTimeout(timer);
        resolve(once(release));
      };
      const timer = setTimeout(() => {
        const i = this.queue.indexOf(grant);
        if (i >= 0) this.queue.splice(i, 1);
        resolve(null);
      }, this.waitMs);
      this.queue.push(grant);
    });
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}

/**
 * close() ends the command at once: EOF on its stdin, TERM to its process group (sshd's
 * "signal" request), the channel closed, and `exit` settled without waiting for the node
 * (a command stuck in the kernel must not hold a sampler up). The channel slot is given back
 * only when sshd has really closed the channel, so MaxSessions is never exceeded.
 */
export class SshProcess implements RemoteProcess {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly exit: Promise<RemoteExit>;
  readonly started: Promise<void>;
  private markStarted!: () => void;
  private settle!: (e: RemoteExit) => void;
  private settled = false;
  private opening = false;
  private channel: ClientChannel | undefined;
  private channelClosed = false;
  private released = false;
  private last: RemoteExit = { code: null, signal: null };

  /** `onSettled` when exit settles; `onReleased` once no channel is (or will be) held any more */
  constructor(
    private readonly onSettled: () => void = () => {},
    private readonly onReleased: () => void = () => {},
  ) {
    this.exit = new Promise((resolve) => (this.settle = resolve));
    this.started = new Promise((resolve) => (this.markStarted = resolve));
    this.stdin.on('error', () => {});
  }

  get done(): boolean {
    return this.settled;
  }

  /** Opens the channel on `client`; a failure to open ends the process with the reason on stderr. */
  start(client: Client, command: string): void {
    if (this.settled) return this.maybeRelease();
    this.opening = true;
    try {
      client.exec(command, (err, ch) => {
        this.opening = false;
        if (err) {
          this.fail(`could not open an SSH channel: ${err.message}`);
          return this.maybeRelease();
        }
        this.channel = ch;
        this.markStarted();
        ch.on('error', () => {});
        ch.once('close', () => {
          this.channelClosed = true;
          this.finish(this.last);
          this.maybeRelease();
        });
        if (this.settled) return this.drop(ch);
        ch.on('exit', (code: number | null, signal?: string) => {
          this.last = { code: code ?? null, signal: signal ? (signal.startsWith('SIG') ? signal : `SIG${signal}`) : null };
        });
        ch.pipe(this.stdout);
        ch.stderr.pipe(this.stderr);
        this.stdin.pipe(ch);
      });
    } catch (e) {
      this.opening = false;
      this.fail(`could not open an SSH channel: ${(e as Error).message}`);
      this.maybeRelease();
    }
  }

  /** The process could not run: tell the reader why (on its stderr) and settle. */
  fail(why: string): void {
    if (this.settled) return;
    if (why) this.stderr.write(`netwatch: ${why}\n`);
    this.finish({ code: null, signal: null });
    this.maybeRelease();
  }

  /** The connection dropped: settle now with what is known (code null unless exit was seen). */
  abort(): void {
    this.finish(this.last);
    this.channelClosed = true;
    this.maybeRelease();
  }

  close(): void {
    this.finish(this.last);
    if (this.channel && !this.channelClosed) this.drop(this.channel);
    this.maybeRelease();
  }

  private drop(ch: ClientChannel): void {
    try {
      ch.signal('TERM');
      ch.end();
      ch.close();
    } catch {
      /* connection already gone: abort() follows */
    }
  }

  private finish(e: RemoteExit): void {
    if (this.settled) return;
    this.settled = true;
    const ch = this.channel;
    if (ch) {
      // stop forwarding and keep draining, so ssh2 can finish the channel
      ch.unpipe(this.stdout);
      ch.stderr.unpipe(this.stderr);
      ch.resume();
      ch.stderr.resume();
    }
    for (const s of [this.stdout, this.stderr]) if (!s.writableEnded) s.end();
    this.stdin.unpipe();
    this.stdin.resume(); // whatever is still written goes nowhere
    this.settle(e);
    this.onSettled();
  }

  private maybeRelease(): void {
    if (this.released || !this.settled || this.opening) return;
    if (this.channel && !this.channelClosed) return;
    this.released = true;
    this.onReleased();
  }
}
