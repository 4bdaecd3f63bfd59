// Metrics of set-valued predictions (multi-label models: every tag of a document against all its gold labels).

export interface LabelSetMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Documents with the label in their gold set. */
  support: number;
  /** Documents the label was predicted for. */
  predicted: number;
}

export interface MultiLabelMetrics {
  n: number;
  /** Over all (document, label) decisions pooled. */
  micro_precision: number;
  micro_recall: number;
  micro_f1: number;
  /** Means over the labels that occur in the gold sets or the predictions (a label in neither is left out). */
  macro_precision: number;
  macro_recall: number;
  macro_f1: number;
  /** Share of documents whose predicted set is exactly the gold set. */
  subset_accuracy: number;
  /** Share of wrong (document, label) decisions: (false positives + false negatives) / (n x labels). */
  hamming_loss: number;
  /** Mean labels per document, gold and predicted. */
  gold_per_doc: number;
  predicted_per_doc: number;
  per_label: Record<string, LabelSetMetrics>;
}

function ratio(a: number, b: number): number {
  return b > 0 ? a / b : 0;
}

/**
 * Multi-label metrics of `predicted` label sets against `gold` sets. `labels` fixes the label order and the
 * label count of the Hamming loss; labels met only in the data are added after them.
 */
export function computeMultiLabelMetrics(gold: readonly (readonly string[])[], predicted: readonly (readonly string[])[], labels: readonly string[]): MultiLabelMetrics {
  const n = gold.length;
  if (predicted.length !== n) throw new RangeError(`computeMultiLabelMetrics: length mismatch (gold ${n}, predicted ${predicted.length})`);
  const all = [...labels];
  const index = new Map(all.map((l, i) => [l, i]));
  const idOf = (l: string): number => {
    let i = index.get(l);
    if (i === undefined) {
      i = all.length;
      all.push(l);
      index.set(l, i);
    }
    return i;
  };
  const tp: number[] = [];
  const support: number[] = [];
  const pred: number[] = [];
  const bump = (a: number[], i: number) => {
    while (a.length <= i) a.push(0);
    a[i]!++;
  };
  let exact = 0;
  let goldTotal = 0;
  let predTotal = 0;
  for (let d = 0; d < n; d++) {
    const g = new Set(gold[d]!.map(idOf));
    const p = new Set(predicted[d]!.map(idOf));
    goldTotal += g.size;
    predTotal += p.size;
    let hits = 0;
    for (const i of g) bump(support, i);
    for (const i of p) {
      bump(pred, i);
      if (g.has(i)) {
        bump(tp, i);
        hits++;
      }
    }
    if (hits === g.size && hits === p.size) exact++;
  }
  const per_label: Record<string, LabelSetMetrics> = {};
  let tpAll = 0;
  let sumP = 0;
  let sumR = 0;
  let sumF = 0;
  let counted = 0;
  for (let i = 0; i < all.length; i++) {
    const t = tp[i] ?? 0;
    const s = support[i] ?? 0;
    const q = pred[i] ?? 0;
    tpAll += t;
    const precision = ratio(t, q);
    const recall = ratio(t, s);
    const f1 = ratio(2 * t, s + q);
    per_label[all[i]!] = { precision, recall, f1, support: s, predicted: q };
    if (s + q === 0) continue;
    counted++;
    sumP += precision;
    sumR += recall;
    sumF += f1;
  }
  const K = all.length;
  return {
    n,
    micro_precision: ratio(tpAll, predTotal),
    micro_recall: ratio(tpAll, goldTotal),
    micro_f1: ratio(2 * tpAll, goldTotal + predTotal),
    macro_precision: ratio(sumP, counted),
    macro_recall: ratio(sumR, counted),
    macro_f1: ratio(sumF, counted),
    subset_accuracy: ratio(exact, n),
    hamming_loss: ratio(goldTotal - tpAll + (predTotal - tpAll), n * K),
    gold_per_doc: ratio(goldTotal, n),
    predicted_per_doc: ratio(predTotal, n),
    per_label,
  };
}

/** A text table of multi-label metrics: the averages, then one row per label. */
export function formatMultiLabelTable(m: MultiLabelMetrics): string {
  const f = (x: number) => x.toFixed(4);
  const lines = [
    `multi-label: n ${m.n}, ${f(m.gold_per_doc)} gold and ${f(m.predicted_per_doc)} predicted labels per document`,
    `micro: precision ${f(m.micro_precision)}, recall ${f(m.micro_recall)}, F1 ${f(m.micro_f1)}`,
    `macro: precision ${f(m.macro_precision)}, recall ${f(m.macro_recall)}, F1 ${f(m.macro_f1)}`,
    `subset accuracy ${f(m.subset_accuracy)}, Hamming loss ${f(m.hamming_loss)}`,
    '',
  ];
  const width = Math.max(5, ...Object.keys(m.per_label).map((l) => l.length));
  lines.push(`${'label'.padEnd(width)}  precision  recall  f1      support  predicted`);
  for (const [label, c] of Object.entries(m.per_label)) {
    lines.push(`${label.padEnd(width)}  ${f(c.precision)}     ${f(c.recall)}  ${f(c.f1)}  ${String(c.support).padStart(7)}  ${String(c.predicted).padStart(9)}`);
  }
  return lines.join('\n') + '\n';
}
