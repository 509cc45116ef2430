import { describe, expect, it } from 'vitest';
import { printable, printableOut } from '../../src/cli/printable.js';

describe('printable (CLI text to a terminal)', () => {
  it('sanitizes every line and keeps the line breaks', () => {
    expect(printable('netwatch capture: n1: tcpdump: \u001b]0;pwned\u0007 bad\nline 2 \u009b31m\n')).toBe(
      'netwatch capture: n1: tcpdump: \\x1b]0;pwned\\x07 bad\nline 2 \\x9b31m\n',
    );
    expect(printable('a\rb\u202ec')).toBe('a\\x0db\\u202ec');
  });

  it("keeps netwatch's own live-line rewrite at the start of a write, not inside names", () => {
    expect(printable('\r\u001b[Kn1:eth0  3 packets > /tmp/\u001b[2J.pcap')).toBe('\r\u001b[Kn1:eth0  3 packets > /tmp/\\x1b[2J.pcap');
    expect(printable('x\r\u001b[Ky')).toBe('x\\x0d\\x1b[Ky');
  });

  it('a writer keeps the stream isTTY', () => {
    const got: string[] = [];
    const w = printableOut({ write: (s: string) => got.push(s), isTTY: true });
    expect(w.isTTY).toBe(true);
    w.write('pod \u001b[2J\n');
    expect(got).toEqual(['pod \\x1b[2J\n']);
  });
});
