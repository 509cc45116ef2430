/**
 * Replay's UI (ui/replay.tsx, ui/replay/*): the App over a recorded timeline. The recording is
 * made the way `netwatch record` makes one: a real StreamProducer on a real store fed samples;
 * memoryTimeline reads its frames. The keys are typed into the App (ink-testing-library) and the
 * screen must show the state of that moment.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import type { StreamState } from '../../src/state/stream.js';
import type { Timeline } from '../../src/state/timeline.js';
import { fmtClock } from '../../src/ui/format.js';
import { ReplayApp } from '../../src/ui/replay.js';
import { levelOf, ReplayController, type ReplayClock } from '../../src/ui/replay/controller.js';
import { parseSeek } from '../../src/ui/replay/seek.js';
import { KEY, renderSized } from './render.js';
import { CT_FROM, CT_TO, DOWN_AT, MARKS, MTU_CHANGE, recording, T0, tickAt } from '../support/recording.js';

afterEach(() => cleanup());

const TIMELINE = recording();

/** a playback clock moved by hand */
function manualClock(): ReplayClock & { advance(ms: number): void } {
  let now = 0;
  const fns = new Set<() => void>();
  return {
    now: () => now,
    every: (_ms, fn) => {
      fns.add(fn);
      return () => fns.delete(fn);
    },
    advance(ms) {
      for (let k = 0; k < ms; k += 100) {
        now += Math.min(100, ms - k);
        for (const f of [...fns]) f();
      }
    },
  };
}

async function replay(opts: { timeline?: Timeline; play?: boolean; clock?: ReplayClock; at?: number | string } = {}, cols = 140, rows = 30) {
  const clock = opts.clock ?? manualClock();
  const c = new ReplayController(opts.timeline ?? TIMELINE, { name: 'outage.nwrec', clock, play: opts.play ?? false, at: opts.at });
  await c.start();
  const ui = await renderSized(<ReplayApp controller={c} />, cols, rows);
  return { c, ui, clock };
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const rowOf = (frame: string, text: string) => frame.split('\n').find((l) => l.includes(text)) ?? '';
const header = (frame: string) => frame.split('\n')[0] ?? '';
const status = (frame: string) => frame.split('\n')[2] ?? '';
/** the MTU column of eth0's row in the interfaces pane */
const mtuOf = (frame: string) => frame.split('\n').find((l) => /^[> ] eth0 /.test(l))?.match(/ (1500|1400) /)?.[1];

describe('replay: seek keys show the state of that moment', () => {
  it('header says REPLAY with the file and the cursor clock; ] , . step over the MTU change of n2', async () => {
    const { c, ui } = await replay();
    let f = ui.frame();
    expect(header(f)).toContain('REPLAY outage.nwrec');
    expect(header(f)).toContain(fmtClock(T0));
    expect(f).not.toContain('READ-ONLY');
    // open n2 (second row): its interfaces
    await ui.press('j');
    await ui.press(KEY.enter);
    await ui.press(']'); // +1 min: T0 + 60 s = tick 59, before the change
    await waitFor(() => c.at === T0 + 60_000);
    f = ui.frame();
    expect(header(f)).toContain(fmtClock(T0 + 60_000));
    expect(header(f)).toContain('n2 › interfaces');
    expect(status(f)).toContain('+1:00 of 2:00');
    expect(mtuOf(f)).toBe('1500');
    await ui.press('.'); // one tick forward: tick 60, the new MTU
    await waitFor(() => mtuOf(ui.frame()) === '1400');
    expect(c.at).toBe(tickAt(MTU_CHANGE));
    expect(header(ui.frame())).toContain(fmtClock(tickAt(MTU_CHANGE)));
    await ui.press(','); // one tick back
    await waitFor(() => mtuOf(ui.frame()) === '1500');
    expect(c.at).toBe(tickAt(MTU_CHANGE - 1));
    await ui.press('\u001b[C'); // → is a tick forward too
    await waitFor(() => mtuOf(ui.frame()) === '1400');
    await ui.press('['); // −1 min
    await waitFor(() => c.at === tickAt(MTU_CHANGE) - 60_000);
    expect(mtuOf(ui.frame())).toBe('1500');
    await ui.press('\u001b[1;2C'); // shift-→: +1 min
    await waitFor(() => c.at === tickAt(MTU_CHANGE));
    expect(mtuOf(ui.frame())).toBe('1400');
  });

  it('t with a pasted clock time goes there: the node that went down shows failed, and live before', async () => {
    const { c, ui } = await replay();
    await ui.press('t');
    expect(status(ui.frame())).toContain('go to');
    const when = fmtClock(tickAt(DOWN_AT + 5));
    await ui.press(`\u001b[200~${when}\u001b[201~`);
    expect(status(ui.frame())).toContain(when);
    await ui.press(KEY.enter);
    await waitFor(() => c.at === tickAt(DOWN_AT + 5));
    let f = ui.frame();
    expect(header(f)).toContain(when);
    expect(rowOf(f, 'n3')).toContain('failed');
    // an offset from the start, typed key by key in one write, with the enter
    await ui.press('t30s\r');
    await waitFor(() => c.at === T0 + 30_000);
    f = ui.frame();
    expect(rowOf(f, 'n3')).toContain('live');
    expect(rowOf(f, 'n3')).not.toContain('failed');
    // relative to the cursor; a bad time keeps the prompt open and says why
    await ui.press('t+1m\r');
    await waitFor(() => c.at === T0 + 90_000);
    await ui.press('tnonsense\r');
    expect(status(ui.frame())).toContain('not a time: nonsense');
    await ui.press(KEY.esc);
    expect(status(ui.frame())).not.toContain('go to');
    expect(c.at).toBe(T0 + 90_000);
  });

  it('{ } jump between marks; the time bar shows the marks, the cursor and where the conntrack problem was', async () => {
    const { c, ui } = await replay();
    await waitFor(() => !ui.frame().includes('problems: reading'));
    await ui.press('}');
    await waitFor(() => c.at === MARKS[0]!.at);
    let f = ui.frame();
    expect(header(f)).toContain(fmtClock(MARKS[0]!.at));
    expect(status(f)).toContain('◆ raised nf_conntrack_max\\x1b[2J on n1 (alice)');
    await ui.press('}');
    await waitFor(() => c.at === MARKS[1]!.at);
    expect(status(ui.frame())).toContain('◆ restarted kube-proxy on n3');
    await ui.press('}');
    expect(status(ui.frame())).toContain('no mark after this point');
    await ui.press('{');
    await waitFor(() => c.at === MARKS[0]!.at);
    // the bar: 140 − 18 columns between the start and end clocks
    f = ui.frame();
    const bar = f.split('\n')[1]!;
    expect(bar.startsWith(`${fmtClock(T0)} `)).toBe(true);
    expect(bar.trimEnd().endsWith(` ${fmtClock(TIMELINE.end)}`)).toBe(true);
    const cells = Array.from(bar.slice(9, 9 + 122));
    const col = (t: number) => Math.floor(((t - T0) / (TIMELINE.end - T0)) * 122);
    expect(cells[col(MARKS[0]!.at)]).toBe('●'); // the cursor is on the first mark
    expect(cells[col(MARKS[1]!.at)]).toBe('◆');
    // the state the bar summarises: crit while n1's conntrack was full, a node down at the end
    expect(levelOf(await TIMELINE.stateAt(tickAt(CT_FROM + 5)))).toBe('crit');
    expect(levelOf(await TIMELINE.stateAt(tickAt(CT_FROM - 5)))).toBe('ok');
    expect(cells[col(tickAt(CT_FROM + 5))]).toBe('█');
    expect(cells[col(tickAt(CT_FROM - 5))]).toBe('─');
    expect(cells[col(tickAt(CT_TO + 10))]).toBe('─');
    expect(cells[col(tickAt(DOWN_AT + 20))]).toBe('█');
    // the problem began and ended where the recording says
    const crit = cells.map((ch, i) => (ch === '█' ? i : -1)).filter((i) => i >= 0 && i < col(tickAt(DOWN_AT)));
    expect(Math.min(...crit)).toBe(col(tickAt(CT_FROM)));
    expect(Math.max(...crit)).toBe(col(tickAt(CT_TO - 1)));
  });

  it('plays in real time from the start; space pauses and plays; > and < change the speed', async () => {
    const clock = manualClock();
    const { c, ui } = await replay({ clock, play: true });
    expect(status(ui.frame())).toContain('▶ 1×');
    clock.advance(5000);
    await waitFor(() => c.at === T0 + 5000);
    expect(header(ui.frame())).toContain(fmtClock(T0 + 5000));
    await ui.press(' ');
    expect(status(ui.frame())).toContain('paused');
    clock.advance(5000);
    await ui.press('');
    expect(c.at).toBe(T0 + 5000);
    await ui.press(' ');
    await ui.press('>');
    await ui.press('>');
    expect(status(ui.frame())).toContain('▶ 4×');
    clock.advance(2000);
    await waitFor(() => c.at === T0 + 13_000);
    await ui.press('<');
    expect(status(ui.frame())).toContain('▶ 2×');
    // to the end: it stops there
    clock.advance(120_000);
    await waitFor(() => c.at === TIMELINE.end);
    expect(status(ui.frame())).toContain('paused');
    expect(c.playing).toBe(false);
  });

  it('starts at --at (an offset or a clock time)', async () => {
    const { c, ui } = await replay({ at: '1m35s' });
    expect(c.at).toBe(T0 + 95_000);
    expect(header(ui.frame())).toContain(fmtClock(T0 + 95_000));
    expect(rowOf(ui.frame(), 'n3')).toContain('failed');
  });
});

describe('replay: the time bar is read in the background', () => {
  it('the first frame does not wait for it (a slow recording: the bar shows · and says so), it fills in, and a resize reads it again for the new width', async () => {
    let slow = true;
    const tl: Timeline = { ...TIMELINE, stateAt: (t) => (slow ? new Promise((r) => setTimeout(() => r(TIMELINE.stateAt(t)), 20)) : TIMELINE.stateAt(t)) };
    const { ui } = await replay({ timeline: tl });
    let f = ui.frame();
    expect(header(f)).toContain('REPLAY outage.nwrec');
    expect(f).toContain('problems: reading the recording…');
    expect(f.split('\n')[1]).toContain('···');
    slow = false;
    await waitFor(() => !ui.frame().includes('problems: reading'));
    f = ui.frame();
    expect(f.split('\n')[1]).not.toContain('·');
    expect(f.split('\n')[1]).toContain('█');
    await ui.resize(100, 30);
    await waitFor(() => !ui.frame().includes('problems: reading'));
    const bar = ui.frame().split('\n')[1]!;
    expect(bar.trimEnd().length).toBe(100);
    expect(bar).not.toContain('·');
  });
});

describe('replay: read-only, no live node', () => {
  it('capture, processes, re-read are refused with a message; the footer does not offer them; ? lists the replay keys', async () => {
    const { ui } = await replay();
    let f = ui.frame();
    expect(f).not.toMatch(/c capture/);
    // the footer leads with the replay's keys
    expect(f).toMatch(/space play\/pause · , tick · \[ ±1 min · \{ marks · t go to · \? help/);
    await ui.press('c');
    expect(status(ui.frame())).toContain('recording: no live node to capture on');
    await ui.press('C');
    expect(status(ui.frame())).toContain('recording: no live node to capture on');
    await ui.press('s');
    expect(status(ui.frame())).toContain('recording: no live node to list processes on');
    await ui.press('R');
    expect(status(ui.frame())).toContain('recording: no live node to re-read');
    await ui.press('m');
    expect(status(ui.frame())).toContain('recording: marks are made in the live view');
    expect(ui.frame()).not.toContain('mark:');
    // in the node detail too
    await ui.press(KEY.enter);
    await ui.press('c');
    expect(status(ui.frame())).toContain('recording: no live node to capture on');
    expect(header(ui.frame())).toContain('n1 › interfaces');
    await ui.press('?');
    f = ui.frame();
    expect(f).toContain('Replay (over recorded time)');
    expect(f).toContain('go to a time');
    expect(f).toContain('capture on the selected row (refused: recording)');
    expect(f).toMatch(/space\s+pause \/ play/);
  });
});

describe('replay: seeking is coalesced and never goes back to an older request', () => {
  /** the recording behind a slow disk: every read waits for release() */
  function slowTimeline() {
    const reads: number[] = [];
    const waiting: (() => void)[] = [];
    const tl: Timeline = {
      ...TIMELINE,
      stateAt: (t) => {
        reads.push(t);
        return new Promise<StreamState>((resolve) => waiting.push(() => void TIMELINE.stateAt(t).then(resolve)));
      },
    };
    const release = async () => {
      while (waiting.length) waiting.shift()!();
      await new Promise((r) => setTimeout(r, 5));
    };
    return { tl, reads, release };
  }

  it('twenty ticks forward while a read is out: two reads, the last one shown', async () => {
    const { tl, reads, release } = slowTimeline();
    const c = new ReplayController(tl, { play: false, clock: manualClock() });
    const started = c.start();
    await release();
    await started;
    expect(reads).toEqual([T0]);
    const shown: number[] = [];
    c.store.subscribe((s) => shown.push(s.ticks));
    for (let k = 0; k < 20; k++) c.command('tickForward');
    expect(c.cursor).toBe(tickAt(19));
    await release();
    await release();
    await c.settled();
    expect(reads).toEqual([T0, tickAt(0), tickAt(19)]);
    expect(c.at).toBe(tickAt(19));
    // tick 0's answer came after the later seeks: dropped, only the latest is shown
    expect(shown).toEqual([(await TIMELINE.stateAt(tickAt(19))).ticks]);
    c.stop();
  });

  it('a read answered after a later seek back into the state shown is dropped', async () => {
    const { tl, release } = slowTimeline();
    const c = new ReplayController(tl, { play: false, clock: manualClock() });
    const started = c.start();
    await release();
    await started;
    const before = c.store.getState();
    c.seek(tickAt(50)); // a read goes out
    c.seek(T0 + 10); // back within the state shown: applies at once
    await release();
    await c.settled();
    expect(c.store.getState()).toBe(before);
    expect(c.at).toBe(T0 + 10);
    c.stop();
  });
});

describe('replay: hostile names in the recorded state', () => {
  it('ESC, BEL, newlines in node and interface names and in mark notes never reach the frame raw', async () => {
    const { c, ui } = await replay({ at: '20s' });
    const frames: string[] = [];
    const check = () => {
      const raw = ui.lastFrame() ?? '';
      frames.push(raw);
      // only netwatch's own SGR colours may be escapes
      const bare = raw.replace(/\u001b\[[0-9;]*m/g, '');
      expect(bare).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
      expect(bare.split('\n').length).toBeLessThanOrEqual(30);
    };
    await ui.press('G'); // the evil node
    check();
    expect(rowOf(ui.frame(), 'n3')).toContain('\\x1b]0;pwned\\x07');
    await ui.press(KEY.enter);
    check();
    expect(ui.frame()).toContain('veth\\x1b[31mred\\x0ax');
    await ui.press('}');
    await waitFor(() => c.at === MARKS[0]!.at);
    check();
    await ui.press('}');
    await waitFor(() => c.at === MARKS[1]!.at);
    check();
    await ui.press('t');
    await ui.press('\u001b[200~03:\u001b[31m\u0007x\u001b[201~');
    check();
    await ui.press(KEY.enter);
    check();
    expect(status(ui.frame())).toContain('not a time');
  });
});

describe('replay: two viewers', () => {
  it('two Apps on two replica stores of one recording: independent selection, screens and cursor', async () => {
    const a = await replay();
    const b = await replay();
    await a.ui.press('j');
    await a.ui.press('j');
    expect(a.ui.frame().split('\n').find((l) => l.startsWith('> '))).toContain('n3');
    expect(b.ui.frame().split('\n').find((l) => l.startsWith('> '))).toContain('n1');
    await b.ui.press('j');
    await b.ui.press(KEY.enter);
    expect(header(b.ui.frame())).toContain('n2 › interfaces');
    expect(header(a.ui.frame())).not.toContain('›');
    await a.ui.press(']');
    await waitFor(() => a.c.at === T0 + 60_000);
    expect(b.c.at).toBe(T0);
    expect(header(b.ui.frame())).toContain(fmtClock(T0));
    expect(a.c.store).not.toBe(b.c.store);
  });
});

describe('replay: times typed at t', () => {
  const range = { start: T0, end: T0 + 7_200_000, cursor: T0 + 600_000 };
  it('clock times, offsets from the start, offsets from the cursor; clamped; errors say why', () => {
    expect(parseSeek('5m', range)).toEqual({ at: T0 + 300_000 });
    expect(parseSeek('1h2m3s', range)).toEqual({ at: T0 + 3_723_000 });
    expect(parseSeek('+90s', range)).toEqual({ at: T0 + 690_000 });
    expect(parseSeek('-20m', range)).toEqual({ at: T0 });
    expect(parseSeek('9h', range)).toEqual({ at: range.end });
    expect(parseSeek(fmtClock(T0 + 3_600_000), range)).toEqual({ at: T0 + 3_600_000 });
    expect(parseSeek(fmtClock(T0 + 3_600_000).slice(0, 5), range)).toEqual({ at: T0 + 3_600_000 });
    expect(parseSeek(fmtClock(T0 - 3_600_000), range)).toEqual({ error: `${fmtClock(T0 - 3_600_000)} is not in the recording` });
    expect(parseSeek('25:00', range)).toEqual({ error: 'not a clock time: 25:00' });
    expect(parseSeek('soon', range)).toEqual({ error: 'not a time: soon (03:12:00, 5m, +90s)' });
  });
});

describe('replay: y copies the state at the cursor', () => {
  it('as Markdown to a file and OSC 52, with the state of that moment (n3 live before it went down, failed after)', async () => {
    const { mkdtempSync, readdirSync, readFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { yanker } = await import('../../src/cli/yank.js');
    const dir = mkdtempSync(join(tmpdir(), 'nwreplay-yank-'));
    try {
      const c = new ReplayController(TIMELINE, { name: 'outage.nwrec', clock: manualClock(), play: false });
      await c.start();
      const written: string[] = [];
      const onYank = yanker({ getState: () => c.store.getState() as never, now: () => c.at, dir, write: (s) => written.push(s), tmux: false });
      const ui = await renderSized(<ReplayApp controller={c} onYank={onYank} />, 140, 30);
      c.seek(tickAt(DOWN_AT - 5));
      await waitFor(() => c.at === tickAt(DOWN_AT - 5) && ui.frame().includes(fmtClock(tickAt(DOWN_AT - 5))));
      await ui.press('y');
      await waitFor(() => /copied 3 nodes as Markdown/.test(ui.frame()));
      // after n3 went down: the next copy says so
      c.seek(tickAt(DOWN_AT + 5));
      await waitFor(() => c.at === tickAt(DOWN_AT + 5) && ui.frame().includes(fmtClock(tickAt(DOWN_AT + 5))));
      await ui.press('y');
      await waitFor(() => readdirSync(dir).length === 2);
      const [first, second] = readdirSync(dir).sort().map((f) => readFileSync(join(dir, f), 'utf8'));
      // the hostile name escaped (markdown.ts); its status as of the cursor, the copy's time the cursor's
      const n3 = (md: string) => md.split('\n').find((l) => l.startsWith('| n3'));
      expect(n3(first!)).toMatch(/^\| n3\S* \| live /);
      expect(n3(second!)).toMatch(/^\| n3\S* \| failed: connection lost /);
      expect(first).toContain(new Date(tickAt(DOWN_AT - 5)).toISOString().slice(11, 19));
      // eslint-disable-next-line no-control-regex
      expect(first! + second!).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
      expect(written).toHaveLength(2);
      expect(written[0]).toMatch(/^\u001b\]52;c;[A-Za-z0-9+/=]+\u0007$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
