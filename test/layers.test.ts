import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// src/ follows the flow of the data; a module may import its own layer or lower ones, never a higher one.
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const LAYERS: Array<[number, RegExp]> = [
  [0, /^(types|errors|version|defaults|document)\.ts$|^text\//],
  [1, /^features\//],
  [2, /^model\//],
  [3, /^(io|extract)\//],
  [4, /^(classifier|train|autotune|evaluate|model-card)\.ts$|^(eval|labels)\//],
  [5, /^report\//],
  [6, /^pipeline\//],
  [7, /^(rebalance|sample)\//],
  [8, /^executor\//],
  [9, /^(index|browser|html|warc)\.ts$|^browser\//],
  [10, /^cli\//],
];

function layerOf(file: string): number {
  const hit = LAYERS.find(([, re]) => re.test(file));
  if (!hit) throw new Error(`src/${file} is in no layer: add it to test/layers.test.ts`);
  return hit[0];
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const IMPORT = /(?:^|\n)\s*(?:import|export)[^'"`;]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

describe('layers', () => {
  const files = sources(SRC).map((f) => relative(SRC, f).split('\\').join('/'));

  it('every module is in a layer', () => {
    for (const f of files) expect(() => layerOf(f)).not.toThrow();
  });

  it('no module imports a higher layer', () => {
    const bad: string[] = [];
    for (const f of files) {
      const text = readFileSync(join(SRC, f), 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const spec = (m[1] ?? m[2])!;
        const target = relative(SRC, resolve(SRC, dirname(f), spec))
          .split('\\')
          .join('/')
          .replace(/\.js$/, '.ts');
        if (layerOf(target) > layerOf(f)) bad.push(`src/${f} imports src/${target}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('commander, cli-progress and process exit codes only under src/cli/', () => {
    const bad: string[] = [];
    for (const f of files) {
      if (f.startsWith('cli/')) continue;
      const text = readFileSync(join(SRC, f), 'utf8');
      if (/from ['"](commander|cli-progress)['"]/.test(text)) bad.push(`src/${f} imports a CLI package`);
      if (/process\.(exitCode|exit\()/.test(text)) bad.push(`src/${f} sets the exit code`);
    }
    expect(bad).toEqual([]);
  });
});
