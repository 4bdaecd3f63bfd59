import { readReport } from './read-report.js';
import { ReportBuilder, ReportMergeError } from './report-builder.js';
import type { Report } from './report-types.js';

export interface MergeReportsOptions {
  /** Top terms listed per topic in the merged summary. Default: the first report's setting. */
  topTerms?: number;
}

/**
 * Merge partial reports (one per shard) into one, exactly: the counts are integers, so any grouping and
 * order gives the same report. The reports must have been counted with the same settings and model;
 * `warnings` names inputs counted in more than one report.
 */
export async function mergeReports(files: readonly string[], options: MergeReportsOptions = {}): Promise<{ report: Report; warnings: string[] }> {
  if (files.length === 0) throw new ReportMergeError('no partial reports to merge');
  let builder: ReportBuilder | null = null;
  for (const file of files) {
    const part = await readReport(file);
    if (builder === null) {
      const settings = { ...part.settings, ...(options.topTerms !== undefined && { top_terms: options.topTerms }) };
      builder = new ReportBuilder(settings, part.model.labels_source === 'model' ? part.model : null);
    }
    builder.merge(part, file);
  }
  return { report: builder!.build(), warnings: builder!.warnings };
}
