/**
 * Round trips measured on one SSH connection: its handshake (connect.ts: TCP connect, banner
 * wait), every channel opened on it (open + exec accepted = 2 round trips) and probes. The
 * connection's round trip is the median of the last RTT_SAMPLES.
 */
import type { Client } from 'ssh2';

export const RTT_SAMPLES = 9;

export class RttMeter {
  private readonly samples: number[] = [];

  push(ms: number): void {
    this.samples.push(ms);
    if (this.samples.length > RTT_SAMPLES) this.samples.shift();
  }

  /** the median; undefined before any measure */
  median(): number | undefined {
    if (!this.samples.length) return undefined;
    const s = [...this.samples].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  }

  max(): number | undefined {
    return this.samples.length ? Math.max(...this.samples) : undefined;
  }

  /** a process on this connection: its `started` (channel open + exec accepted) is 2 round trips */
  timeStart(started: Promise<void>, keep: () => boolean = () => true): void {
    const t0 = performance.now();
    void started.then(() => keep() && this.push((performance.now() - t0) / 2));
  }

  /**
   * One round trip: a global request sshd answers at once without doing anything (cancelling a
   * port forward that does not exist gets a failure reply, as OpenSSH's own keepalive request
   * does). Resolves with its time (also kept), or undefined when no reply came in time.
   */
  probe(client: Client, timeoutMs: number, keep: () => boolean = () => true): Promise<number | undefined> {
    return new Promise((resolve) => {
      const t0 = performance.now();
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      try {
        client.unforwardIn('127.0.0.1', 1, () => {
          clearTimeout(timer);
          const ms = performance.now() - t0;
          if (keep()) this.push(ms);
          resolve(ms);
        });
      } catch {
        clearTimeout(timer);
        resolve(undefined);
      }
    });
  }
}
