import { describe, expect, it } from 'vitest';
import { parseKeys } from '../../src/ui/input/keypress.js';
import { BINDINGS, type Binding, footerHint, HELP_SCOPES, helpSections, keyLabel, resolveKey, VIEW_SCOPES, type ViewId } from '../../src/ui/keys.js';

const ev = (s: string) => parseKeys(s)[0]!;
const rw = { readonly: false };
const VIEWS = Object.keys(VIEW_SCOPES) as ViewId[];

describe('resolveKey', () => {
  it('maps key events to commands by scope', () => {
    expect(resolveKey(ev('j'), ['list'])).toBe('down');
    expect(resolveKey(ev('\u001b[B'), ['list'])).toBe('down');
    expect(resolveKey(ev('G'), ['list'])).toBe('bottom');
    expect(resolveKey(ev('\r'), VIEW_SCOPES.overview)).toBe('open');
    expect(resolveKey(ev('\r'), VIEW_SCOPES.detail)).toBeUndefined();
    expect(resolveKey(ev('\u0003'), ['global'])).toBe('quit');
    expect(resolveKey(ev('c'), ['global'])).toBeUndefined();
    expect(resolveKey(ev('\t'), ['detail'])).toBe('nextPane');
    expect(resolveKey(ev('\u001b[Z'), ['detail'])).toBe('prevPane');
    // a view's own esc wins over the global back
    expect(resolveKey(ev('\u001b'), VIEW_SCOPES.capture)).toBe('close');
    expect(resolveKey(ev('\u001b'), VIEW_SCOPES.dialog)).toBe('cancel');
    expect(resolveKey(ev(' '), VIEW_SCOPES.capture)).toBe('pause');
    expect(resolveKey(ev('q'), VIEW_SCOPES.processes)).toBe('quit');
    expect(resolveKey(ev('?'), VIEW_SCOPES.capture)).toBe('help');
    expect(resolveKey(ev('\t'), VIEW_SCOPES.capturePrompt)).toBe('snaplen');
    expect(resolveKey(ev('\u0015'), VIEW_SCOPES.capturePrompt)).toBe('clear');
    // an alt-key is not the plain key
    expect(resolveKey(ev('\u001bj'), ['list'])).toBeUndefined();
  });

  it('keeps dangerous bindings out of the footer when read-only; the help says they are refused', () => {
    expect(footerHint(['processes'], rw)).toContain('K kill');
    expect(footerHint(['processes'], { readonly: true })).not.toContain('K kill');
    const kill = (ro: boolean) => helpSections('processes', { readonly: ro }).flatMap((s) => s.rows).find((r) => r.keys === 'K')!.help;
    expect(kill(false)).toBe('kill the selected process (asks first)');
    expect(kill(true)).toContain('refused: read-only');
  });

  it('no key means two things in one scope', () => {
    const seen = new Map<string, string>();
    for (const b of BINDINGS) {
      for (const k of b.keys) {
        const id = `${b.scope}:${k.ch ?? k.name}:${!!k.ctrl}:${!!k.shift}`;
        expect(seen.get(id), id).toBeUndefined();
        seen.set(id, b.command);
      }
    }
  });

  it('every scope a binding has is reachable from some view, and every view shows its own scopes in its help', () => {
    const reachable = new Set([...Object.values(VIEW_SCOPES).flat(), 'help']);
    for (const b of BINDINGS) expect(reachable.has(b.scope), b.scope).toBe(true);
    for (const v of VIEWS) for (const s of VIEW_SCOPES[v]) expect(HELP_SCOPES[v], `${v} shows ${s}`).toContain(s);
  });
});

describe('help and hints come from the table', () => {
  it('every bound key of every scope is in the help of each view that uses the scope', () => {
    for (const view of VIEWS) {
      for (const ro of [false, true]) {
        const sections = helpSections(view, { readonly: ro });
        for (const scope of HELP_SCOPES[view]) {
          const section = sections.find((s) => s.scope === scope);
          const bound: Binding[] = BINDINGS.filter((b) => b.scope === scope);
          expect(section, `${view}: ${scope}`).toBeDefined();
          for (const b of bound) {
            for (const k of b.keys) {
              const row = section!.rows.find((r) => r.keys.split(' ').includes(keyLabel(k)) && r.help.startsWith(b.help));
              expect(row, `${view}/${scope}: ${keyLabel(k)} ${b.command}`).toBeDefined();
            }
          }
        }
      }
    }
  });

  it('the help of a view is only what works there (plus everywhere)', () => {
    expect(helpSections('capture', rw).map((s) => s.title)).toEqual(['Everywhere', 'Capture']);
    expect(helpSections('overview', rw).map((s) => s.title)).toEqual(['Everywhere', 'Lists', 'Overview']);
  });

  it('builds the footer hint from hinted bindings', () => {
    expect(footerHint(['global', 'overview'], rw)).toBe('? help · q quit · enter open · p pods · c capture · s processes · D pool diff · m mark · y copy md');
    expect(footerHint(['capture'], rw)).toBe('space pause · w keep pcap · x stop · esc close');
  });
});
