/**
 * The optional JSON config file: --config FILE, else $NETWATCH_CONFIG, else
 * $XDG_CONFIG_HOME/netwatch/config.json (~/.config/netwatch/config.json). Its keys are the
 * settings of schema.ts that may be in a file, checked with the same rules and words as the flags
 * (errors name the file and the key). A missing default file is no error; a named one must exist.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './usage.js';
import { SETTINGS, settingValue, type Setting, type SettingKey, type Settings } from './schema.js';

export function configFilePath(path: string | undefined, env: NodeJS.ProcessEnv = process.env): { file: string; named: boolean } {
  if (path !== undefined) return { file: path, named: true };
  if (env.NETWATCH_CONFIG) return { file: env.NETWATCH_CONFIG, named: true };
  return { file: join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'netwatch', 'config.json'), named: false };
}

export function loadConfigFile(path: string | undefined, env: NodeJS.ProcessEnv = process.env): Settings {
  const { file, named } = configFilePath(path, env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !named) return {};
    throw new UsageError(`cannot read config file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`config file ${file}: expected a JSON object`);
  const known = (Object.entries(SETTINGS) as Array<[SettingKey, Setting]>).filter(([, s]) => s.file).map(([k]) => k);
  const out: Settings = {};
  for (const [k, v] of Object.entries(data)) {
    if (k === '$schema') continue;
    if (!(known as string[]).includes(k)) throw new UsageError(`config file ${file}: unknown key "${k}" (known: ${known.join(', ')})`);
    out[k as SettingKey] = settingValue(k as SettingKey, v, `config file ${file}: "${k}"`, 'json');
  }
  return out;
}
