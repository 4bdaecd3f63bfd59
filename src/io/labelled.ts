import type { ErrorRecord, LabelledExample } from '../types.js';
import { resolveInputs } from './inputs.js';
import { readLineBatches } from './line-reader.js';
import { parseLabelledLine } from './records.js';

export interface ReadLabelledResult {
  examples: LabelledExample[];
  /** One record per bad line; `examples.length + errors.length === lines`. */
  errors: ErrorRecord[];
  lines: number;
}

/**
 * Read labelled JSONL from files or glob patterns (`-` = stdin; see resolveInputs). Bad lines do not
 * stop the read: they come back as error records, and the caller decides whether to fail.
 */
export async function readLabelled(
  files: string[],
  opts: { field?: string; maxLineBytes?: number } = {},
): Promise<ReadLabelledResult> {
  const paths = await resolveInputs(files);
  const examples: LabelledExample[] = [];
  const errors: ErrorRecord[] = [];
  const parseOpts = opts.field === undefined ? {} : { field: opts.field };
  const readOpts = opts.maxLineBytes === undefined ? {} : { maxLineBytes: opts.maxLineBytes };
  let lines = 0;
  for (const path of paths) {
    for await (const batch of readLineBatches(path, readOpts)) {
      lines += batch.length;
      for (const raw of batch) {
        const r = parseLabelledLine(raw, parseOpts);
        if (r.ok) examples.push(r.example);
        else errors.push(r.error);
      }
    }
  }
  return { examples, errors, lines };
}

/** The first `max` error messages, one per line, then "... and K more" when there are more. */
export function formatErrors(errors: ErrorRecord[], max = 10): string {
  const shown = errors.slice(0, Math.max(0, max)).map((e) => e.message);
  const rest = errors.length - shown.length;
  if (rest > 0) shown.push(`... and ${rest} more`);
  return shown.join('\n');
}
