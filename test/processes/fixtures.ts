/** Reading files of test/fixtures/processes/ (see its README for where each came from). */
import { readFileSync } from 'node:fs';

const DIR = new URL('../fixtures/processes/', import.meta.url);

export function fixture(name: string): string {
  return readFileSync(new URL(name, DIR), 'utf8');
}

export function fixtureLines(name: string): string[] {
  return fixture(name).split('\n').filter(Boolean);
}
