// Prints "N passed, N failed" over vitest JSON reports (missing reports count as one failure each
// when their command failed), plus extra failed checks.
import * as fs from 'node:fs';

const args = process.argv.slice(2);
let passed = 0,
    failed = 0;
const codes = [];
for (let i = 0; i < args.length; i++) {
    if (args[i] === '--extra-failed') {
        failed += Number(args[++i]);
        continue;
    }
    if (args[i] === '--rc') {
        codes.push(Number(args[++i]));
        continue;
    }
    const file = args[i];
    if (!fs.existsSync(file)) continue;
    const report = JSON.parse(fs.readFileSync(file, 'utf-8'));
    passed += report.numPassedTests ?? 0;
    failed += (report.numFailedTests ?? 0) + (report.numTodoTests ?? 0);
    // A test file that failed to load has no tests but fails the run.
    failed += (report.testResults ?? []).filter(r => r.status === 'failed' && (r.assertionResults ?? []).length === 0).length;
}
if (failed === 0 && codes.some(c => c !== 0)) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || codes.some(c => c !== 0) ? 1 : 0);
