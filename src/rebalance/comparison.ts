import type { Comparison } from '../report/format-common.js';
import type { WeightsFile } from './weights-types.js';

/** What a report's formats show of a weights file: current vs target vs achieved shares. */
export function comparisonOf(w: WeightsFile): Comparison {
  const rows = (xs: WeightsFile['by_topic']): Comparison['topics'] => xs.map((r) => ({ key: r.key, current: r.available_share, target: r.target_share, achieved: r.achieved_share }));
  return { unit: w.unit, method: w.method, topics: rows(w.by_topic), langs: rows(w.by_lang), shortfalls: w.shortfalls.map((s) => s.message) };
}
