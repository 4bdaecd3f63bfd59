import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModelJson } from '../src/io/model-json.js';
import { ModelInfoError, readModelIdentity } from '../src/report/model-info.js';
import { tempDir } from './helpers/temp-dir.js';

const FIX = 'test/fixtures/tagged/model';

describe('the one model.json reader', () => {
  it('parseModelJson names the file for bad JSON and for a JSON that is not a topicmix model', () => {
    expect(() => parseModelJson('{"format":', 'm/model.json')).toThrow(/^model: m\/model\.json is not valid JSON: /);
    expect(() => parseModelJson('{"userDefinedMetadata":{}}', 'm/model.json')).toThrow('model: m/model.json has no userDefinedMetadata.topicmix (not a topicmix model)');
  });

  it('readModelIdentity reads a folder or its model.json alike', async () => {
    const fromDir = await readModelIdentity(FIX);
    expect(fromDir).toEqual({ name: 'mini-topics', data_hash: 'abc123def4567890abc123def4567890', id: 'mini-topics@abc123def456', labels: ['law', 'science', 'sports'], labels_source: 'model' });
    expect(await readModelIdentity(join(FIX, 'model.json'))).toEqual(fromDir);
  });

  it("readModelIdentity reports the model reader's errors as ModelInfoError (a user error of report)", async () => {
    const d = tempDir();
    await expect(readModelIdentity(d)).rejects.toThrow(new ModelInfoError(`cannot read ${join(d, 'model.json')}: ENOENT`));
    mkdirSync(join(d, 'x'));
    writeFileSync(join(d, 'x', 'model.json'), '{"userDefinedMetadata":{"topicmix":{"format":"other"}}}');
    await expect(readModelIdentity(join(d, 'x'))).rejects.toBeInstanceOf(ModelInfoError);
    await expect(readModelIdentity(join(d, 'x'))).rejects.toThrow(`${join(d, 'x', 'model.json')} has no userDefinedMetadata.topicmix`);
  });
});
