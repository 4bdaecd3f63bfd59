import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { modelIdentitySchema, zodPath } from '../report/read-report.js';
import { WEIGHTS_SCHEMA, type WeightsFile } from './weights-types.js';

export class WeightsFileError extends Error {
  override name = 'WeightsFileError';
}

const nonNeg = z.number().finite().min(0);
const shareRow = z.object({
  key: z.string(),
  available: nonNeg,
  available_share: nonNeg,
  target_share: nonNeg,
  achieved_amount: nonNeg,
  achieved_share: nonNeg,
});

/** The parts of weights.json that sample and the HTML report rely on are checked; the rest is passed through. */
const weightsSchema = z
  .object({
    schema: z.literal(WEIGHTS_SCHEMA),
    method: z.enum(['target', 'temperature', 'feedback']),
    unit: z.enum(['tokens', 'docs', 'chars']),
    model: modelIdentitySchema,
    max_repeat: z.number().finite().positive(),
    cells: z
      .array(
        z
          .object({
            topic: z.string().min(1),
            lang: z.string().min(1),
            docs: nonNeg,
            available: nonNeg,
            weight: nonNeg,
            target_share: nonNeg,
            achieved_share: nonNeg,
          })
          .passthrough(),
      )
      .min(1),
    by_topic: z.array(shareRow),
    by_lang: z.array(shareRow),
    shortfalls: z.array(z.object({ key: z.string(), message: z.string() }).passthrough()),
  })
  .passthrough();

export async function readWeights(file: string): Promise<WeightsFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new WeightsFileError(`cannot read weights ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new WeightsFileError(`${file}: invalid JSON: ${(err as Error).message}`);
  }
  const r = weightsSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new WeightsFileError(`${file}: ${zodPath(issue.path)}: ${issue.message}${issue.path[0] === 'schema' ? ' (not a topicmix weights file?)' : ''}`);
  }
  const w = r.data as unknown as WeightsFile;
  // rebalance never gives a cell more than max_repeat copies per document; a larger weight was edited in
  w.cells.forEach((c, i) => {
    if (c.weight > w.max_repeat * (1 + 1e-9)) {
      throw new WeightsFileError(
        `${file}: cells[${i}].weight: ${c.weight} (${c.lang}/${c.topic}) is more than max_repeat ${w.max_repeat}: no document is repeated more than max_repeat times; make the weights again with topicmix rebalance`,
      );
    }
  });
  return w;
}
