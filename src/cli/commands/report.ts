import { Option, type Command } from 'commander';
import { resolveInputs } from '../../io/inputs.js';
import { writeFileAtomic } from '../../io/atomic-writer.js';
import { rebalance } from '../../rebalance/plan.js';
import { readWeights } from '../../rebalance/read-weights.js';
import { readTargetSpec } from '../../rebalance/target-spec.js';
import { buildReport } from '../../report/build-report.js';
import {
  ErrorSink,
  UsageError,
  nonNegativeIntArg,
  positiveIntArg,
  probabilityArg,
  runCommand,
} from '../../report/command-support.js';
import { comparisonOf, type Comparison } from '../../report/format-common.js';
import { formatCsv } from '../../report/format-csv.js';
import { formatHtml } from '../../report/format-html.js';
import { formatMarkdown } from '../../report/format-md.js';
import { readModelIdentity } from '../../report/model-info.js';
import { prettyJson } from '../../report/pretty-json.js';
import { readReport } from '../../report/read-report.js';
import { ReportBuilder } from '../../report/report-builder.js';
import type { Report } from '../../report/report-types.js';
import { loadTokenCounter, parseTokenizerName } from '../../report/token-counter.js';

type Format = 'json' | 'md' | 'csv' | 'html';

interface ReportOptions {
  output: string;
  format?: Format;
  groupBy?: string;
  tokenizer: string;
  model?: string;
  textField: string;
  uncertainBelow: number;
  topTerms: number;
  termCapacity: number;
  merge?: boolean;
  errors?: string;
  target?: string;
  weights?: string;
  normalise?: boolean;
  allowEmpty?: boolean;
  maxLineBytes?: number;
  progress: boolean;
}

export function formatFromPath(path: string): Format {
  if (/\.md$/i.test(path)) return 'md';
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.html?$/i.test(path)) return 'html';
  return 'json';
}

export function renderReport(report: Report, format: Format, comparison: Comparison | null): string {
  switch (format) {
    case 'json':
      return prettyJson(report);
    case 'md':
      return formatMarkdown(report, comparison);
    case 'csv':
      return formatCsv(report);
    case 'html':
      return formatHtml(report, comparison);
  }
}

/** Options that shape the counting cannot change when merging: the partial reports fixed them. */
const COUNTING_OPTIONS = ['groupBy', 'tokenizer', 'model', 'textField', 'uncertainBelow', 'termCapacity', 'errors', 'maxLineBytes'] as const;

async function mergeReports(files: string[], cmd: Command, opts: ReportOptions): Promise<Report> {
  for (const key of COUNTING_OPTIONS) {
    if (cmd.getOptionValueSource(key) === 'cli') {
      const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      throw new UsageError(`${flag} cannot be used with --merge: the partial reports were counted with their own settings`);
    }
  }
  let builder: ReportBuilder | null = null;
  for (const file of files) {
    const part = await readReport(file);
    if (builder === null) {
      const settings = { ...part.settings };
      if (cmd.getOptionValueSource('topTerms') === 'cli') settings.top_terms = opts.topTerms;
      builder = new ReportBuilder(settings, part.model.labels_source === 'model' ? part.model : null);
    }
    builder.merge(part, file);
  }
  const report = builder!.build();
  for (const w of builder!.warnings) process.stderr.write(`topicmix report: warning: ${w}\n`);
  return report;
}

async function countReport(files: string[], opts: ReportOptions): Promise<Report> {
  const tokenizer = await loadTokenCounter(parseTokenizerName(opts.tokenizer));
  const model = opts.model === undefined ? null : await readModelIdentity(opts.model);
  const errors = await ErrorSink.open(opts.errors);
  try {
    const { report, warnings } = await buildReport(files, {
      textField: opts.textField,
      groupBy: opts.groupBy ?? null,
      tokenizer,
      model,
      uncertainBelow: opts.uncertainBelow,
      termCapacity: opts.termCapacity,
      topTerms: opts.topTerms,
      progress: opts.progress && process.stderr.isTTY === true,
      ...(opts.maxLineBytes === undefined ? {} : { maxLineBytes: opts.maxLineBytes }),
      onError: (rec) => errors.write(rec),
    });
    await errors.commit();
    for (const w of warnings) process.stderr.write(`topicmix report: warning: ${w}\n`);
    return report;
  } catch (err) {
    await errors.abort();
    throw err;
  }
}

async function comparisonFor(report: Report, opts: ReportOptions): Promise<Comparison | null> {
  if (opts.weights !== undefined) return comparisonOf(await readWeights(opts.weights));
  if (opts.target !== undefined) {
    const spec = await readTargetSpec(opts.target);
    const weights = await rebalance(report, spec, { reportFile: '(this report)', targetFile: opts.target, normalise: opts.normalise === true });
    return comparisonOf(weights);
  }
  return null;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('topic x language proportions of tagged documents (docs, chars, tokens; hard and soft counts)')
    .argument('[inputs...]', 'tagged JSONL files or globs (.gz ok; - = stdin); with --merge: partial report JSON files')
    .option('-o, --output <file>', 'output file (- = stdout)', '-')
    .addOption(new Option('--format <format>', 'output format (default: from the -o extension, else json)').choices(['json', 'md', 'csv', 'html']))
    .option('--group-by <field>', 'also split by this input field (e.g. source)')
    .option('--tokenizer <name>', 'token counter: o200k | cl100k (LLM BPE vocabularies) | chars | words (cheap estimates)', 'o200k')
    .option('--model <dir>', 'model folder: its label set and identity go into the report (default: labels inferred from the data)')
    .option('--text-field <name>', 'field holding the document text', 'text')
    .option('--uncertain-below <p>', 'documents whose top probability is below this count as uncertain', probabilityArg, 0.5)
    .option('--top-terms <n>', 'top terms listed per topic and script', nonNegativeIntArg, 15)
    .option('--term-capacity <n>', 'term counters kept per topic and script (0 = no terms); more = exact for longer', nonNegativeIntArg, 500)
    .option('--merge', 'merge partial reports (from shards) instead of reading tagged documents')
    .option('--errors <file>', 'write bad input lines as JSONL error records')
    .option('--target <file>', 'target.yaml: show current vs target in md/html output')
    .option('--weights <file>', 'weights.json from rebalance: show current vs target vs achieved in md/html output')
    .option('--normalise', 'with --target: scale shares that do not sum to 1')
    .option('--allow-empty', 'write a report even when no document was counted (e.g. an empty shard)')
    .option('--max-line-bytes <n>', 'longest input line accepted', positiveIntArg)
    .option('--no-progress', 'no progress bar (it is drawn only when stderr is a terminal)')
    .action(async (patterns: string[], opts: ReportOptions, cmd: Command) => {
      await runCommand('report', async () => {
        if (opts.target !== undefined && opts.weights !== undefined) throw new UsageError('give --target or --weights, not both');
        if (opts.merge === true && patterns.length === 0) throw new UsageError('--merge needs the partial report files');
        const files = await resolveInputs(patterns);
        const report = opts.merge === true ? await mergeReports(files, cmd, opts) : await countReport(files, opts);
        const c = report.counts;
        process.stderr.write(`topicmix report: read ${c.read}, counted ${c.counted}, errors ${c.errors}\n`);
        if (c.counted === 0 && opts.allowEmpty !== true) {
          throw new UsageError(
            `empty corpus: no document counted in ${files.join(', ')} (read ${c.read} lines, errors ${c.errors}); ` +
              'use --allow-empty to write the (empty) report anyway',
          );
        }
        const format = opts.format ?? formatFromPath(opts.output);
        const comparison = await comparisonFor(report, opts);
        await writeFileAtomic(opts.output, renderReport(report, format, comparison));
      });
    });
}
