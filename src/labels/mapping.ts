import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { loadYaml } from '../io/lazy-yaml.js';
import { z } from 'zod';
import type { LabelledExample } from '../types.js';

/**
 * A dataset's labels mapped onto a taxonomy, e.g. AG News "Sci/Tech" -> science_technology.
 * `train` / `test` name the dataset's files (relative to a data root) so that one mapping file
 * says everything needed to use that dataset; a mapping without files applies to --data.
 */
export interface LabelMapping {
  file: string;
  dataset: string;
  description?: string;
  licence?: string;
  train: string[];
  test: string[];
  /** source label -> topic id, or null for labels deliberately not used */
  map: Record<string, string | null>;
}

const schema = z
  .object({
    dataset: z.string().min(1),
    description: z.string().optional(),
    licence: z.string().optional(),
    train: z.array(z.string().min(1)).default([]),
    test: z.array(z.string().min(1)).default([]),
    map: z.record(z.string(), z.string().min(1).nullable()),
  })
  .strict();

export async function loadMapping(file: string): Promise<LabelMapping> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`mapping: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = loadYaml().parse(text);
  } catch (err) {
    throw new Error(`mapping: ${file} is not valid YAML: ${(err as Error).message}`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${file}: ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new Error(`mapping: invalid mapping file:\n${issues.join('\n')}`);
  }
  return { file, ...r.data };
}

/** Paths of a mapping's files, resolved against the data root. */
export function mappingFiles(m: LabelMapping, which: 'train' | 'test', dataRoot: string): string[] {
  return m[which].map((p) => (isAbsolute(p) ? p : join(dataRoot, p)));
}

export interface MappedExamples {
  examples: LabelledExample[];
  /** examples whose labels all map to null */
  dropped: number;
}

/**
 * Applies a mapping: every label must be in the map (else an error naming file:line and the
 * mapping file); labels mapped to null are removed, and an example left without labels is dropped.
 */
export function applyMapping(examples: readonly LabelledExample[], m: LabelMapping, topics?: ReadonlySet<string>): MappedExamples {
  if (topics) {
    const bad = Object.entries(m.map).filter(([, t]) => t !== null && !topics.has(t));
    if (bad.length) throw new Error(`mapping: ${m.file}: map.${bad[0]![0]}: "${bad[0]![1]}" is not a topic of the taxonomy${bad.length > 1 ? ` (and ${bad.length - 1} more)` : ''}`);
  }
  const out: LabelledExample[] = [];
  let dropped = 0;
  const unknown: string[] = [];
  let unknownCount = 0;
  for (const ex of examples) {
    const labels: string[] = [];
    for (const l of ex.labels) {
      if (!Object.hasOwn(m.map, l)) {
        unknownCount++;
        if (unknown.length < 10) unknown.push(`${ex.source.file}:${ex.source.line}: field "label": "${l}" is not in ${m.file} (map it to a topic, or to null to leave it out)`);
        continue;
      }
      const t = m.map[l];
      if (t && !labels.includes(t)) labels.push(t);
    }
    if (labels.length === 0) dropped++;
    else out.push({ ...ex, labels });
  }
  if (unknownCount)
    throw new Error(`mapping: ${unknownCount} label(s) missing from ${m.file}:\n${unknown.join('\n')}${unknownCount > unknown.length ? `\n... and ${unknownCount - unknown.length} more` : ''}`);
  return { examples: out, dropped };
}
