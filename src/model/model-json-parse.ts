import type { io } from '@tensorflow/tfjs-core';
import { MODEL_FORMAT, type ModelMetadata } from './metadata.js';

// The pure half of the model.json reader (no Node modules): the browser entry parses a fetched
// model.json with it, model-json.ts a file read from disk.

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

export type WeightSpec = io.WeightsManifestEntry;

export interface ModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: string;
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  userDefinedMetadata: { topicmix: ModelMetadata };
}

/** Parses the text of a model.json (read from `jsonPath`, named in errors) and checks it is a topicmix model. */
export function parseModelJson(text: string, jsonPath: string): { modelJson: ModelJson; meta: ModelMetadata } {
  let modelJson: ModelJson;
  try {
    modelJson = JSON.parse(text) as ModelJson;
  } catch (err) {
    throw new Error(`model: ${jsonPath} is not valid JSON: ${(err as Error).message}`);
  }
  const meta = modelJson?.userDefinedMetadata?.topicmix;
  if (!meta || meta.format !== MODEL_FORMAT) throw new Error(`model: ${jsonPath} has no userDefinedMetadata.topicmix (not a topicmix model)`);
  return { modelJson, meta };
}
