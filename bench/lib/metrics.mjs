// Accuracy and macro-F1 (sklearn definition: unweighted mean of per-label F1 over the labels
// that occur in gold or in the predictions; F1 = 0 where precision and recall are both 0).

/**
 * @param {string[]} gold
 * @param {(string|null)[]} pred   null = no prediction (counts as wrong, adds no label)
 * @returns {{n:number, accuracy:number, macro_f1:number, labels:number}}
 */
export function scoreLabels(gold, pred) {
  if (gold.length !== pred.length) throw new Error(`scoreLabels: ${gold.length} gold vs ${pred.length} predictions`);
  /** @type {Map<string,{tp:number,fp:number,fn:number}>} */
  const per = new Map();
  const get = (/** @type {string} */ l) => {
    let c = per.get(l);
    if (!c) per.set(l, (c = { tp: 0, fp: 0, fn: 0 }));
    return c;
  };
  let correct = 0;
  for (let i = 0; i < gold.length; i++) {
    const g = /** @type {string} */ (gold[i]);
    const p = pred[i] ?? null;
    if (p === g) {
      correct++;
      get(g).tp++;
    } else {
      get(g).fn++;
      if (p !== null) get(p).fp++;
    }
  }
  let f1sum = 0;
  for (const c of per.values()) {
    const den = 2 * c.tp + c.fp + c.fn;
    f1sum += den > 0 ? (2 * c.tp) / den : 0;
  }
  return {
    n: gold.length,
    accuracy: gold.length ? correct / gold.length : NaN,
    macro_f1: per.size ? f1sum / per.size : NaN,
    labels: per.size,
  };
}
