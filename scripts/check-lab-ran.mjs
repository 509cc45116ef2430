// CI guard: fails unless the lab (end-to-end) test files ran and none of their tests was skipped.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const labFiles = report.testResults.filter((f) => /\/test\/(e2e|lab)\//.test(f.name));
const tests = labFiles.flatMap((f) => f.assertionResults);
const passed = tests.filter((t) => t.status === 'passed').length;
const other = tests.filter((t) => t.status !== 'passed');
console.log(`lab test files: ${labFiles.length}, lab tests passed: ${passed}, not passed: ${other.length}`);
if (labFiles.length < 2 || passed === 0 || other.length) {
  for (const t of other) console.log(`  ${t.status}: ${t.fullName}`);
  console.error('the lab tests did not all run and pass');
  process.exit(1);
}
if (report.numPendingTests || report.numTodoTests) {
  console.error(`skipped or todo tests: ${report.numPendingTests} / ${report.numTodoTests}`);
  process.exit(1);
}
