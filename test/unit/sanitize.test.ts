import { describe, expect, it } from 'vitest';
import { isSafe, sanitize, visibleUtf8 } from '../../src/ui/sanitize.js';

describe('sanitize', () => {
  it('shows terminal controls as visible escapes', () => {
    expect(sanitize('a\u001b]0;pwned\u0007b')).toBe('a\\x1b]0;pwned\\x07b');
    expect(sanitize('\u001b[2J\u001b[H')).toBe('\\x1b[2J\\x1b[H');
    expect(sanitize('x\u009b31my')).toBe('x\\x9b31my');
    expect(sanitize('tab\there\r\n\u007f')).toBe('tab\\x09here\\x0d\\x0a\\x7f');
  });

  it('shows bidi overrides, isolates and line separators', () => {
    expect(sanitize('pod-\u202egnp.exe')).toBe('pod-\\u202egnp.exe');
    expect(sanitize('\u2066a\u2069\u200f\u061c\u2028')).toBe('\\u2066a\\u2069\\u200f\\u061c\\u2028');
  });

  it('shows invisible format characters: zero-width space and joiner, soft hyphen, BOM, tags', () => {
    expect(sanitize('web\u200b-1')).toBe('web\\u200b-1');
    expect(sanitize('a\u200db\u00adc\ufeff')).toBe('a\\u200db\\xadc\\ufeff');
    expect(sanitize('x\u{e0041}y')).toBe('x\\u{e0041}y');
  });

  it('leaves printable text alone, non-ASCII and emoji included', () => {
    for (const s of ['eth0', 'cali1a2b3c4d5e6', 'подов', 'ポッド', '파드', '🙂 ok', 'a\ufffdb', '']) {
      expect(sanitize(s)).toBe(s);
      expect(isSafe(s)).toBe(true);
    }
  });

  it('shows a raw byte kept by the sampler decoder (surrogateescape) as that byte', async () => {
    const { decodeBytes } = await import('../../src/sources/parsers/bytes.js');
    const name = decodeBytes(Buffer.from([0x79, 0xff, 0xfe, 0x7a]));
    expect(sanitize(name)).toBe('y\\xff\\xfez');
    expect(sanitize(decodeBytes(Buffer.from([0x79, 0xfe, 0xff, 0x7a])))).toBe('y\\xfe\\xffz');
  });

  it('shows lone surrogates, keeps pairs', () => {
    expect(sanitize('a\ud800b')).toBe('a\\ud800b');
    expect(sanitize('a\udc00b')).toBe('a\\udc00b');
    expect(sanitize('\ud83d\ude42')).toBe('\ud83d\ude42');
  });

  it('leaves no byte below 0x20, DEL or C1 in any output (every code point 0–0x2fff)', () => {
    let all = '';
    for (let c = 0; c < 0x3000; c++) if (c < 0xd800 || c > 0xdfff) all += String.fromCharCode(c);
    const out = sanitize(all);
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(isSafe(out)).toBe(true);
  });
});

describe('visibleUtf8', () => {
  it('decodes valid UTF-8 and shows invalid bytes as \\xNN', () => {
    expect(visibleUtf8(Buffer.from('veth-ポ', 'utf8'))).toBe('veth-ポ');
    expect(visibleUtf8(Buffer.from([0x61, 0xff, 0x62]))).toBe('a\\xffb');
    expect(visibleUtf8(Buffer.from([0xc0, 0xaf]))).toBe('\\xc0\\xaf'); // overlong '/'
    expect(visibleUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe('\\xed\\xa0\\x80'); // a surrogate
    expect(visibleUtf8(Buffer.from([0xe3, 0x83]))).toBe('\\xe3\\x83'); // cut short
    expect(visibleUtf8(Buffer.from([0x1b, 0x5b, 0x32, 0x4a]))).toBe('\\x1b[2J');
  });
});
