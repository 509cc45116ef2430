/** Helpers for the capture tests: fixture files and tcpdump's own reading of them. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureModel, type ModelOptions } from '../../src/sources/capture/model.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'capture');

export const FIXTURE_NAMES = [
  'en10mb-mixed',
  'en10mb-bigendian',
  'en10mb-nano',
  'sll-any',
  'sll2-any',
  'ipv6-linklocal',
  'vlan',
  'raw-tun',
  'icmp6-ptb-synthetic',
] as const;

export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, `${name}.cap`));
}

/** `tcpdump -nn -tt -S -r` output saved beside the fixture, one line per packet */
export function tcpdumpLines(name: string): string[] {
  return readFileSync(join(FIXTURES, `${name}.txt`), 'utf8').split('\n').filter(Boolean);
}

/** a model fed the whole fixture in chunks of `chunk` bytes */
export function modelOf(name: string, chunk = 1 << 20, opts: ModelOptions = {}): CaptureModel {
  const m = new CaptureModel(opts);
  const b = fixture(name);
  for (let i = 0; i < b.length; i += chunk) m.push(b.subarray(i, i + chunk));
  return m;
}
