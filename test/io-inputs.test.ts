import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError, isGzipPath, resolveInputs } from '../src/io/inputs.js';
import { tempDir } from './helpers/temp-dir.js';

let dir: string;

beforeAll(async () => {
  dir = tempDir('topicmix-inputs-');
  await mkdir(join(dir, 'sub'));
  for (const f of ['b.jsonl', 'a.jsonl', 'c.jsonl.gz', 'notes.txt', '.hidden.jsonl', 'sub/d.jsonl', 'x[1].jsonl']) {
    await writeFile(join(dir, f), '{}\n');
  }
});

async function rejection(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected a rejection');
}

describe('resolveInputs', () => {
  it('defaults to stdin', async () => {
    expect(await resolveInputs([])).toEqual(['-']);
    expect(await resolveInputs(['-'])).toEqual(['-']);
  });

  it('sorts glob matches, keeps pattern order, skips dot files and dedupes', async () => {
    const got = await resolveInputs([join(dir, 'sub/d.jsonl'), join(dir, '*.jsonl*'), join(dir, 'a.jsonl'), '-']);
    expect(got).toEqual([join(dir, 'sub/d.jsonl'), join(dir, 'a.jsonl'), join(dir, 'b.jsonl'), join(dir, 'c.jsonl.gz'), join(dir, 'x[1].jsonl'), '-']);
    expect(await resolveInputs([join(dir, '**/*.jsonl')])).toEqual([join(dir, 'a.jsonl'), join(dir, 'b.jsonl'), join(dir, 'sub/d.jsonl'), join(dir, 'x[1].jsonl')]);
  });

  it('takes an existing path literally even when it has glob characters', async () => {
    expect(await resolveInputs([join(dir, 'x[1].jsonl')])).toEqual([join(dir, 'x[1].jsonl')]);
  });

  it('names a missing file', async () => {
    const p = join(dir, 'missing.jsonl');
    const err = await rejection(resolveInputs([join(dir, 'a.jsonl'), p]));
    expect(err.message).toBe(`input not found: ${p}`);
    expect(err.file).toBe(p);
  });

  it('names a glob that matches nothing', async () => {
    const p = join(dir, '*.csv');
    const err = await rejection(resolveInputs([p]));
    expect(err.message).toBe(`no files match: ${p}`);
    expect(err.file).toBe(p);
  });

  it('refuses a directory', async () => {
    const p = join(dir, 'sub');
    const err = await rejection(resolveInputs([p]));
    expect(err.message).toBe(`input is a directory: ${p} (use a glob such as ${p}/*.jsonl)`);
    expect(err.file).toBe(p);
  });
});

describe('isGzipPath', () => {
  it('looks at the extension only', () => {
    expect(isGzipPath('a.jsonl.gz')).toBe(true);
    expect(isGzipPath('A.JSONL.GZ')).toBe(true);
    expect(isGzipPath('a.jsonl')).toBe(false);
    expect(isGzipPath('a.gz.jsonl')).toBe(false);
    expect(isGzipPath('-')).toBe(false);
  });
});
