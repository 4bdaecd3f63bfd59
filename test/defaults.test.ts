import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerClassifyCommand } from '../src/cli/commands/classify.js';
import { registerEvalCommand } from '../src/cli/commands/eval.js';
import { registerReportCommand } from '../src/cli/commands/report.js';
import { registerTrainCommand } from '../src/cli/commands/train.js';
import { FEATURIZER_DEFAULTS, MULTI_LABEL_DEFAULTS, OUTPUT_DEFAULTS, READ_DEFAULTS, REPORT_DEFAULTS, TRAIN_DEFAULTS } from '../src/defaults.js';
import { DEFAULT_FEATURIZER_CONFIG } from '../src/features/featurizer.js';
import { buildReport } from '../src/report/build-report.js';
import { loadTokenCounter } from '../src/report/token-counter.js';
import { autoBatchSize, autoEpochs } from '../src/train.js';

function optionDefaults(register: (p: Command) => void, name: string): Record<string, unknown> {
  const program = new Command();
  register(program);
  const cmd = program.commands.find((c) => c.name() === name)!;
  return Object.fromEntries(cmd.options.filter((o) => o.defaultValue !== undefined).map((o) => [o.attributeName(), o.defaultValue]));
}

describe('one place for defaults', () => {
  it('the train command defaults are TRAIN_DEFAULTS, FEATURIZER_DEFAULTS and READ_DEFAULTS', () => {
    const { chunkChars, ...featurizer } = FEATURIZER_DEFAULTS;
    expect(chunkChars).toBe(1 << 20);
    expect(optionDefaults(registerTrainCommand, 'train')).toEqual({ ...TRAIN_DEFAULTS, ...featurizer, dataRoot: READ_DEFAULTS.dataRoot, json: false, verbose: false, autotune: false });
    expect(DEFAULT_FEATURIZER_CONFIG).toBe(FEATURIZER_DEFAULTS);
  });

  it('the values that apply today: auto epochs and batch, dim 32, lr 0.01, balanced classes, seed 1, uint8 weights', () => {
    expect(TRAIN_DEFAULTS).toEqual({
      field: 'text',
      seed: 1,
      epochs: 'auto',
      batchSize: 'auto',
      dim: 32,
      lr: 0.01,
      classWeight: 'balanced',
      poolWeight: 1,
      quantize: 'uint8',
      skipBadLines: false,
      multiLabel: 'auto',
    });
    expect(MULTI_LABEL_DEFAULTS).toEqual({ heldOutShare: 0.1, fallbackThreshold: 0.5, minHeldOut: 50, thresholdShrinkage: 100, embeddingSgdLr: 5, minAutoEpochs: 20, classWeight: 'none' });
    expect(FEATURIZER_DEFAULTS).toEqual({ buckets: 1 << 20, ngrams: 2, zhTokens: 'chars', stem: false, chunkChars: 1 << 20 });
    // 10,802 examples (the default model): batch 64, 5 epochs; 40 examples: batch 16, 30 epochs
    expect([autoBatchSize(10_802), autoEpochs(10_802, 64)]).toEqual([64, 5]);
    expect([autoBatchSize(40), autoEpochs(40, 16)]).toEqual([16, 30]);
    expect(autoBatchSize(1e6)).toBe(128);
  });

  it('the report and eval command defaults are REPORT_DEFAULTS and READ_DEFAULTS', () => {
    const { groupBy, ...report } = REPORT_DEFAULTS;
    expect(groupBy).toBeNull();
    expect(optionDefaults(registerReportCommand, 'report')).toEqual({ ...report, output: '-' });
    expect(optionDefaults(registerEvalCommand, 'eval')).toMatchObject({ field: READ_DEFAULTS.field, dataRoot: READ_DEFAULTS.dataRoot });
  });

  it('the classify command writes output lines with OUTPUT_DEFAULTS: input fields classify owns are replaced, not kept', () => {
    expect(OUTPUT_DEFAULTS).toEqual({ keepExisting: false });
    expect(optionDefaults(registerClassifyCommand, 'classify')).toMatchObject({ keepExisting: OUTPUT_DEFAULTS.keepExisting, field: READ_DEFAULTS.field });
  });

  it('buildReport fills unset counting settings from REPORT_DEFAULTS', async () => {
    const { report } = await buildReport(['test/fixtures/tagged/mini.jsonl'], { tokenizer: await loadTokenCounter('chars'), model: null });
    expect(report.settings).toMatchObject({ group_by: null, text_field: 'text', uncertain_below: 0.5, term_capacity: 500, top_terms: 15 });
  });
});
