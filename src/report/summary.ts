import { DEFAULT_SHRINKAGE, correctedShares } from '../eval/quantify.js';
import { compareLangs } from '../text/script.js';
import { partsSummary } from './parts-count.js';
import {
  type CorrectedSummary,
  type ReportCalibration,
  AMOUNT_SCALE,
  DOC_SCALE,
  HIST_BINS,
  TERM_SCRIPTS,
  type HardCell,
  type MultiLabelSummary,
  type Report,
  type ReportSummary,
  type SoftCell,
  type SummaryRow,
  type TermSummary,
  type TopTerm,
} from './report-types.js';

function compareStr(a: string | null | undefined, b: string | null | undefined): number {
  const x = a ?? '';
  const y = b ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/** x / total, 0 when the total is 0: no NaN ever reaches an output. */
export function ratio(x: number, total: number): number {
  return total > 0 ? x / total : 0;
}

interface Acc {
  docs: number;
  chars: number;
  tokens: number;
  conf: number;
  hist: number[];
  uncertainDocs: number;
  uncertainTokens: number;
  softDocs: number;
  softChars: number;
  softTokens: number;
}

function emptyAcc(): Acc {
  return {
    docs: 0,
    chars: 0,
    tokens: 0,
    conf: 0,
    hist: new Array<number>(HIST_BINS).fill(0),
    uncertainDocs: 0,
    uncertainTokens: 0,
    softDocs: 0,
    softChars: 0,
    softTokens: 0,
  };
}

type Key = Pick<SummaryRow, 'group' | 'lang' | 'topic'>;

function aggregate(cells: HardCell[], soft: SoftCell[], keyOf: (c: Key) => Key): Map<string, { key: Key; acc: Acc }> {
  const out = new Map<string, { key: Key; acc: Acc }>();
  const get = (c: Key): Acc => {
    const key = keyOf(c);
    const k = JSON.stringify([key.group, key.lang, key.topic]);
    let e = out.get(k);
    if (e === undefined) {
      e = { key, acc: emptyAcc() };
      out.set(k, e);
    }
    return e.acc;
  };
  for (const c of cells) {
    const a = get(c);
    a.docs += c.docs;
    a.chars += c.chars;
    a.tokens += c.tokens;
    a.conf += c.confidence_e6;
    for (let i = 0; i < HIST_BINS; i++) a.hist[i]! += c.hist[i]!;
    a.uncertainDocs += c.uncertain_docs;
    a.uncertainTokens += c.uncertain_tokens;
  }
  for (const s of soft) {
    const a = get(s);
    a.softDocs += s.docs_e6;
    a.softChars += s.chars_e3;
    a.softTokens += s.tokens_e3;
  }
  return out;
}

interface Totals {
  docs: number;
  chars: number;
  tokens: number;
  softDocs: number;
  softChars: number;
  softTokens: number;
}

function toRow(key: Key, a: Acc, t: Totals): SummaryRow {
  const row: SummaryRow = {
    ...key,
    docs: a.docs,
    chars: a.chars,
    tokens: a.tokens,
    docs_share: ratio(a.docs, t.docs),
    chars_share: ratio(a.chars, t.chars),
    tokens_share: ratio(a.tokens, t.tokens),
    soft_docs: a.softDocs / DOC_SCALE,
    soft_chars: a.softChars / AMOUNT_SCALE,
    soft_tokens: a.softTokens / AMOUNT_SCALE,
    soft_docs_share: ratio(a.softDocs, t.softDocs),
    soft_chars_share: ratio(a.softChars, t.softChars),
    soft_tokens_share: ratio(a.softTokens, t.softTokens),
    mean_confidence: ratio(a.conf / DOC_SCALE, a.docs),
    uncertain_share: ratio(a.uncertainDocs, a.docs),
    uncertain_tokens_share: ratio(a.uncertainTokens, a.tokens),
    hist: a.hist,
  };
  return row;
}

function rows(cells: HardCell[], soft: SoftCell[], t: Totals, keyOf: (c: Key) => Key): SummaryRow[] {
  const out: SummaryRow[] = [];
  for (const { key, acc } of aggregate(cells, soft, keyOf).values()) {
    // The unattributed top-k remainder is reported once, as unattributed_soft_share, not as a topic row.
    if (key.topic === null && 'topic' in key) continue;
    out.push(toRow(key, acc, t));
  }
  return out.sort((a, b) => compareStr(a.group, b.group) || compareStr(a.topic, b.topic) || (a.lang !== undefined && b.lang !== undefined ? compareLangs(a.lang, b.lang) : 0));
}

export const LIFT_MIN_DOCS = 2;

/** Rank terms by how much more often documents of the topic contain them than documents of other topics. */
function topTerms(summaries: TermSummary[], limit: number): ReportSummary['top_terms'] {
  const out: ReportSummary['top_terms'] = [];
  for (const script of TERM_SCRIPTS) {
    const mine = summaries.filter((s) => s.script === script);
    const allDocs = mine.reduce((n, s) => n + s.docs, 0);
    const allCounts = new Map<string, number>();
    for (const s of mine) for (const [term, n] of s.counts) allCounts.set(term, (allCounts.get(term) ?? 0) + n);
    const approximate = mine.some((s) => s.max_error > 0);
    for (const s of mine) {
      const restDocs = allDocs - s.docs;
      const scored: Array<TopTerm & { score: number }> = [];
      for (const [term, n] of s.counts) {
        if (n < LIFT_MIN_DOCS && s.docs >= 20) continue;
        const rate = ratio(n, s.docs);
        const restRate = ratio((allCounts.get(term) ?? 0) - n, restDocs);
        const lift = restRate > 0 ? rate / restRate : null;
        scored.push({ term, docs: n, rate, lift, score: rate - restRate });
      }
      scored.sort((a, b) => b.score - a.score || b.docs - a.docs || compareStr(a.term, b.term));
      const terms = scored.slice(0, limit).map(({ term, docs, rate, lift }) => ({ term, docs, rate, lift }));
      out.push({ topic: s.topic, script, docs: s.docs, approximate, terms });
    }
  }
  return out.sort((a, b) => compareStr(a.topic, b.topic) || compareStr(a.script, b.script));
}

/**
 * The report with its summary computed on first read of `summary` (then kept): reading and merging many
 * part reports does not pay for the corrected-share bootstrap of each part, only of what is printed or written.
 */
export function withSummary<R extends Omit<Report, 'summary'>>(partial: R): R & { summary: ReportSummary } {
  let summary: ReportSummary | undefined;
  return Object.defineProperty({ ...partial }, 'summary', {
    enumerable: true,
    configurable: true,
    get: () => (summary ??= summarize(partial)),
  }) as R & { summary: ReportSummary };
}

export function summarize(report: Omit<Report, 'summary'>): ReportSummary {
  const { cells, soft, terms } = report.state;
  const t: Totals = { docs: 0, chars: 0, tokens: 0, softDocs: 0, softChars: 0, softTokens: 0 };
  for (const c of cells) {
    t.docs += c.docs;
    t.chars += c.chars;
    t.tokens += c.tokens;
  }
  let restDocs = 0;
  for (const s of soft) {
    t.softDocs += s.docs_e6;
    t.softChars += s.chars_e3;
    t.softTokens += s.tokens_e3;
    if (s.topic === null) restDocs += s.docs_e6;
  }
  const notes: string[] = [];
  const { full_scores_docs: full, top_k_docs: topk } = report.counts;
  const unattributed = ratio(restDocs, t.softDocs);
  if (topk > 0) {
    notes.push(
      `Soft counts: ${topk} of ${full + topk} documents had only the top-k topics (no "scores"), so their distribution ` +
        `was truncated; ${(unattributed * 100).toFixed(2)}% of the probability mass (by documents) lies outside the top-k ` +
        'and is not attributed to any topic. Classify with --all-scores for exact soft counts.',
    );
  }
  if (terms.some((s) => s.max_error > 0)) {
    notes.push(
      `Top terms are approximate: each topic keeps ${report.settings.term_capacity} term counters (settings.term_capacity; up to ${2 * report.settings.term_capacity} between prunes, Misra-Gries); ` +
        'counts are lower bounds within max_error of the truth.',
    );
  }
  if (report.counts.multi_label_docs) {
    notes.push(
      `Multi-label: ${report.counts.multi_label_docs} documents carry tags (a multi-label model). Hard counts put each document under its top topic; ` +
        `tag counts (multi_label.by_tag) count it under every tag; soft counts split it over its tags in proportion to their scores.`,
    );
  }
  const isGrouped = report.settings.group_by !== null;
  return {
    totals: { docs: t.docs, chars: t.chars, tokens: t.tokens },
    notes,
    unattributed_soft_share: unattributed,
    by_topic: rows(cells, soft, t, (c) => ({ topic: c.topic ?? null })),
    by_lang: rows(cells, soft, t, (c) => ({ lang: c.lang ?? '' })).sort((a, b) => compareLangs(a.lang!, b.lang!)),
    by_topic_lang: rows(cells, soft, t, (c) => ({ topic: c.topic ?? null, lang: c.lang ?? '' })),
    by_group_topic_lang: isGrouped ? rows(cells, soft, t, (c) => ({ group: c.group ?? null, topic: c.topic ?? null, lang: c.lang ?? '' })) : [],
    top_terms: topTerms(terms, report.settings.top_terms),
    ...(report.counts.multi_label_docs !== undefined && report.counts.multi_label_docs > 0 && { multi_label: multiLabelSummary(report, t) }),
    ...(report.model.calibration && { corrected: correctedSummary(cells, soft, report.model.calibration, report.counts.top_k_docs === 0) }),
    ...(report.state.parts && report.state.parts.length > 0 && { parts: partsSummary(report.state.parts) }),
  };
}

const MULTI_LABEL_RULES = {
  hard: 'each document counts once, under its top topic',
  tags: 'each document counts once under every one of its tags (tag shares add up to more than 1)',
  soft: "each document's one unit of mass is split over its tags in proportion to their scores (all on the top topic when it has no tag)",
};

function multiLabelSummary(report: Omit<Report, 'summary'>, t: Totals): MultiLabelSummary {
  const byTag = new Map<string, { docs: number; chars: number; tokens: number }>();
  for (const c of report.state.tags ?? []) {
    const r = byTag.get(c.topic) ?? { docs: 0, chars: 0, tokens: 0 };
    r.docs += c.docs;
    r.chars += c.chars;
    r.tokens += c.tokens;
    byTag.set(c.topic, r);
  }
  const by_tag = [...byTag.entries()]
    .sort((a, b) => b[1].docs - a[1].docs || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([topic, r]) => ({ topic, ...r, docs_share: ratio(r.docs, t.docs), chars_share: ratio(r.chars, t.chars), tokens_share: ratio(r.tokens, t.tokens) }));
  return { docs: report.counts.multi_label_docs ?? 0, rules: MULTI_LABEL_RULES, by_tag };
}

const REPLICATES = 200;

/**
 * Corrected shares per language that has calibration counts. With full scores on every document (and soft
 * calibration counts): probabilistic ACC on the summed probabilities; otherwise ACC on the hard counts. Both
 * shrink towards the unadjusted shares by DEFAULT_SHRINKAGE.
 */
export function correctedSummary(cells: readonly HardCell[], soft: readonly SoftCell[], cal: ReportCalibration, fullScores: boolean): CorrectedSummary {
  const useSoft = fullScores && cal.soft_confusion !== undefined && soft.length > 0;
  const index = new Map(cal.labels.map((l, i) => [l, i]));
  const matrices = useSoft ? cal.soft_confusion! : cal.confusion;
  const byLang = new Map<string, number[]>();
  const rawByLang = new Map<string, number[]>();
  const add = (m: Map<string, number[]>, lang: string, topic: string | null, x: number): void => {
    const i = topic === null ? undefined : index.get(topic);
    if (i === undefined || matrices[lang] === undefined) return;
    let v = m.get(lang);
    if (!v) m.set(lang, (v = new Array<number>(cal.labels.length).fill(0)));
    v[i]! += x;
  };
  for (const c of cells) add(rawByLang, c.lang, c.topic, c.docs);
  if (useSoft) for (const s of soft) add(byLang, s.lang, s.topic, s.docs_e6 / DOC_SCALE);
  const observed = useSoft ? byLang : rawByLang;
  const langs = [...observed.keys()].sort(compareLangs);
  return {
    method: `${useSoft ? 'probabilistic adjusted classify-and-count on summed probabilities' : 'adjusted classify-and-count on hard counts'} (shares q = M p solved for p on the simplex with shrinkage ${DEFAULT_SHRINKAGE} towards q; M = P(tag | true topic) from the calibration counts)`,
    source: cal.source,
    replicates: REPLICATES,
    by_lang: langs.map((lang) => {
      const counts = observed.get(lang)!;
      const raw = rawByLang.get(lang) ?? new Array<number>(cal.labels.length).fill(0);
      const docs = raw.reduce((a, b) => a + b, 0);
      const r = correctedShares(counts, matrices[lang]!, { replicates: REPLICATES, seed: 1, lambda: DEFAULT_SHRINKAGE });
      return {
        lang,
        docs,
        rows: cal.labels.map((topic, i) => ({ topic, raw_share: ratio(raw[i]!, docs), share: r.shares[i]!, lo: r.lo[i]!, hi: r.hi[i]! })),
      };
    }),
  };
}
