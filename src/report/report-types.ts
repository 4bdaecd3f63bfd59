/**
 * The report file (`topicmix report -o report.json`). Everything under `state` and `counts` is
 * integer counters, so partial reports merge exactly (integer addition is associative); `summary`
 * is derived from them and recomputed on merge.
 */

export const REPORT_SCHEMA = 'topicmix/report@1';
/** Confidence histogram: fixed bins of width 1/HIST_BINS over [0, 1]; a score of 1 goes in the last bin. */
export const HIST_BINS = 10;
/** Probabilities are summed as integers in these units (see accumulator.ts). */
export const DOC_SCALE = 1e6;
export const AMOUNT_SCALE = 1e3;

/** Scripts whose top terms a report lists (English words, Chinese character bigrams), in this order. */
export const TERM_SCRIPTS = ['zh', 'en'] as const;
export type TermScript = (typeof TERM_SCRIPTS)[number];
export type Measure = 'docs' | 'chars' | 'tokens';
export const MEASURES: readonly Measure[] = ['docs', 'chars', 'tokens'];

export interface ModelIdentity {
  /** From the model's metadata; null when labels were inferred from the data. */
  name: string | null;
  data_hash: string | null;
  /** `name@data_hash` (or `name`), null without a model. */
  id: string | null;
  /** Label set, sorted. */
  labels: string[];
  labels_source: 'model' | 'data';
  /** Display names per label from the model's taxonomy (`labelNames`), e.g. {"en": "Business & Finance", "zh": "商业财经"}. */
  label_names?: Record<string, LabelName>;
  /** The model's known error, for corrected shares: from the model's held-out data or a user's labelled file. */
  calibration?: ReportCalibration;
}

/** A label's display names by language (taxonomy `name_en` / `name_zh`). */
export interface LabelName {
  en?: string;
  zh?: string;
}

/** Confusion counts of a model on labelled documents, per language: confusion[lang][true][tagged], in `labels` order. */
export interface ReportCalibration {
  /** Where the counts come from, e.g. "model: out-of-fold predictions on 6,800 labelled web pages". */
  source: string;
  labels: string[];
  confusion: Record<string, number[][]>;
  /** Per language: summed calibrated probabilities [true][label] (probabilistic ACC, used when every document has full scores). */
  soft_confusion?: Record<string, number[][]>;
}

/** Topic shares of one language corrected for the model's known confusions (adjusted classify-and-count). */
export interface CorrectedLang {
  lang: string;
  docs: number;
  rows: { topic: string; raw_share: number; share: number; lo: number; hi: number }[];
}

export interface CorrectedSummary {
  method: string;
  source: string;
  /** Bootstrap replicates behind lo / hi (95% percentile interval). */
  replicates: number;
  by_lang: CorrectedLang[];
}

export interface ReportSettings {
  /** Canonical tokenizer name, e.g. `o200k_base`, `cl100k_base`, `llama3`, `qwen2`, `chars`, `words`. */
  tokenizer: string;
  tokenizer_description: string;
  /**
   * The package(s) and version(s) that counted the tokens, e.g. `gpt-tokenizer@4.0.0`, `topicmix/chars@1`.
   * Absent in reports written before topicmix recorded it: the version is unknown.
   */
  tokenizer_version?: string;
  group_by: string | null;
  text_field: string;
  /** A document is "uncertain" when its top probability is below this (or its topic is null). */
  uncertain_below: number;
  hist_bins: number;
  /** Capacity of each top-term summary (see term-summary.ts); 0 = terms not collected. */
  term_capacity: number;
  /** Terms listed per topic and script in the summary. */
  top_terms: number;
}

/** Hard (argmax) counts for one group x language x topic. */
export interface HardCell {
  group: string | null;
  lang: string;
  topic: string;
  docs: number;
  chars: number;
  tokens: number;
  /** Sum of top probabilities, in units of 1/DOC_SCALE. */
  confidence_e6: number;
  hist: number[];
  uncertain_docs: number;
  uncertain_tokens: number;
  /** Documents whose `topic` was null (below the classifier's own threshold). */
  below_threshold_docs: number;
}

/**
 * Soft counts: probability-weighted sums for one group x language x label. `topic: null` holds the
 * probability mass outside the top-k when a document had no full `scores`.
 */
export interface SoftCell {
  group: string | null;
  lang: string;
  topic: string | null;
  docs_e6: number;
  chars_e3: number;
  tokens_e3: number;
}

/**
 * Tag counts of multi-label documents (lines with `tags`) for one group x language x tag: every tag of a
 * document counts the whole document, so a document with two tags is in two cells.
 */
export interface TagCell {
  group: string | null;
  lang: string;
  topic: string;
  docs: number;
  chars: number;
  tokens: number;
}

/** Misra-Gries summary of document frequencies of terms for one topic and script. */
export interface TermSummary {
  topic: string;
  script: TermScript;
  /** Documents of this topic that had at least one term of this script. */
  docs: number;
  /** Every stored count is at most this much below the true count (0 = exact). */
  max_error: number;
  /** [term, document frequency], most frequent first, ties by term. */
  counts: Array<[string, number]>;
}

export interface ReportCounts {
  /** Lines read from the inputs (every line, good or bad). */
  read: number;
  /** Documents counted in the report. */
  counted: number;
  errors: number;
  errors_by_code: Record<string, number>;
  /** Counted documents whose soft counts came from full `scores` vs from the top-k `topics` only. */
  full_scores_docs: number;
  top_k_docs: number;
  /** Counted documents with `tags` (from a multi-label model); absent when none. */
  multi_label_docs?: number;
}

/**
 * Long pages classified with --parts, for one language x page topic: how many were split, how many are
 * mixed (a part's top topic differs from the page's), and the top topics of those parts.
 */
export interface PartCell {
  lang: string;
  topic: string;
  split_docs: number;
  mixed_docs: number;
  parts: number;
  mixed_parts: number;
  /** Mixed parts by their own top topic, sorted by label. */
  other_topics: Record<string, number>;
}

export interface ReportState {
  cells: HardCell[];
  soft: SoftCell[];
  terms: TermSummary[];
  /** Only when some counted document had `topic_parts`. */
  parts?: PartCell[];
  /** Tag counts (see TagCell); absent when no document had `tags`. */
  tags?: TagCell[];
}

/** One row of a summary table: hard and soft amounts plus their shares of the total. */
export interface SummaryRow {
  group?: string | null;
  lang?: string;
  topic?: string | null;
  docs: number;
  chars: number;
  tokens: number;
  docs_share: number;
  chars_share: number;
  tokens_share: number;
  soft_docs: number;
  soft_chars: number;
  soft_tokens: number;
  soft_docs_share: number;
  soft_chars_share: number;
  soft_tokens_share: number;
  mean_confidence: number;
  /** Share of this row's documents that are uncertain. */
  uncertain_share: number;
  uncertain_tokens_share: number;
  hist: number[];
}

export interface TopTerm {
  term: string;
  /** Documents of the topic containing the term (a lower bound when the summary was pruned). */
  docs: number;
  /** docs / documents of the topic with terms of this script. */
  rate: number;
  /** rate / rate in all other topics (Infinity is written as null). */
  lift: number | null;
}

export interface ReportSummary {
  totals: { docs: number; chars: number; tokens: number };
  /** Human-readable notes (e.g. that soft counts used a truncated top-k). */
  notes: string[];
  /** Share of probability mass (by docs) outside the top-k, not attributed to any topic. */
  unattributed_soft_share: number;
  by_topic: SummaryRow[];
  by_lang: SummaryRow[];
  by_topic_lang: SummaryRow[];
  /** Only with --group-by. */
  by_group_topic_lang: SummaryRow[];
  /** `docs`: documents of the topic with terms of this script (the cell the terms were counted in). */
  top_terms: Array<{ topic: string; script: TermScript; docs: number; approximate: boolean; terms: TopTerm[] }>;
  /** Only when some documents had `tags` (a multi-label model): how they were counted, and the tag counts. */
  multi_label?: MultiLabelSummary;
  /** Document shares per language corrected for the model's confusions; only when the model carries calibration data. */
  corrected?: CorrectedSummary;
  /** Only when some counted document had `topic_parts` (classify --parts). */
  parts?: PartsSummary;
}

/** Split and mixed long pages (see PartCell), in all and per page topic (most split first). */
export interface PartsSummary {
  split_docs: number;
  mixed_docs: number;
  /** mixed_docs / split_docs */
  mixed_share: number;
  by_topic: Array<{ topic: string; split_docs: number; mixed_docs: number; mixed_share: number; parts: number; mixed_parts: number; other_topics: Array<[string, number]> }>;
}

export interface MultiLabelSummary {
  /** Documents with `tags`. */
  docs: number;
  /** The counting rules, in words. */
  rules: { hard: string; tags: string; soft: string };
  /** Per tag: documents, chars and tokens of the documents carrying it, and their shares of all counted ones (shares add up to more than 1). */
  by_tag: Array<{ topic: string; docs: number; chars: number; tokens: number; docs_share: number; chars_share: number; tokens_share: number }>;
}

/** In the part reports of a sharded run: which plan (OUT/plan.json id) and shard the part is. */
export interface ReportPlan {
  id: string;
  shard: number;
  shards: number;
}

export interface Report {
  schema: typeof REPORT_SCHEMA;
  /** Only in part reports of a sharded run (merging checks that all parts of one plan are there). */
  plan?: ReportPlan;
  model: ModelIdentity;
  settings: ReportSettings;
  /** Input files, sorted, so a merged report equals the one over all inputs at once. */
  inputs: string[];
  counts: ReportCounts;
  state: ReportState;
  summary: ReportSummary;
}
