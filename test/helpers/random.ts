import { Rng } from '../../src/model/rng.js';

/** A seeded uniform [0, 1) generator (the trainer's own PRNG), so that a failing random case can be replayed from its seed. */
export function rng(seed: number): () => number {
  const g = new Rng(seed);
  return () => g.next();
}
