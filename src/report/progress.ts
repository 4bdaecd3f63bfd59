import { stat } from 'node:fs/promises';
import { progressBar, type Progress } from '../cli/progress.js';
import { isGzipPath } from '../io/inputs.js';

/**
 * Progress over input files by bytes (the bar itself is drawn only when stderr is a terminal).
 * Gzipped files advance when they finish: their decompressed position does not map onto the
 * compressed size.
 */
export class InputProgress {
  private done = 0;
  private lines = 0;

  private constructor(
    private readonly bar: Progress | null,
    private readonly sizes: number[],
    private readonly gz: boolean[],
  ) {}

  static async start(files: string[], label: string, enabled = process.stderr.isTTY === true): Promise<InputProgress> {
    if (!enabled) return new InputProgress(null, [], []);
    const sizes = await Promise.all(files.map(async (f) => (f === '-' ? 0 : ((await stat(f).catch(() => null))?.size ?? 0))));
    const total = sizes.reduce((a, b) => a + b, 0);
    const bar = progressBar(Math.max(total, 1), `${label} [{bar}] {percentage}% | {lines} lines | ETA {eta_formatted}`);
    bar.update(0, { lines: 0 });
    return new InputProgress(bar, sizes, files.map(isGzipPath));
  }

  /** `offset`: bytes of file `index` consumed so far (ignored for gzip). */
  update(index: number, offset: number, lines: number): void {
    if (this.bar === null) return;
    this.lines += lines;
    const within = this.gz[index] ? 0 : Math.min(offset, this.sizes[index] ?? 0);
    this.bar.update(this.done + within, { lines: this.lines });
  }

  fileDone(index: number): void {
    if (this.bar === null) return;
    this.done += this.sizes[index] ?? 0;
    this.bar.update(this.done, { lines: this.lines });
  }

  stop(): void {
    this.bar?.stop();
  }
}
