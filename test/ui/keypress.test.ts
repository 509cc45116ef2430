import { describe, expect, it } from 'vitest';
import { cleanPaste, createKeypressParser, type KeyEvent, parseKeys } from '../../src/ui/input/keypress.js';

/** a compact picture of the events: "k", "ctrl-u", "<up>", "<shift-tab>", "paste(...)" */
function show(evs: KeyEvent[]): string[] {
  return evs.map((e) => {
    if (e.kind === 'paste') return `paste(${e.text})`;
    const mods = `${e.ctrl ? 'ctrl-' : ''}${e.meta ? 'meta-' : ''}${e.shift && e.name ? 'shift-' : ''}`;
    return e.name ? `<${mods}${e.name}>` : `${mods}${e.ch}`;
  });
}

describe('keypress parser', () => {
  it('splits a run of text into one key per character', () => {
    expect(show(parseKeys('kk'))).toEqual(['k', 'k']);
    expect(show(parseKeys('/node2'))).toEqual(['/', 'n', 'o', 'd', 'e', '2']);
    expect(show(parseKeys('tcp port 8080\r'))).toEqual([...'tcp port 8080', '<return>']);
  });

  it('reads CSI and SS3 sequences, with modifiers', () => {
    expect(show(parseKeys('\u001b[A\u001b[B\u001b[C\u001b[D'))).toEqual(['<up>', '<down>', '<right>', '<left>']);
    expect(show(parseKeys('\u001bOA\u001bOH\u001bOF'))).toEqual(['<up>', '<home>', '<end>']);
    expect(show(parseKeys('\u001b[H\u001b[F\u001b[1~\u001b[4~\u001b[7~\u001b[8~'))).toEqual(['<home>', '<end>', '<home>', '<end>', '<home>', '<end>']);
    expect(show(parseKeys('\u001b[5~\u001b[6~\u001b[3~\u001b[2~'))).toEqual(['<pageUp>', '<pageDown>', '<delete>', '<insert>']);
    expect(show(parseKeys('\u001b[Z'))).toEqual(['<shift-tab>']);
    expect(show(parseKeys('\u001b[1;5A\u001b[1;2B\u001b[1;3C\u001b[3;5~'))).toEqual(['<ctrl-up>', '<shift-down>', '<meta-right>', '<ctrl-delete>']);
    expect(show(parseKeys('\u001b[99x'))).toEqual(['<unknown>']);
  });

  it('reads control bytes: enter, tab, backspace, ctrl-letters, a lone esc', () => {
    expect(show(parseKeys('\r\n\t\u007f\b'))).toEqual(['<return>', '<return>', '<tab>', '<backspace>', '<backspace>']);
    expect(show(parseKeys('\u0003\u0015\u0001'))).toEqual(['ctrl-c', 'ctrl-u', 'ctrl-a']);
    expect(show(parseKeys('\u001b'))).toEqual(['<escape>']);
    // esc then a key in one read: two keys (netwatch binds no alt keys; a laggy link joins them)
    expect(show(parseKeys('\u001bx'))).toEqual(['<escape>', 'x']);
    expect(show(parseKeys('j\u001bk'))).toEqual(['j', '<escape>', 'k']);
    expect(show(parseKeys('\u001b\r?'))).toEqual(['<escape>', '<return>', '?']);
  });

  it('keeps UTF-8 characters whole', () => {
    expect(show(parseKeys('né😀x'))).toEqual(['n', 'é', '😀', 'x']);
  });

  it('waits for a sequence split over chunks, and flushes a lone esc', () => {
    const p = createKeypressParser();
    expect(show(p.push('j\u001b['))).toEqual(['j']);
    expect(show(p.push('A'))).toEqual(['<up>']);
    expect(show(p.push('\u001b'))).toEqual([]);
    expect(show(p.flush())).toEqual(['<escape>']);
    expect(show(p.push('\u001b['))).toEqual([]);
    expect(show(p.flush())).toEqual(['<escape>', '[']);
  });

  it('takes a bracketed paste as one event, also split over chunks, control bytes removed', () => {
    expect(show(parseKeys('/\u001b[200~tcp port 8080\u001b[201~\r'))).toEqual(['/', 'paste(tcp port 8080)', '<return>']);
    const p = createKeypressParser();
    expect(p.push('\u001b[20')).toEqual([]);
    expect(p.push('0~host 10.')).toEqual([]);
    expect(p.inPaste()).toBe(true);
    expect(p.flush()).toEqual([]);
    expect(p.push('0.0.1\nand\u0007 tcp\u001b[2')).toEqual([]);
    expect(show(p.push('01~q'))).toEqual(['paste(host 10.0.0.1 and tcp)', 'q']);
    expect(p.inPaste()).toBe(false);
    expect(cleanPaste('a\tb\r\nc\u001b[31md')).toBe('a\tb c[31md');
  });
});
