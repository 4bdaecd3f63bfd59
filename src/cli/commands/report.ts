import { Option, type Command } from 'commander';
import { resolveInputs } from '../../io/inputs.js';
import { writeFileAtomic } from '../../io/atomic-writer.js';
import { checkOutputTargets } from '../../io/output-target.js';
import { rebalance } from '../../rebalance/plan.js';
import { readWeights } from '../../rebalance/read-weights.js';
import { readTargetSpec } from '../../rebalance/target-spec.js';
import { REPORT_DEFAULTS } from '../../defaults.js';
import { buildReport } from '../../report/build-report.js';
import { mergeReports } from '../../report/merge-reports.js';
import { UsageError } from '../../errors.js';
import { ErrorSink, type CommonError } from '../../io/error-sink.js';
import { InputProgress } from '../input-progress.js';
import { nonNegativeIntArg, positiveIntArg, probabilityArg } from '../options.js';
import { runCommand } from '../run-command.js';
import { comparisonOf } from '../../rebalance/comparison.js';
import type { Comparison, FormatOptions } from '../../report/format-common.js';
import { formatCsv } from '../../report/format-csv.js';
import { formatHtml } from '../../report/format-html.js';
import { formatMarkdown } from '../../report/format-md.js';
import { readModelIdentity } from '../../report/model-info.js';
import { prettyJson } from '../../report/pretty-json.js';
import type { Report, ReportCalibration } from '../../report/report-types.js';
import { loadClassifier } from '../../classifier.js';
import { formatErrors, readLabelled } from '../../io/labelled.js';
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
  minTermDocs: number;
  merge?: boolean;
  errors?: string;
  target?: string;
  weights?: string;
  normalise?: boolean;
  allowEmpty?: boolean;
  maxLineBytes?: number;
  progress: boolean;
  calibration?: string[];
}

export function formatFromPath(path: string): Format {
  if (/\.md$/i.test(path)) return 'md';
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.html?$/i.test(path)) return 'html';
  return 'json';
}

export function renderReport(report: Report, format: Format, comparison: Comparison | null, options: FormatOptions = {}): string {
  switch (format) {
    case 'json':
      return prettyJson(report);
    case 'md':
      return formatMarkdown(report, comparison, options);
    case 'csv':
      return formatCsv(report);
    case 'html':
      return formatHtml(report, comparison, options);
  }
}

/** Options that shape the counting cannot change when merging: the partial reports fixed them. */
const COUNTING_OPTIONS = ['groupBy', 'tokenizer', 'model', 'calibration', 'textField', 'uncertainBelow', 'termCapacity', 'errors', 'maxLineBytes'] as const;

async function mergePartials(files: string[], cmd: Command, opts: ReportOptions): Promise<Report> {
  for (const key of COUNTING_OPTIONS) {
    if (cmd.getOptionValueSource(key) === 'cli') {
      const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      throw new UsageError(`${flag} cannot be used with --merge: the partial reports were counted with their own settings`);
    }
  }
  const { report, warnings } = await mergeReports(files, cmd.getOptionValueSource('topTerms') === 'cli' ? { topTerms: opts.topTerms } : {});
  for (const w of warnings) process.stderr.write(`topicmix report: warning: ${w}\n`);
  return report;
}

/**
 * Why nothing was counted, when error records say: the most common kind, with its first record (e.g.
 * `field "topic" is missing` on untagged input), so that the cause is on stderr, not only in --errors.
 */
function emptyCause(common: CommonError | null, read: number): string {
  if (common === null) return '';
  const { count, first } = common;
  const where = first.message.startsWith(`${first.file}:`) ? first.message : `${first.file}:${first.line}: ${first.message}`;
  return ` ${count === read ? 'Every line' : `${count} of ${read} lines`} failed with ${first.error}, the first: ${where}.`;
}

async function countReport(files: string[], opts: ReportOptions): Promise<{ report: Report; commonError: CommonError | null }> {
  const tokenizer = await loadTokenCounter(parseTokenizerName(opts.tokenizer));
  let model = opts.model === undefined ? null : await readModelIdentity(opts.model);
  if (opts.calibration !== undefined) {
    if (model === null || opts.model === undefined) throw new UsageError('--calibration needs --model: the labelled pages are classified with it');
    model = { ...model, calibration: await calibrationFromLabelled(opts.model, opts.calibration) };
  }
  const errors = await ErrorSink.open(opts.errors);
  const progress = await InputProgress.start(files, 'report', opts.progress);
  try {
    const { report, warnings } = await buildReport(files, {
      textField: opts.textField,
      groupBy: opts.groupBy ?? null,
      tokenizer,
      model,
      uncertainBelow: opts.uncertainBelow,
      termCapacity: opts.termCapacity,
      topTerms: opts.topTerms,
      onProgress: progress.update,
      ...(opts.maxLineBytes === undefined ? {} : { maxLineBytes: opts.maxLineBytes }),
      onError: (rec) => errors.write(rec),
    });
    progress.stop();
    await errors.commit();
    for (const w of warnings) process.stderr.write(`topicmix report: warning: ${w}\n`);
    return { report, commonError: errors.mostCommon() };
  } catch (err) {
    await errors.abort();
    throw err;
  } finally {
    progress.stop();
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

/** The model's confusions on a user's labelled pages (JSONL: text, label, lang), per language. */
async function calibrationFromLabelled(modelDir: string, files: string[]): Promise<ReportCalibration> {
  const { examples, errors } = await readLabelled(files);
  if (errors.length > 0) throw new UsageError(`--calibration: ${errors.length} bad line(s):\n${formatErrors(errors)}`);
  const clf = await loadClassifier(modelDir);
  try {
    const index = new Map(clf.labels.map((l, i) => [l, i]));
    const K = clf.labels.length;
    const preds = await clf.classifyBatch(
      examples.map((e) => e.text),
      { topK: 1, allScores: true },
    );
    const confusion: Record<string, number[][]> = {};
    const soft: Record<string, number[][]> = {};
    examples.forEach((e, i) => {
      const gold = index.get(e.labels[0]!);
      if (gold === undefined) throw new UsageError(`--calibration: ${e.source.file}:${e.source.line}: field "label": "${e.labels[0]}" is not a label of the model`);
      const lang = e.lang ?? preds[i]!.lang;
      const m = (confusion[lang] ??= Array.from({ length: K }, () => new Array<number>(K).fill(0)));
      m[gold]![index.get(preds[i]!.topics[0]!.label)!]!++;
      const sm = (soft[lang] ??= Array.from({ length: K }, () => new Array<number>(K).fill(0)));
      clf.labels.forEach((l, k) => (sm[gold]![k]! += preds[i]!.scores![l]!));
    });
    return { source: `--calibration ${files.join(', ')} (${examples.length} labelled documents)`, labels: [...clf.labels], confusion, soft_confusion: soft };
  } finally {
    clf.dispose();
  }
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('topic x language proportions of tagged documents (docs, chars, tokens; hard and soft counts)')
    .argument('[inputs...]', 'tagged JSONL files or globs (.gz ok; - = stdin); with --merge: partial report JSON files')
    .option('-o, --output <file>', 'output file (- = stdout)', '-')
    .addOption(new Option('--format <format>', 'output format (default: from the -o extension, else json)').choices(['json', 'md', 'csv', 'html']))
    .option('--group-by <field>', 'also split by this input field (e.g. source)')
    .option('--tokenizer <name>', 'token counter: o200k | cl100k | llama3 | qwen2 (LLM BPE vocabularies; qwen2 needs optional packages) | chars | words (cheap estimates)', REPORT_DEFAULTS.tokenizer)
    .option('--model <dir>', 'model folder: its label set and identity go into the report (default: labels inferred from the data); a model with calibration data also gives corrected shares')
    .option('--calibration <files...>', "labelled pages (JSONL: text, label, lang) that measure the model's confusions for the corrected shares, instead of the model's own held-out data")
    .option('--text-field <name>', 'field holding the document text', REPORT_DEFAULTS.textField)
    .option('--uncertain-below <p>', 'documents whose top probability is below this count as uncertain', probabilityArg, REPORT_DEFAULTS.uncertainBelow)
    .option('--top-terms <n>', 'top terms listed per topic and script', nonNegativeIntArg, REPORT_DEFAULTS.topTerms)
    .option('--term-capacity <n>', 'term counters kept per topic and script (0 = no terms); more = exact for longer', nonNegativeIntArg, REPORT_DEFAULTS.termCapacity)
    .option('--min-term-docs <n>', 'md/html: hide the top terms of topic x script cells with fewer documents (noise)', nonNegativeIntArg, REPORT_DEFAULTS.minTermDocs)
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
        const reads = [...files, ...[opts.target, opts.weights, ...(opts.calibration ?? [])].filter((f) => f !== undefined)];
        await checkOutputTargets(reads, [{ path: opts.output, what: '--output' }, ...(opts.errors === undefined ? [] : [{ path: opts.errors, what: '--errors' }])]);
        const { report, commonError } = opts.merge === true ? { report: await mergePartials(files, cmd, opts), commonError: null } : await countReport(files, opts);
        const c = report.counts;
        process.stderr.write(`topicmix report: read ${c.read}, counted ${c.counted}, errors ${c.errors}\n`);
        if (c.counted === 0 && opts.allowEmpty !== true) {
          throw new UsageError(
            `empty corpus: no document counted in ${files.join(', ')} (read ${c.read} lines, errors ${c.errors}).${emptyCause(commonError, c.read)} ` +
              'Use --allow-empty to write the (empty) report anyway',
          );
        }
        const format = opts.format ?? formatFromPath(opts.output);
        const comparison = await comparisonFor(report, opts);
        await writeFileAtomic(opts.output, renderReport(report, format, comparison, { minTermDocs: opts.minTermDocs }));
      });
    });
}
