import { metricsMarkdown, type EvalMetrics } from './eval/metrics.js';
import type { ModelMetadata } from './model/metadata.js';

export interface CardExtras {
  dev?: EvalMetrics;
  weightBytes: number;
  quantization: string;
}

/** The README.md written next to model.json: what the model is, how it was trained, how well it does. */
export function renderModelCard(meta: ModelMetadata, extras: CardExtras): string {
  const t = meta.training;
  const f = meta.featurizer;
  const lines: string[] = [
    `# Model card: ${meta.name}`,
    '',
    `A topicmix topic classifier (bag of hashed n-grams, fastText architecture) with ${meta.labels.length} labels, stored as a standard TensorFlow.js layers model (\`model.json\` + \`weights.bin\`, ${(extras.weightBytes / 1e6).toFixed(1)} MB, ${extras.quantization} weights).`,
    '',
    '## Labels',
    '',
    '| label | en | zh |',
    '| --- | --- | --- |',
    ...meta.labels.map((l) => `| ${l} | ${meta.labelNames?.[l]?.en ?? ''} | ${meta.labelNames?.[l]?.zh ?? ''} |`),
    '',
    '## Training',
    '',
    `- Data: ${t.trainFiles.map((x) => `\`${x}\``).join(', ')} (${t.nTrain} examples, ${t.dataHash})`,
    `- Dev: ${t.devFiles.length ? `${t.devFiles.map((x) => `\`${x}\``).join(', ')} (${t.nDev} examples); the epoch with the best dev accuracy was kept (epoch ${t.bestEpoch} of ${t.epochs})` : 'none; the last epoch was kept'}`,
    `- Features: NFKC + lowercase; Han characters one token each${f.zhTokens === 'jieba' ? ' (jieba words)' : ''}, Latin words${f.stem ? ' (Porter-stemmed)' : ''}; ${f.ngrams === 2 ? 'unigrams + bigrams' : 'unigrams'} hashed into ${f.buckets} buckets; long texts are featurized whole, in chunks of ${f.chunkChars} characters (nothing is cut).`,
    `- Model: embedding dim ${meta.dim}, mean of the n-gram embeddings, softmax output; trained with lazy Adam (lr ${t.lr}, linear decay), batch ${t.batchSize}, ${t.epochs} epochs, class weights ${t.classWeight}, seed ${t.seed}.`,
    `- Same data + same settings + same seed give a byte-identical weights.bin.`,
    `- Versions: topicmix ${meta.versions.topicmix}, tfjs ${meta.versions.tfjs}.`,
    '',
    '| epoch | loss | dev accuracy |',
    '| ---: | ---: | ---: |',
    ...t.history.map((h) => `| ${h.epoch} | ${h.loss.toFixed(4)} | ${h.devAccuracy !== undefined ? h.devAccuracy.toFixed(4) : '-'} |`),
    '',
    ...autotuneSection(meta),
    '## Evaluation',
    '',
  ];
  if (extras.dev) {
    lines.push('On the dev data (held out from training, but used to choose the epoch, so slightly optimistic):', '', metricsMarkdown(extras.dev));
  } else {
    lines.push('No dev data was given. Measure the model with `topicmix eval --model <this folder> --data test.jsonl`.', '');
  }
  lines.push(
    '## Use',
    '',
    '```sh',
    'npx topicmix classify --model <this folder> input.jsonl -o tagged.jsonl',
    'npx topicmix eval --model <this folder> --data test.jsonl --json',
    '```',
    '',
    "In a browser or any tfjs runtime, `tf.loadLayersModel('<url>/model.json')` loads it; its inputs are `ids` (int32 [batch, len], the",
    'featurizer ids padded with 0) and `scale` ([batch, 1], padded length / real length); `userDefinedMetadata.topicmix` holds the labels and the featurizer config.',
    '',
  );
  return lines.join('\n');
}

function autotuneSection(meta: ModelMetadata): string[] {
  const a = meta.training.autotune;
  if (!a) return [];
  const on =
    a.scoredOn === 'dev'
      ? `the dev data (${a.nTrialEval} examples)`
      : `a seeded held-out ${Math.round((a.heldOutShare ?? 0) * 100)}% of the training data (${a.nTrialEval} examples; trials trained on the other ${a.nTrialTrain})`;
  const bound = [a.budgetSeconds !== null ? `a budget of ${a.budgetSeconds} s on the whole training` : '', a.trialsLimit !== null ? `at most ${a.trialsLimit} trials` : '']
    .filter(Boolean)
    .join(' and ');
  const why = { trials: 'the trial limit was reached', budget: 'the budget left no room for more', searched: 'the search found nothing better to try' }[a.stopReason];
  return [
    '## Autotune',
    '',
    `The settings above were chosen by \`train --autotune\` (${bound}): ${a.evaluated} trials scored on ${on}, seed ${a.seed}; it stopped because ${why}${a.skipped ? ` (${a.skipped} candidates passed over: their estimated time did not fit)` : ''}. Best ${a.metric === 'accuracy' ? 'accuracy' : 'mean per-class recall'} ${a.bestScore.toFixed(4)} against ${a.defaultScore.toFixed(4)} for the defaults; search ${a.searchSeconds.toFixed(1)} s, final training ${a.finalSeconds?.toFixed(1) ?? '?'} s (estimated ${a.finalEstimate.toFixed(1)} s), ${a.totalSeconds?.toFixed(1) ?? '?'} s in all.${a.fixed.length ? ` Fixed by the user: ${a.fixed.join(', ')}.` : ''} Trial scores are on data used for choosing, so they are optimistic.`,
    '',
    '| trial | lr | epochs | dim | ngrams | buckets | class weights | score | seconds |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
    ...a.trials.map((t) => {
      const s = t.setting;
      return `| ${t.index} | ${s.lr} | ${s.epochs} | ${s.dim} | ${s.ngrams} | ${s.buckets} | ${s.classWeight} | ${t.stopped ? 'stopped' : t.score.toFixed(4)} | ${t.seconds.toFixed(2)} |`;
    }),
    '',
  ];
}
