/** The published JSON Schemas (docs/*.schema.json), generated from the schemas in code. Pure. */
import { onceJsonSchema, publishedSchema } from './report-schema.js';
import { configFileSchema, describe, flagName, SETTINGS, type Setting } from './schema.js';

export const SCHEMA_DOCS: Record<string, () => Record<string, unknown>> = {
  'docs/once-json.schema.json': () => publishedSchema(onceJsonSchema(), 'https://netwatch.invalid/once-json.schema.json', 'netwatch --once --json'),
  'docs/config.schema.json': () => publishedSchema(configFileSchema(), 'https://netwatch.invalid/config.schema.json', 'netwatch config file'),
};

export const schemaText = (file: string): string => `${JSON.stringify(SCHEMA_DOCS[file]!(), null, 2)}\n`;

/** docs/config.md's table of settings (between its settings markers), from schema.ts */
export function settingsTable(): string {
  const rows = (Object.entries(SETTINGS) as Array<[string, Setting]>).map(([key, s]) => {
    const def = (s.schema as { default?: unknown }).default;
    const cell = (v: string | undefined) => (v ? `\`${v}\`` : '—');
    const flag = s.flag ? `\`${flagName(s)}\`${s.negated ? ' (turns it off)' : ''}` : '—';
    return `| ${s.file ? `\`${key}\`` : '—'} | ${flag} | ${cell(s.env)} | ${describe(s)} | ${def === undefined ? '—' : `\`${JSON.stringify(def)}\``} | ${s.help} |`;
  });
  return ['| file key | flag | environment | value | default | what |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

export const TABLE_BEGIN = '<!-- settings:begin (generated from src/cli/schema.ts by scripts/schemas.mjs) -->';
export const TABLE_END = '<!-- settings:end -->';

/** `md` with its settings section replaced by the current table */
export function withSettingsTable(md: string): string {
  const a = md.indexOf(TABLE_BEGIN);
  const b = md.indexOf(TABLE_END);
  if (a < 0 || b < a) throw new Error('docs/config.md: settings markers missing');
  return `${md.slice(0, a + TABLE_BEGIN.length)}\n${settingsTable()}\n${md.slice(b)}`;
}
