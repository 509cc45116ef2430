/**
 * ssh_config comments as OpenSSH reads them: `#` starts a comment only at the start of a line
 * or of a word (after whitespace or `Keyword=`, outside quotes); `User alice#x` is the user `alice#x`.
 * The ssh-config parser cuts every `#`, so before parsing, comments are removed here and every
 * other `#` is replaced by HASH, which `restoreHash` turns back into `#` in the parsed values.
 * Pure.
 */

/** a private-use character that stands for a literal `#` while ssh-config parses the text */
export const HASH = '\uE023';

function stripLine(line: string): string {
  let out = '';
  let quote = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"') quote = !quote;
    if (c === '#' && !quote) {
      const prev = i === 0 ? ' ' : line[i - 1]!;
      // after whitespace, or right after the `=` of `Keyword=` (not an `=` inside a value)
      if (/\s/.test(prev) || /^\s*[A-Za-z]+\s*=$/.test(out)) return out.trimEnd();
      out += HASH;
      continue;
    }
    out += c;
  }
  return out;
}

/** The text with comments removed and literal `#` hidden as HASH. */
export function stripComments(text: string): string {
  return text.split('\n').map(stripLine).join('\n');
}

export function restoreHash(value: string): string {
  return value.includes(HASH) ? value.split(HASH).join('#') : value;
}
