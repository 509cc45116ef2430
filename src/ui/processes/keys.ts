/**
 * The stale-process view's keys, as data (same shape as the shell's table in ../keys.ts): the view
 * resolves keypresses with it and the help overlay can list it (processHelpRows). `K` is marked
 * dangerous: in read-only mode it still resolves (the view answers "read-only: kill refused") but
 * it leaves the footer hints.
 */
import type { Key } from 'ink';
import { keyLabel, type KeySpec } from '../keys.js';

export type ProcessCommand = 'up' | 'down' | 'top' | 'bottom' | 'pageUp' | 'pageDown' | 'kill' | 'confirm' | 'cancel';

export interface ProcessBinding {
  command: ProcessCommand;
  keys: readonly KeySpec[];
  help: string;
  /** only in the confirmation dialog */
  dialog?: boolean;
  dangerous?: boolean;
  hint?: string;
}

export const PROCESS_BINDINGS: readonly ProcessBinding[] = [
  { command: 'up', keys: [{ key: 'upArrow' }, { input: 'k' }], help: 'previous process', hint: 'up' },
  { command: 'down', keys: [{ key: 'downArrow' }, { input: 'j' }], help: 'next process', hint: 'down' },
  { command: 'top', keys: [{ input: 'g' }, { key: 'home' }], help: 'first process' },
  { command: 'bottom', keys: [{ input: 'G' }, { key: 'end' }], help: 'last process' },
  { command: 'pageUp', keys: [{ key: 'pageUp' }], help: 'page up' },
  { command: 'pageDown', keys: [{ key: 'pageDown' }], help: 'page down' },
  { command: 'kill', keys: [{ input: 'K' }], help: 'kill the selected process (asks first; refused read-only)', dangerous: true, hint: 'kill' },
  { command: 'confirm', keys: [{ input: 'y' }], help: 'confirm the kill', dialog: true, hint: 'confirm' },
  { command: 'cancel', keys: [{ input: 'n' }, { key: 'escape' }], help: 'cancel', dialog: true, hint: 'cancel' },
];

function matches(spec: KeySpec, input: string, key: Key): boolean {
  if (!!spec.ctrl !== key.ctrl) return false;
  if (spec.key) return key[spec.key] === true && !!spec.shift === key.shift;
  return spec.input === input;
}

export function resolveProcessKey(input: string, key: Key, dialog: boolean): ProcessCommand | undefined {
  return PROCESS_BINDINGS.find((b) => Boolean(b.dialog) === dialog && b.keys.some((k) => matches(k, input, key)))?.command;
}

/** "K kill" (list) or "y confirm · n cancel" (dialog); dangerous keys left out when read-only */
export function processHint(opts: { readOnly: boolean; dialog: boolean }): string {
  return PROCESS_BINDINGS.filter((b) => b.hint && Boolean(b.dialog) === opts.dialog && !(b.dangerous && opts.readOnly))
    .map((b) => b.keys.map(keyLabel).join('/') + ' ' + b.hint)
    .join(' · ');
}

export function processHelpRows(opts: { readOnly: boolean }): { keys: string; help: string }[] {
  return PROCESS_BINDINGS.filter((b) => !(b.dangerous && opts.readOnly)).map((b) => ({
    keys: b.keys.map(keyLabel).join(' '),
    help: b.help,
  }));
}
