/**
 * Every key netwatch binds, in every view, as data: one typed table. The same table resolves key
 * events (input/keypress.ts), renders each view's footer hints and renders `?` in every view, so
 * keys, footers and help never disagree (k9s KeyMap, Gemini CLI keyBindings.ts).
 * A binding marked dangerous changes a node: in read-only mode it leaves the footer and the view
 * refuses it (the help says so).
 */
import type { KeyEvent, KeyName } from './input/keypress.js';

/**
 * where a binding applies: 'list' = every list (overview, interfaces, pods, checks); 'prompt' =
 * typing a list filter; 'capturePrompt' = the capture's filter prompt; 'dialog' = the kill dialog
 */
export type Scope =
  | 'global'
  | 'list'
  | 'overview'
  | 'detail'
  | 'prompt'
  | 'capturePrompt'
  | 'markPrompt'
  | 'capture'
  | 'processes'
  | 'pool'
  | 'dialog'
  | 'message'
  | 'help'
  | 'services'
  | 'replay'
  | 'timePrompt';

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
  | 'checks'
  | 'capture'
  | 'captureAll'
  | 'processes'
  | 'differences'
  | 'nextPane'
  | 'prevPane'
  | 'pause'
  | 'keep'
  | 'stop'
  | 'close'
  | 'kill'
  | 'confirm'
  | 'cancel'
  | 'accept'
  | 'erase'
  | 'clear'
  | 'snaplen'
  | 'podServices'
  | 'readSlow'
  | 'mark'
  | 'yank'
  | 'viewerCapture'
  | 'playPause'
  | 'tickBack'
  | 'tickForward'
  | 'minuteBack'
  | 'minuteForward'
  | 'prevMark'
  | 'nextMark'
  | 'gotoTime'
  | 'slower'
  | 'faster';

/** one key: a printable character, or a named key; ctrl/shift as modifiers */
export interface KeySpec {
  ch?: string;
  name?: KeyName;
  ctrl?: boolean;
  shift?: boolean;
}

export interface Binding {
  command: Command;
  keys: readonly KeySpec[];
  /** one line for the help overlay */
  help: string;
  scope: Scope;
  /** changes something on a node: refused (and not hinted) when read-only */
  dangerous?: boolean;
  /** a word for the footer's key hints; bindings without one stay in the help only */
  hint?: string;
  /** needs a live node (a capture, the process list, a re-read): refused (and not hinted) in a replay */
  live?: boolean;
}

const up: KeySpec[] = [{ name: 'up' }, { ch: 'k' }];
const down: KeySpec[] = [{ name: 'down' }, { ch: 'j' }];
const top: KeySpec[] = [{ ch: 'g' }, { name: 'home' }];
const bottom: KeySpec[] = [{ ch: 'G' }, { name: 'end' }];
const esc: KeySpec[] = [{ name: 'escape' }];

export const BINDINGS: readonly Binding[] = [
  { scope: 'global', command: 'help', keys: [{ ch: '?' }], help: 'help for this view', hint: 'help' },
  { scope: 'global', command: 'back', keys: esc, help: 'back; clears a filter first' },
  { scope: 'global', command: 'quit', keys: [{ ch: 'q' }, { ch: 'c', ctrl: true }], help: 'quit (ctrl-c also while typing)', hint: 'quit' },

  { scope: 'list', command: 'up', keys: up, help: 'move up' },
  { scope: 'list', command: 'down', keys: down, help: 'move down' },
  { scope: 'list', command: 'top', keys: top, help: 'first row' },
  { scope: 'list', command: 'bottom', keys: bottom, help: 'last row' },
  { scope: 'list', command: 'pageUp', keys: [{ name: 'pageUp' }], help: 'page up' },
  { scope: 'list', command: 'pageDown', keys: [{ name: 'pageDown' }], help: 'page down' },
  { scope: 'list', command: 'filter', keys: [{ ch: '/' }], help: 'filter the list', hint: 'filter' },

  { scope: 'overview', command: 'open', keys: [{ name: 'return' }], help: 'open the node', hint: 'open' },
  { scope: 'overview', command: 'pods', keys: [{ ch: 'p' }], help: "open the node's pods", hint: 'pods' },
  { scope: 'overview', command: 'checks', keys: [{ ch: 'v' }], help: "open the node's checks" },
  { scope: 'overview', command: 'capture', keys: [{ ch: 'c' }], help: 'capture on the node', hint: 'capture', live: true },
  { scope: 'overview', command: 'captureAll', keys: [{ ch: 'C' }], help: 'same capture on every node shown (a pcap each)', live: true },
  { scope: 'overview', command: 'processes', keys: [{ ch: 's' }], help: 'stale processes on the node', hint: 'processes', live: true },
  { scope: 'overview', command: 'differences', keys: [{ ch: 'D' }], help: 'pool differences (what few nodes of a pool do otherwise)', hint: 'pool diff' },

  { scope: 'overview', command: 'mark', keys: [{ ch: 'm' }], help: 'mark the moment with a short note (all viewers see it)', hint: 'mark', live: true },
  { scope: 'overview', command: 'yank', keys: [{ ch: 'y' }], help: 'copy the nodes shown as Markdown (clipboard via OSC 52, and a file)', hint: 'copy md' },
  { scope: 'overview', command: 'viewerCapture', keys: [{ ch: 'V' }], help: 'watch the capture an attached viewer started here (--share)', live: true },

  { scope: 'pool', command: 'open', keys: [{ name: 'return' }], help: "open the difference's first odd node (its checks)", hint: 'open node' },
  { scope: 'overview', command: 'readSlow', keys: [{ ch: 'R' }], help: 're-read slow checks now (iptables, IPVS, agents), all nodes', live: true },

  { scope: 'detail', command: 'nextPane', keys: [{ name: 'tab' }], help: 'next pane', hint: 'panes' },
  { scope: 'detail', command: 'prevPane', keys: [{ name: 'tab', shift: true }], help: 'previous pane' },
  { scope: 'detail', command: 'pods', keys: [{ ch: 'p' }], help: 'pods pane', hint: 'pods' },
  { scope: 'detail', command: 'checks', keys: [{ ch: 'v' }], help: 'checks pane (every check and its verdict)', hint: 'checks' },
  { scope: 'detail', command: 'capture', keys: [{ ch: 'c' }], help: 'capture on the selected row', hint: 'capture', live: true },
  { scope: 'detail', command: 'processes', keys: [{ ch: 's' }], help: 'stale processes (pod: its own)', hint: 'processes', live: true },
  { scope: 'detail', command: 'podServices', keys: [{ ch: 'S' }], help: "the selected pod's Services: each node's rules vs the API", hint: 'services' },

  { scope: 'detail', command: 'mark', keys: [{ ch: 'm' }], help: 'mark the moment with a short note (all viewers see it)', hint: 'mark', live: true },
  { scope: 'detail', command: 'yank', keys: [{ ch: 'y' }], help: 'copy this node as Markdown (clipboard via OSC 52, and a file)', hint: 'copy md' },
  { scope: 'detail', command: 'viewerCapture', keys: [{ ch: 'V' }], help: 'watch the capture an attached viewer started here (--share)', live: true },

  { scope: 'services', command: 'up', keys: up, help: 'previous Service' },
  { scope: 'services', command: 'down', keys: down, help: 'next Service' },
  { scope: 'services', command: 'capture', keys: [{ ch: 'c' }], help: "capture on the selected Service's VIP and port", hint: 'capture VIP', live: true },
  { scope: 'services', command: 'close', keys: esc, help: 'back to the node', hint: 'back' },
  { scope: 'detail', command: 'readSlow', keys: [{ ch: 'R' }], help: 're-read slow checks now (iptables, IPVS, agents), this node', live: true },

  { scope: 'prompt', command: 'accept', keys: [{ name: 'return' }], help: 'keep the filter', hint: 'keeps' },
  { scope: 'prompt', command: 'back', keys: esc, help: 'clear the filter', hint: 'clears' },
  { scope: 'prompt', command: 'erase', keys: [{ name: 'backspace' }, { name: 'delete' }], help: 'erase a character' },
  { scope: 'prompt', command: 'clear', keys: [{ ch: 'u', ctrl: true }], help: 'erase the whole filter' },
  { scope: 'prompt', command: 'up', keys: [{ name: 'up' }], help: 'move up while typing' },
  { scope: 'prompt', command: 'down', keys: [{ name: 'down' }], help: 'move down while typing' },

  { scope: 'markPrompt', command: 'accept', keys: [{ name: 'return' }], help: 'add the mark', hint: 'adds the mark' },
  { scope: 'markPrompt', command: 'back', keys: esc, help: 'cancel, no mark', hint: 'cancels' },
  { scope: 'markPrompt', command: 'erase', keys: [{ name: 'backspace' }, { name: 'delete' }], help: 'erase a character' },
  { scope: 'markPrompt', command: 'clear', keys: [{ ch: 'u', ctrl: true }], help: 'erase the whole note' },

  { scope: 'capturePrompt', command: 'accept', keys: [{ name: 'return' }], help: 'start the capture', hint: 'start' },
  { scope: 'capturePrompt', command: 'close', keys: esc, help: 'back, nothing captured', hint: 'back' },
  { scope: 'capturePrompt', command: 'snaplen', keys: [{ name: 'tab' }], help: 'next snap length (bytes kept per packet)', hint: 'snap length' },
  { scope: 'capturePrompt', command: 'erase', keys: [{ name: 'backspace' }, { name: 'delete' }], help: 'erase a character' },
  { scope: 'capturePrompt', command: 'clear', keys: [{ ch: 'u', ctrl: true }], help: 'erase the whole filter', hint: 'clear' },
  // tcpdump's filter language has no "?", so it can stay the help key while typing here
  { scope: 'capturePrompt', command: 'help', keys: [{ ch: '?' }], help: 'help for this view' },

  { scope: 'capture', command: 'pause', keys: [{ ch: ' ' }], help: 'pause / resume the packet list (the summary goes on)', hint: 'pause' },
  { scope: 'capture', command: 'up', keys: up, help: 'scroll up' },
  { scope: 'capture', command: 'down', keys: down, help: 'scroll down' },
  { scope: 'capture', command: 'pageUp', keys: [{ name: 'pageUp' }], help: 'page up' },
  { scope: 'capture', command: 'pageDown', keys: [{ name: 'pageDown' }], help: 'page down' },
  { scope: 'capture', command: 'top', keys: top, help: 'oldest packet kept' },
  { scope: 'capture', command: 'bottom', keys: bottom, help: 'newest packet, follow' },
  { scope: 'capture', command: 'keep', keys: [{ ch: 'w' }], help: 'keep the capture as a pcap file', hint: 'keep pcap' },
  { scope: 'capture', command: 'stop', keys: [{ ch: 'x' }], help: 'stop the capture (the view stays)', hint: 'stop' },
  { scope: 'capture', command: 'close', keys: esc, help: 'stop and close the capture view', hint: 'close' },

  { scope: 'processes', command: 'up', keys: up, help: 'previous process', hint: 'up' },
  { scope: 'processes', command: 'down', keys: down, help: 'next process', hint: 'down' },
  { scope: 'processes', command: 'top', keys: top, help: 'first process' },
  { scope: 'processes', command: 'bottom', keys: bottom, help: 'last process' },
  { scope: 'processes', command: 'pageUp', keys: [{ name: 'pageUp' }], help: 'page up' },
  { scope: 'processes', command: 'pageDown', keys: [{ name: 'pageDown' }], help: 'page down' },
  { scope: 'processes', command: 'kill', keys: [{ ch: 'K' }], help: 'kill the selected process (asks first)', dangerous: true, hint: 'kill', live: true },
  { scope: 'processes', command: 'close', keys: esc, help: 'close the view', hint: 'close' },

  { scope: 'dialog', command: 'confirm', keys: [{ ch: 'y' }], help: 'confirm the kill', hint: 'confirm' },
  { scope: 'dialog', command: 'cancel', keys: [{ ch: 'n' }, { name: 'escape' }], help: 'cancel', hint: 'cancel' },

  { scope: 'message', command: 'close', keys: [{ name: 'escape' }, { name: 'return' }], help: 'back', hint: 'back' },

  // replay (netwatch replay FILE): moving the cursor over recorded time; ←/→ are free in every shell view
  { scope: 'replay', command: 'playPause', keys: [{ ch: ' ' }], help: 'pause / play', hint: 'play/pause' },
  { scope: 'replay', command: 'tickBack', keys: [{ ch: ',' }, { name: 'left' }], help: 'one tick back (pauses)', hint: 'tick' },
  { scope: 'replay', command: 'tickForward', keys: [{ ch: '.' }, { name: 'right' }], help: 'one tick forward (pauses)' },
  { scope: 'replay', command: 'minuteBack', keys: [{ ch: '[' }, { name: 'left', shift: true }], help: '1 minute back', hint: '±1 min' },
  { scope: 'replay', command: 'minuteForward', keys: [{ ch: ']' }, { name: 'right', shift: true }], help: '1 minute forward' },
  { scope: 'replay', command: 'prevMark', keys: [{ ch: '{' }], help: 'previous mark', hint: 'marks' },
  { scope: 'replay', command: 'nextMark', keys: [{ ch: '}' }], help: 'next mark' },
  { scope: 'replay', command: 'gotoTime', keys: [{ ch: 't' }], help: 'go to a time: 03:12:00 (clock), 5m (from the start), +90s / -2m (from here)', hint: 'go to' },
  { scope: 'replay', command: 'slower', keys: [{ ch: '<' }], help: 'play slower (8× 4× 2× 1×)' },
  { scope: 'replay', command: 'faster', keys: [{ ch: '>' }], help: 'play faster (1× 2× 4× … 64×)' },

  { scope: 'timePrompt', command: 'accept', keys: [{ name: 'return' }], help: 'go to the time typed', hint: 'go' },
  { scope: 'timePrompt', command: 'close', keys: esc, help: 'back, the cursor stays', hint: 'back' },
  { scope: 'timePrompt', command: 'erase', keys: [{ name: 'backspace' }, { name: 'delete' }], help: 'erase a character' },
  { scope: 'timePrompt', command: 'clear', keys: [{ ch: 'u', ctrl: true }], help: 'erase the whole time' },

  { scope: 'help', command: 'up', keys: up, help: 'scroll the help up' },
  { scope: 'help', command: 'down', keys: down, help: 'scroll the help down' },
  { scope: 'help', command: 'pageUp', keys: [{ name: 'pageUp' }], help: 'page up' },
  { scope: 'help', command: 'pageDown', keys: [{ name: 'pageDown' }, { ch: ' ' }], help: 'page down' },
  { scope: 'help', command: 'close', keys: [{ ch: '?' }, { name: 'escape' }], help: 'close the help' },
];

/** the views, each with the scopes its keys resolve in (earlier scopes win) */
export type ViewId = 'overview' | 'detail' | 'pool' | 'filter' | 'markPrompt' | 'capturePrompt' | 'capture' | 'processes' | 'dialog' | 'message' | 'services' | 'timePrompt';

export const VIEW_SCOPES: Record<ViewId, readonly Scope[]> = {
  overview: ['overview', 'list', 'global'],
  detail: ['detail', 'list', 'global'],
  pool: ['pool', 'list', 'global'],
  filter: ['prompt'],
  markPrompt: ['markPrompt'],
  capturePrompt: ['capturePrompt'],
  capture: ['capture', 'global'],
  processes: ['processes', 'global'],
  dialog: ['dialog', 'global'],
  message: ['message', 'global'],
  services: ['services', 'global'],
  timePrompt: ['timePrompt'],
};

/** a replay's keys come before a shell view's own (none of them collide); prompts and plugged-in views keep theirs */
export function replayScopes(view: ViewId): readonly Scope[] {
  return view === 'overview' || view === 'detail' || view === 'pool' || view === 'services' ? ['replay', ...VIEW_SCOPES[view]] : VIEW_SCOPES[view];
}

/** what the help shows for a view: its scopes, then what works everywhere */
export const HELP_SCOPES: Record<ViewId, readonly Scope[]> = {
  overview: ['global', 'list', 'overview'],
  detail: ['global', 'list', 'detail'],
  pool: ['global', 'list', 'pool'],
  filter: ['global', 'prompt', 'list'],
  markPrompt: ['global', 'markPrompt'],
  capturePrompt: ['global', 'capturePrompt'],
  capture: ['global', 'capture'],
  processes: ['global', 'processes', 'dialog'],
  dialog: ['global', 'processes', 'dialog'],
  message: ['global', 'message'],
  services: ['global', 'services'],
  timePrompt: ['global', 'timePrompt', 'replay'],
};

export const SCOPE_TITLES: Record<Scope, string> = {
  global: 'Everywhere',
  list: 'Lists',
  overview: 'Overview',
  detail: 'Node detail',
  prompt: 'Typing a filter (text goes in whole, also pasted)',
  capturePrompt: 'Capture filter prompt (text goes in whole, also pasted)',
  markPrompt: 'Typing a mark note (text goes in whole, also pasted)',
  capture: 'Capture',
  processes: 'Stale processes',
  pool: 'Pool differences',
  dialog: 'Kill dialog',
  message: 'Message',
  help: 'Help',
  services: "A pod's Services",
  replay: 'Replay (over recorded time)',
  timePrompt: 'Go to a time (text goes in whole, also pasted)',
};

const NAMED_LABELS: Partial<Record<KeyName, string>> = {
  up: '↑',
  down: '↓',
  left: '←',
  right: '→',
  pageUp: 'PgUp',
  pageDown: 'PgDn',
  home: 'Home',
  end: 'End',
  return: 'enter',
  escape: 'esc',
  tab: 'tab',
  backspace: 'backspace',
  delete: 'del',
};

export function keyLabel(k: KeySpec): string {
  const base = k.name ? (NAMED_LABELS[k.name] ?? k.name) : k.ch === ' ' ? 'space' : (k.ch ?? '');
  if (k.ctrl) return `ctrl-${base}`;
  // shift is visible in an upper-case letter already
  if (k.shift && k.name) return `shift-${base}`;
  return base;
}

export function bindingLabel(b: Binding): string {
  return b.keys.map(keyLabel).join(' ');
}

export function matches(spec: KeySpec, ev: KeyEvent): boolean {
  if (ev.kind !== 'key' || !!spec.ctrl !== ev.ctrl) return false;
  if (spec.name) return ev.name === spec.name && !!spec.shift === ev.shift;
  return !ev.meta && ev.ch === spec.ch;
}

/** the binding a key event means in the given scopes (earlier scopes win), if any */
export function resolveBinding(ev: KeyEvent, scopes: readonly Scope[], table: readonly Binding[] = BINDINGS): Binding | undefined {
  for (const scope of scopes) {
    for (const b of table) if (b.scope === scope && b.keys.some((k) => matches(k, ev))) return b;
  }
  return undefined;
}

export function resolveKey(ev: KeyEvent, scopes: readonly Scope[], table: readonly Binding[] = BINDINGS): Command | undefined {
  return resolveBinding(ev, scopes, table)?.command;
}

export interface KeyOpts {
  readonly: boolean;
  /** a replay: the live-only bindings are refused */
  replay?: boolean;
}

/** "enter open · p pods · …": the hinted bindings of the scopes, first key of each; dangerous ones off when read-only, live ones in a replay */
export function footerHint(scopes: readonly Scope[], opts: KeyOpts, table: readonly Binding[] = BINDINGS): string {
  return scopes
    .flatMap((scope) => table.filter((b) => b.scope === scope && b.hint && !(b.dangerous && opts.readonly) && !(b.live && opts.replay)))
    .map((b) => `${keyLabel(b.keys[0]!)} ${b.hint}`)
    .join(' · ');
}

export interface HelpSection {
  scope: Scope;
  title: string;
  rows: { keys: string; help: string }[];
}

/** the help overlay's content for a view, straight from the table (a replay's view lists the replay keys too) */
export function helpSections(view: ViewId, opts: KeyOpts, table: readonly Binding[] = BINDINGS): HelpSection[] {
  const scopes = opts.replay && !HELP_SCOPES[view].includes('replay') ? [...HELP_SCOPES[view], 'replay' as const] : HELP_SCOPES[view];
  const note = (b: Binding) => (b.live && opts.replay ? `${b.help} (refused: recording)` : b.dangerous && opts.readonly ? `${b.help} (refused: read-only)` : b.help);
  return scopes
    .map((scope) => ({
      scope,
      title: SCOPE_TITLES[scope],
      rows: table.filter((b) => b.scope === scope).map((b) => ({ keys: bindingLabel(b), help: note(b) })),
    }))
    .filter((s) => s.rows.length > 0);
}
