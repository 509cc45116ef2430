/** The optional JSON config file (~/.config/netwatch/config.json or --config). */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Options, UsageError } from './args.js';

const KEYS: Record<string, 'boolean' | 'number' | 'string'> = {
  readonly: 'boolean',
  interval: 'number',
  captureSummary: 'boolean',
  captureSummaryEvery: 'number',
  tcpdump: 'string',
  captureDir: 'string',
};

export function loadConfigFile(path: string | undefined, env = process.env): Partial<Options> {
  const file = path ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'netwatch', 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !path) return {};
    throw new UsageError(`cannot read config file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`config file ${file}: expected a JSON object`);
  const out: Partial<Options> = {};
  for (const [k, v] of Object.entries(data)) {
    const want = KEYS[k];
    if (!want) throw new UsageError(`config file ${file}: unknown key "${k}" (known: ${Object.keys(KEYS).join(', ')})`);
    if (typeof v !== want) throw new UsageError(`config file ${file}: "${k}" must be a ${want}`);
    if (k === 'interval') out.intervalMs = (v as number) * 1000;
    else (out as Record<string, unknown>)[k] = v;
  }
  return out;
}
