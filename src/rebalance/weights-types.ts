import type { ModelIdentity } from '../report/report-types.js';

export const WEIGHTS_SCHEMA = 'topicmix/weights@1';

export type Unit = 'tokens' | 'docs' | 'chars';
export type Method = 'target' | 'temperature' | 'feedback';

/** Sampling weight of one topic x language cell. */
export interface CellWeight {
  topic: string;
  lang: string;
  /** Documents of the cell in the report. */
  docs: number;
  /** Amount of the cell in the report, in `unit`. */
  available: number;
  /**
   * Expected copies of each document: below 1 it is a keep probability, above 1 a repeat factor
   * (each document is written floor(w) or floor(w)+1 times).
   */
  weight: number;
  target_share: number;
  target_amount: number;
  achieved_amount: number;
  achieved_share: number;
  /** Which limit set the weight, if any. */
  bound: 'max_repeat' | 'floor' | null;
}

/** One proportion the target asked for (a topic, a language, a language/topic pair, ...). */
export interface TargetOutcome {
  key: string;
  kind: 'topic' | 'lang' | 'cell';
  target_share: number;
  target_amount: number;
  /** Most this target can get: its cells' amounts x max_repeat. */
  max_amount: number;
  achieved_amount: number;
  achieved_share: number;
}

export interface Shortfall {
  key: string;
  target_share: number;
  target_amount: number;
  available: number;
  max_amount: number;
  achieved_amount: number;
  missing_amount: number;
  message: string;
}

export interface ShareRow {
  key: string;
  available: number;
  available_share: number;
  target_share: number;
  achieved_amount: number;
  achieved_share: number;
}

export interface FeedbackUnit {
  unit: string;
  previous_share: number;
  loss_previous: number | null;
  loss_current: number | null;
  /** loss_current - loss_previous; null when the difference is beyond a double's range (delta_normalised is still exact). */
  delta: number | null;
  delta_normalised: number;
  weight: number;
  f: number;
  /** r_i(t) before the per-phase change cap. */
  raw_share: number;
  new_share: number;
  clipped: boolean;
}

export interface FeedbackDetail {
  losses_file: string | null;
  metric: 'loss' | 'ppl';
  alpha: number;
  normalise: 'max_abs' | 'sum_abs' | 'relative' | 'none';
  max_change: number | null;
  scope: 'global' | 'per_language';
  previous_from: 'target' | 'report';
  units: FeedbackUnit[];
}

export interface TemperatureDetail {
  alpha: number;
  over: 'topic' | 'language' | 'cell';
  groups: Array<{ key: string; available: number; share: number }>;
}

export interface WeightsFile {
  schema: typeof WEIGHTS_SCHEMA;
  method: Method;
  unit: Unit;
  model: ModelIdentity;
  report: { file: string; tokenizer: string; inputs: number };
  target_file: string | null;
  budget: number;
  budget_source: 'option' | 'target' | 'corpus';
  max_repeat: number;
  floor: number;
  on_shortfall: 'redistribute' | 'shrink' | 'proportional';
  totals: { available: number; achieved: number; docs_available: number; docs_expected: number };
  cells: CellWeight[];
  by_topic: ShareRow[];
  by_lang: ShareRow[];
  targets: TargetOutcome[];
  shortfalls: Shortfall[];
  notes: string[];
  temperature?: TemperatureDetail;
  feedback?: FeedbackDetail;
}
