import { readReport } from './read-report.js';
import { ReportBuilder, ReportMergeError } from './report-builder.js';
import type { Report, ReportPlan } from './report-types.js';

export interface MergeReportsOptions {
  /** Top terms listed per topic in the merged summary. Default: the first report's setting. */
  topTerms?: number;
}

/**
 * Merge partial reports (one per shard) into one, exactly: the counts are integers, so any grouping and
 * order gives the same report. The reports must have been counted with the same settings and model;
 * part reports of a sharded run must all be of one plan, each shard once, none missing (see PlanCheck).
 * `warnings` names inputs counted in more than one report.
 */
export async function mergeReports(files: readonly string[], options: MergeReportsOptions = {}): Promise<{ report: Report; warnings: string[] }> {
  if (files.length === 0) throw new ReportMergeError('no partial reports to merge');
  let builder: ReportBuilder | null = null;
  const plans = new PlanCheck();
  for (const file of files) {
    const part = await readReport(file);
    plans.add(part.plan, file);
    if (builder === null) {
      const settings = { ...part.settings, ...(options.topTerms !== undefined && { top_terms: options.topTerms }) };
      builder = new ReportBuilder(settings, part.model.labels_source === 'model' ? part.model : null);
    }
    builder.merge(part, file);
  }
  plans.complete();
  return { report: builder!.build(), warnings: builder!.warnings };
}

/**
 * Part reports of a sharded run carry their plan and shard: merged, they must all be of one plan, each
 * shard once, none missing (a stale part of an earlier plan, or a lost one, would count wrong).
 * Reports without a plan (built by `report`) merge as before, but not mixed with parts of a plan.
 */
class PlanCheck {
  private first: { plan: ReportPlan | undefined; file: string } | null = null;
  private readonly byShard = new Map<number, string>();

  add(plan: ReportPlan | undefined, file: string): void {
    if (this.first === null) this.first = { plan, file };
    const f = this.first;
    if (plan === undefined && f.plan === undefined) return;
    if (plan === undefined || f.plan === undefined) {
      const [withPlan, without] = plan === undefined ? [f, { file }] : [{ plan, file }, f];
      throw new ReportMergeError(`${without.file} is not a part of a sharded run, but ${withPlan.file} is part ${withPlan.plan!.shard} of plan ${withPlan.plan!.id}: merge the parts of one run`);
    }
    if (plan.id !== f.plan.id || plan.shards !== f.plan.shards) {
      throw new ReportMergeError(
        `${file} is part ${plan.shard} of plan ${plan.id} (${plan.shards} shards), but ${f.file} is of plan ${f.plan.id} (${f.plan.shards} shards): the parts come from different runs (a stale part of an earlier run in the output folder?)`,
      );
    }
    if (plan.shard >= plan.shards) throw new ReportMergeError(`${file}: plan.shard ${plan.shard} is not below plan.shards ${plan.shards}`);
    const twice = this.byShard.get(plan.shard);
    if (twice !== undefined) throw new ReportMergeError(`${file} and ${twice} are both part ${plan.shard} of plan ${plan.id}: each part must be merged once`);
    this.byShard.set(plan.shard, file);
  }

  complete(): void {
    const plan = this.first?.plan;
    if (plan === undefined) return;
    const missing = Array.from({ length: plan.shards }, (_, i) => i).filter((i) => !this.byShard.has(i));
    if (missing.length > 0) {
      const names = missing.slice(0, 5).map((i) => `part-${String(i).padStart(5, '0')}.report.json`);
      throw new ReportMergeError(
        `plan ${plan.id} has ${plan.shards} parts, but ${missing.length} ${missing.length === 1 ? 'is' : 'are'} missing: ${names.join(', ')}${missing.length > 5 ? ', ...' : ''} (not done yet, or not matched by the file names given)`,
      );
    }
  }
}
