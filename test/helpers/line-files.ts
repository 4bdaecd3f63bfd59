import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll } from 'vitest';
import { readLines, type RawLine, type ReadLinesOptions } from '../../src/io/line-reader.js';
import { tempDir } from './temp-dir.js';

/** A temp folder for the calling test file (made in beforeAll, removed after its tests) and helpers over it. */
export function lineFiles(prefix: string): {
  dir: () => string;
  fixture: (content: string | Buffer, name?: string) => Promise<string>;
  collect: (file: string, opts?: ReadLinesOptions) => Promise<RawLine[]>;
} {
  let dir = '';
  let n = 0;
  beforeAll(() => {
    dir = tempDir(prefix);
  });
  return {
    dir: () => dir,
    async fixture(content, name = `f${n++}.jsonl`) {
      const p = join(dir, name);
      await writeFile(p, content);
      return p;
    },
    async collect(file, opts) {
      const out: RawLine[] = [];
      for await (const l of readLines(file, opts)) out.push(l);
      return out;
    },
  };
}
