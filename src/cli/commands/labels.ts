import type { Command } from 'commander';
import { nonNegativeIntArg, positiveNumberArg } from '../options.js';
import { loadClassifier } from '../../classifier.js';
import { writeFileAtomic } from '../../io/atomic-writer.js';
import { resolveInputs } from '../../io/inputs.js';
import { checkOutputTargets } from '../../io/output-target.js';
import { formatErrors, readLabelled, readPool } from '../../io/labelled.js';
import { labelledIdsUnder } from '../../labels/label-set.js';
import { suggestLabels } from '../../labels/suggest.js';
import { detectScript } from '../../text/script.js';
import { agreeLabels, formatAgreement } from '../../labels/agree.js';
import { checkLabelSet, formatCheckReport } from '../../labels/check.js';
import { startWorkbench } from '../../labels/workbench/server.js';
import { WORKBENCH_DEFAULTS } from '../../defaults.js';
import { runCommand } from '../run-command.js';

interface CheckOptions {
  json?: boolean;
  pool?: string[];
  imbalanceRatio?: number;
  minPerTopic?: number;
}

export function registerLabelsCommand(program: Command): void {
  const labels = program
    .command('labels')
    .alias('label')
    .description('work with label sets (taxonomy.yaml + labelled JSONL): check, measure agreement, suggest what to label next, label in the browser (serve)');
  labels
    .command('suggest')
    .description('the next documents worth labelling: equal quotas per language (and per predicted topic with a model), most uncertain first, skipping labelled ones')
    .requiredOption('--pool <files...>', 'unlabelled documents (JSONL with id, text, lang)')
    .option('--model <dir>', 'model whose uncertainty ranks the pool (without one: a stratified random start)')
    .option('--labels <dir>', 'label set whose labelled ids (every *.jsonl below it) are skipped')
    .requiredOption('-n, --n <count>', 'how many documents', nonNegativeIntArg)
    .option('--seed <n>', 'seed of the random choices', nonNegativeIntArg, 1)
    .option('--explore <share>', 'share of each quota drawn at random rather than by uncertainty', Number, 0.2)
    .requiredOption('-o, --output <file>', 'batch to label (JSONL: id, lang, text, suggest)')
    .action(async (opts: { pool: string[]; model?: string; labels?: string; n: number; seed: number; explore: number; output: string }) => {
      await checkOutputTargets(await resolveInputs(opts.pool), [{ path: opts.output, what: '--output' }]);
      const pool = [...(await readPool(opts.pool)).entries()].map(([id, d]) => ({ id, text: d.text, lang: d.lang ?? detectScript(d.text) }));
      const labelled = opts.labels ? await labelledIdsUnder(opts.labels) : new Set<string>();
      let predictions;
      if (opts.model) {
        const clf = await loadClassifier(opts.model);
        const preds = await clf.classifyBatch(
          pool.map((d) => d.text),
          { allScores: true, topK: 1 },
        );
        predictions = { labels: clf.labels, docs: preds.map((p) => ({ probs: clf.labels.map((l) => p.scores![l]!) })) };
        clf.dispose();
      }
      const picked = suggestLabels(pool, { n: opts.n, seed: opts.seed, labelled, explore: opts.explore, ...(predictions && { predictions }) });
      const byId = new Map(pool.map((d) => [d.id, d]));
      const lines = picked.map((s) => JSON.stringify({ id: s.id, lang: s.lang, text: byId.get(s.id)!.text, suggest: { reason: s.reason, ...(s.predicted && { predicted: s.predicted }) } }));
      await writeFileAtomic(opts.output, lines.length ? lines.join('\n') + '\n' : '');
      const unlabelled = pool.filter((d) => !labelled.has(d.id)).length;
      process.stderr.write(`suggested ${picked.length} of ${unlabelled} unlabelled documents -> ${opts.output}\n`);
    });
  labels
    .command('serve')
    .description(
      'the labelling workbench: a local web page (127.0.0.1, token in the URL) that shows one suggested pool page at a time, appends each label to the label set, and retrains in the background',
    )
    .requiredOption('--pool <files...>', 'unlabelled documents (JSONL with id, text, lang, optional url)')
    .requiredOption('--labels <dir>', 'label set (its taxonomy needs pool_labels); labels go to <first pool_labels folder>/workbench.jsonl')
    .option('--model <dir>', 'model that ranks the first suggestions (without one: a stratified random start until the first retrain)')
    .option('--port <n>', 'port on 127.0.0.1 (0: any free port)', nonNegativeIntArg, WORKBENCH_DEFAULTS.port)
    .option('--annotator <name>', 'who labels, written into every row (default: the login name)')
    .option('--retrain-every <n>', 'retrain after this many new labels (0: only with the Retrain button)', nonNegativeIntArg, WORKBENCH_DEFAULTS.retrainEvery)
    .option('--map <files...>', 'label mappings whose public data each retrain adds (as train --map)')
    .option('--data-root <dir>', 'root of the files the mappings name (as train --data-root)')
    .option('--label-file <path>', 'label file relative to --labels (must match pool_labels)')
    .option('--seed <n>', 'seed of the held-out slice, the suggestions and the models', nonNegativeIntArg, WORKBENCH_DEFAULTS.seed)
    .action(
      async (opts: { pool: string[]; labels: string; model?: string; port: number; annotator?: string; retrainEvery: number; labelFile?: string; seed: number; map?: string[]; dataRoot?: string }) => {
        await runCommand('label serve', async () => {
          const wb = await startWorkbench({
            pool: opts.pool,
            labels: opts.labels,
            port: opts.port,
            retrainEvery: opts.retrainEvery,
            seed: opts.seed,
            ...(opts.model !== undefined && { model: opts.model }),
            ...(opts.annotator !== undefined && { annotator: opts.annotator }),
            ...(opts.labelFile !== undefined && { labelFile: opts.labelFile }),
            ...(opts.map !== undefined && { map: opts.map }),
            ...(opts.dataRoot !== undefined && { dataRoot: opts.dataRoot }),
            onLog: (msg) => process.stderr.write(`label serve: ${msg}\n`),
          });
          process.stdout.write(`${wb.url}\n`);
          process.stderr.write(`label serve: labels go to ${wb.labelFile}; Ctrl-C stops\n`);
          // a clean stop: finish the pending append, release the lock, exit 0 (the generic handlers would exit 130 at once)
          await new Promise<void>((resolve) => {
            for (const signal of ['SIGINT', 'SIGTERM'] as const) {
              process.removeAllListeners(signal);
              process.once(signal, () => resolve());
            }
          });
          await wb.close();
          process.stderr.write('label serve: stopped\n');
        });
      },
    );
  labels
    .command('agree')
    .description('agreement between two annotations of the same documents (matched by id): kappa, confusion pairs, per label')
    .argument('<a>', 'first label file (JSONL: id, label, optional label2)')
    .argument('<b>', 'second label file')
    .option('--pool <files...>', 'document pool, when the label rows hold ids but no text')
    .option('--json', 'print the report as JSON')
    .action(async (a: string, b: string, opts: { json?: boolean; pool?: string[] }) => {
      const pool = opts.pool ? await readPool(opts.pool) : undefined;
      const read = async (f: string) => {
        const r = await readLabelled([f], pool ? { pool } : { textOptional: true });
        if (r.errors.length) throw new Error(`labels agree: ${r.errors.length} bad line(s):\n${formatErrors(r.errors)}`);
        return r.examples;
      };
      const report = agreeLabels(await read(a), await read(b));
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatAgreement(report, { a, b }));
    });
  labels
    .command('check')
    .description('validate a label set: parse errors, unknown labels, duplicates, empty or thin topics, imbalance')
    .argument('<dir>', 'label set directory')
    .option('--json', 'print the report as JSON')
    .option('--pool <files...>', "document pool (JSONL with id + text) that the label set's pool_labels files reference")
    .option('--imbalance-ratio <n>', 'warn when largest/smallest topic count exceeds this', positiveNumberArg, 10)
    .option('--min-per-topic <n>', 'warn when a topic has fewer examples than this', nonNegativeIntArg, 20)
    .action(async (dir: string, opts: CheckOptions) => {
      const pool = opts.pool ? await readPool(opts.pool) : undefined;
      const report = await checkLabelSet(dir, { imbalanceRatio: opts.imbalanceRatio, minPerTopic: opts.minPerTopic, ...(pool && { pool }) });
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatCheckReport(report));
      // exitCode rather than exit() so stdout is flushed when piped.
      if (!report.ok) process.exitCode = 1;
    });
}
