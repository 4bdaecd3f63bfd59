import { existsSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { Classifier, loadClassifier, loadModelHandle, type ModelHandle, type PredictOptions } from '../classifier.js';
import type { BackendPreference } from '../model/backend.js';
import { AtomicWriter } from '../io/atomic-writer.js';
import { writeErrorRecordsToStderr } from '../io/error-sink.js';
import { checkOutputTargets, resolveOutputTarget } from '../io/output-target.js';
import { readLineAlignedChunks } from '../io/chunk-reader.js';
import { InputError, isGzipPath, resolveInputs } from '../io/inputs.js';
import { DEFAULT_MAX_LINE_BYTES, readLineBatches, type RawLine } from '../io/line-reader.js';
import { isWarcPath } from '../io/warc-path.js';
import type { WarcDoc } from '../io/warc-reader.js';
import { prepareBatch, runBatch, truncateResult, type BatchResult, type BatchSetup, type ReadOptions } from '../pipeline/run-batch.js';
import { OWN_FIELDS, tagFormat } from '../pipeline/output-record.js';
import { UsageError } from '../errors.js';
import type { DocCount } from '../pipeline/steps/count.js';
import { planPieces } from './shard-plan.js';
import { countSetup, WorkerPool, type CountSpec } from './worker-pool.js';
import { OUTPUT_DEFAULTS, READ_DEFAULTS } from '../defaults.js';

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
  /** Error records path. Default `<output>.errors.jsonl`, or stderr when writing to stdout, a FIFO or a device. */
  errors?: string;
  /** Field holding the text. Default 'text'. With `htmlField`, the field the extracted text is written to. */
  field?: string;
  /** Field holding raw HTML whose main text is extracted and classified (Readability, else all visible text). */
  htmlField?: string;
  /** Leave the raw HTML out of the output lines. Default false for JSONL (nothing is dropped unasked); WARC HTML is never copied. */
  dropHtml?: boolean;
  /**
   * Keep the input's own values of the fields classify writes (topic, topics, scores, lang, ...) under
   * `replaced_fields`. Default false (OUTPUT_DEFAULTS): they are replaced.
   */
  keepExisting?: boolean;
  /** Stop (exit code 2) after more than this many bad lines. Default: never. */
  maxErrors?: number;
  /** Lines longer than this are error records. Default 64 MiB. */
  maxLineBytes?: number;
  /** Worker threads, each with its own copy of the model. Default 1 (in this thread). */
  workers?: number;
  /** With workers: write each batch as soon as it is done instead of in input order. */
  unordered?: boolean;
  /** Called once the model is loaded (in every worker), before the first batch: the tfjs backend in use. */
  onStart?: (info: { backend: string; workers: number }) => void;
  /**
   * Called after each batch with the running counts and how far the inputs have been read, in bytes as
   * stored (compressed bytes for .gz; stdin counts 0): compare it with the inputs' sizes for a progress bar.
   */
  onProgress?: (counts: ClassifyCounts, storedBytes: number) => void;
  /**
   * Count every written document for a report in the same pass (see `onCounted`): the tokenizer by name,
   * the group field, and whether topic terms are collected.
   */
  count?: CountSpec;
  /** With `count`: each batch's written documents as the report counts them, in output order. */
  onCounted?: (docs: DocCount[]) => void;
}

export interface ClassifyCounts {
  read: number;
  tagged: number;
  errors: number;
  bytes: number;
  /** Tagged lines whose input already had fields classify writes (topic, scores, ...): replaced, or kept under `replaced_fields` with `keepExisting`. Absent when none. */
  replaced?: number;
  /** WARC records that are not documents (warcinfo, requests, non-HTML responses, ...), by kind; not in `read`. */
  skipped?: Record<string, number>;
}

/** A run stopped by its error budget (`maxErrors`); `counts` are the lines read up to the stop. */
export class TooManyErrors extends Error {
  override name = 'TooManyErrors';
  constructor(
    readonly counts: ClassifyCounts,
    readonly limit: number,
  ) {
    super(`stopped: ${counts.errors} bad lines, more than \`maxErrors\` ${limit}`);
  }
}

type SourceBatch = { lines: RawLine[]; read: ReadOptions } | { records: WarcDoc[]; read: ReadOptions };

async function* jsonlBatches(
  path: string,
  read: ReadOptions,
  maxLineBytes: number | undefined,
  range: { start: number; end: number } | undefined,
  onStoredBytes: (bytes: number) => void,
): AsyncGenerator<SourceBatch> {
  // 256 KB reads: batches of ~1,000 short documents keep each batch's output string small (large strings
  // live in V8's large-object space until a full GC; 1 MB batches raised peak RSS by ~40 MB on 1 GB)
  const opts = { maxLineBytes: maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, highWaterMark: 256 * 1024, ...(range && { range }), onStoredBytes };
  for await (const lines of readLineBatches(path, opts)) yield { lines, read };
}

/**
 * WARC/WET records as documents (see pipeline/steps/read-warc.ts): HTML is extracted and not copied to
 * the output. Records that are not documents are counted in `counts.skipped`.
 */
async function* warcBatches(path: string, field: string, counts: ClassifyCounts, maxRecordBytes: number | undefined): AsyncGenerator<SourceBatch> {
  // loaded here, not at start-up: the WARC parser is only for WARC input
  const { emptyWarcStats, readWarcDocs } = await loadWarcReader(path);
  const stats = emptyWarcStats();
  const read: ReadOptions = { field };
  for await (const records of readWarcDocs(path, { stats, ...(maxRecordBytes !== undefined && { maxRecordBytes }) })) yield { records, read };
  const skipped = (counts.skipped ??= {});
  for (const [k, v] of Object.entries(stats.skipped)) skipped[k] = (skipped[k] ?? 0) + v;
  if (stats.tooLarge) skipped.too_large = (skipped.too_large ?? 0) + stats.tooLarge;
}

/** Bytes per piece of a file given to one worker: 512 KiB ran as fast as the old read-sized chunks (256 KiB: 2% slower). */
const PIECE_BYTES = 512 * 1024;

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    throw new InputError(path, `cannot open ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** The WARC reader; warcio is an optional dependency (`npm ci --omit=optional` leaves it out). */
async function loadWarcReader(path: string): Promise<typeof import('../io/warc-reader.js')> {
  try {
    return await import('../io/warc-reader.js');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND' || !String((err as Error).message).includes('warcio')) throw err;
    throw new InputError(path, `${path}: reading WARC/WET files needs the optional dependency warcio, which is not installed; install it with: npm install warcio`, { cause: err });
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
export async function classifyFiles(model: Classifier | ModelHandle, options: ClassifyFilesOptions): Promise<ClassifyCounts> {
  const field = options.field ?? READ_DEFAULTS.field;
  for (const [name, v] of [
    ['field', field],
    ['htmlField', options.htmlField],
  ] as const) {
    // the output replaces these fields: the document's own text (or HTML) would be lost
    if (v !== undefined && (OWN_FIELDS as readonly string[]).includes(v)) throw new UsageError(`\`${name}\` "${v}" is a field classify writes (${OWN_FIELDS.join(', ')}): pick another field`, name);
  }
  const files = await resolveSpecs(options.inputs);
  // next to a FIFO or a device (`-o /dev/null`) there is no place for `<output>.errors.jsonl`: stderr, as for stdout
  const streamed = (await resolveOutputTarget(options.output)).kind !== 'file';
  const errorsPath = options.errors ?? (streamed ? '-stderr' : defaultErrorsPath(options.output));
  await checkOutputTargets(
    files.map((f) => (typeof f === 'string' ? f : f.path)),
    [
      { path: options.output, what: '`output`' },
      { path: errorsPath, what: options.errors === undefined ? 'errors file (`errors` default)' : '`errors`' },
    ],
  );
  const counts: ClassifyCounts = { read: 0, tagged: 0, errors: 0, bytes: 0 };
  const predict: PredictOptions = {
    ...(options.topK !== undefined && { topK: options.topK }),
    ...(options.threshold !== undefined && { threshold: options.threshold }),
    ...(options.allScores !== undefined && { allScores: options.allScores }),
    ...(options.parts !== undefined && { parts: options.parts }),
    ...(options.partChars !== undefined && { partChars: options.partChars }),
    ...(options.partsMinChars !== undefined && { partsMinChars: options.partsMinChars }),
  };
  const keepExisting = options.keepExisting ?? OUTPUT_DEFAULTS.keepExisting;
  const format = tagFormat(model.labels, model.predictOptions(predict), model.metadata.abstain, keepExisting, model.metadata.multiLabel?.thresholds);
  const workers = options.workers ?? 1;
  // in this thread a handle is not enough: load the weights
  const inlineClf = workers > 1 ? undefined : model instanceof Classifier ? model : await loadClassifier(model.dir, { backend: model.backend, batchSize: model.batchSize });
  const inline: BatchSetup | undefined = inlineClf && { clf: inlineClf, format, ...(options.count && { count: await countSetup(options.count) }) };
  // workers start (and load the model) before the output is opened, so a model that fails leaves no temp file
  const pool =
    workers > 1
      ? await WorkerPool.start(workers, { modelDir: model.dir, backend: model.backend, batchSize: model.batchSize, predict, keepExisting, ...(options.count && { count: options.count }) })
      : undefined;
  options.onStart?.({ backend: pool ? pool.backend : inlineClf!.backend, workers });
  let out: AtomicWriter;
  try {
    out = await AtomicWriter.open(options.output);
  } catch (err) {
    await pool?.close();
    throw err;
  }
  let errOut: AtomicWriter | undefined;
  const tag = async (b: SourceBatch): Promise<BatchResult> => {
    if (pool) return 'records' in b ? pool.processRecords(b.records, b.read) : pool.process(b.lines, b.read);
    await prepareBatch(b.read, 'records' in b);
    return runBatch(inline!, b);
  };
  const jsonlRead: ReadOptions = { field, ...(options.htmlField !== undefined && { htmlField: options.htmlField }), ...(options.dropHtml && { dropHtml: true }) };
  // how far the inputs have been read, in stored bytes: files finished + the current one
  let storedDone = 0;
  let storedPos = 0;
  // batches in flight, oldest first: results are written in input order whatever finishes first (unless unordered)
  const inFlight: Promise<BatchResult>[] = [];
  const maxInFlight = pool ? 2 * pool.size : 1;

  const writeErrors = async (text: string): Promise<void> => {
    if (text.length === 0) return;
    if (errorsPath === '-stderr') await writeErrorRecordsToStderr(text);
    else {
      errOut ??= await AtomicWriter.open(errorsPath);
      const w = errOut.write(text);
      if (w) await w;
    }
  };

  const complete = async (full: BatchResult): Promise<void> => {
    let r = full;
    let stop = false;
    if (options.maxErrors !== undefined && counts.errors + r.errAt.length > options.maxErrors) {
      // stop right after the bad line that went over the limit; the lines before it still count
      const over = options.maxErrors - counts.errors;
      r = truncateResult(full, full.errAt[over]! + 1);
      stop = true;
    }
    counts.read += r.read;
    counts.bytes += r.bytes;
    counts.errors += r.errAt.length;
    counts.tagged += r.outAt.length;
    if (r.replacedAt.length) counts.replaced = (counts.replaced ?? 0) + r.replacedAt.length;
    if (r.counted) options.onCounted?.(r.counted);
    await writeErrors(r.errors);
    if (r.out.length) {
      const w = out.write(r.out);
      if (w) await w;
    }
    options.onProgress?.(counts, storedDone + storedPos);
    if (stop) throw new TooManyErrors(counts, options.maxErrors!);
  };

  const drainOne = async (): Promise<void> => {
    if (options.unordered && inFlight.length > 1) {
      // whichever batch finishes first
      const i = await Promise.race(inFlight.map((f, k) => f.then(() => k)));
      const [next] = inFlight.splice(i, 1);
      await complete(await next!);
      return;
    }
    await complete(await inFlight.shift()!);
  };

  try {
    for (const file of files) {
      const range = typeof file === 'string' ? undefined : { start: file.start, end: file.end };
      const path = typeof file === 'string' ? file : file.path;
      storedDone += storedPos;
      storedPos = 0;
      const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
      if (pool && !range && path !== '-' && !isGzipPath(path) && !isWarcPath(path)) {
        // workers split the lines too: this thread reads the file, cuts it where the planner cut it into
        // pieces (aligned to lines as byte ranges are) and moves each piece's bytes to a worker
        const size = await fileSize(path);
        const cuts = planPieces({ path, size }, PIECE_BYTES).map((p) => p.end);
        for await (const item of readLineAlignedChunks(path, { size, cuts, maxLineBytes })) {
          // before the bytes move to a worker (which detaches them)
          if ('chunk' in item) storedPos = item.chunk.offset + item.chunk.bytes.length;
          inFlight.push('chunk' in item ? pool.processChunk({ ...item.chunk, maxLineBytes }, jsonlRead) : tag({ lines: item.lines, read: jsonlRead }));
          while (inFlight.length >= maxInFlight) await drainOne();
        }
        storedPos = size;
        continue;
      }
      const batches =
        isWarcPath(path) && !range
          ? warcBatches(path, field, counts, options.maxLineBytes)
          : jsonlBatches(path, jsonlRead, options.maxLineBytes, range, (b) => {
              storedPos = b;
            });
      for await (const batch of batches) {
        inFlight.push(tag(batch));
        while (inFlight.length >= maxInFlight) await drainOne();
      }
      if (path !== '-') storedPos = range ? range.end - range.start : await fileSize(path);
    }
    while (inFlight.length) await drainOne();
    await out.commit();
    if (errOut) await errOut.commit();
    else if (options.errors === undefined && errorsPath !== '-stderr' && existsSync(errorsPath)) {
      // a stale errors file from an earlier run over the same output would now be wrong
      await rm(errorsPath, { force: true });
    }
  } catch (err) {
    // results still in flight may reject too; they are not needed any more
    for (const f of inFlight) f.catch(() => undefined);
    if (streamed) {
      // stdout (or a FIFO, a device) cannot be taken back, and part of it is out already: end it at a line boundary with what
      // was tagged, so that every line read is in the output or in an error record
      await out.commit().catch(() => undefined);
    } else await out.abort();
    // keep the error records of what was read: they say why the run stopped
    if (errOut) await (err instanceof TooManyErrors ? errOut.commit() : errOut.abort());
    throw err;
  } finally {
    await pool?.close();
  }
  return counts;
}

export interface RunPipelineOptions extends ClassifyFilesOptions {
  /** A loaded classifier, a model handle, or a model folder (default: the shipped default model). */
  model?: Classifier | ModelHandle | string;
  /** With a folder: the tfjs backend (default 'auto') and documents per model call (default 1024). */
  backend?: BackendPreference;
  batchSize?: number;
}

/**
 * Run the classify pipeline over files: read (JSONL, WARC/WET, byte ranges, stdin) -> extract HTML ->
 * classify -> (count for a report) -> write, in this thread or `workers` threads. Every input line
 * becomes an output line or an error record; outputs appear under their final names only when complete.
 */
export async function runPipeline(options: RunPipelineOptions): Promise<ClassifyCounts> {
  const { model, backend, batchSize, ...rest } = options;
  const load = { ...(backend !== undefined && { backend }), ...(batchSize !== undefined && { batchSize }) };
  const clf = typeof model === 'string' || model === undefined ? await ((rest.workers ?? 1) > 1 ? loadModelHandle : loadClassifier)(model, load) : model;
  return classifyFiles(clf, rest);
}
