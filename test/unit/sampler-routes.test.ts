/**
 * The routes section out of turn: a pod the API names (readRoutesSoon) and a new interface
 * (whose route a CNI adds a moment after the veth) are mapped within a tick or two, not at the
 * routes' regular turn (EVERY.r ticks later). Answers are the real frames of lab node n1
 * (test/fixtures/node/sampler-frames.lab-n1), with one more veth where the test says.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVERY } from '../../src/sources/cadence.js';
import { flagsFor, NodeSampler } from '../../src/sources/sampler.js';
import { FakeNode } from './fake-node.js';

const frames = readFileSync(new URL('../fixtures/node/sampler-frames.lab-n1', import.meta.url), 'utf8').split('\n');
const F0 = frames.slice(0, frames.indexOf('@@NW E 0') + 1);
const F1 = frames.slice(frames.indexOf('@@NW B 1'), frames.indexOf('@@NW E 1') + 1);
const LINKK = F0.slice(F0.indexOf('@@ linkk'), F0.indexOf('@@ iplink'));
const NEW = 'calinew0';
const DEV = `./proc/net/dev:${NEW}:      0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0`;

/** the answer to request seq: frame 1's files, the new veth when it exists, its identity on a "k" tick */
function answer(seq: number, flags: string, withNew: boolean): string {
  const out: string[] = [];
  for (const l of F1.slice(1, -1)) {
    out.push(l);
    if (withNew && l.startsWith('./proc/net/dev:veth435c6d0b')) out.push(DEV);
  }
  if (withNew) out.push(`./sys/class/net/${NEW}/operstate:up`);
  if (flags.includes('k')) out.push(...LINKK, ...(withNew ? [`.${NEW} 9 2 ee:ee:ee:ee:ee:ee -`] : []));
  return [`@@NW B ${seq}`, ...out, `@@NW E ${seq}`, ''].join('\n');
}

const opts = { tag: 'nw-s-test', idleSeconds: 15, maxLifeSeconds: 3600, firstSampleMs: () => 3000 };

/** ticks 0..count-1, each answered at once; the veth appears in the answer to tick `newAt` */
async function run(s: NodeSampler, node: FakeNode, count: number, o: { newAt?: number; before?: (n: number) => void } = {}) {
  for (let n = 0; n < count; n++) {
    o.before?.(n);
    const out = s.sample(n);
    if (n === 0) node.reply([...F0, ''].join('\n'));
    else node.reply(answer(n, node.flags(n) ?? '', o.newAt !== undefined && n >= o.newAt));
    expect((await out).kind).toBe('sample');
  }
}

describe('sampler: routes out of turn', () => {
  it('reads them on the next tick after readRoutesSoon, once, and keeps the regular turns', async () => {
    const node = new FakeNode();
    const s = new NodeSampler(node.transport(), opts);
    const asked = 7;
    await run(s, node, EVERY.r + 3, { before: (n) => n === asked && s.readRoutesSoon() });
    for (let n = 1; n < EVERY.r + 3; n++) {
      const want = flagsFor(n, false, n === asked);
      expect(node.flags(n), `tick ${n}`).toBe(want);
    }
    expect(node.flags(asked)).toContain('r');
    expect(flagsFor(asked, false)).not.toContain('r'); // not its regular turn
    expect(node.flags(asked + 1)).not.toContain('r');
    s.stop();
  });

  it('after a new interface: its identity and routes at once, routes again two and four ticks later', async () => {
    const node = new FakeNode();
    const s = new NodeSampler(node.transport(), opts);
    const newAt = 5; // the answer to tick 5 holds the new veth; tick 6 asks who it is
    await run(s, node, EVERY.r, { newAt });
    const withR = Array.from({ length: EVERY.r }, (_, n) => n).filter((n) => n > 0 && node.flags(n)!.includes('r'));
    expect(node.flags(newAt + 1)).toMatch(/^(?=.*r)(?=.*k)/);
    expect(withR).toEqual([1, newAt + 1, newAt + 3, newAt + 5]);
    // only the identity tick asks for "k": the answer gave it
    expect(Array.from({ length: EVERY.r }, (_, n) => n).filter((n) => n > 2 && node.flags(n)!.includes('k'))).toEqual([newAt + 1]);
    s.stop();
  });
});
