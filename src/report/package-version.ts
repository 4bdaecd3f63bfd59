import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * `name@version` of an installed package, read from its package.json. The package.json is found by
 * walking up from the package's entry file, because not every package exports `./package.json`.
 */
export function installedPackageVersion(name: string): string {
  let dir = dirname(require.resolve(name));
  for (;;) {
    const file = join(dir, 'package.json');
    try {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === name && typeof pkg.version === 'string') return `${name}@${pkg.version}`;
    } catch {
      // no package.json at this level (or a nested one without a name): keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return `${name}@unknown`;
    dir = parent;
  }
}
