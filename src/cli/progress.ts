import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

const NONE: Progress = { update() {}, stop() {} };

/** A progress bar on stderr, only when stderr is a terminal (never in logs, pipes or CI). */
/** `payload`: the values of the format's own {placeholders} for the first frame (else it shows them literally). */
export function progressBar(total: number, format: string, payload: Record<string, string | number> = {}): Progress {
  if (!process.stderr.isTTY) return NONE;
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format, hideCursor: true, etaBuffer: 50, fps: 5 }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, payload);
  return { update: (v, payload) => bar.update(v, payload), stop: () => bar.stop() };
}
