/**
 * vitest globalSetup: one temp folder for the whole run, removed at the end. TMPDIR points into it before
 * the test workers start, so os.tmpdir() in the tests and in every command they spawn is under it: nothing
 * the run makes in a temp folder outlives it, even when a test forgets to clean up or a run is interrupted
 * between a test file's start and its afterAll.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), 'topicmix-test-run-'));
  chmodSync(root, 0o711); // others may pass through, not list: munged (slurm-array.test.ts) needs o+x on every folder above its socket
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
