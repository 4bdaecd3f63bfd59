import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelMetadata } from '../model/metadata.js';
import { checkModelMetadata } from '../model/metadata-schema.js';
import { MODEL_JSON, parseModelJson, type ModelJson } from '../model/model-json-parse.js';

// The one reader of model.json: the classifier, the executor and `report --model` all go through it.
// No tfjs at run time, so reading a model's metadata stays cheap.

export { MODEL_JSON, WEIGHTS_BIN, parseModelJson, type ModelJson, type WeightSpec } from '../model/model-json-parse.js';

/**
 * Reads and checks a model folder's model.json (not its weights) for serving: clear errors for a missing
 * folder, bad JSON, or metadata the classifier cannot use (see metadata-schema.ts).
 */
export async function readModelJson(dir: string): Promise<{ modelJson: ModelJson; meta: ModelMetadata; jsonPath: string }> {
  const jsonPath = join(dir, MODEL_JSON);
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new Error(`model: ${dir} is not a directory`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`model: directory not found: ${dir}`);
    if (code) throw new Error(`model: cannot read ${dir}: ${(err as Error).message}`);
    throw err;
  }
  const { modelJson, meta } = await readModelJsonFile(jsonPath);
  return { modelJson, meta: checkModelMetadata(meta, jsonPath), jsonPath };
}

/** Reads one model.json file and checks it is a topicmix model (its identity; `readModelJson` checks it can serve). */
export async function readModelJsonFile(jsonPath: string): Promise<{ modelJson: ModelJson; meta: ModelMetadata }> {
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (err) {
    throw new Error(`model: cannot read ${jsonPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseModelJson(text, jsonPath);
}
