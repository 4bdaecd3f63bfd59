import { removeTrackedFiles } from '../io/temp-registry.js';

/** Exit codes of a process stopped by a signal, as shells report them (128 + signal number). */
const STOPPED: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Ctrl-C or a scheduler's SIGTERM: remove the temp outputs and locks this process holds (finished
 * outputs stay: they were renamed into place complete), then exit 130 / 143; exiting also ends the
 * worker threads.
 */
export function exitCleanlyOnSignals(): void {
  for (const signal of Object.keys(STOPPED) as (keyof typeof STOPPED)[]) {
    process.once(signal, () => {
      removeTrackedFiles();
      process.stderr.write(`topicmix: stopped by ${signal}; unfinished outputs removed\n`);
      process.exit(STOPPED[signal]);
    });
  }
}
