// FNV-1a over UTF-16 code units, then murmur3's fmix32 so that nearby hashes spread over all buckets.
export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

export function fnvString(s: string, seed = FNV_OFFSET): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// Distinct seeds keep a unigram and a bigram (or a Han character and a one-letter word) from
// landing in the same bucket by construction; the bigram combination is fastText's.
export const HAN_SEED = 0x9e3779b9;
export const BIGRAM_MULT = 116049371;
export const BIGRAM_SEED = 0x5bd1e995;
