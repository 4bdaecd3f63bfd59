import { stat } from 'node:fs/promises';

/** A problem with an input file as a whole (missing, unreadable, corrupt gzip). */
export class InputError extends Error {
  override name = 'InputError';
  /** The input path ('-' for stdin). */
  readonly file: string;
  /** Last line read before the problem, when the file was partly read. */
  readonly line: number | undefined;

  constructor(file: string, message: string, options?: { line?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.file = file;
    this.line = options?.line;
  }
}

/** How a path is shown in messages: stdin gets a readable name. */
export function displayPath(file: string): string {
  return file === '-' ? '<stdin>' : file;
}

export function isGzipPath(p: string): boolean {
  return /\.gz$/i.test(p);
}

/**
 * Expand input patterns into files, in the user's order. Each pattern is `-` (stdin), an existing
 * file, or a glob (matches sorted by code unit for determinism; dot files are not matched, which
 * also keeps our own `.x.tmp-*` files out). A file named by several patterns is read once.
 * An empty list means stdin.
 */
export async function resolveInputs(patterns: string[]): Promise<string[]> {
  if (patterns.length === 0) return ['-'];
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (f: string): void => {
    if (!seen.has(f)) {
      seen.add(f);
      out.push(f);
    }
  };
  for (const pattern of patterns) {
    if (pattern === '-') {
      add('-');
      continue;
    }
    if (pattern === '') throw new InputError(pattern, 'input not found: (empty path)');
    // An existing path wins over glob interpretation, so names like `data[1].jsonl` work.
    const st = await stat(pattern).catch((err: NodeJS.ErrnoException) => err);
    if (!(st instanceof Error)) {
      if (st.isDirectory()) {
        throw new InputError(pattern, `input is a directory: ${pattern} (use a glob such as ${pattern.replace(/\/+$/, '')}/*.jsonl)`);
      }
      add(pattern);
      continue;
    }
    if (st.code !== 'ENOENT' && st.code !== 'ENOTDIR') {
      throw new InputError(pattern, `cannot access input: ${pattern}: ${st.message}`, { cause: st });
    }
    // fast-glob is loaded only when an input is not a plain existing path
    const fg = (await import('fast-glob')).default;
    if (!fg.isDynamicPattern(pattern)) throw new InputError(pattern, `input not found: ${pattern}`);
    let matches: string[];
    try {
      matches = await fg(pattern, { onlyFiles: true, dot: false, followSymbolicLinks: true, unique: true });
    } catch (err) {
      throw new InputError(pattern, `cannot expand pattern: ${pattern}: ${(err as Error).message}`, { cause: err });
    }
    if (matches.length === 0) throw new InputError(pattern, `no files match: ${pattern}`);
    matches.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const m of matches) add(m);
  }
  return out;
}
