import { REPORT_DEFAULTS, type ReportDefaults } from '../defaults.js';
import type { ErrorRecord } from '../types.js';
import { ReportBuilder } from './report-builder.js';
import { HIST_BINS, type ModelIdentity, type Report } from './report-types.js';
import { scanTaggedFiles, type ScanProgress } from './scan-tagged.js';
import { countChars, type TokenCounter } from './token-counter.js';

export const MISSING_GROUP = '(missing)';

/** The settings that shape the counting (see ReportDefaults for each). */
export type ReportCountingOptions = Pick<ReportDefaults, 'textField' | 'groupBy' | 'uncertainBelow' | 'termCapacity' | 'topTerms'>;

/** `o` with its unset counting settings taken from REPORT_DEFAULTS. */
export function withReportDefaults(o: Partial<ReportCountingOptions>): ReportCountingOptions {
  return {
    textField: o.textField ?? REPORT_DEFAULTS.textField,
    groupBy: o.groupBy ?? REPORT_DEFAULTS.groupBy,
    uncertainBelow: o.uncertainBelow ?? REPORT_DEFAULTS.uncertainBelow,
    termCapacity: o.termCapacity ?? REPORT_DEFAULTS.termCapacity,
    topTerms: o.topTerms ?? REPORT_DEFAULTS.topTerms,
  };
}

/** Unset counting settings default to REPORT_DEFAULTS. */
export interface BuildReportOptions extends Partial<ReportCountingOptions> {
  tokenizer: TokenCounter;
  /** From --model; null infers the label set from the data. */
  model: ModelIdentity | null;
  maxLineBytes?: number;
  onProgress?: (p: ScanProgress) => void;
  onError?: (rec: ErrorRecord) => Promise<void> | void;
}

export function groupValue(obj: Record<string, unknown>, field: string): string {
  const v = obj[field];
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return MISSING_GROUP;
}

/** An empty report with the settings of `opts`, to add documents or partial reports to. */
export function newReportBuilder(options: Pick<BuildReportOptions, 'textField' | 'groupBy' | 'tokenizer' | 'model' | 'uncertainBelow' | 'termCapacity' | 'topTerms'>): ReportBuilder {
  const opts = { ...options, ...withReportDefaults(options) };
  return new ReportBuilder(
    {
      tokenizer: opts.tokenizer.name,
      tokenizer_description: opts.tokenizer.description,
      tokenizer_version: opts.tokenizer.version,
      group_by: opts.groupBy,
      text_field: opts.textField,
      uncertain_below: opts.uncertainBelow,
      hist_bins: HIST_BINS,
      term_capacity: opts.termCapacity,
      top_terms: opts.topTerms,
    },
    opts.model,
  );
}

/** Read tagged files once and count them into a report. */
export async function buildReport(files: string[], options: BuildReportOptions): Promise<{ report: Report; warnings: string[] }> {
  const opts = { ...options, ...withReportDefaults(options) };
  const builder = newReportBuilder(opts);
  for (const f of files) builder.addInput(f);
  const labels = opts.model === null ? null : new Set(opts.model.labels);
  const counts = await scanTaggedFiles(
    files,
    { textField: opts.textField, labels, ...(opts.maxLineBytes === undefined ? {} : { maxLineBytes: opts.maxLineBytes }), ...(opts.onProgress && { onProgress: opts.onProgress }) },
    {
      onDoc(tags, doc) {
        builder.addDoc(tags, {
          chars: countChars(doc.text),
          tokens: opts.tokenizer.count(doc.text),
          text: doc.text,
          group: opts.groupBy === null ? null : groupValue(doc.fields, opts.groupBy),
        });
      },
      onError(rec) {
        builder.addError(rec.error);
        return opts.onError?.(rec);
      },
    },
  );
  builder.counts.read += counts.read;
  return { report: builder.build(), warnings: builder.warnings };
}
