const USER_ERRORS = new Set(['InputError', 'OutputError', 'ReportFileError', 'ReportMergeError', 'SpecError', 'WeightsFileError', 'ModelInfoError', 'UsageError', 'WorkbenchError', 'LabelFileError']);

/** Library option names whose flag is not their kebab-case form. */
const FLAG_OF: Record<string, string> = { outDir: '--output-dir', budgetSeconds: '--autotune-budget', trials: '--autotune-trials' };

/**
 * A library message for the command line: options the library names in backticks (`maxErrors`) become
 * the flags that set them (--max-errors).
 */
export function cliMessage(message: string): string {
  return message.replace(/`([a-z][A-Za-z]*)`/g, (_, name: string) => FLAG_OF[name] ?? `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
}

/**
 * Says why the command failed: on stderr, or on stdout when stderr cannot be written (closed, or its reader
 * went away), so that a failure is never silent. The exit code is set by the caller.
 */
export function printFailure(line: string): void {
  if (process.stderr.destroyed || !process.stderr.writable) {
    process.stdout.write(line);
    return;
  }
  process.stderr.write(line, (err) => {
    if (err) process.stdout.write(line);
  });
}

/**
 * Run a command body: problems with the user's files or options become one line on stderr and exit
 * code 1 (exitCode, not exit(), so pending output is flushed); anything else is a bug and is rethrown.
 */
export async function runCommand(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (err instanceof Error && USER_ERRORS.has(err.name)) {
      printFailure(`topicmix ${name}: ${cliMessage(err.message)}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
