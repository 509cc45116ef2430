/**
 * Remote scripts live as plain POSIX sh files beside this module (readable, shellcheck-able,
 * every remote command in one folder). `npm run build` copies them next to the compiled code.
 */
import { readFileSync } from 'node:fs';

const cache = new Map<string, string>();

export function loadScript(file: string): string {
  let text = cache.get(file);
  if (text === undefined) {
    text = readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
    cache.set(file, text);
  }
  return text;
}
