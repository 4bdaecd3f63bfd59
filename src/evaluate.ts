import { loadClassifier, type Classifier } from './classifier.js';
import { READ_DEFAULTS } from './defaults.js';
import { computeMetrics, metricsByGroup, type EvalMetrics } from './eval/metrics.js';
import { computeMultiLabelMetrics, type MultiLabelMetrics } from './eval/multilabel-metrics.js';
import { formatErrors, readLabelled, readPool } from './io/labelled.js';
import { loadLabelSet } from './labels/label-set.js';
import { applyMapping, loadMapping, mappingFiles, type LabelMapping } from './labels/mapping.js';
import type { BackendPreference } from './model/backend.js';
import type { ErrorRecord, LabelledExample } from './types.js';

export interface EvalOptions {
  /** Model folder. Default: the shipped default model (as for classify). */
  model?: string;
  /** Labelled JSONL files or globs. */
  data: string[];
  /** Label mapping files: their `test` files (relative to `dataRoot`) are evaluated with their labels mapped. */
  map?: string[];
  dataRoot?: string;
  field?: string;
  backend?: BackendPreference;
  /** Skip examples whose labels the model does not know (counted in `skipped_unknown`) instead of failing. */
  ignoreUnknown?: boolean;
  /** Skip malformed lines (counted in `skipped_bad_lines`) instead of failing. */
  skipBadLines?: boolean;
  /** A label set whose `pool_labels` rows with `split: heldout` are evaluated (joined with `pool`). */
  labels?: string;
  pool?: string[];
}

export interface EvalReport extends EvalMetrics {
  model: string;
  data: string[];
  backend: string;
  /** Metrics per language (the example's `lang`, else the detected script). */
  per_lang: Record<string, MetricsSummary>;
  /** Metrics per source: the mapping's dataset name, or 'data' for --data files. */
  per_source: Record<string, MetricsSummary>;
  skipped_unknown: number;
  skipped_bad_lines: number;
  /**
   * With a multi-label model, or data where some row has several labels: the predicted label sets (a
   * multi-label model's tags, else the top label) against the gold sets. The top-1 metrics above stay.
   */
  multi_label?: MultiLabelMetrics;
}

export type MetricsSummary = Pick<EvalMetrics, 'n' | 'accuracy' | 'macro_f1' | 'worst_class_accuracy' | 'ece'>;

function summarize(groups: Record<string, EvalMetrics>): Record<string, MetricsSummary> {
  return Object.fromEntries(Object.entries(groups).map(([k, m]) => [k, { n: m.n, accuracy: m.accuracy, macro_f1: m.macro_f1, worst_class_accuracy: m.worst_class_accuracy, ece: m.ece }]));
}

/** Evaluates a model on labelled data: accuracy, macro-F1, worst-class accuracy, per class, confusion, ECE. */
export async function evaluateModel(options: EvalOptions, loaded?: Classifier): Promise<EvalReport> {
  const clf = loaded ?? (await loadClassifier(options.model, { ...(options.backend && { backend: options.backend }) }));
  const field = options.field ?? READ_DEFAULTS.field;
  const examples: LabelledExample[] = [];
  const sources: string[] = [];
  const errors: ErrorRecord[] = [];
  const add = async (files: string[], source: string, m?: LabelMapping): Promise<void> => {
    const r = await readLabelled(files, { field });
    errors.push(...r.errors);
    const got = m ? applyMapping(r.examples, m, new Set(clf.labels)).examples : r.examples;
    examples.push(...got);
    for (let i = 0; i < got.length; i++) sources.push(source);
  };
  if (options.data.length) await add(options.data, 'data');
  if (options.labels !== undefined) {
    if (!options.pool?.length) throw new Error('eval: `labels` needs `pool` (the documents its pool_labels rows reference)');
    const set = await loadLabelSet(options.labels);
    if (set.poolFiles.length === 0) throw new Error(`eval: ${options.labels} has no pool_labels files (taxonomy.yaml pool_labels:)`);
    const r = await readLabelled(set.poolFiles, { field, pool: await readPool(options.pool) });
    errors.push(...r.errors);
    const held = r.examples.filter((e) => e.annotation?.split === 'heldout');
    examples.push(...held);
    for (let i = 0; i < held.length; i++) sources.push('heldout');
  }
  for (const file of options.map ?? []) {
    const m = await loadMapping(file);
    if (m.test.length === 0) throw new Error(`eval: ${file} names no test files`);
    await add(mappingFiles(m, 'test', options.dataRoot ?? READ_DEFAULTS.dataRoot), m.dataset, m);
  }
  if (errors.length > 0 && !options.skipBadLines) {
    throw new Error(`eval: ${errors.length} bad line(s):\n${formatErrors(errors)}\n(fix them, or set \`skipBadLines\`)`);
  }
  const known = new Set(clf.labels);
  const unknown = examples.filter((e) => e.labels.some((l) => !known.has(l)));
  if (unknown.length > 0 && !options.ignoreUnknown) {
    const shown = unknown
      .slice(0, 10)
      .map((e) => `${e.source.file}:${e.source.line}: field "${e.labels.length > 1 ? 'labels' : 'label'}": "${e.labels.find((l) => !known.has(l))}" is not a label of this model`);
    throw new Error(
      `eval: ${unknown.length} example(s) have labels the model does not know (model labels: ${clf.labels.join(', ')}):\n${shown.join('\n')}${unknown.length > 10 ? `\n... and ${unknown.length - 10} more` : ''}\n(pass \`ignoreUnknown\` to skip them)`,
    );
  }
  const keep = examples.map((e) => e.labels.every((l) => known.has(l)));
  const usable = examples.filter((_, i) => keep[i]);
  const usableSources = sources.filter((_, i) => keep[i]);
  if (usable.length === 0) throw new Error(`eval: no usable examples in ${[...options.data, ...(options.map ?? [])].join(', ')}`);
  const preds = await clf.classifyBatch(
    usable.map((e) => e.text),
    { topK: 1, threshold: 0 },
  );
  // a soft-labelled row's gold label is its most probable one (labels lists them most probable first)
  const gold = usable.map((e) => (e.probs ? e.labels.slice(0, 1) : e.labels));
  const predicted = preds.map((p) => p.topics[0]!.label);
  const confidence = preds.map((p) => p.score);
  const metrics = computeMetrics(gold, predicted, confidence, clf.labels);
  const langs = usable.map((e, i) => e.lang ?? preds[i]!.lang);
  const byLang = metricsByGroup(langs, gold, predicted, confidence, clf.labels);
  const per_lang = summarize(byLang);
  const per_source = summarize(metricsByGroup(usableSources, gold, predicted, confidence, clf.labels));
  const multi = clf.metadata.multiLabel !== undefined || gold.some((g) => g.length > 1);
  const multi_label = multi
    ? computeMultiLabelMetrics(
        gold,
        preds.map((p) => (p.tags ? p.tags.map((t) => t.label) : [p.topics[0]!.label])),
        clf.labels,
      )
    : undefined;
  return {
    ...metrics,
    model: clf.dir,
    data: options.data,
    backend: clf.backend,
    per_lang,
    per_source,
    skipped_unknown: unknown.length,
    skipped_bad_lines: errors.length,
    ...(multi_label && { multi_label }),
  };
}
