/** netwatch logs to a file: Ink owns the terminal, and console output would corrupt it. */
import { appendFileSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export type Logger = (line: string) => void;

export function fileLogger(path?: string): { log: Logger; path: string } {
  const file = path ?? join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'netwatch', 'netwatch.log');
  let ok = true;
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch {
    ok = false;
  }
  return {
    path: file,
    log: (line) => {
      if (!ok) return;
      try {
        appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
      } catch {
        ok = false;
      }
    },
  };
}
