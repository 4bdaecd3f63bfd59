import type { Reporter } from 'vitest/node';
import type { RunnerTask, RunnerTestFile } from 'vitest';

/**
 * Ends the run with one plain line, `tests: N passed, N failed, N skipped`, that any CI log reader
 * understands. It uses onFinished so that it comes after the default reporter's summary.
 */
export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = [], errors: unknown[] = []): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const visit = (t: RunnerTask): void => {
      if (t.type === 'suite') {
        if (t.tasks.length === 0 && t.result?.state === 'fail') counts.failed++;
        t.tasks.forEach(visit);
        return;
      }
      const s = t.result?.state;
      if (s === 'pass') counts.passed++;
      else if (s === 'fail') counts.failed++;
      else counts.skipped++;
    };
    for (const f of files) {
      const before = counts.failed;
      visit(f);
      // a failing beforeAll or import fails the file while its tests show as skipped
      if (f.result?.state === 'fail' && counts.failed === before) counts.failed++;
    }
    if (errors.length > 0 && counts.failed === 0) counts.failed = errors.length;
    process.stdout.write(`\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
