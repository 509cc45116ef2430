/**
 * Replay as a person uses it: the built replay UI (dist/, through test/e2e/replay-driver.mjs, the
 * entry point `netwatch replay FILE` calls) in a tmux pane of its own server, keys typed and
 * pasted with `send-keys -l`, the screen read with `capture-pane`, the raw output kept with
 * `pipe-pane`. Needs `npm run build` first (as the other e2e tests do) and tmux.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameText } from '../../src/state/stream.js';
import { fmtClock } from '../../src/ui/format.js';
import { DOWN_AT, MARKS, MTU_CHANGE, recordFrames, T0, tickAt } from '../support/recording.js';
import { killTmuxServer, waitFor } from './run.js';

const SERVER = `nwreplay-${process.pid}`;
const S = 'r';
const DRIVER = fileURLToPath(new URL('./replay-driver.mjs', import.meta.url));
let dir: string;
let raw: string;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SERVER, ...args], { encoding: 'utf8' });
}
const screen = () => tmux('capture-pane', '-p', '-t', S);
const type = (s: string) => tmux('send-keys', '-t', S, '-l', s);
const key = (k: string) => tmux('send-keys', '-t', S, k);
async function until(what: string, fn: (f: string) => boolean, ms = 15_000): Promise<string> {
  let last = '';
  try {
    return await waitFor(what, () => ((last = screen()), fn(last) ? last : false), ms, 50);
  } catch (e) {
    throw new Error(`${(e as Error).message}; the screen:\n${last}`);
  }
}
const header = (f: string) => f.split('\n')[0] ?? '';
const status = (f: string) => f.split('\n')[2] ?? '';
/** a list row (selected or not) starting with this name */
const rowOf = (f: string, name: string) => f.split('\n').find((l) => l.startsWith(`  ${name}`) || l.startsWith(`> ${name}`)) ?? '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nw-replay-'));
  const file = join(dir, 'outage.frames');
  writeFileSync(file, [...recordFrames().map(frameText), JSON.stringify(MARKS)].join('\n') + '\n');
  raw = join(dir, 'raw.out');
  // the same zone as this process, so the clocks it prints are the ones this test computes
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // CI=false: Ink draws only the last frame when it thinks it runs in CI (bin/netwatch.js does the same)
  const cmd = `CI=false CONTINUOUS_INTEGRATION=false TZ=${tz} TERM=xterm-256color ${process.execPath} ${DRIVER} ${file} outage.nwrec; echo "EXITED $?"; sleep 600`;
  tmux('new-session', '-d', '-x', '140', '-y', '30', '-s', S, `sleep 0.3; ${cmd}`);
  tmux('pipe-pane', '-o', '-t', S, `cat >> ${raw}`);
  await until('the replay', (f) => header(f).includes('REPLAY outage.nwrec'));
}, 60_000);

afterAll(() => {
  killTmuxServer(SERVER);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('netwatch replay in a terminal', () => {
  it('plays, pauses, seeks with typed and pasted keys, refuses a capture, and quits with q', async () => {
    // it plays from the start in real time
    await until('playing', (f) => status(f).includes('▶ 1×') && !header(f).includes(fmtClock(T0)), 10_000);
    type(' ');
    await until('paused', (f) => status(f).includes('paused'));
    // n2's interfaces, then the tick before and the tick of its MTU change: a paste of the clock time
    type('j');
    key('Enter');
    await until('n2 detail', (f) => header(f).includes('n2 › interfaces'));
    type('t');
    type(fmtClock(tickAt(MTU_CHANGE - 1)));
    key('Enter');
    let f = await until('before the change', (x) => header(x).includes(fmtClock(tickAt(MTU_CHANGE - 1))));
    expect(rowOf(f, 'eth0 ')).toMatch(/ 1500 /);
    type('.');
    f = await until('the change', (x) => header(x).includes(fmtClock(tickAt(MTU_CHANGE))));
    expect(rowOf(f, 'eth0 ')).toMatch(/ 1400 /);
    // back to the overview; the mark before (while n1's conntrack was full), then the one after n3 went down
    key('Escape');
    type('{');
    f = await until('the mark', (x) => header(x).includes(fmtClock(MARKS[0]!.at)));
    expect(status(f)).toContain('raised nf_conntrack_max');
    type('}');
    f = await until('the second mark', (x) => header(x).includes(fmtClock(MARKS[1]!.at)));
    expect(MARKS[1]!.at).toBeGreaterThan(tickAt(DOWN_AT));
    expect(rowOf(f, 'n3')).toContain('failed');
    // a capture is refused: no live node
    type('c');
    await until('refused', (x) => status(x).includes('recording: no live node to capture on'));
    // the hostile names never reached the terminal raw: no title was set
    expect(tmux('display-message', '-p', '-t', S, '#{pane_title}')).not.toMatch(/pwned/);
    expect(readFileSync(raw, 'latin1')).not.toContain('\u001b]0;pwned');
    type('q');
    await until('exited', (x) => x.includes('EXITED 0'));
  }, 90_000);
});
