/**
 * The capture view's keys, as data (same shape as the shell's table in ../keys.ts): the view
 * resolves keypresses with it and the help overlay can list it (captureHelpRows).
 */
import type { Key } from 'ink';

type NamedKey = 'upArrow' | 'downArrow' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'escape';

/** a printable character or a named key (same shape as the shell's KeySpec in ../keys.ts) */
export interface KeySpec {
  input?: string;
  key?: NamedKey;
  ctrl?: boolean;
  shift?: boolean;
}

const NAMED: Record<NamedKey, string> = { upArrow: 'up', downArrow: 'down', pageUp: 'PgUp', pageDown: 'PgDn', home: 'Home', end: 'End', escape: 'esc' };

export function keyLabel(k: KeySpec): string {
  if (k.input === ' ') return 'space';
  const base = k.key ? NAMED[k.key] : (k.input ?? '');
  return k.ctrl ? `ctrl-${base}` : base;
}

export type CaptureCommand = 'pause' | 'up' | 'down' | 'pageUp' | 'pageDown' | 'oldest' | 'newest' | 'keep' | 'stop' | 'close';

export interface CaptureBinding {
  command: CaptureCommand;
  keys: readonly KeySpec[];
  help: string;
  /** a word for the footer's hints */
  hint?: string;
}

export const CAPTURE_BINDINGS: readonly CaptureBinding[] = [
  { command: 'pause', keys: [{ input: ' ' }], help: 'pause / resume the packet list (the summary goes on)', hint: 'pause' },
  { command: 'up', keys: [{ key: 'upArrow' }, { input: 'k' }], help: 'scroll up' },
  { command: 'down', keys: [{ key: 'downArrow' }, { input: 'j' }], help: 'scroll down' },
  { command: 'pageUp', keys: [{ key: 'pageUp' }], help: 'page up' },
  { command: 'pageDown', keys: [{ key: 'pageDown' }], help: 'page down' },
  { command: 'oldest', keys: [{ input: 'g' }, { key: 'home' }], help: 'oldest packet kept' },
  { command: 'newest', keys: [{ input: 'G' }, { key: 'end' }], help: 'newest packet, follow' },
  { command: 'keep', keys: [{ input: 'w' }], help: 'keep the capture as a pcap file', hint: 'keep pcap' },
  { command: 'stop', keys: [{ input: 'x' }], help: 'stop the capture (the view stays)', hint: 'stop' },
  { command: 'close', keys: [{ key: 'escape' }], help: 'stop and close the capture view', hint: 'close' },
];

function matches(spec: KeySpec, input: string, key: Key): boolean {
  if (!!spec.ctrl !== key.ctrl) return false;
  if (spec.key) return key[spec.key] === true && !!spec.shift === key.shift;
  return spec.input === input;
}

export function resolveCaptureKey(input: string, key: Key): CaptureCommand | undefined {
  return CAPTURE_BINDINGS.find((b) => b.keys.some((k) => matches(k, input, key)))?.command;
}

/** "space pause, w keep pcap, ..." */
export function captureHint(): string {
  return CAPTURE_BINDINGS.filter((b) => b.hint)
    .map((b) => `${keyLabel(b.keys[0]!)} ${b.hint}`)
    .join(', ');
}

/** rows for the help overlay */
export function captureHelpRows(): { keys: string; help: string }[] {
  return CAPTURE_BINDINGS.map((b) => ({
    keys: b.keys.map(keyLabel).join(' '),
    help: b.help,
  }));
}
