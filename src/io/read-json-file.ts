import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';

/**
 * The parsed JSON of a small state file (a marker, a manifest), or null when it does not exist. Invalid JSON
 * is a UsageError naming the file, what it should have been (`what`) and what to do about it (`fix`).
 */
export async function readJsonIfExists(path: string, what: string, fix: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${path}: not ${what} (invalid JSON: ${(err as Error).message}); ${fix}`);
  }
}
