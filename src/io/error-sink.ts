import type { ErrorRecord } from '../types.js';
import { AtomicWriter } from './atomic-writer.js';

/** Error records go to an errors file as JSONL when one is given; the caller always counts them. */
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
