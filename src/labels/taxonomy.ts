import { readFile } from 'node:fs/promises';
import { loadYaml } from '../io/lazy-yaml.js';
import { z } from 'zod';

export interface Topic {
  /** Label id used in data files: [a-z0-9_-]+. */
  id: string;
  names: { en: string; zh: string };
  /** What the topic is about. */
  description: string;
  /** What is included. */
  includes: string[];
  /** What belongs elsewhere, e.g. "personal budgeting apps -> software". */
  excludes: string[];
}

/**
 * The explicit "no topic fits" outcome (boilerplate, spam, adult pages, ...). Labelled like a topic
 * (`label: "none"` plus a `reason`), learnt by the model as one more output, and written by classify as
 * `topic: null` with `abstain: "none"`.
 */
export interface Abstain {
  id: string;
  names: { en: string; zh: string };
  description: string;
  /** Allowed values of a label row's `reason` field. */
  reasons: string[];
}

export interface Taxonomy {
  name: string;
  version?: number | string;
  description?: string;
  topics: Topic[];
  abstain?: Abstain;
  /** Data files relative to the label set directory, when listed explicitly. */
  data?: string[];
  /**
   * Label files (globs relative to the label set directory) whose rows reference documents of a pool by
   * `id` instead of holding their text; read when a pool is given (`--pool`).
   */
  pool_labels?: string[];
}

/** taxonomy.yaml is unreadable or invalid; `issues` holds one "file: path: message" per problem. */
export class TaxonomyError extends Error {
  constructor(readonly issues: string[]) {
    super(issues.join('\n'));
    this.name = 'TaxonomyError';
  }
}

const nonEmpty = z.string().trim().min(1, 'must not be empty');

const topicSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9_-]+$/, 'must match [a-z0-9_-]+'),
    names: z.object({ en: nonEmpty, zh: nonEmpty }).strict(),
    description: nonEmpty,
    includes: z.array(nonEmpty),
    excludes: z.array(nonEmpty).default([]),
  })
  .strict();

const abstainSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9_-]+$/, 'must match [a-z0-9_-]+'),
    names: z.object({ en: nonEmpty, zh: nonEmpty }).strict(),
    description: nonEmpty,
    reasons: z.array(z.string().regex(/^[a-z0-9_-]+$/, 'must match [a-z0-9_-]+')).min(1),
  })
  .strict();

// Strict objects: a misspelt key (e.g. `exclude:`) is an error rather than silently ignored.
const taxonomySchema = z
  .object({
    name: nonEmpty,
    version: z.union([z.number(), nonEmpty]).optional(),
    description: z.string().optional(),
    topics: z.array(topicSchema).min(1, 'must list at least one topic'),
    abstain: abstainSchema.optional(),
    data: z.array(nonEmpty).min(1, 'must list at least one file when present').optional(),
    pool_labels: z.array(nonEmpty).min(1, 'must list at least one glob when present').optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    const seen = new Map<string, number>();
    t.topics.forEach((topic, i) => {
      const first = seen.get(topic.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['topics', i, 'id'],
          message: `duplicate topic id "${topic.id}" (also topics[${first}])`,
        });
      } else {
        seen.set(topic.id, i);
      }
    });
    if (t.abstain && seen.has(t.abstain.id)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['abstain', 'id'], message: `abstain id "${t.abstain.id}" is also a topic id` });
    }
  });

/** The model's output labels for a taxonomy: its topics in order, then the abstain label when it has one. */
export function taxonomyLabels(t: Taxonomy): string[] {
  return [...t.topics.map((x) => x.id), ...(t.abstain ? [t.abstain.id] : [])];
}

/** en/zh display names per output label. */
export function taxonomyNames(t: Taxonomy): Record<string, { en: string; zh: string }> {
  const out: Record<string, { en: string; zh: string }> = {};
  for (const x of t.topics) out[x.id] = { en: x.names.en, zh: x.names.zh };
  if (t.abstain) out[t.abstain.id] = { en: t.abstain.names.en, zh: t.abstain.names.zh };
  return out;
}

/** "topics[3].names.zh" from ["topics", 3, "names", "zh"]. */
function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out;
}

export function parseTaxonomy(text: string, file: string): Taxonomy {
  const doc = loadYaml().parseDocument(text);
  if (doc.errors.length > 0) {
    throw new TaxonomyError(doc.errors.map((e) => `${file}: ${e.message.split('\n')[0]}`));
  }
  const result = taxonomySchema.safeParse(doc.toJS());
  if (!result.success) {
    throw new TaxonomyError(
      result.error.issues.map((issue) => {
        const where = formatPath(issue.path);
        return where ? `${file}: ${where}: ${issue.message}` : `${file}: ${issue.message}`;
      }),
    );
  }
  const { version, description, data, abstain, pool_labels, ...rest } = result.data;
  return {
    ...rest,
    ...(pool_labels !== undefined && { pool_labels }),
    ...(abstain !== undefined && { abstain }),
    ...(version !== undefined && { version }),
    ...(description !== undefined && { description }),
    ...(data !== undefined && { data }),
  };
}

export async function loadTaxonomy(path: string): Promise<Taxonomy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TaxonomyError([`${path}: cannot read${code ? ` (${code})` : ''}`]);
  }
  return parseTaxonomy(text, path);
}
