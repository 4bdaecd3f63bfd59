import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Classifier, PredictOptions } from '../classifier.js';
import { AtomicWriter } from '../io/atomic-writer.js';
import { resolveInputs } from '../io/inputs.js';
import { DEFAULT_MAX_LINE_BYTES, readLineBatches, type RawLine } from '../io/line-reader.js';
import { parseDocLine } from '../io/records.js';
import type { ErrorRecord } from '../types.js';
import { outputLine, tagFormat } from './output-record.js';

/** A byte range of one uncompressed input file (see ReadLinesOptions.range). */
export interface InputRange {
  path: string;
  start: number;
  end: number;
}

export interface ClassifyFilesOptions extends PredictOptions {
  /** Input files, globs, '-' for stdin, or byte ranges of files (shards of a large file). */
  inputs: (string | InputRange)[];
  /** Output path ('-' = stdout); .gz compresses. */
  output: string;
  /** Error records path. Default `<output>.errors.jsonl`, or stderr when writing to stdout. */
  errors?: string;
  /** Field holding the text. Default 'text'. */
  field?: string;
  /** Stop (exit code 2) after more than this many bad lines. Default: never. */
  maxErrors?: number;
  /** Lines longer than this are error records. Default 64 MiB. */
  maxLineBytes?: number;
  /** Called after each batch with the running counts. */
  onProgress?: (counts: ClassifyCounts) => void;
}

export interface ClassifyCounts {
  read: number;
  tagged: number;
  errors: number;
  bytes: number;
}

export class TooManyErrors extends Error {
  constructor(readonly counts: ClassifyCounts, limit: number) {
    super(`stopped: ${counts.errors} bad lines, more than --max-errors ${limit}`);
  }
}

/** Globs and names resolved (see resolveInputs); byte ranges kept as they are, in the caller's order. */
async function resolveSpecs(inputs: (string | InputRange)[]): Promise<(string | InputRange)[]> {
  if (inputs.every((x) => typeof x === 'string')) return resolveInputs(inputs as string[]);
  const out: (string | InputRange)[] = [];
  for (const x of inputs) out.push(...(typeof x === 'string' ? await resolveInputs([x]) : [x]));
  return out;
}

/** Default errors file for an output path. */
export function defaultErrorsPath(output: string): string {
  return `${output.replace(/\.gz$/, '').replace(/\.jsonl$/, '')}.errors.jsonl`;
}

/**
 * read -> parse -> classify -> write, over every input line: each line becomes an output line or an error
 * record (read = tagged + errors). Outputs appear under their final names only when complete.
 */
export async function classifyFiles(clf: Classifier, options: ClassifyFilesOptions): Promise<ClassifyCounts> {
  const field = options.field ?? 'text';
  const files = await resolveSpecs(options.inputs);
  const errorsPath = options.errors ?? (options.output === '-' ? '-stderr' : defaultErrorsPath(options.output));
  const out = await AtomicWriter.open(options.output);
  let errOut: AtomicWriter | undefined;
  const counts: ClassifyCounts = { read: 0, tagged: 0, errors: 0, bytes: 0 };
  const format = tagFormat(
    clf.labels,
    clf.predictOptions({
      ...(options.topK !== undefined && { topK: options.topK }),
      ...(options.threshold !== undefined && { threshold: options.threshold }),
      ...(options.allScores !== undefined && { allScores: options.allScores }),
    }),
  );
  const batchSize = clf.batchSize;
  let rawLines: string[] = [];
  let objs: Record<string, unknown>[] = [];
  let texts: string[] = [];

  const writeError = async (e: ErrorRecord): Promise<void> => {
    counts.errors++;
    const line = JSON.stringify(e) + '\n';
    if (errorsPath === '-stderr') process.stderr.write(line);
    else {
      errOut ??= await AtomicWriter.open(errorsPath);
      const w = errOut.write(line);
      if (w) await w;
    }
    if (options.maxErrors !== undefined && counts.errors > options.maxErrors) {
      // classify the good lines already read, so that the summary still has read = tagged + errors
      await flush();
      throw new TooManyErrors(counts, options.maxErrors);
    }
  };

  const flush = async (): Promise<void> => {
    if (texts.length === 0) return;
    const { probs, scripts, chunks } = clf.scoreTexts(texts);
    const K = clf.labels.length;
    let chunk = '';
    for (let i = 0; i < texts.length; i++) chunk += outputLine(rawLines[i]!, objs[i]!, probs.subarray(i * K, i * K + K), scripts[i]!, chunks[i]!, format) + '\n';
    counts.tagged += texts.length;
    rawLines = [];
    objs = [];
    texts = [];
    const w = out.write(chunk);
    if (w) await w;
  };

  try {
    for (const file of files) {
      const range = typeof file === 'string' ? undefined : { start: file.start, end: file.end };
      const path = typeof file === 'string' ? file : file.path;
      for await (const batch of readLineBatches(path, { maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, ...(range && { range }) })) {
        for (const raw of batch as RawLine[]) {
          counts.read++;
          counts.bytes += raw.byteLength + 1;
          const parsed = parseDocLine(raw, field);
          if (!parsed.ok) {
            await writeError(parsed.error);
            continue;
          }
          rawLines.push(raw.text!);
          objs.push(parsed.obj);
          texts.push(parsed.text);
          if (texts.length >= batchSize) await flush();
        }
        options.onProgress?.(counts);
      }
    }
    await flush();
    await out.commit();
    if (errOut) await errOut.commit();
    else if (options.errors === undefined && errorsPath !== '-stderr' && existsSync(errorsPath)) {
      // a stale errors file from an earlier run over the same output would now be wrong
      await rm(errorsPath, { force: true });
    }
  } catch (err) {
    if (options.output === '-') {
      // stdout cannot be taken back, and part of it is out already: end it at a line boundary with what
      // was tagged, so that every line read is in the output or in an error record
      await out.commit().catch(() => undefined);
    } else await out.abort();
    // keep the error records of what was read: they say why the run stopped
    if (errOut) await (err instanceof TooManyErrors ? errOut.commit() : errOut.abort());
    throw err;
  }
  return counts;
}
