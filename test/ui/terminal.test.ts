import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { ALT_SCREEN_OFF, ALT_SCREEN_ON, CURSOR_SHOW, enterTerminal, PASTE_OFF, PASTE_ON } from '../../src/ui/terminal.js';

function fakes() {
  const out = { text: '', write(s: string) { this.text += s; return true; } };
  const input = { isTTY: true, raw: [] as boolean[], setRawMode(on: boolean) { this.raw.push(on); } };
  const proc = Object.assign(new EventEmitter(), { exit: vi.fn() }) as unknown as NodeJS.Process & { exit: ReturnType<typeof vi.fn> };
  return { out, input, proc };
}

const RESTORE = PASTE_OFF + CURSOR_SHOW + ALT_SCREEN_OFF;

describe('terminal session', () => {
  it('enters the alternate screen with paste mode, and restores once on a normal exit', () => {
    const { out, input, proc } = fakes();
    const t = enterTerminal(out, input, proc, () => {});
    expect(out.text.startsWith(ALT_SCREEN_ON)).toBe(true);
    expect(out.text).toContain(PASTE_ON);
    t.restore();
    proc.emit('exit', 0);
    expect(out.text.endsWith(RESTORE)).toBe(true);
    expect(out.text.split(ALT_SCREEN_OFF).length - 1).toBe(1);
    expect(input.raw).toEqual([false]);
    // no handler is left behind
    for (const ev of ['exit', 'SIGTERM', 'SIGHUP', 'SIGINT', 'uncaughtException', 'unhandledRejection']) expect(proc.listenerCount(ev as 'exit'), ev).toBe(0);
  });

  for (const [ev, code] of [['SIGTERM', 143], ['SIGHUP', 129], ['SIGINT', 130]] as const) {
    it(`restores on ${ev} and exits ${code}`, () => {
      const { out, input, proc } = fakes();
      enterTerminal(out, input, proc, () => {});
      proc.emit(ev);
      expect(out.text.endsWith(RESTORE)).toBe(true);
      expect(proc.exit).toHaveBeenCalledWith(code);
    });
  }

  it('restores before reporting an uncaught exception or an unhandled rejection', () => {
    for (const ev of ['uncaughtException', 'unhandledRejection']) {
      const { out, input, proc } = fakes();
      const seen: string[] = [];
      enterTerminal(out, input, proc, (e) => seen.push(`${out.text.endsWith(RESTORE)}:${(e as Error).message}`));
      (proc as EventEmitter).emit(ev, new Error('boom'));
      expect(seen).toEqual(['true:boom']);
      expect(proc.exit).toHaveBeenCalledWith(1);
    }
  });
});

describe('repaint on resize', () => {
  it('clears the whole screen before what draws right after a resize, not before or after', async () => {
    const { repaintingStdout, CLEAR_SCREEN } = await import('../../src/ui/terminal.js');
    let t = 1000;
    const real = Object.assign(new EventEmitter(), { text: [] as string[], columns: 80, isTTY: true, write(s: string) { this.text.push(s); return true; } });
    const out = repaintingStdout(real as unknown as NodeJS.WriteStream, 300, () => t);
    expect(out.columns).toBe(80);
    out.write('frame 1\n');
    real.emit('resize');
    out.write('\u001b[?2026h');
    out.write('\u001b[2K\u001b[1Aframe 2\n');
    t += 400;
    out.write('\u001b[2Kframe 3\n');
    expect(real.text).toEqual(['frame 1\n', '\u001b[?2026h', `${CLEAR_SCREEN}\u001b[2K\u001b[1Aframe 2\n`, '\u001b[2Kframe 3\n']);
  });
});
