/**
 * Every key netwatch's shell binds, as data. The same table resolves keypresses and renders the
 * help overlay, so keys and help never disagree (k9s KeyMap, Gemini CLI keyBindings.ts).
 * A binding marked dangerous is bound only when netwatch is not read-only.
 */
import type { Key } from 'ink';

/** where a binding applies; 'list' = every list (overview, interfaces, pods, checks) */
export type Scope = 'global' | 'list' | 'overview' | 'detail';

export type Command =
  | 'up'
  | 'down'
  | 'top'
  | 'bottom'
  | 'pageUp'
  | 'pageDown'
  | 'open'
  | 'back'
  | 'filter'
  | 'help'
  | 'quit'
  | 'pods'
  | 'capture'
  | 'captureAll'
  | 'processes'
  | 'nextPane'
  | 'prevPane';

type NamedKey = 'upArrow' | 'downArrow' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'return' | 'escape' | 'tab';

/** one key: a printable character, or a named key; ctrl/shift as modifiers */
export interface KeySpec {
  input?: string;
  key?: NamedKey;
  ctrl?: boolean;
  shift?: boolean;
}

export interface Binding {
  command: Command;
  keys: readonly KeySpec[];
  /** one line for the help overlay */
  help: string;
  scope: Scope;
  /** changes something on a node: bound only when not read-only */
  dangerous?: boolean;
  /** a word for the footer's key hints; bindings without one stay in the help only */
  hint?: string;
}

export const BINDINGS: readonly Binding[] = [
  { command: 'help', keys: [{ input: '?' }], help: 'this help', scope: 'global', hint: 'help' },
  { command: 'back', keys: [{ key: 'escape' }], help: 'back; clears a filter first', scope: 'global' },
  { command: 'quit', keys: [{ input: 'q' }, { input: 'c', ctrl: true }], help: 'quit', scope: 'global', hint: 'quit' },
  { command: 'up', keys: [{ key: 'upArrow' }, { input: 'k' }], help: 'move up', scope: 'list' },
  { command: 'down', keys: [{ key: 'downArrow' }, { input: 'j' }], help: 'move down', scope: 'list' },
  { command: 'top', keys: [{ input: 'g' }, { key: 'home' }], help: 'first row', scope: 'list' },
  { command: 'bottom', keys: [{ input: 'G' }, { key: 'end' }], help: 'last row', scope: 'list' },
  { command: 'pageUp', keys: [{ key: 'pageUp' }], help: 'page up', scope: 'list' },
  { command: 'pageDown', keys: [{ key: 'pageDown' }], help: 'page down', scope: 'list' },
  { command: 'filter', keys: [{ input: '/' }], help: 'filter the list', scope: 'list', hint: 'filter' },
  { command: 'open', keys: [{ key: 'return' }], help: 'open the node', scope: 'overview', hint: 'open' },
  { command: 'pods', keys: [{ input: 'p' }], help: "open the node's pods", scope: 'overview', hint: 'pods' },
  { command: 'capture', keys: [{ input: 'c' }], help: 'capture on the node', scope: 'overview', hint: 'capture' },
  { command: 'captureAll', keys: [{ input: 'C' }], help: 'same capture on every node shown (a pcap each)', scope: 'overview' },
  { command: 'processes', keys: [{ input: 's' }], help: 'stale processes on the node', scope: 'overview', hint: 'processes' },
  { command: 'nextPane', keys: [{ key: 'tab' }], help: 'next pane', scope: 'detail', hint: 'panes' },
  { command: 'prevPane', keys: [{ key: 'tab', shift: true }], help: 'previous pane', scope: 'detail' },
  { command: 'pods', keys: [{ input: 'p' }], help: 'pods pane', scope: 'detail', hint: 'pods' },
  { command: 'capture', keys: [{ input: 'c' }], help: 'capture on the selected row', scope: 'detail', hint: 'capture' },
  { command: 'processes', keys: [{ input: 's' }], help: 'stale processes (pod: its own)', scope: 'detail', hint: 'processes' },
];

export const SCOPE_TITLES: Record<Scope, string> = {
  global: 'Everywhere',
  list: 'Lists',
  overview: 'Overview',
  detail: 'Node detail',
};

const NAMED_LABELS: Record<NamedKey, string> = {
  upArrow: '↑',
  downArrow: '↓',
  pageUp: 'PgUp',
  pageDown: 'PgDn',
  home: 'Home',
  end: 'End',
  return: 'enter',
  escape: 'esc',
  tab: 'tab',
};

export function keyLabel(k: KeySpec): string {
  const base = k.key ? NAMED_LABELS[k.key] : (k.input ?? '');
  if (k.ctrl) return `ctrl-${base}`;
  // shift is visible in an upper-case letter already
  if (k.shift && k.key) return `shift-${base}`;
  return base;
}

export function bindingLabel(b: Binding): string {
  return b.keys.map(keyLabel).join(' ');
}

function matches(spec: KeySpec, input: string, key: Key): boolean {
  if (!!spec.ctrl !== key.ctrl) return false;
  if (spec.key) return key[spec.key] === true && !!spec.shift === key.shift;
  return spec.input === input;
}

/** the bindings in force: dangerous ones drop out when read-only */
export function activeBindings(opts: { readonly: boolean }, table: readonly Binding[] = BINDINGS): Binding[] {
  return table.filter((b) => !(b.dangerous && opts.readonly));
}

/** the command a keypress means in the given scopes (earlier scopes win), if any */
export function resolveKey(
  input: string,
  key: Key,
  scopes: readonly Scope[],
  opts: { readonly: boolean },
  table: readonly Binding[] = BINDINGS,
): Command | undefined {
  const active = activeBindings(opts, table);
  for (const scope of scopes) {
    for (const b of active) {
      if (b.scope === scope && b.keys.some((k) => matches(k, input, key))) return b.command;
    }
  }
  return undefined;
}

/** "enter open · p pods · …": the hinted bindings of the scopes, first key of each */
export function footerHint(scopes: readonly Scope[], opts: { readonly: boolean }, table: readonly Binding[] = BINDINGS): string {
  const active = activeBindings(opts, table);
  return scopes
    .flatMap((scope) => active.filter((b) => b.scope === scope && b.hint))
    .map((b) => `${keyLabel(b.keys[0]!)} ${b.hint}`)
    .join(' · ');
}

export interface HelpSection {
  scope: Scope;
  title: string;
  rows: { keys: string; help: string }[];
}

/** the help overlay's content, straight from the table */
export function helpSections(opts: { readonly: boolean }, table: readonly Binding[] = BINDINGS): HelpSection[] {
  const active = activeBindings(opts, table);
  const scopes: Scope[] = ['global', 'list', 'overview', 'detail'];
  return scopes
    .map((scope) => ({
      scope,
      title: SCOPE_TITLES[scope],
      rows: active.filter((b) => b.scope === scope).map((b) => ({ keys: bindingLabel(b), help: b.help })),
    }))
    .filter((s) => s.rows.length > 0);
}
