/** /dev/kmsg records as the sampler forwards them on stderr: "K PRIO,SEQ,USEC,FLAGS;TEXT". Pure. */
import type { KernelEvent } from '../types.js';

export function parseKmsgLine(line: string): KernelEvent | undefined {
  if (!line.startsWith('K ')) return undefined;
  const m = /^(\d+),(\d+),(\d+),[^;]*;(.*)$/.exec(line.slice(2));
  if (!m) return undefined;
  return { seq: Number(m[2]), usec: Number(m[3]), text: m[4]! };
}
