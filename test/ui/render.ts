/** ink-testing-library with a terminal size: render, then resize the fake stdout (exercising the App's resize handling). */
import { render } from 'ink-testing-library';
import type { ReactElement } from 'react';
import { wait } from './fixtures.js';

// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;

export async function renderSized(el: ReactElement, columns = 100, rows = 30) {
  const r = render(el);
  resize(r.stdout, columns, rows);
  await wait();
  return {
    ...r,
    frame: () => (r.lastFrame() ?? '').replace(SGR, ''),
    press: async (input: string, ms = 30) => {
      r.stdin.write(input);
      await wait(ms);
    },
    resize: async (c: number, h: number) => {
      resize(r.stdout, c, h);
      await wait();
    },
  };
}

function resize(stdout: NodeJS.EventEmitter, columns: number, rows: number) {
  Object.defineProperty(stdout, 'columns', { value: columns, configurable: true });
  Object.defineProperty(stdout, 'rows', { value: rows, configurable: true });
  stdout.emit('resize');
}

export const KEY = {
  up: '\u001b[A',
  down: '\u001b[B',
  pageDown: '\u001b[6~',
  pageUp: '\u001b[5~',
  enter: '\r',
  esc: '\u001b',
  tab: '\t',
  shiftTab: '\u001b[Z',
  backspace: '\u007f',
  ctrlC: '\u0003',
};
