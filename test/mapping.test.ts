import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyMapping, loadMapping, mappingFiles } from '../src/labels/mapping.js';
import { trainModel } from '../src/train.js';
import type { LabelledExample } from '../src/types.js';
import { TINY_EXAMPLES, tempDir, writeJsonl } from './helpers/tiny-data.js';

const ex = (text: string, label: string, line: number): LabelledExample => ({ text, labels: [label], weight: 1, source: { file: 'd.jsonl', line, byteOffset: 0, byteLength: 0 }, fields: {} });

describe('label mappings', () => {
  it('loads a mapping file and resolves its files against the data root', async () => {
    const dir = tempDir();
    const f = join(dir, 'm.yaml');
    writeFileSync(f, 'dataset: demo\ntrain: [demo/train.jsonl]\ntest: [demo/test.jsonl]\nmap:\n  Sci/Tech: tech\n  World: null\n');
    const m = await loadMapping(f);
    expect(m.map).toEqual({ 'Sci/Tech': 'tech', World: null });
    expect(mappingFiles(m, 'train', '/data')).toEqual(['/data/demo/train.jsonl']);
    expect(mappingFiles(m, 'test', '/data')).toEqual(['/data/demo/test.jsonl']);
  });

  it('rejects unknown keys and bad values, naming the file and key', async () => {
    const dir = tempDir();
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'dataset: demo\nmapping:\n  a: b\n');
    await expect(loadMapping(f)).rejects.toThrow(/bad\.yaml: map: Required[\s\S]*Unrecognized key/);
  });

  it('maps labels, drops null-mapped ones and names unmapped labels with file:line', () => {
    const m = { file: 'm.yaml', dataset: 'demo', train: [], test: [], map: { 'Sci/Tech': 'tech', Sports: 'sports', World: null } };
    const r = applyMapping([ex('a', 'Sci/Tech', 1), ex('b', 'World', 2), ex('c', 'Sports', 3)], m);
    expect(r.examples.map((e) => e.labels)).toEqual([['tech'], ['sports']]);
    expect(r.dropped).toBe(1);
    expect(() => applyMapping([ex('d', 'Business', 7)], m)).toThrow('d.jsonl:7: field "label": "Business" is not in m.yaml');
    expect(() => applyMapping([], m, new Set(['tech']))).toThrow('m.yaml: map.Sports: "sports" is not a topic of the taxonomy');
  });

  it('train --map with a mapping without files relabels --data', async () => {
    const dir = tempDir();
    const data = writeJsonl(join(dir, 'd.jsonl'), TINY_EXAMPLES);
    const f = join(dir, 'm.yaml');
    writeFileSync(f, 'dataset: tiny\nmap:\n  sports: leisure\n  finance: money\n  tech: null\n');
    const r = await trainModel({ data: [data], map: [f], out: join(dir, 'model'), buckets: 1024 });
    expect(r.meta.labels).toEqual(['leisure', 'money']);
    expect(r.meta.training.nTrain).toBe(TINY_EXAMPLES.filter((e) => e.label !== 'tech').length);
    // recorded without its absolute path: outside the data root and the working directory, by file name
    expect(r.meta.training.mappings).toEqual(['m.yaml']);
    expect(r.meta.training.trainFiles).toEqual(['d.jsonl']);
  });
});
