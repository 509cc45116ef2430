import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { startUi } from '../../src/ui/start.js';
import { ALT_SCREEN_OFF, ALT_SCREEN_ON, PASTE_OFF, PASTE_ON } from '../../src/ui/terminal.js';
import { bridgeNode, NOW, testStore, wait } from './fixtures.js';

class FakeStdout extends EventEmitter {
  columns = 100;
  rows = 30;
  isTTY = true;
  out = '';
  write(s: string) {
    this.out += s;
    return true;
  }
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  data: string | null = null;
  rawMode: boolean[] = [];
  write(d: string) {
    this.data = d;
    this.emit('readable');
  }
  read() {
    const d = this.data;
    this.data = null;
    return d;
  }
  setRawMode(on: boolean) {
    this.rawMode.push(on);
  }
  setEncoding() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

describe('startUi', () => {
  it('renders on the given terminal, and q exits through Ink (raw mode off again) and resolves waitUntilExit', async () => {
    const stdout = new FakeStdout();
    const stdin = new FakeStdin();
    const onQuit = vi.fn();
    const ui = startUi(testStore([bridgeNode('node-a')]), { onQuit, now: () => NOW }, {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
    });
    await wait(50);
    stdin.write('q');
    await ui.waitUntilExit();
    expect(onQuit).toHaveBeenCalledTimes(1);
    expect(stdin.rawMode.at(-1)).toBe(false);
    expect(stdout.out).toContain('node-a');
    // the alternate screen and paste mode, entered first and left last; raw mode on once, off once
    expect(stdout.out.startsWith(ALT_SCREEN_ON)).toBe(true);
    expect(stdout.out).toContain(PASTE_ON);
    expect(stdout.out.endsWith(ALT_SCREEN_OFF)).toBe(true);
    expect(stdout.out).toContain(PASTE_OFF);
    expect(stdin.rawMode.filter(Boolean).length).toBe(1);
  });
});
