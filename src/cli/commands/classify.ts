import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { loadModelHandle } from '../../classifier.js';
import { resolveInputs } from '../../io/inputs.js';
import { classifyFiles, TooManyErrors, type ClassifyCounts } from '../../executor/run-pipeline.js';
import { backend, int, note, num } from '../options.js';
import { cliMessage } from '../run-command.js';
import { addShardOptions, replacedNote, runShardedClassify, type ShardedClassifyFlags } from './classify-shards.js';
import { progressBar } from '../progress.js';
import { OUTPUT_DEFAULTS, PART_SPLIT, PREDICT_DEFAULTS, READ_DEFAULTS } from '../../defaults.js';

/** The flags of `classify`: the ones a sharded run also uses, plus single-output and speed options. */
interface ClassifyFlags extends ShardedClassifyFlags {
  output: string;
  workers?: number;
  unordered: boolean;
  htmlField?: string;
  dropHtml: boolean;
  keepExisting: boolean;
  maxDocBytes?: number;
  progress: boolean;
}

export function registerClassifyCommand(program: Command): void {
  const cmd = program
    .command('classify')
    .description('add topic tags to every document of JSONL files (or stdin): topic, topic_score, topics, lang')
    .argument('[inputs...]', 'JSONL files or globs (.jsonl, .jsonl.gz), WARC/WET files (.warc, .warc.gz, .wet.gz); none or "-" reads stdin')
    .option('--model <dir>', 'model folder (default: the shipped default model)')
    .option('-o, --output <file>', 'output JSONL (.gz compresses); "-" = stdout', '-')
    .option('--errors <file>', 'error records, one per bad line (default: <output>.errors.jsonl, or stderr when the output is stdout, a FIFO or a device)')
    .option('--field <name>', 'field holding the text', READ_DEFAULTS.field)
    .option('--top-k <n>', 'labels listed in "topics"', int('--top-k', 1), PREDICT_DEFAULTS.topK)
    .option('--threshold <p>', '"topic" is null when the top probability is below this', num('--threshold', 0, 1), PREDICT_DEFAULTS.threshold)
    .option('--all-scores', 'add "scores": the probability of every label', PREDICT_DEFAULTS.allScores)
    .option('--parts <n>', `long pages (--parts-min-chars) also get "topic_parts": the top topic of each of n parts (2-${PART_SPLIT.maxParts}; 0 = off)`, int('--parts', 0), PREDICT_DEFAULTS.parts)
    .option('--part-chars <n>', 'or: parts of about n characters each (0 = off)', int('--part-chars', 0), PREDICT_DEFAULTS.partChars)
    .option('--parts-min-chars <n>', 'pages of at least n characters are split into parts', int('--parts-min-chars', 1), PREDICT_DEFAULTS.partsMinChars)
    .option('--max-errors <n>', 'stop with exit code 2 after more than n bad lines', int('--max-errors', 0))
    .option(
      '--max-doc-bytes <n>',
      'longer documents (JSONL lines, WARC records) become error records, unread (default 64 MiB); longer texts within it are classified in chunks',
      int('--max-doc-bytes', 1),
    )
    .option('--max-line-bytes <n>', 'alias of --max-doc-bytes', int('--max-line-bytes', 1))
    .option('--html-field <name>', 'classify the main text of the raw HTML in this field (Readability, else visible text); the text goes to --field')
    .option('--drop-html', 'leave the --html-field HTML out of the output lines', false)
    .option('--keep-existing', 'an input that already has fields classify writes (topic, topics, scores, lang, ...): keep their old values under "replaced_fields"', OUTPUT_DEFAULTS.keepExisting)
    .option('--workers <n>', 'worker threads, each with its own model (default: the number of cores; 1 for stdin and inputs under 4 MB)', int('--workers', 1))
    .option('--unordered', 'with workers: write batches as they finish, not in input order', false)
    .option('--batch-size <n>', 'documents per model call', int('--batch-size', 1), PREDICT_DEFAULTS.batchSize)
    .option('--backend <name>', 'auto (= js) | js (topicmix linear kernel) | tensorflow | wasm | cpu (TensorFlow.js)', backend, 'auto')
    .option('--verbose', 'print the backend and timing', false)
    .option('--no-progress', 'no progress bar (it is drawn only when stderr is a terminal)');
  // --- sharded output (src/executor/) ---
  addShardOptions(cmd);
  // --- end of sharded output ---
  cmd.action(async (inputs: string[], f: ClassifyFlags) => {
    const maxDocBytes = f.maxDocBytes ?? f.maxLineBytes;
    const files = inputs.length ? inputs : ['-'];
    const workers = f.workers ?? (await defaultWorkers(files));
    const extra = {
      workers,
      ...(f.unordered && { unordered: true }),
      ...(f.htmlField !== undefined && { htmlField: f.htmlField }),
      ...(f.dropHtml && { dropHtml: true }),
      ...(f.keepExisting && { keepExisting: true }),
    };
    if (await runShardedClassify(inputs, { ...f, ...(maxDocBytes !== undefined && { maxLineBytes: maxDocBytes }) }, cmd, extra)) return; // --output-dir: one part per shard
    const t0 = performance.now();
    // the pipeline loads the weights where they are used (this thread, or each worker)
    const clf = await loadModelHandle(f.model, { backend: f.backend, batchSize: f.batchSize });
    const onStart = (s: { backend: string }): void => {
      if (f.verbose)
        note(
          `model ${clf.dir} (${clf.labels.length} labels${clf.metadata.weightsSha256 === undefined ? ', weights unverified: model.json records no weightsSha256' : ''}), backend ${s.backend}, loaded in ${((performance.now() - t0) / 1000).toFixed(2)} s, ${workers} worker${workers > 1 ? 's' : ''}`,
        );
    };
    const total = f.progress ? await storedBytes(files) : 0;
    const bar = total > 0 ? progressBar(total, 'classify [{bar}] {percentage}% | {docs} docs | {rate} docs/s | {mbs} MB/s | ETA {eta_formatted}', { docs: 0, rate: 0, mbs: '0.0' }) : undefined;
    const onProgress = (c: ClassifyCounts, stored: number): void => {
      const s = (performance.now() - t0) / 1000;
      bar?.update(Math.min(total, stored), { docs: c.read, rate: Math.round(c.read / s), mbs: (c.bytes / s / 1e6).toFixed(1) });
    };
    let counts: ClassifyCounts;
    try {
      counts = await classifyFiles(clf, {
        inputs: files,
        output: f.output,
        ...(f.errors && { errors: f.errors }),
        field: f.field,
        topK: f.topK,
        threshold: f.threshold,
        allScores: f.allScores,
        parts: f.parts,
        partChars: f.partChars,
        partsMinChars: f.partsMinChars,
        ...(f.maxErrors !== undefined && { maxErrors: f.maxErrors }),
        ...(maxDocBytes !== undefined && { maxLineBytes: maxDocBytes }),
        ...extra,
        onStart,
        onProgress,
      });
    } catch (err) {
      bar?.stop();
      if (err instanceof TooManyErrors) {
        note(`read ${err.counts.read}, tagged ${err.counts.tagged}, errors ${err.counts.errors}`);
        note(`topicmix: ${cliMessage(err.message)}; ${f.output === '-' ? 'output ends with the lines read before the stop' : 'no output written'}`);
        process.exitCode = 2;
        return;
      }
      throw err;
    }
    bar?.stop();
    const s = (performance.now() - t0) / 1000;
    note(`read ${counts.read}, tagged ${counts.tagged}, errors ${counts.errors}`);
    if (counts.replaced) note(replacedNote(counts.replaced, f.keepExisting));
    const skipped = Object.entries(counts.skipped ?? {});
    if (skipped.length) note(`skipped WARC records that are not documents: ${skipped.map(([k, v]) => `${k} ${v}`).join(', ')}`);
    if (f.verbose) note(`${s.toFixed(2)} s, ${Math.round(counts.read / s)} docs/s, ${(counts.bytes / s / 1e6).toFixed(1)} MB/s`);
  });
}

/** One worker per core, except for stdin and small inputs, where starting workers costs more than it saves. */
async function defaultWorkers(inputs: string[]): Promise<number> {
  const cores = availableParallelism();
  if (cores <= 1 || inputs.includes('-')) return 1;
  try {
    let total = 0;
    for (const f of await resolveInputs(inputs)) total += (await stat(f)).size;
    return total < 4 * 1024 * 1024 ? 1 : cores;
  } catch {
    return 1;
  }
}

/** Total stored size of the input files (compressed for .gz), for the progress bar; 0 when unknown (stdin) or not a terminal. */
async function storedBytes(inputs: string[]): Promise<number> {
  if (!process.stderr.isTTY) return 0;
  try {
    const files = await resolveInputs(inputs);
    if (files.includes('-')) return 0;
    let total = 0;
    for (const f of files) total += (await stat(f)).size;
    return total;
  } catch {
    return 0;
  }
}
