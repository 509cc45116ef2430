/**
 * A node for the sampler's tests: one fake transport whose spawned sampler takes requests on
 * stdin (kept in `requests`, a line each) and answers what the test writes to its stdout.
 */
import { PassThrough } from 'node:stream';
import type { RemoteProcess, Transport } from '../../src/sources/transport/types.js';

/** a node whose sampler answers as the test script says */
export class FakeNode {
  spawned = 0;
  closed = 0;
  proc?: { stdout: PassThrough; stdin: PassThrough; requests: string[] };
  transport(): Transport {
    return {
      name: 'fake',
      state: () => ({ kind: 'ready', since: 0 }),
      onState: () => () => {},
      ready: async () => {},
      isRoot: () => true,
      exec: async () => ({ stdout: '', stderr: '', code: 0, signal: null }),
      close: () => {},
      spawn: () => {
        this.spawned++;
        const stdin = new PassThrough();
        const stdout = new PassThrough();
        const requests: string[] = [];
        stdin.on('data', (b: Buffer) => requests.push(...b.toString().trim().split('\n')));
        let exit!: () => void;
        const p: RemoteProcess = {
          stdin,
          stdout,
          stderr: new PassThrough(),
          exit: new Promise((r) => (exit = () => r({ code: 0, signal: null }))),
          close: () => {
            this.closed++;
            exit();
          },
        };
        this.proc = { stdout, stdin, requests };
        return p;
      },
    };
  }
  answer(seq: number) {
    this.proc!.stdout.write(`@@NW B ${seq}\n@@NW E ${seq}\n`);
  }
  /** writes a whole answer (framing lines included) as the node's sampler would */
  reply(text: string) {
    this.proc!.stdout.write(text);
  }
  /** the flags field of request i ("SEQ FLAGS …") */
  flags(i: number): string | undefined {
    return this.proc?.requests[i]?.split(' ')[1];
  }
}
