// zod's mini build: this check is in the browser bundle too, where classic zod would add about 60 KiB
// (mini: about 20). Mini has no default messages, so every check carries its own or gets one below.
import * as z from 'zod/v4-mini';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelMetadata } from './metadata.js';

// The check that a model.json's `userDefinedMetadata.topicmix` can serve: everything the featurizer, the
// scorer and the output writer read from it. Unknown keys are kept (newer writers may add some).

const nonEmpty = z.string().check(z.minLength(1, 'must be a non-empty string'));
const intFrom = (min: number, max = Number.MAX_SAFE_INTEGER) => z.int().check(z.gte(min, `must be an integer >= ${min}`), z.lte(max, `must be an integer <= ${max}`));

const featurizerSchema = z.looseObject({
  buckets: intFrom(2, 2 ** 31 - 1),
  ngrams: z.literal([1, 2]),
  zhTokens: z.enum(['chars', 'jieba']),
  stem: z.boolean(),
  chunkChars: intFrom(1),
});

const labelsSchema = z.array(nonEmpty).check(
  z.minLength(1, 'must list at least one label'),
  z.check<string[]>((ctx) => {
    const seen = new Set<string>();
    ctx.value.forEach((l, i) => {
      if (seen.has(l)) ctx.issues.push({ code: 'custom', path: [i], message: `repeats the label "${l}" (labels must be unique)`, input: l });
      seen.add(l);
    });
  }),
);

const metadataSchema = z
  .looseObject({
    format: z.literal(MODEL_FORMAT),
    formatVersion: intFrom(1).check(z.lte(MODEL_FORMAT_VERSION, `is newer than this topicmix reads (${MODEL_FORMAT_VERSION}): upgrade topicmix`)),
    name: z.string(),
    labels: labelsSchema,
    labelNames: z.optional(z.record(z.string(), z.looseObject({ en: z.optional(z.string()), zh: z.optional(z.string()) }))),
    abstain: z.optional(nonEmpty),
    featurizer: featurizerSchema,
    dim: intFrom(1),
    multiLabel: z.optional(
      z.looseObject({
        thresholds: z.array(z.number().check(z.gte(0, 'must be a probability in [0, 1]'), z.lte(1, 'must be a probability in [0, 1]'))),
        tunedOn: z.enum(['dev', 'held-out', 'train']),
        nTune: intFrom(0),
        rule: z.literal('max-f1-per-label'),
      }),
    ),
    weightsSha256: z.optional(z.string().check(z.regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" + 64 lowercase hex digits'))),
    training: z.looseObject({ dataHash: z.string() }),
    versions: z.looseObject({ topicmix: z.string(), tfjs: z.string() }),
  })
  .check(
    z.check<{ abstain?: string | undefined; labels: string[]; multiLabel?: { thresholds: number[] } | undefined }>((ctx) => {
      const { abstain, labels, multiLabel } = ctx.value;
      if (abstain !== undefined && !labels.includes(abstain)) ctx.issues.push({ code: 'custom', path: ['abstain'], message: `is "${abstain}", which is not one of the labels`, input: abstain });
      if (multiLabel && multiLabel.thresholds.length !== labels.length) {
        ctx.issues.push({
          code: 'custom',
          path: ['multiLabel', 'thresholds'],
          message: `has ${multiLabel.thresholds.length} thresholds for ${labels.length} labels (one per label)`,
          input: multiLabel.thresholds,
        });
      }
    }),
  );

function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return ['userDefinedMetadata', 'topicmix', ...path].map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = root;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'object') return 'an object';
  return String(v);
}

function message(issue: z.core.$ZodIssue, meta: unknown): string {
  const got = valueAt(meta, issue.path);
  if (issue.code === 'invalid_type') {
    if (got === undefined) return 'is missing';
    const want = issue.expected === 'int' ? 'integer' : issue.expected;
    return `must be ${/^[aeiou]/.test(want) ? 'an' : 'a'} ${want}, got ${describe(got)}`;
  }
  if (issue.code === 'invalid_value') return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${describe(got)}`;
  if (issue.message && issue.message !== 'Invalid input') return issue.code === 'custom' ? issue.message : `${issue.message}, got ${describe(got)}`;
  return `is not valid (${issue.code}), got ${describe(got)}`;
}

/**
 * Throws unless `meta` (the `userDefinedMetadata.topicmix` of `jsonPath`) is a model the classifier can
 * serve; the error names the file and the field. Returns `meta` itself, unknown keys included.
 */
export function checkModelMetadata(meta: unknown, jsonPath: string): ModelMetadata {
  const r = metadataSchema.safeParse(meta);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`model: ${jsonPath}: ${issuePath(issue.path)} ${message(issue, meta)}`);
  }
  return meta as ModelMetadata;
}
