import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { resolveInputs } from './inputs.js';

/**
 * A path as a model may record it: relative to the data root when inside it, else to the working
 * directory when inside that, else the file name alone. Never absolute, so a model does not leak the
 * builder's home directory and rebuilds elsewhere record the same names.
 */
export function portablePath(path: string, dataRoot: string): string {
  const abs = resolve(path);
  for (const base of [resolve(dataRoot), process.cwd()]) {
    const rel = relative(base, abs);
    if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) return rel.split('\\').join('/');
  }
  return basename(abs);
}

/** sha256 of a file's bytes as stored, `sha256:<hex>`. */
export async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return `sha256:${h.digest('hex')}`;
}

/** Portable path -> content hash of every file the patterns name (stdin is left out). */
export async function fileHashes(patterns: readonly string[], dataRoot: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of patterns) {
    if (p === '-') continue;
    for (const f of await resolveInputs([p])) out[portablePath(f, dataRoot)] = await fileSha256(f);
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}
