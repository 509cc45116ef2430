/**
 * Raw terminal input to key events. Pure: a chunk of what the terminal sent (as Ink's stdin gives
 * it, already UTF-8 decoded) becomes a list of keys in order: every printable character its own
 * key, CSI/SS3 sequences (arrows, Home/End, PgUp/PgDn, Delete, shift-tab, with modifiers) one
 * named key, control bytes the keys they are (enter, tab, backspace, ctrl-letters, esc), and a
 * bracketed paste (ESC[200~ … ESC[201~, possibly split over chunks) one paste event holding the
 * text with its control bytes removed (line breaks become spaces; tab stays).
 *
 * Why: Ink 6 splits input only at escape sequences, so a run of plain text ("kk", "/node2", a
 * filter typed in one write) reaches useInput as one string, and a keymap that compares single
 * characters takes none of it.
 */

export type KeyName =
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'home'
  | 'end'
  | 'pageUp'
  | 'pageDown'
  | 'insert'
  | 'delete'
  | 'return'
  | 'escape'
  | 'tab'
  | 'backspace'
  | 'f1'
  | 'f2'
  | 'f3'
  | 'f4'
  /** a sequence netwatch does not know (kept so tests can see it was not taken as text) */
  | 'unknown';

export type KeyEvent =
  | { kind: 'key'; name?: KeyName; ch?: string; ctrl: boolean; shift: boolean; meta: boolean; seq: string }
  | { kind: 'paste'; text: string };

const ESC = '\u001b';
const PASTE_START = `${ESC}[200~`;
const PASTE_END = `${ESC}[201~`;

const key = (seq: string, o: { name?: KeyName; ch?: string; ctrl?: boolean; shift?: boolean; meta?: boolean }): KeyEvent => ({
  kind: 'key',
  ...(o.name ? { name: o.name } : {}),
  ...(o.ch !== undefined ? { ch: o.ch } : {}),
  ctrl: !!o.ctrl,
  shift: !!o.shift,
  meta: !!o.meta,
  seq,
});

const CSI_LETTER: Record<string, KeyName> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end', P: 'f1', Q: 'f2', R: 'f3', S: 'f4' };
const CSI_TILDE: Record<string, KeyName> = { '1': 'home', '2': 'insert', '3': 'delete', '4': 'end', '5': 'pageUp', '6': 'pageDown', '7': 'home', '8': 'end', '11': 'f1', '12': 'f2', '13': 'f3', '14': 'f4' };

/** xterm modifier parameter: 1 + (shift 1 | alt 2 | ctrl 4 | meta 8) */
function modifiers(param: string | undefined): { shift: boolean; meta: boolean; ctrl: boolean } {
  const m = Math.max(0, (Number(param) || 1) - 1);
  return { shift: !!(m & 1), meta: !!(m & 2) || !!(m & 8), ctrl: !!(m & 4) };
}

/** one control byte or printable character (not ESC) */
function single(c: string, meta = false): KeyEvent {
  const seq = meta ? ESC + c : c;
  if (c === '\r' || c === '\n') return key(seq, { name: 'return', meta });
  if (c === '\t') return key(seq, { name: 'tab', meta });
  if (c === '\u007f' || c === '\b') return key(seq, { name: 'backspace', meta });
  const code = c.codePointAt(0)!;
  if (code === 0) return key(seq, { ch: ' ', ctrl: true, meta });
  if (code < 0x20) return key(seq, { ch: String.fromCharCode(code + 0x60), ctrl: true, meta });
  if (code >= 0x80 && code < 0xa0) return key(seq, { name: 'unknown', meta });
  return key(seq, { ch: c, meta, shift: c !== c.toLowerCase() });
}

const CSI_RE = /^\u001b\[([0-9;:<=>?]*)([ -/]*)([@-~])/;
const SS3_RE = /^\u001bO([@-~])/;

/** the escape sequence at the start of `s` as a key; `pending` when it may continue in the next chunk */
function escapeAt(s: string): { ev?: KeyEvent; len: number } | 'pending' {
  if (s.length === 1) return 'pending';
  const csi = CSI_RE.exec(s);
  if (csi) {
    const [seq, params, , final] = csi as unknown as [string, string, string, string];
    const parts = params.split(';');
    if (final === '~') {
      const name = CSI_TILDE[parts[0]!] ?? 'unknown';
      return { ev: key(seq, { name, ...modifiers(parts[1]) }), len: seq.length };
    }
    if (final === 'Z') return { ev: key(seq, { name: 'tab', shift: true }), len: seq.length };
    const name = CSI_LETTER[final];
    return { ev: key(seq, { name: name ?? 'unknown', ...modifiers(parts[1]) }), len: seq.length };
  }
  if (/^\u001b\[[0-9;:<=>?]*[ -/]*$/.test(s)) return 'pending';
  const ss3 = SS3_RE.exec(s);
  if (ss3) return { ev: key(ss3[0], { name: CSI_LETTER[ss3[1]!] ?? 'unknown' }), len: 3 };
  if (s === `${ESC}O`) return 'pending';
  const next = String.fromCodePoint(s.codePointAt(1)!);
  if (next === ESC) {
    // ESC ESC: esc with meta (or meta + a sequence: take the first as a lone esc)
    return { ev: key(ESC, { name: 'escape' }), len: 1 };
  }
  if (next === '[' || next === 'O') return { ev: key(ESC + next, { ch: next, meta: true }), len: 2 };
  // ESC and a key in one read: alt+key to a terminal, but netwatch binds no alt keys, and over a
  // laggy link (or tmux send-keys) an esc and the next key typed arrive together. Two keys, then.
  return { ev: key(ESC, { name: 'escape' }), len: 1 };
}

/** pasted text for a one-line prompt: line breaks become spaces, other control bytes (tab kept) go */
export function cleanPaste(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n|\r|\n/g, ' ').replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, '');
}

export interface KeypressParser {
  /** the keys in a chunk; an unfinished sequence or paste waits for the next chunk */
  push(chunk: string): KeyEvent[];
  /** what waits, as keys (a lone ESC, or a sequence the terminal never finished); a paste keeps waiting */
  flush(): KeyEvent[];
  /** a paste is open (its end marker not seen yet) */
  inPaste(): boolean;
}

export function createKeypressParser(): KeypressParser {
  let pending = '';
  let paste: string | null = null;

  function run(input: string, final: boolean): KeyEvent[] {
    const out: KeyEvent[] = [];
    let s = input;
    while (s.length) {
      if (paste !== null) {
        const end = s.indexOf(PASTE_END);
        if (end < 0) {
          // keep a possible start of the end marker back
          let keep = 0;
          for (let k = Math.min(PASTE_END.length - 1, s.length); k > 0; k--) {
            if (PASTE_END.startsWith(s.slice(-k))) {
              keep = k;
              break;
            }
          }
          paste += s.slice(0, s.length - keep);
          pending = s.slice(s.length - keep);
          return out;
        }
        paste += s.slice(0, end);
        out.push({ kind: 'paste', text: cleanPaste(paste) });
        paste = null;
        s = s.slice(end + PASTE_END.length);
        continue;
      }
      if (s.startsWith(PASTE_START)) {
        paste = '';
        s = s.slice(PASTE_START.length);
        continue;
      }
      if (s[0] === ESC) {
        const r = escapeAt(s);
        if (r === 'pending') {
          if (!final) {
            pending = s;
            return out;
          }
          // never finished: a lone esc, then the rest as typed
          out.push(key(ESC, { name: 'escape' }));
          s = s.slice(1);
          continue;
        }
        if (r.ev) out.push(r.ev);
        s = s.slice(r.len);
        continue;
      }
      const c = String.fromCodePoint(s.codePointAt(0)!);
      out.push(single(c));
      s = s.slice(c.length);
    }
    pending = '';
    return out;
  }

  return {
    push(chunk) {
      const s = pending + chunk;
      pending = '';
      return run(s, false);
    },
    flush() {
      if (paste !== null || !pending) return [];
      const s = pending;
      pending = '';
      return run(s, true);
    },
    inPaste: () => paste !== null,
  };
}

/** every key in one complete input (tests, and terminals that deliver whole sequences) */
export function parseKeys(input: string): KeyEvent[] {
  const p = createKeypressParser();
  return [...p.push(input), ...p.flush()];
}
