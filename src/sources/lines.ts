/** Splits a byte stream into lines (without the newline), across chunk boundaries. */
export class LineSplitter {
  private rest = '';
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    const text = this.rest + chunk.toString();
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      this.onLine(text.slice(start, nl));
      start = nl + 1;
    }
    this.rest = text.slice(start);
    // a runaway line without newline would grow forever; cut it
    if (this.rest.length > 1 << 20) this.rest = '';
  }
}
