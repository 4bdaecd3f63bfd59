// The public API of topicmix: everything a program needs, from one entry point.
export { Classifier, loadClassifier, DEFAULT_MODEL_DIR, type DocInput, type LoadOptions, type PredictOptions } from './classifier.js';
export { trainModel, type TrainOptions, type TrainResult } from './train.js';
export { evaluateModel, type EvalOptions, type EvalReport } from './evaluate.js';
export { classifyFiles, type ClassifyFilesOptions, type ClassifyCounts } from './pipeline/classify-files.js';
export { computeMetrics, type EvalMetrics, type ClassMetrics } from './eval/metrics.js';
export { Featurizer, IdBuffer, DEFAULT_FEATURIZER_CONFIG, type FeaturizerConfig } from './features/featurizer.js';
export { detectScript } from './text/script.js';
export { normalizeText } from './text/normalize.js';
export { useBackend, type BackendName, type BackendPreference } from './model/backend.js';
export type { ModelMetadata } from './model/metadata.js';
export { loadTaxonomy, type Taxonomy, type Topic } from './labels/taxonomy.js';
export { checkLabelSet, type LabelCheckReport } from './labels/check.js';
export type { Prediction, TopicScore, Script, ErrorRecord, LabelledExample } from './types.js';
export { VERSION } from './version.js';
