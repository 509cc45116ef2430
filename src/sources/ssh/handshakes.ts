/**
 * At most N SSH connection attempts (TCP connect, key exchange, authentication and the login
 * check) run at once in this process; the rest wait their turn in order. 50 nodes starting
 * together on a 2-core machine otherwise share the CPU 50 ways (key exchange and each node's
 * login shell) and every one of them gets slow at once. The connect timeout of an attempt
 * starts when it gets its turn, so waiting in line never counts against a node.
 */
export class HandshakeLimiter {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(readonly max: number) {}

  get waiting(): number {
    return this.queue.length;
  }

  /** resolves with a release function when it is this attempt's turn */
  acquire(): Promise<() => void> {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    };
    if (this.running < this.max) {
      this.running++;
      return Promise.resolve(release);
    }
    return new Promise((resolve) => this.queue.push(() => resolve(release)));
  }
}

/** parallel handshakes per netwatch process (OpenSSH's MaxStartups on one sshd starts at 10) */
export const DEFAULT_PARALLEL_HANDSHAKES = 10;
export const sharedHandshakes = new HandshakeLimiter(DEFAULT_PARALLEL_HANDSHAKES);
