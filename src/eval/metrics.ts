export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ReliabilityBin {
  bin_lower: number;
  bin_upper: number;
  count: number;
  accuracy: number;
  confidence: number;
}

export interface EvalMetrics {
  n: number;
  accuracy: number;
  macro_f1: number;
  /** Minimum recall over classes with support > 0. */
  worst_class_accuracy: number;
  per_class: Record<string, ClassMetrics>;
  /** Rows = gold, columns = predicted, both indexed by `labels`. */
  confusion: { labels: string[]; matrix: number[][] };
  /** Expected calibration error over equal-width bins of top-1 confidence. */
  ece: number;
  ece_bins: number;
  reliability: ReliabilityBin[];
}

export interface MetricsOptions {
  /** Number of equal-width confidence bins for ECE (default 15). */
  bins?: number;
  /** Per-document weights (default 1 each). */
  weights?: readonly number[];
}

const DEFAULT_BINS = 15;

function ratio(num: number, den: number): number {
  return den > 0 ? num / den : 0;
}

/**
 * Bin index for a confidence, with bins (lower, upper] as in Guo et al. 2017; 0 falls in the
 * first bin. Edges are compared against k/bins directly because c*bins is not exact in floating
 * point (0.7*10 = 7.000000000000001 would otherwise land in the next bin).
 */
function binIndex(c: number, bins: number): number {
  let i = Math.min(bins - 1, Math.max(0, Math.ceil(c * bins) - 1));
  while (i > 0 && c <= i / bins) i--;
  while (i < bins - 1 && c > (i + 1) / bins) i++;
  return i;
}

function validate(gold: readonly (readonly string[])[], predicted: readonly string[], confidence: readonly number[], weights: readonly number[] | undefined, bins: number): void {
  const n = gold.length;
  if (predicted.length !== n || confidence.length !== n || (weights && weights.length !== n)) {
    throw new RangeError(`computeMetrics: length mismatch (gold ${n}, predicted ${predicted.length}, confidence ${confidence.length}` + (weights ? `, weights ${weights.length})` : ')'));
  }
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`computeMetrics: bins must be a positive integer, got ${bins}`);
  for (let i = 0; i < n; i++) {
    if (gold[i]!.length === 0) throw new RangeError(`computeMetrics: document ${i} has no gold label`);
    if (!Number.isFinite(confidence[i])) throw new RangeError(`computeMetrics: confidence ${i} is not a finite number`);
    const w = weights?.[i];
    if (w !== undefined && !(Number.isFinite(w) && w >= 0)) {
      throw new RangeError(`computeMetrics: weight ${i} must be a finite number >= 0, got ${w}`);
    }
  }
}

/**
 * Top-1 classification metrics.
 *
 * Multi-label gold: `gold[i]` is the set of acceptable labels for document i. A prediction is
 * correct if it is anywhere in that set. For per-class statistics and the confusion matrix the
 * document's gold row is the matched label when the prediction is correct, else the first gold
 * label, so each document counts exactly once.
 *
 * Labels seen in gold or predictions but missing from `labels` are appended (in order of first
 * appearance) rather than dropped, so nothing silently disappears from the counts.
 *
 * Classes with neither support nor predictions get precision/recall/f1 = 0 and are left out of
 * macro_f1, like scikit-learn's default of averaging over labels present in gold or predictions.
 * Undefined ratios are 0, never NaN. With `weights`, every count (confusion, support, accuracy,
 * ECE) is a sum of weights; `n` stays the number of documents. Confidences are clamped to [0, 1]
 * to absorb float32 softmax rounding. Nothing is rounded.
 */
export function computeMetrics(gold: readonly (readonly string[])[], predicted: readonly string[], confidence: readonly number[], labels: readonly string[], opts: MetricsOptions = {}): EvalMetrics {
  const bins = opts.bins ?? DEFAULT_BINS;
  const weights = opts.weights;
  validate(gold, predicted, confidence, weights, bins);

  const allLabels = [...new Set(labels)];
  const index = new Map(allLabels.map((l, i) => [l, i]));
  const indexOf = (l: string): number => {
    let i = index.get(l);
    if (i === undefined) {
      i = allLabels.length;
      allLabels.push(l);
      index.set(l, i);
    }
    return i;
  };

  const n = gold.length;
  const cells: { g: number; p: number; w: number }[] = [];
  const binCount = new Array<number>(bins).fill(0);
  const binCorrect = new Array<number>(bins).fill(0);
  const binConf = new Array<number>(bins).fill(0);
  let total = 0;
  let correct = 0;

  for (let i = 0; i < n; i++) {
    const g = gold[i]!;
    const pred = predicted[i]!;
    const w = weights?.[i] ?? 1;
    const ok = g.includes(pred);
    const p = indexOf(pred);
    const gRow = ok ? p : indexOf(g[0]!);
    for (const other of g) indexOf(other);
    cells.push({ g: gRow, p, w });

    const c = Math.min(1, Math.max(0, confidence[i]!));
    const b = binIndex(c, bins);
    binCount[b]! += w;
    binConf[b]! += w * c;
    total += w;
    if (ok) {
      correct += w;
      binCorrect[b]! += w;
    }
  }

  const k = allLabels.length;
  const matrix = allLabels.map(() => new Array<number>(k).fill(0));
  for (const { g, p, w } of cells) matrix[g]![p]! += w;

  const per_class: Record<string, ClassMetrics> = {};
  let f1Sum = 0;
  let f1Count = 0;
  let worst = Infinity;
  allLabels.forEach((label, c) => {
    const tp = matrix[c]![c]!;
    const support = matrix[c]!.reduce((a, b) => a + b, 0);
    const predictedCount = matrix.reduce((a, row) => a + row[c]!, 0);
    const precision = ratio(tp, predictedCount);
    const recall = ratio(tp, support);
    const f1 = ratio(2 * precision * recall, precision + recall);
    per_class[label] = { precision, recall, f1, support };
    if (support > 0 || predictedCount > 0) {
      f1Sum += f1;
      f1Count++;
    }
    if (support > 0) worst = Math.min(worst, recall);
  });

  const reliability: ReliabilityBin[] = [];
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const count = binCount[b]!;
    const accuracy = ratio(binCorrect[b]!, count);
    const conf = ratio(binConf[b]!, count);
    reliability.push({ bin_lower: b / bins, bin_upper: (b + 1) / bins, count, accuracy, confidence: conf });
    ece += ratio(count, total) * Math.abs(accuracy - conf);
  }

  return {
    n,
    accuracy: ratio(correct, total),
    macro_f1: ratio(f1Sum, f1Count),
    worst_class_accuracy: Number.isFinite(worst) ? worst : 0,
    per_class,
    confusion: { labels: allLabels, matrix },
    ece,
    ece_bins: bins,
    reliability,
  };
}

/** computeMetrics separately for each group (e.g. language); keys sorted. */
export function metricsByGroup(
  groups: readonly string[],
  gold: readonly (readonly string[])[],
  predicted: readonly string[],
  confidence: readonly number[],
  labels: readonly string[],
  opts: MetricsOptions = {},
): Record<string, EvalMetrics> {
  if (groups.length !== gold.length) {
    throw new RangeError(`metricsByGroup: length mismatch (groups ${groups.length}, gold ${gold.length})`);
  }
  const members = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const list = members.get(g);
    if (list) list.push(i);
    else members.set(g, [i]);
  });
  const out: Record<string, EvalMetrics> = {};
  for (const g of [...members.keys()].sort()) {
    const idx = members.get(g)!;
    const pick = <T>(xs: readonly T[]): T[] => idx.map((i) => xs[i]!);
    out[g] = computeMetrics(pick(gold), pick(predicted), pick(confidence), labels, {
      bins: opts.bins,
      weights: opts.weights ? pick(opts.weights) : undefined,
    });
  }
  return out;
}

function fmt(x: number): string {
  return x.toFixed(3);
}

function fmtCount(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

interface ClassRow {
  label: string;
  m: ClassMetrics;
  /** Neither in gold nor predicted: excluded from macro-F1. */
  absent: boolean;
}

function classRows(m: EvalMetrics): ClassRow[] {
  const { labels, matrix } = m.confusion;
  return labels.map((label, c) => {
    const predictedCount = matrix.reduce((a, row) => a + (row[c] ?? 0), 0);
    const cm = m.per_class[label]!;
    return { label, m: cm, absent: cm.support === 0 && predictedCount === 0 };
  });
}

function summaryPairs(m: EvalMetrics): [string, string][] {
  return [
    ['documents', String(m.n)],
    ['accuracy', fmt(m.accuracy)],
    ['macro-F1', fmt(m.macro_f1)],
    ['worst-class accuracy', fmt(m.worst_class_accuracy)],
    [`ECE (${m.ece_bins} bins)`, fmt(m.ece)],
  ];
}

/** Plain-text report for the terminal. */
export function formatMetricsTable(m: EvalMetrics): string {
  const rows = classRows(m);
  const header = ['label', 'precision', 'recall', 'f1', 'support'];
  const body = rows.map(({ label, m: c, absent }) => (absent ? [label, '-', '-', '-', '0'] : [label, fmt(c.precision), fmt(c.recall), fmt(c.f1), fmtCount(c.support)]));
  const widths = header.map((h, j) => Math.max(h.length, ...body.map((r) => r[j]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line), ''];
  const pairs = summaryPairs(m);
  const keyWidth = Math.max(...pairs.map(([k]) => k.length));
  for (const [k, v] of pairs) out.push(`${k.padEnd(keyWidth)}  ${v}`);
  if (rows.some((r) => r.absent)) out.push('', '(-: class absent from gold and predictions, excluded from macro-F1)');
  return out.join('\n') + '\n';
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** Markdown section for model cards: summary, per-class table and confusion matrix. */
export function metricsMarkdown(m: EvalMetrics): string {
  const out: string[] = ['| metric | value |', '| --- | ---: |'];
  for (const [k, v] of summaryPairs(m)) out.push(`| ${k} | ${v} |`);
  out.push('', '| label | precision | recall | F1 | support |', '| --- | ---: | ---: | ---: | ---: |');
  for (const { label, m: c, absent } of classRows(m)) {
    const cells = absent ? ['-', '-', '-', '0'] : [fmt(c.precision), fmt(c.recall), fmt(c.f1), fmtCount(c.support)];
    out.push(`| ${escapeCell(label)} | ${cells.join(' | ')} |`);
  }
  const { labels, matrix } = m.confusion;
  if (labels.length > 0) {
    out.push('', 'Confusion matrix (rows: gold, columns: predicted):', '');
    out.push(`| gold \\ pred | ${labels.map(escapeCell).join(' | ')} |`);
    out.push(`| --- |${' ---: |'.repeat(labels.length)}`);
    labels.forEach((l, i) => out.push(`| ${escapeCell(l)} | ${matrix[i]!.map(fmtCount).join(' | ')} |`));
  }
  return out.join('\n') + '\n';
}
