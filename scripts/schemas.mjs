// Writes docs/once-json.schema.json, docs/config.schema.json and the table in docs/config.md from the schemas in code (after
// npm run build); test/unit/report-schema.test.ts fails when they are not current.
import { readFileSync, writeFileSync } from 'node:fs';
import { SCHEMA_DOCS, schemaText, withSettingsTable } from '../dist/cli/schemas-doc.js';

for (const file of Object.keys(SCHEMA_DOCS)) {
  writeFileSync(file, schemaText(file));
  console.log(`wrote ${file}`);
}
writeFileSync('docs/config.md', withSettingsTable(readFileSync('docs/config.md', 'utf8')));
console.log('wrote the settings table of docs/config.md');
