import type { Report } from '../report/report-types.js';
import { compareLangs } from '../report/summary.js';
import type { Unit } from './weights-types.js';

/** One topic x language cell of the corpus, summed over report groups. */
export interface CorpusCell {
  topic: string;
  lang: string;
  docs: number;
  /** Size in the rebalancing unit. */
  amount: number;
}

export function cellKey(topic: string, lang: string): string {
  return `${lang}/${topic}`;
}

/** Hard (argmax) cells: sampling decides per document, so the mixture is balanced on hard counts. */
export function corpusCells(report: Report, unit: Unit): CorpusCell[] {
  const byKey = new Map<string, CorpusCell>();
  for (const c of report.state.cells) {
    const key = cellKey(c.topic, c.lang);
    let cell = byKey.get(key);
    if (cell === undefined) {
      cell = { topic: c.topic, lang: c.lang, docs: 0, amount: 0 };
      byKey.set(key, cell);
    }
    cell.docs += c.docs;
    cell.amount += unit === 'docs' ? c.docs : unit === 'chars' ? c.chars : c.tokens;
  }
  return [...byKey.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : compareLangs(a.lang, b.lang)));
}
