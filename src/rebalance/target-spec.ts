import { readFile } from 'node:fs/promises';
import { loadYaml } from '../io/lazy-yaml.js';
import { z } from 'zod';
import { zodPath } from '../report/read-report.js';

/** A target or losses file that cannot be used; the message names the file and the key. */
export class SpecError extends Error {
  override name = 'SpecError';
}

const share = z.number().finite().min(0, 'must be >= 0');
const shares = z.record(share);

const value = z.number().finite();
/** `{topic: x}` or `{lang: {topic: x}}`. */
const perUnit = z.record(z.union([value, z.record(value)]));
export type PerUnit = z.infer<typeof perUnit>;

export const lossesSchema = z
  .object({
    /** What the values are; the rule is the same for both, only messages differ. */
    metric: z.enum(['loss', 'ppl']).default('loss'),
    /** Validation loss per topic (`{topic: loss}`) or per language and topic (`{lang: {topic: loss}}`) at checkpoint t-1. */
    previous: perUnit,
    /** ... and at the current checkpoint, t. */
    current: perUnit,
  })
  .strict();
export type Losses = z.infer<typeof lossesSchema>;

const languageEntry = z.union([share, z.object({ share, topics: shares.optional() }).strict()]);

export const targetSchema = z
  .object({
    /** Model name or `name@data_hash` the report must come from. */
    model: z.string().min(1).optional(),
    /** The label set the target was written for; must equal the report's. */
    labels: z.array(z.string().min(1)).optional(),
    method: z.enum(['target', 'temperature', 'feedback']).default('target'),
    unit: z.enum(['tokens', 'docs', 'chars']).default('tokens'),
    budget: z.union([z.number().positive(), z.string()]).optional(),
    max_repeat: z.number().finite().positive().default(4),
    floor: z.number().finite().min(0).default(0),
    on_shortfall: z.enum(['redistribute', 'shrink', 'proportional']).default('redistribute'),
    topics: shares.optional(),
    languages: z.record(languageEntry).optional(),
    temperature: z
      .object({ alpha: z.number().finite().min(0), over: z.enum(['topic', 'language', 'cell']).default('cell') })
      .strict()
      .optional(),
    feedback: z
      .object({
        losses: z.union([z.string().min(1), lossesSchema]),
        alpha: z.number().finite().positive(),
        normalise: z.enum(['max_abs', 'sum_abs', 'relative', 'none']).default('max_abs'),
        max_change: z.number().finite().positive().max(1).optional(),
        weights: perUnit.optional(),
        scope: z.enum(['global', 'per_language']).default('global'),
      })
      .strict()
      .optional(),
  })
  .strict();
export type TargetSpec = z.infer<typeof targetSchema>;

export function parseStructured(text: string, file: string): unknown {
  try {
    return loadYaml().parse(text, { prettyErrors: false });
  } catch (err) {
    throw new SpecError(`${file}: cannot parse: ${(err as Error).message.split('\n')[0]}`);
  }
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new SpecError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

function validate<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown, file: string, prefix = ''): T {
  if (value === null || value === undefined) throw new SpecError(`${file}: the file is empty`);
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const key = zodPath([...(prefix ? [prefix] : []), ...issue.path]);
    const msg = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
    throw new SpecError(`${file}: ${key}: ${msg}`);
  }
  return r.data;
}

/** Read target.yaml (YAML or JSON). */
export async function readTargetSpec(file: string): Promise<TargetSpec> {
  return parseTargetSpec(await readText(file), file);
}

export function parseTargetSpec(text: string, file: string): TargetSpec {
  const spec = validate(targetSchema, parseStructured(text, file), file);
  if (spec.method === 'temperature' && spec.temperature === undefined) {
    throw new SpecError(`${file}: temperature: missing (method "temperature" needs temperature.alpha)`);
  }
  if (spec.method === 'feedback' && spec.feedback === undefined) {
    throw new SpecError(`${file}: feedback: missing (method "feedback" needs feedback.losses and feedback.alpha)`);
  }
  if (spec.method === 'target' && spec.topics === undefined && spec.languages === undefined) {
    throw new SpecError(`${file}: topics / languages: missing (method "target" needs target proportions)`);
  }
  return spec;
}

/** Read a losses file (YAML or JSON). */
export async function readLosses(file: string): Promise<Losses> {
  return validate(lossesSchema, parseStructured(await readText(file), file), file);
}
