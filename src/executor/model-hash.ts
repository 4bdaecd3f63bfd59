import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MODEL_JSON } from '../io/model-files.js';

/**
 * sha256 (hex) over a model folder's model.json and its weight files in manifest order: two runs used
 * the same model exactly when these agree (the model id only names the training data).
 */
export async function modelFilesHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const json = await readFile(join(dir, MODEL_JSON));
  hash.update(json);
  const manifest = (JSON.parse(json.toString('utf8')) as { weightsManifest?: { paths?: unknown }[] }).weightsManifest ?? [];
  for (const group of manifest) {
    for (const p of Array.isArray(group.paths) ? group.paths : []) {
      if (typeof p === 'string') hash.update(await readFile(join(dir, p)));
    }
  }
  return hash.digest('hex');
}
