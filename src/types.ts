import type { Document } from './document.js';

/** Script of a document, detected from its characters (see text/script.ts). */
export type Script = 'zh' | 'en' | 'mixed' | 'other';

/** One topic with its probability. */
export interface TopicScore {
  label: string;
  score: number;
}

/** What the classifier says about one document. */
export interface Prediction {
  /** Top label, or null when the model abstains (its top label is the abstain label) or the top probability is below the threshold. */
  label: string | null;
  /** Why `label` is null: the model's abstain label (e.g. "none": no topic fits), or "below_threshold". */
  abstain?: string;
  /** Probability of the top label (also when `label` is null). */
  score: number;
  /** Top-k labels, most probable first. */
  topics: TopicScore[];
  /** Detected script of the text. */
  lang: Script;
  /** Full distribution over all labels, only when asked for (a multi-label model's per-label probabilities). */
  scores?: Record<string, number>;
  /**
   * Multi-label models only: every label at or above its threshold, most probable first; the top label when
   * none is; empty when the prediction abstains (`label` null). The model's abstain label is never a tag.
   */
  tags?: TopicScore[];
  /** Set when a long text was scored in this many chunks (all of its text counts, none is cut). */
  chunks?: number;
  /** With the `parts` / `partChars` options, on long pages only: each part's span and top label, in text order. */
  parts?: PartTopic[];
}

/**
 * One part of a long page: characters [start, end) of its text, in Unicode code points (Python's str
 * indices; JavaScript's string indices too unless the text has characters outside the BMP), and the part's
 * own top label and its probability (no threshold: the abstain label can be a part's label).
 */
export interface PartTopic {
  start: number;
  end: number;
  label: string;
  score: number;
}

/** Where a record came from: file path ('-' for stdin) and 1-based line number. */
export interface SourcePosition {
  file: string;
  line: number;
}

export type ErrorCode = 'invalid_utf8' | 'line_too_long' | 'invalid_json' | 'not_object' | 'missing_field' | 'not_string' | 'empty_text' | 'invalid_field' | 'unknown_label' | 'unknown_id';

/**
 * One bad input line, as written to the errors file. `raw` holds the line itself when it is
 * small enough to keep (so nothing is lost); byte_offset/byte_length locate it in the file otherwise.
 */
export interface ErrorRecord {
  file: string;
  line: number;
  field?: string;
  error: ErrorCode;
  message: string;
  byte_offset: number;
  byte_length: number;
  raw?: string;
}

/**
 * One labelled training / evaluation example: a Document read from a label file (its row in `fields`,
 * where it was read in `source`) with the labels, weight and annotation taken from that row.
 */
export interface LabelledExample extends Document {
  /** One or more topic labels (single-label data has exactly one). */
  labels: string[];
  lang?: string;
  id?: string;
  title?: string;
  /** Example weight, default 1. */
  weight: number;
  /**
   * Soft labels (the row's `probs`): a probability per label, summing to 1, the targets of a softmax model's
   * loss (e.g. an annotator's or a larger model's distribution). `labels` then lists the labels with p > 0,
   * most probable first.
   */
  probs?: Record<string, number>;
  /** Annotation provenance of hand-labelled rows (label files of a label set). */
  annotation?: Annotation;
}

/** Who labelled a row and how: the optional fields of a label file row. */
export interface Annotation {
  /** A second topic covering a good part of the text (not trained on by single-label models). */
  label2?: string;
  /** Why a row carries the abstain label (one of the taxonomy's `abstain.reasons`). */
  reason?: string;
  annotator?: string;
  /** ISO date, YYYY-MM-DD. */
  date?: string;
  note?: string;
  /** `heldout` rows are never trained on (evaluation only). */
  split?: 'train' | 'heldout';
}
