// The public API of topicmix, from one entry point. Heavier parts have their own entries:
// 'topicmix/html' (HTML main text), 'topicmix/warc' (WARC/WET records), 'topicmix/browser'.

// models: load, classify, train, evaluate
export { Classifier, loadClassifier, loadModelHandle, DEFAULT_MODEL_DIR, type DocInput, type LoadOptions, type ModelHandle, type PredictOptions } from './classifier.js';
export { trainModel, type TrainOptions, type TrainResult } from './train.js';
export type { AutotuneOptions, AutotuneRecord, AutotuneSetting, AutotuneTrial } from './autotune.js';
export { evaluateModel, type EvalOptions, type EvalReport } from './evaluate.js';
export { computeMetrics, type EvalMetrics, type ClassMetrics } from './eval/metrics.js';
export { useBackend, type BackendName, type BackendPreference } from './model/backend.js';
export type { ModelMetadata } from './model/metadata.js';
export { Featurizer, type FeaturizerConfig } from './features/featurizer.js';
export { detectScript } from './text/script.js';
export { normalizeText } from './text/normalize.js';

// pipelines: files in, tagged files out, on all cores or as shards of a cluster job
export { runPipeline, classifyFiles, TooManyErrors, type RunPipelineOptions, type ClassifyFilesOptions, type ClassifyCounts, type InputRange } from './executor/run-pipeline.js';
export { planShards, type ShardInput } from './executor/shard-plan.js';
export { runShard, runShards, type RunShardOptions, type RunShardsOptions, type ShardReportOptions, type ShardResult } from './executor/run-shard.js';
export type { ShardId } from './executor/shard-files.js';
export { LockHeldError, type LockOwner } from './executor/shard-lock.js';
export type { PlanManifest } from './executor/plan-manifest.js';
export { removeTrackedFiles } from './io/temp-registry.js';
export type { Document, DocTags, SourceSpan } from './document.js';

// reports: topic x language proportions, merged exactly across shards
export { buildReport, type BuildReportOptions } from './report/build-report.js';
export { mergeReports, type MergeReportsOptions } from './report/merge-reports.js';
export { readReport, parseReport } from './report/read-report.js';
export { readModelIdentity } from './report/model-info.js';
export { loadTokenCounter, parseTokenizerName, TOKENIZER_NAMES, type TokenCounter, type TokenizerName } from './report/token-counter.js';
export { formatMarkdown } from './report/format-md.js';
export { formatCsv } from './report/format-csv.js';
export { formatHtml } from './report/format-html.js';
export type { Report, ReportSummary, ModelIdentity, ReportPlan } from './report/report-types.js';

// mixtures: weights toward targets, and sampling by them
export { rebalance, type RebalanceOptions } from './rebalance/plan.js';
export { readTargetSpec, parseTargetSpec, readLosses, type TargetSpec, type Losses } from './rebalance/target-spec.js';
export { feedbackUpdate, type FeedbackInput } from './rebalance/feedback.js';
export { readWeights } from './rebalance/read-weights.js';
export type { WeightsFile, CellWeight, Shortfall } from './rebalance/weights-types.js';
export {
  mixtureCandidates,
  writeMixtureCandidates,
  formatCandidatesCsv,
  formatDomainsCsv,
  type MixtureCandidatesOptions,
  type MixtureCandidatesFile,
  type MixtureCandidate,
  type MixtureDomain,
} from './rebalance/mixture-export.js';
export { runSample, type SampleOptions, type SampleStats } from './sample/run-sample.js';

// label sets: taxonomy, checks, mappings, agreement, what to label next
export { loadTaxonomy, type Taxonomy, type Topic } from './labels/taxonomy.js';
export { loadLabelSet, labelledIdsUnder, type LabelSet } from './labels/label-set.js';
export { checkLabelSet, type LabelCheckReport } from './labels/check.js';
export { loadMapping, applyMapping, type LabelMapping } from './labels/mapping.js';
export { agreeLabels, type AgreementReport } from './labels/agree.js';
export { suggestLabels, type SuggestOptions, type Suggestion } from './labels/suggest.js';
export { startWorkbench, type Workbench, type WorkbenchOptions } from './labels/workbench/server.js';

// defaults, errors, shared types
export { FEATURIZER_DEFAULTS, TRAIN_DEFAULTS, AUTOTUNE_DEFAULTS, PREDICT_DEFAULTS, REPORT_DEFAULTS, READ_DEFAULTS, MIXTURE_DEFAULTS, OUTPUT_DEFAULTS, PART_SPLIT } from './defaults.js';
export { UsageError } from './errors.js';
export type { Prediction, PartTopic, TopicScore, Script, ErrorRecord, LabelledExample } from './types.js';
export { VERSION } from './version.js';
