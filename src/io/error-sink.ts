import type { ErrorRecord } from '../types.js';
import { AtomicWriter } from './atomic-writer.js';

/** The most frequent kind of error record (same code and field) and the first record of that kind. */
export interface CommonError {
  count: number;
  first: ErrorRecord;
}

/**
 * Error records go to an errors file as JSONL when one is given; the caller always counts them. The sink
 * also tallies them by code and field, so that a run whose every line failed can say why.
 */
export class ErrorSink {
  private readonly tally = new Map<string, CommonError>();

  private constructor(private readonly writer: AtomicWriter | null) {}

  static async open(path: string | undefined): Promise<ErrorSink> {
    return new ErrorSink(path === undefined ? null : await AtomicWriter.open(path));
  }

  write(rec: ErrorRecord): Promise<void> | undefined {
    const key = `${rec.error}\u0000${rec.field ?? ''}`;
    const t = this.tally.get(key);
    if (t) t.count++;
    else this.tally.set(key, { count: 1, first: rec });
    return this.writer?.write(`${JSON.stringify(rec)}\n`);
  }

  /** The most frequent kind of error so far (the first seen on a tie), or null when there was none. */
  mostCommon(): CommonError | null {
    let best: CommonError | null = null;
    for (const t of this.tally.values()) if (best === null || t.count > best.count) best = t;
    return best;
  }

  async commit(): Promise<void> {
    await this.writer?.commit();
  }

  async abort(): Promise<void> {
    await this.writer?.abort();
  }
}

/**
 * Writes error records to stderr, resolving once they are handed on. Rejects, with a message that says
 * what is lost, when stderr cannot take them (closed, or its reader went away: EPIPE); without a
 * listener for stderr's 'error' event Node would die on it with no message (the CLI adds one).
 */
export function writeErrorRecordsToStderr(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stderr.write(text, (err) => {
      if (!err) return resolve();
      const code = (err as NodeJS.ErrnoException).code ?? err.message;
      reject(new Error(`cannot write error records to stderr (${code}): they would be lost; keep stderr open or pass \`errors\` FILE`));
    });
  });
}
