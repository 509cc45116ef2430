import { describe, expect, it } from 'vitest';
import { parseKeys } from '../../src/ui/input/keypress.js';
import { BINDINGS, type Binding, footerHint, HELP_SCOPES, helpSections, keyLabel, replayScopes, resolveKey, VIEW_SCOPES, type ViewId } from '../../src/ui/keys.js';

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
    // a replay's scope comes before the shell views' own (replayScopes)
    const reachable = new Set([...Object.values(VIEW_SCOPES).flat(), ...VIEWS.flatMap((v) => replayScopes(v)), 'help']);
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

describe('replay keys', () => {
  it('a shell view in a replay resolves the replay keys first, lists them in its help, and refuses (and does not hint) what needs a live node', () => {
    const key = (ch: string) => ({ kind: 'key' as const, ch, ctrl: false, shift: false, meta: false, seq: ch });
    const arrow = (shift: boolean) => ({ kind: 'key' as const, name: 'right' as const, ctrl: false, shift, meta: false, seq: '' });
    expect(resolveKey(key(' '), replayScopes('overview'))).toBe('playPause');
    expect(resolveKey(arrow(false), replayScopes('detail'))).toBe('tickForward');
    expect(resolveKey(arrow(true), replayScopes('detail'))).toBe('minuteForward');
    expect(resolveKey(key('t'), replayScopes('pool'))).toBe('gotoTime');
    expect(resolveKey(key('c'), replayScopes('overview'))).toBe('capture');
    // prompts keep their own keys: a space or a t is text there
    expect(replayScopes('filter')).toEqual(VIEW_SCOPES.filter);
    expect(resolveKey(key('t'), VIEW_SCOPES.overview)).toBeUndefined();
    const help = helpSections('overview', { readonly: true, replay: true });
    expect(help.find((s) => s.scope === 'replay')?.rows.map((r) => r.keys)).toContain('{');
    expect(help.find((s) => s.scope === 'overview')?.rows.find((r) => r.keys === 'c')?.help).toMatch(/\(refused: recording\)$/);
    expect(helpSections('overview', { readonly: true }).some((s) => s.scope === 'replay')).toBe(false);
    expect(footerHint(['overview'], { readonly: true, replay: true })).not.toMatch(/capture|processes/);
    expect(footerHint(['overview'], { readonly: true })).toMatch(/capture/);
  });
});
