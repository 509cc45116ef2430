/**
 * Drives a real sampler process (remote/sampler.sh, spawned by the test) one request at a time:
 * each answer frame is assembled by the product's Assembler before the next request is written.
 * Every wait is bounded: an answer that does not come within `answerMs` kills the process group.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { Assembler } from '../../src/sources/parsers/assemble.js';
import { ByteLineSplitter } from '../../src/sources/parsers/bytes.js';
import { parseFrame } from '../../src/sources/parsers/frame.js';
import type { NodeSample } from '../../src/sources/types.js';

export interface Answer {
  sample: NodeSample;
  /** the frame's lines between "@@NW B" and "@@NW E" */
  frame: string[];
  /** bytes of stdout this answer took */
  bytes: number;
}

export class SamplerDriver {
  readonly assembler = new Assembler();
  private body: string[] | undefined;
  private size = 0;
  private waiting?: (a: Answer) => void;
  private readonly closed: Promise<void>;

  /** child: spawned detached (its own process group) with stdio pipes */
  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly answerMs = 20_000,
  ) {
    const split = new ByteLineSplitter((l) => {
      if (l.startsWith('@@NW B ')) this.body = [];
      else if (l.startsWith('@@NW E ')) {
        const frame = this.body ?? [];
        const sample = this.assembler.assemble(parseFrame(Number(l.slice(7)), frame), Date.now(), 1, []);
        const bytes = this.size;
        this.size = 0;
        this.body = undefined;
        const w = this.waiting;
        this.waiting = undefined;
        w?.({ sample, frame, bytes });
      } else this.body?.push(l);
    });
    child.stdout.on('data', (b: Buffer) => {
      this.size += b.length;
      split.push(b);
    });
    child.stderr.resume();
    child.stdin.on('error', () => {});
    this.closed = new Promise((res) => child.on('close', () => res()));
  }

  /** writes one request line (built from what the assembler holds) and waits for its answer */
  ask(request: (a: Assembler) => string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill();
        reject(new Error(`no answer within ${this.answerMs} ms`));
      }, this.answerMs);
      this.waiting = (a) => {
        clearTimeout(timer);
        resolve(a);
      };
      this.child.stdin.write(`${request(this.assembler)}\n`);
    });
  }

  /** closes stdin (the sampler ends its process group) and waits, bounded, for the process to go */
  async end(ms = 10_000): Promise<void> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.kill(), ms);
    await this.closed;
    clearTimeout(timer);
  }

  kill(): void {
    try {
      if (this.child.pid) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
