import { loadClassifier, type Classifier } from './classifier.js';
import { computeMetrics, metricsByGroup, type EvalMetrics } from './eval/metrics.js';
import { formatErrors, readLabelled } from './io/labelled.js';
import type { BackendPreference } from './model/backend.js';

export interface EvalOptions {
  /** Model folder. */
  model: string;
  /** Labelled JSONL files or globs. */
  data: string[];
  field?: string;
  backend?: BackendPreference;
  /** Skip examples whose labels the model does not know (counted in `skipped_unknown`) instead of failing. */
  ignoreUnknown?: boolean;
  /** Skip malformed lines (counted in `skipped_bad_lines`) instead of failing. */
  skipBadLines?: boolean;
}

export interface EvalReport extends EvalMetrics {
  model: string;
  data: string[];
  backend: string;
  /** Metrics per language (the example's `lang`, else the detected script). */
  per_lang: Record<string, Pick<EvalMetrics, 'n' | 'accuracy' | 'macro_f1' | 'worst_class_accuracy' | 'ece'>>;
  skipped_unknown: number;
  skipped_bad_lines: number;
}

/** Evaluates a model on labelled data: accuracy, macro-F1, worst-class accuracy, per class, confusion, ECE. */
export async function evaluateModel(options: EvalOptions, loaded?: Classifier): Promise<EvalReport> {
  const clf = loaded ?? (await loadClassifier(options.model, { ...(options.backend && { backend: options.backend }) }));
  const { examples, errors } = await readLabelled(options.data, { field: options.field ?? 'text' });
  if (errors.length > 0 && !options.skipBadLines) {
    throw new Error(`eval: ${errors.length} bad line(s):\n${formatErrors(errors)}\n(fix them, or pass --skip-bad-lines)`);
  }
  const known = new Set(clf.labels);
  const unknown = examples.filter((e) => e.labels.some((l) => !known.has(l)));
  if (unknown.length > 0 && !options.ignoreUnknown) {
    const shown = unknown.slice(0, 10).map((e) => `${e.pos.file}:${e.pos.line}: field "label": "${e.labels.find((l) => !known.has(l))}" is not a label of this model`);
    throw new Error(
      `eval: ${unknown.length} example(s) have labels the model does not know (model labels: ${clf.labels.join(', ')}):\n${shown.join('\n')}${unknown.length > 10 ? `\n... and ${unknown.length - 10} more` : ''}\n(pass --ignore-unknown to skip them)`,
    );
  }
  const usable = unknown.length ? examples.filter((e) => e.labels.every((l) => known.has(l))) : examples;
  if (usable.length === 0) throw new Error(`eval: no usable examples in ${options.data.join(', ')}`);
  const preds = await clf.classifyBatch(usable.map((e) => e.text), { topK: 1, threshold: 0 });
  const gold = usable.map((e) => e.labels);
  const predicted = preds.map((p) => p.topics[0]!.label);
  const confidence = preds.map((p) => p.score);
  const metrics = computeMetrics(gold, predicted, confidence, clf.labels);
  const langs = usable.map((e, i) => e.lang ?? preds[i]!.lang);
  const byLang = metricsByGroup(langs, gold, predicted, confidence, clf.labels);
  const per_lang = Object.fromEntries(
    Object.entries(byLang).map(([k, m]) => [k, { n: m.n, accuracy: m.accuracy, macro_f1: m.macro_f1, worst_class_accuracy: m.worst_class_accuracy, ece: m.ece }]),
  );
  return { ...metrics, model: clf.dir, data: options.data, backend: clf.backend, per_lang, skipped_unknown: unknown.length, skipped_bad_lines: errors.length };
}
