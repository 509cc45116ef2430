import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { BINDINGS, type Binding, footerHint, helpSections, resolveKey } from '../../src/ui/keys.js';

function key(k: Partial<Key> = {}): Key {
  const none = { upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false };
  return { ...none, ...k } as Key;
}
const rw = { readonly: false };

describe('resolveKey', () => {
  it('maps keys to commands by scope', () => {
    expect(resolveKey('j', key(), ['list'], rw)).toBe('down');
    expect(resolveKey('', key({ downArrow: true }), ['list'], rw)).toBe('down');
    expect(resolveKey('G', key({ shift: true }), ['list'], rw)).toBe('bottom');
    expect(resolveKey('', key({ return: true }), ['overview', 'list', 'global'], rw)).toBe('open');
    expect(resolveKey('', key({ return: true }), ['detail', 'list', 'global'], rw)).toBeUndefined();
    expect(resolveKey('c', key({ ctrl: true }), ['global'], rw)).toBe('quit');
    expect(resolveKey('c', key(), ['global'], rw)).toBeUndefined();
    expect(resolveKey('', key({ tab: true }), ['detail'], rw)).toBe('nextPane');
    expect(resolveKey('', key({ tab: true, shift: true }), ['detail'], rw)).toBe('prevPane');
  });
  it('leaves dangerous bindings unbound when read-only, and out of the help', () => {
    const table: Binding[] = [...BINDINGS, { command: 'quit', keys: [{ input: 'K' }], help: 'kill it', scope: 'global', dangerous: true }];
    expect(resolveKey('K', key({ shift: true }), ['global'], rw, table)).toBe('quit');
    expect(resolveKey('K', key({ shift: true }), ['global'], { readonly: true }, table)).toBeUndefined();
    const help = (ro: boolean) => helpSections({ readonly: ro }, table).flatMap((s) => s.rows.map((r) => r.help));
    expect(help(false)).toContain('kill it');
    expect(help(true)).not.toContain('kill it');
  });
  it('no key means two things in one scope', () => {
    const seen = new Map<string, string>();
    for (const b of BINDINGS) {
      for (const k of b.keys) {
        const id = `${b.scope}:${k.input ?? k.key}:${!!k.ctrl}:${!!k.shift}`;
        expect(seen.get(id), id).toBeUndefined();
        seen.set(id, b.command);
      }
    }
  });
});

describe('help and hints come from the table', () => {
  it('lists every binding with its keys under its scope', () => {
    const sections = helpSections(rw);
    expect(sections.map((s) => s.title)).toEqual(['Everywhere', 'Lists', 'Overview', 'Node detail']);
    expect(sections.reduce((a, s) => a + s.rows.length, 0)).toBe(BINDINGS.length);
    expect(sections[1]!.rows).toContainEqual({ keys: '↓ j', help: 'move down' });
    expect(sections[0]!.rows).toContainEqual({ keys: 'q ctrl-c', help: 'quit' });
  });
  it('builds the footer hint from hinted bindings', () => {
    expect(footerHint(['global', 'overview'], rw)).toBe('? help · q quit · enter open · p pods · c capture · s processes');
  });
});
