/** The published JSON Schemas (docs/*.schema.json), generated from the schemas in code. Pure. */
import { onceJsonSchema, publishedSchema } from './report-schema.js';
import { configFileSchema } from './schema.js';

export const SCHEMA_DOCS: Record<string, () => Record<string, unknown>> = {
  'docs/once-json.schema.json': () => publishedSchema(onceJsonSchema(), 'https://netwatch.invalid/once-json.schema.json', 'netwatch --once --json'),
  'docs/config.schema.json': () => publishedSchema(configFileSchema(), 'https://netwatch.invalid/config.schema.json', 'netwatch config file'),
};

export const schemaText = (file: string): string => `${JSON.stringify(SCHEMA_DOCS[file]!(), null, 2)}\n`;
