// Reads Vitest's JSON report and prints the plain closing line CI looks for: "N passed, N failed[, N skipped]".
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2] ?? '.test-results/vitest.json', 'utf8'));
const failedSuites = report.testResults.filter(
  (f) => f.status === 'failed' && f.assertionResults.length === 0,
).length;
const failed = report.numFailedTests + failedSuites;
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`${report.numPassedTests} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || report.numPassedTests === 0 ? 1 : 0);
