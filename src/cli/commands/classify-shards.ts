import type { Command } from 'commander';
import { loadModelHandle } from '../../classifier.js';
import { int, note } from '../options.js';
import { cliMessage } from '../run-command.js';
import type { BackendPreference } from '../../model/backend.js';
import { TooManyErrors } from '../../executor/run-pipeline.js';
import { UsageError } from '../../errors.js';
import { runShards, type ExtraClassifyOptions, type ShardResult } from '../../executor/run-shard.js';
import { selectShards } from '../shard-select.js';
import { shardName } from '../../executor/shard-files.js';
import { REPORT_DEFAULTS } from '../../defaults.js';

/** The options addShardOptions adds to `classify`. */
export interface ShardFlags {
  outputDir?: string;
  shard?: string;
  shards?: number;
  resume?: boolean;
  overwrite?: boolean;
  gzip?: boolean;
  reportTokenizer?: string;
  reportGroupBy?: string;
}

/** The `classify` options a sharded run uses besides its own (see classify.ts). */
export interface ShardedClassifyFlags extends ShardFlags {
  model?: string;
  errors?: string;
  field: string;
  topK: number;
  threshold: number;
  allScores: boolean;
  parts: number;
  partChars: number;
  partsMinChars: number;
  maxErrors?: number;
  maxLineBytes?: number;
  batchSize: number;
  backend: BackendPreference;
  verbose: boolean;
}

/** Adds the sharded-output options to the classify command. */
export function addShardOptions(cmd: Command): Command {
  return cmd
    .option('--output-dir <dir>', 'sharded output: DIR/part-IIIII.jsonl per shard, with .errors.jsonl, .report.json and a completion marker in DIR/.done/ (instead of -o)')
    .option(
      '--shard <i/n>',
      'with --output-dir: run only shard i of n (from 0); default: the array task of Slurm (SLURM_ARRAY_TASK_ID), a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) or AWS Batch (AWS_BATCH_JOB_ARRAY_INDEX)',
    )
    .option('--shards <n>', 'with --output-dir: number of shards; without --shard (and outside an array job) runs all of them in this process (default 1)', int('--shards', 1))
    .option('--resume', 'with --output-dir: skip shards already done with the same inputs and settings, redo unfinished ones', false)
    .option('--overwrite', 'with --output-dir: when DIR holds the parts of another plan (see DIR/plan.json), remove them and start over', false)
    .option('--gzip', 'with --output-dir: write part-IIIII.jsonl.gz', false)
    .option('--report-tokenizer <name>', 'with --output-dir: token counter of the part reports (o200k | cl100k | llama3 | qwen2 | chars | words)', REPORT_DEFAULTS.tokenizer)
    .option('--report-group-by <field>', 'with --output-dir: the part reports also split by this input field');
}

function checkFlags(f: ShardedClassifyFlags, cmd: Command): void {
  const given = (key: string): boolean => cmd.getOptionValueSource(key) === 'cli';
  if (f.outputDir === undefined) {
    const stray = ['shard', 'shards', 'resume', 'overwrite', 'gzip', 'reportTokenizer', 'reportGroupBy'].find(given);
    if (stray) throw new UsageError(`--${stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --output-dir`);
    return;
  }
  if (given('output')) throw new UsageError('give -o/--output (one output file) or --output-dir (one part per shard), not both');
  if (f.errors !== undefined) throw new UsageError('--errors cannot be used with --output-dir: each shard writes DIR/part-IIIII.errors.jsonl');
}

const line = (r: ShardResult, count: number): string => {
  const c = r.counts;
  const what = r.status === 'skipped' ? 'done before, skipped' : `${r.seconds.toFixed(2)} s`;
  return `shard ${r.index}/${count} (${shardName(r.index)}): read ${c.read}, tagged ${c.tagged}, errors ${c.errors} (${what})`;
};

/**
 * The `--output-dir` mode of classify; returns false (and does nothing) without --output-dir, after
 * rejecting sharding options that need it. Prints one line per shard and the total
 * `read N, tagged N, errors N` of the shards this process is responsible for (skipped ones included).
 * `classifyOptions`: further classify options from the command (e.g. worker threads), passed through.
 */
export async function runShardedClassify(inputs: string[], f: ShardedClassifyFlags, cmd: Command, classifyOptions?: ExtraClassifyOptions): Promise<boolean> {
  checkFlags(f, cmd);
  if (f.outputDir === undefined) return false;
  const sel = selectShards({ ...(f.shard !== undefined && { shard: f.shard }), ...(f.shards !== undefined && { shards: f.shards }) });
  const t0 = performance.now();
  // runShards loads the weights where they are used (once in this thread, or in each worker)
  const clf = await loadModelHandle(f.model, { backend: f.backend, batchSize: f.batchSize });
  if (f.verbose) {
    note(`model ${clf.dir} (${clf.labels.length} labels)`);
    note(`shards ${sel.indices.length === sel.count ? `all ${sel.count}` : sel.indices.join(',')} of ${sel.count} (${sel.source}) into ${f.outputDir}`);
  }
  const total = { read: 0, tagged: 0, errors: 0, replaced: 0 };
  try {
    await runShards(
      {
        clf,
        inputs,
        outDir: f.outputDir,
        count: sel.count,
        resume: f.resume === true,
        overwrite: f.overwrite === true,
        gzip: f.gzip === true,
        reportOptions: { ...(f.reportTokenizer !== undefined && { tokenizer: f.reportTokenizer }), groupBy: f.reportGroupBy ?? null },
        field: f.field,
        topK: f.topK,
        threshold: f.threshold,
        allScores: f.allScores,
        parts: f.parts,
        partChars: f.partChars,
        partsMinChars: f.partsMinChars,
        ...(f.maxErrors !== undefined && { maxErrors: f.maxErrors }),
        ...(f.maxLineBytes !== undefined && { maxLineBytes: f.maxLineBytes }),
        ...(classifyOptions !== undefined && { classifyOptions }),
      },
      sel.indices,
      (r) => {
        total.read += r.counts.read;
        total.tagged += r.counts.tagged;
        total.errors += r.counts.errors;
        total.replaced += r.counts.replaced ?? 0;
        note(line(r, sel.count));
      },
    );
  } catch (err) {
    if (err instanceof TooManyErrors) {
      note(`read ${total.read + err.counts.read}, tagged ${total.tagged + err.counts.tagged}, errors ${total.errors + err.counts.errors}`);
      note(`topicmix: ${cliMessage(err.message)}; that shard is not done (its error records are in ${f.outputDir})`);
      process.exitCode = 2;
      return true;
    }
    throw err;
  }
  note(`read ${total.read}, tagged ${total.tagged}, errors ${total.errors}`);
  if (total.replaced) note(replacedNote(total.replaced, classifyOptions?.keepExisting === true));
  if (f.verbose) note(`${((performance.now() - t0) / 1000).toFixed(2)} s`);
  return true;
}

/** Says that input fields were replaced: nothing is changed silently. */
export function replacedNote(lines: number, keepExisting: boolean): string {
  const what = `${lines} line${lines === 1 ? '' : 's'} already had fields that classify writes (topic, topics, scores, lang, ...)`;
  return keepExisting ? `${what}: their old values are under "replaced_fields"` : `${what}: they were replaced (--keep-existing keeps the old values under "replaced_fields")`;
}
