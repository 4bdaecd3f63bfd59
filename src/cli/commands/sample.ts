import type { Command } from 'commander';
import { AtomicWriter, writeFileAtomic } from '../../io/atomic-writer.js';
import { resolveInputs } from '../../io/inputs.js';
import { checkOutputTargets } from '../../io/output-target.js';
import { readWeights } from '../../rebalance/read-weights.js';
import { ErrorSink } from '../../io/error-sink.js';
import { InputProgress } from '../input-progress.js';
import { nonNegativeIntArg, positiveIntArg } from '../options.js';
import { runCommand } from '../run-command.js';
import { prettyJson } from '../../report/pretty-json.js';
import { runSample } from '../../sample/run-sample.js';
import { REPORT_DEFAULTS } from '../../defaults.js';

interface SampleCliOptions {
  weights: string;
  output: string;
  seed: number;
  manifest?: boolean;
  idField: string;
  textField: string;
  errors?: string;
  stats?: string;
  maxLineBytes?: number;
  progress: boolean;
}

export function registerSampleCommand(program: Command): void {
  program
    .command('sample')
    .description('write the rebalanced mixture: each document dropped or repeated per its topic x language weight')
    .argument('[inputs...]', 'tagged JSONL files or globs (.gz ok; - = stdin)')
    .requiredOption('--weights <file>', 'weights.json from `topicmix rebalance`')
    .option('-o, --output <file>', 'mixture JSONL (.gz compresses; - = stdout)', '-')
    .option('--seed <n>', 'seed of the per-document draws', nonNegativeIntArg, 0)
    .option('--manifest', 'write {id, file, line, copies, topic, lang} per kept document instead of the documents')
    .option('--id-field <name>', 'document id field: the draw depends on (seed, id) only, so shards agree; without an id, on (seed, text)', 'id')
    .option('--text-field <name>', 'field holding the document text', REPORT_DEFAULTS.textField)
    .option('--errors <file>', 'write bad input lines as JSONL error records')
    .option('--stats <file>', 'write per-cell counts (documents in, kept, copies out, expected) as JSON')
    .option('--max-line-bytes <n>', 'longest input line accepted', positiveIntArg)
    .option('--no-progress', 'no progress bar (it is drawn only when stderr is a terminal)')
    .action(async (patterns: string[], opts: SampleCliOptions) => {
      await runCommand('sample', async () => {
        const files = await resolveInputs(patterns);
        await checkOutputTargets(
          [...files, opts.weights],
          [
            { path: opts.output, what: '--output' },
            ...(opts.errors === undefined ? [] : [{ path: opts.errors, what: '--errors' }]),
            ...(opts.stats === undefined ? [] : [{ path: opts.stats, what: '--stats' }]),
          ],
        );
        const weights = await readWeights(opts.weights);
        const errors = await ErrorSink.open(opts.errors);
        let out: AtomicWriter | null = null;
        const progress = await InputProgress.start(files, 'sample', opts.progress);
        try {
          out = await AtomicWriter.open(opts.output);
          const stats = await runSample(files, out, {
            weights,
            seed: opts.seed,
            idField: opts.idField,
            textField: opts.textField,
            manifest: opts.manifest === true,
            onProgress: progress.update,
            ...(opts.maxLineBytes === undefined ? {} : { maxLineBytes: opts.maxLineBytes }),
            onError: (rec) => errors.write(rec),
          });
          progress.stop();
          await out.commit();
          await errors.commit();
          if (opts.stats !== undefined) await writeFileAtomic(opts.stats, prettyJson(stats));
          const kept = stats.cells.reduce((s, c) => s + c.docs_kept, 0);
          const copies = stats.cells.reduce((s, c) => s + c.copies_out, 0);
          const expected = stats.cells.reduce((s, c) => s + c.expected_copies, 0);
          process.stderr.write(
            `topicmix sample: read ${stats.read}, counted ${stats.counted}, errors ${stats.errors}; ` +
              `kept ${kept} documents as ${copies} copies (expected ${expected.toFixed(1)}), wrote ${stats.written_lines} lines\n`,
          );
          if (stats.without_id > 0) {
            process.stderr.write(`topicmix sample: note: ${stats.without_id} documents have no "${opts.idField}"; their draws are keyed by their text (identical texts get the same draw)\n`);
          }
        } catch (err) {
          await out?.abort();
          await errors.abort();
          throw err;
        } finally {
          progress.stop();
        }
      });
    });
}
