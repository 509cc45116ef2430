/**
 * At most N SSH connection attempts (TCP connect, key exchange, authentication and the login
 * check) run at once in this process; the rest wait their turn in order. 50 nodes starting
 * together on a 2-core machine otherwise share the CPU 50 ways (key exchange and each node's
 * login shell) and every one of them gets slow at once. The connect timeout of an attempt
 * starts when it gets its turn, so waiting in line never counts against a node.
 *
 * A turn is a lease of at most `leaseMs`: an attempt still under way after that (a node that
 * drops SYNs or never sends its banner costs us no CPU) goes on outside the count, so a few
 * black-holed nodes never hold up the others for their whole connect timeout.
 */
export class HandshakeLimiter {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    readonly max: number,
    readonly leaseMs = 1000,
  ) {}

  get waiting(): number {
    return this.queue.length;
  }

  /** resolves with a release function when it is this attempt's turn */
  acquire(): Promise<() => void> {
    let released = false;
    let lease: NodeJS.Timeout | undefined;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(lease);
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    };
    const granted = () => {
      lease = setTimeout(release, this.leaseMs);
      lease.unref();
      return release;
    };
    if (this.running < this.max) {
      this.running++;
      return Promise.resolve(granted());
    }
    return new Promise((resolve) => this.queue.push(() => resolve(granted())));
  }
}

/** new handshakes per lease second per netwatch process: 10 measured slower than none at 50 nodes (bench/once.mjs), so the bound only guards against hundreds */
export const DEFAULT_PARALLEL_HANDSHAKES = 50;
export const sharedHandshakes = new HandshakeLimiter(Number(process.env.NETWATCH_PARALLEL_HANDSHAKES) || DEFAULT_PARALLEL_HANDSHAKES);
