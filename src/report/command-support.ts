import { InvalidArgumentError } from 'commander';
import { AtomicWriter } from '../io/atomic-writer.js';
import type { ErrorRecord } from '../types.js';

/** Wrong use of options, reported like an input problem (message on stderr, exit code 1). */
export class UsageError extends Error {
  override name = 'UsageError';
}

const USER_ERRORS = new Set([
  'InputError',
  'OutputError',
  'ReportFileError',
  'ReportMergeError',
  'SpecError',
  'WeightsFileError',
  'ModelInfoError',
  'UsageError',
]);

/**
 * Run a command body: problems with the user's files or options become one line on stderr and exit
 * code 1 (exitCode, not exit(), so pending output is flushed); anything else is a bug and is rethrown.
 */
export async function runCommand(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (err instanceof Error && USER_ERRORS.has(err.name)) {
      process.stderr.write(`topicmix ${name}: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

export function probabilityArg(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('must be a number in [0, 1]');
  return n;
}

export function nonNegativeIntArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

export function positiveIntArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function positiveNumberArg(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

export function nonNegativeNumberArg(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a non-negative number');
  return n;
}

/** Error records go to --errors FILE as JSONL when asked; they are always counted. */
export class ErrorSink {
  private constructor(private readonly writer: AtomicWriter | null) {}

  static async open(path: string | undefined): Promise<ErrorSink> {
    return new ErrorSink(path === undefined ? null : await AtomicWriter.open(path));
  }

  write(rec: ErrorRecord): Promise<void> | undefined {
    return this.writer?.write(`${JSON.stringify(rec)}\n`);
  }

  async commit(): Promise<void> {
    await this.writer?.commit();
  }

  async abort(): Promise<void> {
    await this.writer?.abort();
  }
}
