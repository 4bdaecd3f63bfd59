import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { readLabelled } from '../io/labelled.js';
import { loadTaxonomy, type Taxonomy } from './taxonomy.js';

export interface LabelSet {
  dir: string;
  taxonomy: Taxonomy;
  /** Labelled data files (paths joined onto `dir`), in a stable order. */
  files: string[];
  /** Label files whose rows reference pool documents by id (taxonomy `pool_labels`), sorted. */
  poolFiles: string[];
}

/** The label set directory or its data files cannot be used. */
export class LabelSetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelSetError';
  }
}

export const TAXONOMY_FILE = 'taxonomy.yaml';
const DATA_FILE = /\.jsonl(\.gz)?$/;

async function kind(path: string): Promise<'file' | 'dir' | 'other' | 'missing'> {
  try {
    const s = await stat(path);
    return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
  } catch {
    return 'missing';
  }
}

/**
 * Load DIR/taxonomy.yaml and find the data files: those listed under `data:` (relative to DIR),
 * else every *.jsonl / *.jsonl.gz at the top level of DIR, sorted by name.
 */
export async function loadLabelSet(dir: string): Promise<LabelSet> {
  const dirKind = await kind(dir);
  if (dirKind === 'missing') throw new LabelSetError(`${dir}: label set directory not found`);
  if (dirKind !== 'dir') throw new LabelSetError(`${dir}: not a directory`);

  const taxonomyPath = join(dir, TAXONOMY_FILE);
  if ((await kind(taxonomyPath)) !== 'file') {
    throw new LabelSetError(`${dir}: no ${TAXONOMY_FILE} (a label set directory needs one)`);
  }
  const taxonomy = await loadTaxonomy(taxonomyPath);

  let files: string[];
  if (taxonomy.data) {
    files = taxonomy.data.map((f) => (isAbsolute(f) ? f : join(dir, f)));
    const missing: string[] = [];
    for (const f of files) if ((await kind(f)) !== 'file') missing.push(f);
    if (missing.length > 0) {
      throw new LabelSetError(`${taxonomyPath}: data file(s) not found: ${missing.join(', ')}`);
    }
  } else {
    const entries = await readdir(dir, { withFileTypes: true });
    files = entries
      .filter((e) => e.isFile() && DATA_FILE.test(e.name))
      .map((e) => e.name)
      .sort()
      .map((name) => join(dir, name));
    if (files.length === 0) {
      throw new LabelSetError(`${dir}: no labelled data files (*.jsonl, *.jsonl.gz) and no data: list in ${TAXONOMY_FILE}`);
    }
  }
  const fg = (await import('fast-glob')).default;
  const poolFiles = taxonomy.pool_labels ? (await fg(taxonomy.pool_labels, { cwd: dir, onlyFiles: true })).sort().map((f) => join(dir, f)) : [];
  return { dir, taxonomy, files, poolFiles };
}

/**
 * Every id labelled anywhere under `dir` (every *.jsonl / *.jsonl.gz below it: label files, doubled
 * annotations, suggested batches), so that `label suggest` never offers a page twice.
 */
export async function labelledIdsUnder(dir: string): Promise<Set<string>> {
  const fg = (await import('fast-glob')).default;
  const files = (await fg('**/*.{jsonl,jsonl.gz}', { cwd: dir, onlyFiles: true })).sort().map((f) => join(dir, f));
  const ids = new Set<string>();
  for (const ex of (await readLabelled(files, { textOptional: true })).examples) if (ex.id !== undefined) ids.add(ex.id);
  return ids;
}
