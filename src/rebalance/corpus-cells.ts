import type { Report } from '../report/report-types.js';
import { compareLangs } from '../text/script.js';
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

/**
 * Hard (argmax) cells: sampling decides per document, so the mixture is balanced on hard counts. When the
 * report has corrected shares (the model's known confusions), each cell of a corrected language is scaled by
 * corrected / raw share, so the weights aim at the estimated true topic amounts; `corrected` says so.
 */
export function corpusCells(report: Report, unit: Unit): CorpusCell[] {
  return correctedCells(report, unit).cells;
}

export function correctedCells(report: Report, unit: Unit): { cells: CorpusCell[]; corrected: string[] } {
  const cells = rawCells(report, unit);
  const corr = report.summary.corrected;
  if (!corr) return { cells, corrected: [] };
  const factor = new Map<string, number>();
  for (const l of corr.by_lang) for (const r of l.rows) if (r.raw_share > 0) factor.set(cellKey(r.topic, l.lang), r.share / r.raw_share);
  const langs = new Set(corr.by_lang.map((l) => l.lang));
  return {
    cells: cells.map((c) => {
      const f = langs.has(c.lang) ? factor.get(cellKey(c.topic, c.lang)) : undefined;
      return f === undefined ? c : { ...c, docs: Math.round(c.docs * f), amount: Math.round(c.amount * f) };
    }),
    corrected: [...langs],
  };
}

function rawCells(report: Report, unit: Unit): CorpusCell[] {
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
