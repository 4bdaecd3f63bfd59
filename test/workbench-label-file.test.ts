/** The workbench's label file writer: serialised whole-line appends, undo by atomic rewrite, the lock. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabelFile, LabelFileError, type LabelRow } from '../src/labels/workbench/label-file.js';
import { tempDir } from './helpers/temp-dir.js';

const row = (id: string, label = 'sports'): LabelRow => ({ id, label, annotator: 'a', date: '2026-12-02', split: 'train' });
const ids = (path: string): string[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { id: string }).id);

describe('LabelFile', () => {
  it('writes 200 concurrent appends as 200 whole lines in call order, and keeps lines already in the file', async () => {
    const path = join(tempDir(), 'labels.jsonl');
    writeFileSync(path, `${JSON.stringify(row('old'))}\n`);
    const f = await LabelFile.open(path);
    const want = Array.from({ length: 200 }, (_, i) => `p${i}-${'x'.repeat(i * 7)}`);
    await Promise.all(want.map((id) => f.append(row(id))));
    expect(ids(path)).toEqual(['old', ...want]);
    await f.close();
  });

  it('undo removes the last row with the id, logs it, and leaves the other rows as they were', async () => {
    const path = join(tempDir(), 'labels.jsonl');
    const f = await LabelFile.open(path);
    for (const id of ['a', 'b', 'c']) await f.append(row(id));
    const before = readFileSync(path, 'utf8');
    expect(await f.retract('b')).toEqual(row('b'));
    expect(readFileSync(path, 'utf8')).toBe(
      before
        .split('\n')
        .filter((l) => !l.includes('"b"'))
        .join('\n'),
    );
    expect(await f.retract('zzz')).toBeNull();
    const log = readFileSync(`${path}.undone.log`, 'utf8').trim().split('\n');
    expect(log).toHaveLength(1);
    expect(JSON.parse(log[0]!)).toMatchObject({ row: row('b') });
    // an append racing an undo: both happen, in order
    await Promise.all([f.retract('c'), f.append(row('d'))]);
    expect(ids(path)).toEqual(['a', 'd']);
    await f.close();
  });

  it('a second writer is refused while the first holds the lock; a stale lock is taken over; close releases it', async () => {
    const path = join(tempDir(), 'labels.jsonl');
    const f = await LabelFile.open(path);
    await expect(LabelFile.open(path)).rejects.toThrow(LabelFileError);
    await expect(LabelFile.open(path)).rejects.toThrow(`is in use by another workbench (pid ${process.pid}`);
    await f.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
    writeFileSync(`${path}.lock`, '999999999\n'); // no such process
    const g = await LabelFile.open(path);
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    await g.close();
  });
});
