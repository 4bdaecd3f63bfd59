/**
 * 53-bit string hash with a seed (cyrb53 by bryc, public domain): two 32-bit multiply-xorshift
 * lanes over UTF-16 code units. Stable across platforms and Node versions, unlike Math.random.
 */
export function hash53(key: string, seed: number): number {
  let h1 = 0xdeadbeef ^ (seed >>> 0);
  let h2 = 0x41c6ce57 ^ Math.floor(seed / 0x100000000);
  for (let i = 0; i < key.length; i++) {
    const ch = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** A uniform number in [0, 1) determined by (seed, key) alone. */
export function uniform(key: string, seed: number): number {
  return hash53(key, seed) / 2 ** 53;
}
