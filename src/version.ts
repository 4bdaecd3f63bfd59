import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the installed package (holds package.json, models/, labels/). */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function readVersion(pkgJson: string): string {
  try {
    return (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export const VERSION = readVersion(join(PACKAGE_ROOT, 'package.json'));
