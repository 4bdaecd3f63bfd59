import { describe, expect, it } from 'vitest';
import { argmax, topIndices } from '../src/model/top-k.js';
import { Rng } from '../src/model/rng.js';

describe('argmax', () => {
  it('gives the offset of the largest value in a row; ties go to the lower index', () => {
    expect(argmax([0.1, 0.7, 0.2])).toBe(1);
    expect(argmax([0.4, 0.4, 0.2])).toBe(0);
    expect(argmax([0.2, 0.4, 0.4])).toBe(1);
    // row 1 of a row-major [2, 3] array: offset within the row
    expect(argmax(new Float32Array([0.9, 0.05, 0.05, 0.1, 0.3, 0.6]), 3, 3)).toBe(2);
    expect(argmax([], 0, 0)).toBe(-1);
  });

  it('never lets a NaN win a comparison (a leading NaN is kept, as in topIndices)', () => {
    expect(argmax([0.2, NaN, 0.5])).toBe(2);
    expect(argmax([NaN, 0.2, 0.5])).toBe(0);
  });

  it('equals topIndices(row, 1)[0] on random rows with ties and NaNs', () => {
    const rng = new Rng(7);
    for (let t = 0; t < 2000; t++) {
      const row = Array.from({ length: 1 + Math.floor(rng.next() * 8) }, () => {
        const r = rng.next();
        return r < 0.05 ? NaN : Math.round(r * 4) / 4;
      });
      expect(argmax(row)).toBe(topIndices(row, 1)[0]);
    }
  });
});

describe('topIndices', () => {
  it('lists the k largest, largest first, ties by lower index, reusing `out`', () => {
    const out = [9, 9, 9, 9];
    expect(topIndices(new Float32Array([0.1, 0.3, 0.3, 0.05, 0.25]), 3, out)).toEqual([1, 2, 4]);
    expect(out).toEqual([1, 2, 4]);
    expect(topIndices([0.5, 0.5], 5)).toEqual([0, 1]);
  });

  it('matches a stable sort by value on rows without NaN', () => {
    const rng = new Rng(3);
    for (let t = 0; t < 500; t++) {
      const row = Array.from({ length: 1 + Math.floor(rng.next() * 10) }, () => Math.round(rng.next() * 5) / 5);
      const k = 1 + Math.floor(rng.next() * 4);
      const sorted = row
        .map((v, i) => ({ v, i }))
        .sort((a, b) => b.v - a.v || a.i - b.i)
        .slice(0, k)
        .map((e) => e.i);
      expect(topIndices(row, k)).toEqual(sorted);
    }
  });
});
