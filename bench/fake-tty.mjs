// A terminal for Ink without a terminal: what the UI and capture benchmarks render into.
import { EventEmitter } from 'node:events';

export class FakeStdout extends EventEmitter {
  constructor(columns = 120, rows = 40) {
    super();
    this.columns = columns;
    this.rows = rows;
    this.isTTY = true;
    /** called with every chunk Ink writes */
    this.onWrite = undefined;
  }
  write(s) {
    this.onWrite?.(s);
    return true;
  }
}

/** keys go in with write(); Ink reads them through 'readable' + read() */
export class FakeStdin extends EventEmitter {
  isTTY = true;
  data = null;
  write(data) {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  }
  read() {
    const d = this.data;
    this.data = null;
    return d;
  }
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}
