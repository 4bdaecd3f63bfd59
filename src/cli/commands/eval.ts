import type { Command } from 'commander';
import { READ_DEFAULTS } from '../../defaults.js';
import { formatMetricsTable } from '../../eval/metrics.js';
import { formatMultiLabelTable } from '../../eval/multilabel-metrics.js';
import { evaluateModel } from '../../evaluate.js';
import type { BackendPreference } from '../../model/backend.js';
import { backend, note } from '../options.js';

interface EvalFlags {
  model?: string;
  data?: string[];
  map?: string[];
  labels?: string;
  pool?: string[];
  dataRoot: string;
  field: string;
  json: boolean;
  backend: BackendPreference;
  ignoreUnknown: boolean;
  skipBadLines: boolean;
  verbose: boolean;
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description(
      'evaluate a model on labelled JSONL: accuracy, macro-F1, worst-class accuracy, per class, confusion, ECE; on multi-label models or data also micro/macro precision, recall, F1, subset accuracy, Hamming loss',
    )
    .option('--model <dir>', 'model folder (default: the shipped default model)')
    .option('--data <files...>', 'labelled JSONL files or globs')
    .option('--map <files...>', 'label mapping YAML files: evaluate their test files with mapped labels')
    .option('--labels <dir>', 'label set: evaluate its held-out pool-label rows (split heldout), joined with --pool')
    .option('--pool <files...>', 'document pool (JSONL: id, text) for --labels')
    .option('--data-root <dir>', 'root of the files named in mappings', READ_DEFAULTS.dataRoot)
    .option('--field <name>', 'text field', READ_DEFAULTS.field)
    .option('--json', 'print one JSON object', false)
    .option('--backend <name>', 'auto (= js) | js (topicmix linear kernel) | tensorflow | wasm | cpu (TensorFlow.js)', backend, 'auto')
    .option('--ignore-unknown', 'skip examples whose labels the model does not know', false)
    .option('--skip-bad-lines', 'skip malformed lines instead of failing', false)
    .option('--verbose', 'print the backend in use', false)
    .action(async (f: EvalFlags) => {
      if (!f.data && !f.map && !f.labels) throw new Error('eval: give --data FILE..., --map MAPPING... or --labels DIR --pool POOL...');
      const report = await evaluateModel({
        ...(f.model !== undefined && { model: f.model }),
        data: f.data ?? [],
        ...(f.map && { map: f.map }),
        ...(f.labels && { labels: f.labels }),
        ...(f.pool && { pool: f.pool }),
        dataRoot: f.dataRoot,
        field: f.field,
        backend: f.backend,
        ignoreUnknown: f.ignoreUnknown,
        skipBadLines: f.skipBadLines,
      });
      if (f.verbose) note(`backend: ${report.backend}`);
      if (report.skipped_bad_lines) note(`skipped ${report.skipped_bad_lines} bad line(s)`);
      if (report.skipped_unknown) note(`skipped ${report.skipped_unknown} example(s) with labels the model does not know`);
      if (f.json) process.stdout.write(JSON.stringify(report) + '\n');
      else {
        process.stdout.write(formatMetricsTable(report));
        if (report.multi_label) process.stdout.write(`\n${formatMultiLabelTable(report.multi_label)}\n`);
        for (const [lang, m] of Object.entries(report.per_lang)) {
          process.stdout.write(`${lang}: n ${m.n}, accuracy ${m.accuracy.toFixed(4)}, macro-F1 ${m.macro_f1.toFixed(4)}\n`);
        }
        process.stdout.write(`backend: ${report.backend}\n`);
      }
    });
}
