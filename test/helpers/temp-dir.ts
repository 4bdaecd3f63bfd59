import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const created: string[] = [];
// Registered when a test file (first) imports this module -- each test file gets its own copy, as vitest
// isolates files: the folders it made are removed after its tests. What a crashed file leaves is removed
// with the run's folder (temp-root.ts, the globalSetup that points TMPDIR into it).
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A new temporary folder, removed after the importing test file's tests. Call it in a test or a hook, or at the top level. */
export function tempDir(prefix = 'topicmix-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}
