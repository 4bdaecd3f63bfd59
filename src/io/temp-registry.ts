import { unlinkSync } from 'node:fs';

/**
 * Files this process made that must not outlive it when it is stopped: temp outputs (before their rename)
 * and lock files. A front end that catches SIGINT/SIGTERM calls removeTrackedFiles() before exiting; a
 * normal run removes or renames each file itself and untracks it.
 */
const tracked = new Set<string>();

export function trackFile(path: string): void {
  tracked.add(path);
}

export function untrackFile(path: string): void {
  tracked.delete(path);
}

/** Paths tracked now (for tests and diagnostics). */
export function trackedFiles(): string[] {
  return [...tracked];
}

/** Remove every tracked file, synchronously (safe in a signal handler); returns how many were removed. */
export function removeTrackedFiles(): number {
  let n = 0;
  for (const p of tracked) {
    try {
      unlinkSync(p);
      n++;
    } catch {
      // already gone, or not ours to remove any more
    }
  }
  tracked.clear();
  return n;
}
