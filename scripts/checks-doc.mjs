// Writes docs/checks.md from the check catalogue (src/state/catalogue.ts) after npm run build;
// test/unit/checks-doc.test.ts fails when it is not current.
import { writeFileSync } from 'node:fs';
import { checksMarkdown } from '../dist/cli/checks.js';

writeFileSync('docs/checks.md', checksMarkdown());
console.log('wrote docs/checks.md');
