// Writes docs/once-json.schema.json and docs/config.schema.json from the schemas in code (after
// npm run build); test/unit/report-schema.test.ts fails when they are not current.
import { writeFileSync } from 'node:fs';
import { SCHEMA_DOCS, schemaText } from '../dist/cli/schemas-doc.js';

for (const file of Object.keys(SCHEMA_DOCS)) {
  writeFileSync(file, schemaText(file));
  console.log(`wrote ${file}`);
}
