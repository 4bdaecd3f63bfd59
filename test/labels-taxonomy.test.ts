import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LabelSetError, loadLabelSet } from '../src/labels/label-set.js';
import { loadTaxonomy, parseTaxonomy, TaxonomyError } from '../src/labels/taxonomy.js';
import { tempDir } from './helpers/temp-dir.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof TaxonomyError) return err.issues;
    throw err;
  }
  throw new Error('expected a TaxonomyError');
}

const topic = (id: string, extra = ''): string => `  - id: ${id}\n    names: { en: ${id}, zh: 话题 }\n    description: about ${id}\n    includes: [things]\n${extra}`;

describe('parseTaxonomy', () => {
  it('loads the fixture', async () => {
    const t = await loadTaxonomy(join(FIXTURES, 'labelset-ok', 'taxonomy.yaml'));
    expect(t.name).toBe('toy-topics');
    expect(t.version).toBe(1);
    expect(t.topics.map((x) => x.id)).toEqual(['finance', 'sports', 'tech']);
    expect(t.topics[0]).toEqual({
      id: 'finance',
      names: { en: 'Finance & Business', zh: '财经商业' },
      description: 'Markets, companies, banking and the economy.',
      includes: ['stock markets', 'company earnings', 'central banks'],
      excludes: ['personal budgeting apps -> tech'],
    });
    expect(t.topics[1]!.excludes).toEqual([]);
    expect(t.data).toBeUndefined();
  });

  it('names the file and key path of a missing field', () => {
    const text = `name: x\ntopics:\n${topic('a')}  - id: b\n    names: { en: B }\n    description: b\n    includes: []\n`;
    expect(issuesOf(() => parseTaxonomy(text, 'labels/x/taxonomy.yaml'))).toEqual(['labels/x/taxonomy.yaml: topics[1].names.zh: Required']);
  });

  it('rejects bad ids, duplicate ids, unknown keys and an empty topic list', () => {
    const text = `name: x\ntopics:\n${topic('a')}${topic('a')}${topic('Bad Id')}${topic('c', '    exclude: [oops]\n')}`;
    expect(issuesOf(() => parseTaxonomy(text, 't.yaml'))).toEqual([
      't.yaml: topics[2].id: must match [a-z0-9_-]+',
      "t.yaml: topics[3]: Unrecognized key(s) in object: 'exclude'",
      't.yaml: topics[1].id: duplicate topic id "a" (also topics[0])',
    ]);
    expect(issuesOf(() => parseTaxonomy(`name: x\ntopics:\n${topic('a')}${topic('a')}`, 't.yaml'))).toEqual(['t.yaml: topics[1].id: duplicate topic id "a" (also topics[0])']);
    expect(issuesOf(() => parseTaxonomy('name: x\ntopics: []\n', 't.yaml'))).toEqual(['t.yaml: topics: must list at least one topic']);
  });

  it('reports YAML syntax errors and non-object documents', () => {
    expect(issuesOf(() => parseTaxonomy('name: [x\n', 't.yaml'))[0]).toMatch(/^t\.yaml: /);
    expect(issuesOf(() => parseTaxonomy('', 't.yaml'))).toEqual(['t.yaml: Expected object, received null']);
  });

  it('keeps the data list', () => {
    expect(parseTaxonomy(`name: x\ntopics:\n${topic('a')}data: [a.jsonl]\n`, 't.yaml').data).toEqual(['a.jsonl']);
  });

  it('loadTaxonomy names a missing file', async () => {
    await expect(loadTaxonomy('/nonexistent/taxonomy.yaml')).rejects.toThrow('/nonexistent/taxonomy.yaml: cannot read (ENOENT)');
  });
});

describe('loadLabelSet', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = tempDir('topicmix-labelset-');
  });

  it('finds top-level *.jsonl and *.jsonl.gz files, sorted', async () => {
    const dir = join(tmp, 'scan');
    await mkdir(join(dir, 'sub'), { recursive: true });
    await writeFile(join(dir, 'taxonomy.yaml'), `name: x\ntopics:\n${topic('a')}`);
    for (const f of ['b.jsonl', 'a.jsonl.gz', 'notes.txt', 'sub/c.jsonl']) await writeFile(join(dir, f), '');
    const set = await loadLabelSet(dir);
    expect(set.files).toEqual([join(dir, 'a.jsonl.gz'), join(dir, 'b.jsonl')]);
    expect(set.taxonomy.name).toBe('x');
  });

  it('uses the data: list relative to the directory', async () => {
    const dir = join(tmp, 'listed');
    await mkdir(join(dir, 'sub'), { recursive: true });
    await writeFile(join(dir, 'taxonomy.yaml'), `name: x\ntopics:\n${topic('a')}data: [sub/c.jsonl]\n`);
    await writeFile(join(dir, 'sub', 'c.jsonl'), '');
    await writeFile(join(dir, 'ignored.jsonl'), '');
    expect((await loadLabelSet(dir)).files).toEqual([join(dir, 'sub', 'c.jsonl')]);
    await writeFile(join(dir, 'taxonomy.yaml'), `name: x\ntopics:\n${topic('a')}data: [gone.jsonl]\n`);
    await expect(loadLabelSet(dir)).rejects.toThrow(`data file(s) not found: ${join(dir, 'gone.jsonl')}`);
  });

  it('explains what is missing', async () => {
    await expect(loadLabelSet(join(tmp, 'nope'))).rejects.toThrow(new LabelSetError(`${join(tmp, 'nope')}: label set directory not found`));
    const empty = join(tmp, 'empty');
    await mkdir(empty);
    await expect(loadLabelSet(empty)).rejects.toThrow('no taxonomy.yaml');
    await writeFile(join(empty, 'taxonomy.yaml'), `name: x\ntopics:\n${topic('a')}`);
    await expect(loadLabelSet(empty)).rejects.toThrow('no labelled data files');
    await writeFile(join(empty, 'taxonomy.yaml'), 'name: x\n');
    await expect(loadLabelSet(empty)).rejects.toThrow(`${join(empty, 'taxonomy.yaml')}: topics: Required`);
  });
});
