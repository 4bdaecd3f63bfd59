import { stat } from 'node:fs/promises';
import type { ScanProgress } from '../report/scan-tagged.js';
import { progressBar, type Progress } from './progress.js';

/**
 * A progress bar over input files by their stored bytes (compressed bytes for .gz), fed by a scan's
 * onProgress; drawn only when stderr is a terminal.
 */
export class InputProgress {
  private done = 0;
  private stopped = false;

  private constructor(
    private readonly bar: Progress | null,
    private readonly sizes: number[],
  ) {}

  static async start(files: string[], label: string, enabled: boolean): Promise<InputProgress> {
    if (!enabled || process.stderr.isTTY !== true) return new InputProgress(null, []);
    const sizes = await Promise.all(files.map(async (f) => (f === '-' ? 0 : ((await stat(f).catch(() => null))?.size ?? 0))));
    const total = sizes.reduce((a, b) => a + b, 0);
    const bar = progressBar(Math.max(total, 1), `${label} [{bar}] {percentage}% | {lines} lines | ETA {eta_formatted}`, { lines: 0 });
    return new InputProgress(bar, sizes);
  }

  readonly update = (p: ScanProgress): void => {
    if (this.bar === null || this.stopped) return;
    if (p.fileDone) {
      this.done += this.sizes[p.fileIndex] ?? 0;
      this.bar.update(this.done, { lines: p.lines });
      return;
    }
    const within = Math.min(p.offset, this.sizes[p.fileIndex] ?? 0);
    this.bar.update(this.done + within, { lines: p.lines });
  };

  /** Ends the bar (before a summary line is printed); later calls do nothing. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.bar?.stop();
  }
}
