import type { Command } from 'commander';
import { AUTO_TRAIN, AUTOTUNE_DEFAULTS, FEATURIZER_DEFAULTS, READ_DEFAULTS, TRAIN_DEFAULTS } from '../../defaults.js';
import { trainModel } from '../../train.js';
import { collect, duration, int, intOrAuto, note, num } from '../options.js';
import { progressBar } from '../progress.js';

interface TrainFlags {
  data?: string[];
  labels?: string;
  map?: string[];
  dataRoot: string;
  pool?: string[];
  poolWeight: number;
  dev?: string[];
  out: string;
  name?: string;
  field: string;
  seed: number;
  epochs: number | 'auto';
  batchSize: number | 'auto';
  dim: number;
  lr: number;
  classWeight: 'none' | 'balanced';
  buckets: number;
  ngrams: number;
  zhTokens: 'chars' | 'jieba';
  stem: boolean;
  quantize: 'float32' | 'float16' | 'uint8';
  skipBadLines: boolean;
  multiLabel: boolean | 'auto';
  autotune: boolean;
  autotuneBudget?: number;
  autotuneTrials?: number;
  verbose: boolean;
  json: boolean;
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a topic classifier on labelled JSONL ({"text", "label"} per line) and write a model folder')
    .option('--data <files...>', 'labelled JSONL files or globs (.jsonl, .jsonl.gz)')
    .option('--labels <dir>', 'label set folder: taxonomy.yaml + labelled JSONL (alternative to --data)')
    .option('--map <files...>', 'label mapping YAML files (dataset labels -> topics); mappings naming train files bring them in')
    .option('--data-root <dir>', 'root of the files named in mappings', READ_DEFAULTS.dataRoot)
    .option('--pool <files...>', "document pool (JSONL: id, text) for the label set's pool_labels rows; held-out rows are never trained on")
    .option('--pool-weight <x>', 'weight of each pool-label row (e.g. real web pages over news data)', num('--pool-weight', 1e-6, 1e6), TRAIN_DEFAULTS.poolWeight)
    .option('--dev <file>', 'dev JSONL: keeps the best epoch and reports dev metrics (repeatable)', collect)
    .requiredOption('--out <dir>', 'output model folder')
    .option('--name <name>', 'model name stored in its metadata (default: folder name)')
    .option('--field <name>', 'text field', TRAIN_DEFAULTS.field)
    .option('--seed <n>', 'random seed (same seed + data = identical weights)', int('--seed'), TRAIN_DEFAULTS.seed)
    .option('--epochs <n|auto>', `passes over the data (auto: ~${AUTO_TRAIN.updates} updates, ${AUTO_TRAIN.minEpochs}-${AUTO_TRAIN.maxEpochs} epochs)`, intOrAuto('--epochs'), TRAIN_DEFAULTS.epochs)
    .option('--batch-size <n|auto>', `documents per update (auto: ${AUTO_TRAIN.minBatchSize}-${AUTO_TRAIN.maxBatchSize} by data size)`, intOrAuto('--batch-size'), TRAIN_DEFAULTS.batchSize)
    .option('--dim <n>', 'embedding size', int('--dim', 1), TRAIN_DEFAULTS.dim)
    .option('--lr <x>', 'Adam learning rate (decays linearly to 0)', num('--lr', 1e-6, 10), TRAIN_DEFAULTS.lr)
    .option('--class-weight <mode>', 'balanced (each class weighs the same) | none (as labelled)', TRAIN_DEFAULTS.classWeight)
    .option('--buckets <n>', 'hash buckets for n-gram features', int('--buckets', 2), FEATURIZER_DEFAULTS.buckets)
    .option('--ngrams <n>', '1 = unigrams, 2 = unigrams + bigrams', int('--ngrams', 1), FEATURIZER_DEFAULTS.ngrams)
    .option('--zh-tokens <mode>', 'chars (one token per Han character) | jieba (needs nodejieba)', FEATURIZER_DEFAULTS.zhTokens)
    .option('--stem', 'Porter-stem English words', FEATURIZER_DEFAULTS.stem)
    .option('--quantize <dtype>', 'weights.bin storage: float32 | float16 | uint8', TRAIN_DEFAULTS.quantize)
    .option('--skip-bad-lines', 'train without malformed lines instead of failing', TRAIN_DEFAULTS.skipBadLines)
    .option('--multi-label', 'one-vs-all: a sigmoid per label, per-label thresholds tuned on --dev (or a held-out 10%); default: when some row has several labels', TRAIN_DEFAULTS.multiLabel)
    .option('--no-multi-label', 'one softmax even when rows have several labels')
    .option('--autotune', 'search lr, epochs, dim, ngrams, buckets and class weights on --dev (or a held-out slice), then train the best on all the data; flags given explicitly stay fixed', false)
    .option(
      '--autotune-budget <duration>',
      `hard bound on the whole command with --autotune: 60, 60s, 2m (default ${AUTOTUNE_DEFAULTS.budgetSeconds}s; none when only --autotune-trials is given)`,
      duration('--autotune-budget'),
    )
    .option('--autotune-trials <n>', 'most trials with --autotune (deterministic: the same trials every run)', int('--autotune-trials', 1))
    .option('--json', 'print the training summary as JSON on stdout', false)
    .option('--verbose', 'log each epoch', false)
    .action(async (f: TrainFlags, cmd: Command) => {
      if (f.classWeight !== 'none' && f.classWeight !== 'balanced') throw new Error(`--class-weight must be none or balanced, got "${f.classWeight}"`);
      if (f.zhTokens !== 'chars' && f.zhTokens !== 'jieba') throw new Error(`--zh-tokens must be chars or jieba, got "${f.zhTokens}"`);
      if (!['float32', 'float16', 'uint8'].includes(f.quantize)) throw new Error(`--quantize must be float32, float16 or uint8, got "${f.quantize}"`);
      if (f.ngrams !== 1 && f.ngrams !== 2) throw new Error(`--ngrams must be 1 or 2, got ${f.ngrams}`);
      if (!f.autotune && (f.autotuneBudget !== undefined || f.autotuneTrials !== undefined))
        throw new Error(`${f.autotuneBudget !== undefined ? '--autotune-budget' : '--autotune-trials'} needs --autotune`);
      // with --autotune, a searched setting is fixed only when given on the command line
      const given = (flag: keyof TrainFlags): boolean => !f.autotune || cmd.getOptionValueSource(flag) === 'cli';
      let bar: ReturnType<typeof progressBar> | undefined;
      const result = await trainModel({
        ...(f.data && { data: f.data }),
        ...(f.labels && { labels: f.labels }),
        ...(f.map && { map: f.map }),
        dataRoot: f.dataRoot,
        ...(f.pool && { pool: f.pool, poolWeight: f.poolWeight }),
        ...(f.dev && { dev: f.dev }),
        out: f.out,
        ...(f.name && { name: f.name }),
        field: f.field,
        seed: f.seed,
        ...(given('epochs') && { epochs: f.epochs }),
        batchSize: f.batchSize,
        ...(given('dim') && { dim: f.dim }),
        ...(given('lr') && { lr: f.lr }),
        // only when given: without it, a multi-label model uses its own default (MULTI_LABEL_DEFAULTS.classWeight)
        ...(cmd.getOptionValueSource('classWeight') === 'cli' && { classWeight: f.classWeight }),
        ...(given('buckets') && { buckets: f.buckets }),
        ...(given('ngrams') && { ngrams: f.ngrams }),
        zhTokens: f.zhTokens,
        stem: f.stem,
        quantize: f.quantize,
        skipBadLines: f.skipBadLines,
        multiLabel: f.multiLabel,
        ...(f.autotune && {
          autotune: {
            ...(f.autotuneBudget !== undefined && { budgetSeconds: f.autotuneBudget }),
            ...(f.autotuneTrials !== undefined && { trials: f.autotuneTrials }),
            // the budget counts from the process start: the whole command is bounded
            startedAt: 0,
            onTrial: (t, best) =>
              note(
                `autotune ${t.index}${f.autotuneTrials ? `/${f.autotuneTrials}` : ''} (${(performance.now() / 1000).toFixed(1)} s): lr ${t.setting.lr} epochs ${t.setting.epochs} dim ${t.setting.dim} ngrams ${t.setting.ngrams} buckets ${t.setting.buckets} ${t.setting.classWeight}: ${t.stopped ? 'stopped by the budget' : t.score.toFixed(4)} in ${t.seconds.toFixed(1)} s | best ${best.score.toFixed(4)} (trial ${best.index})`,
              ),
          },
        }),
        onLog: (m) => {
          if (f.verbose) note(m);
        },
        onWarn: note,
        onProgress: (done, total) => {
          bar ??= progressBar(total, 'train [{bar}] {percentage}% | step {value}/{total} | eta {eta}s');
          bar.update(done);
          if (done === total) bar.stop();
        },
      });
      const dev = result.devMetrics;
      const ml = result.devMultiLabel;
      const tuned = result.meta.training.autotune;
      if (tuned) {
        const b = tuned.best;
        note(
          `autotune: ${tuned.evaluated} trials (${tuned.stopReason}), best ${tuned.bestScore.toFixed(4)} on ${tuned.scoredOn} vs ${tuned.defaultScore.toFixed(4)} for the defaults: lr ${b.lr} epochs ${b.epochs} dim ${b.dim} ngrams ${b.ngrams} buckets ${b.buckets} class weights ${b.classWeight}`,
        );
      }
      note(
        `wrote ${result.dir} (${result.meta.labels.length} labels, ${result.meta.training.nTrain} examples, ${result.seconds.toFixed(1)} s${ml ? `, multi-label, dev micro-F1 ${ml.micro_f1.toFixed(4)}, macro-F1 ${ml.macro_f1.toFixed(4)}` : dev ? `, dev accuracy ${dev.accuracy.toFixed(4)}, macro-F1 ${dev.macro_f1.toFixed(4)}` : ''})`,
      );
      if (f.json) {
        process.stdout.write(JSON.stringify({ model: result.dir, seconds: result.seconds, labels: result.meta.labels, training: result.meta.training, metrics: result.meta.metrics ?? null }) + '\n');
      }
    });
}
