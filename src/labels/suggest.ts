import { uniform } from '../model/seeded-hash.js';
import { topIndices } from '../model/top-k.js';
import { textKey } from '../text/normalize.js';

/** A pool document offered for labelling. */
export interface PoolDoc {
  id: string;
  text: string;
  lang: string;
}

/** The model's view of one pool document (its full distribution, label order of `labels`). */
export interface PoolPrediction {
  probs: ArrayLike<number>;
}

export interface SuggestOptions {
  /** How many documents to suggest. */
  n: number;
  /** Seed for every random choice. Default 1. */
  seed?: number;
  /** Ids to skip (already labelled). */
  labelled?: ReadonlySet<string>;
  /** The model's predictions, one per pool document (same order), and its labels. Without them: a stratified random start. */
  predictions?: { labels: readonly string[]; docs: readonly PoolPrediction[] };
  /** Share of the suggestions drawn at random instead of by uncertainty, to keep the sample honest. Default 0.2. */
  explore?: number;
}

export interface Suggestion {
  id: string;
  lang: string;
  /** Why the document was picked: `uncertain` (low margin between the model's top two labels), `random`. */
  reason: 'uncertain' | 'random';
  /** The model's top label and its probability, when there is a model. */
  predicted?: { label: string; score: number; margin: number };
}

/**
 * The next documents worth labelling. Quotas: the same number per language, and with a model the same
 * number per (language, predicted label) cell, so rare topics get examples; within a cell the most
 * uncertain documents (smallest margin between the top two probabilities) first, with `explore` of each
 * cell drawn at random. Near-duplicates (same first 200 normalised characters) are suggested once.
 * Cells that run short give their quota to the others. Deterministic for a seed and a pool.
 */
export function suggestLabels(pool: readonly PoolDoc[], opts: SuggestOptions): Suggestion[] {
  const seed = opts.seed ?? 1;
  const explore = opts.explore ?? 0.2;
  if (!Number.isInteger(opts.n) || opts.n < 0) throw new Error(`suggest: n must be a non-negative integer, got ${opts.n}`);
  if (!(explore >= 0 && explore <= 1)) throw new Error(`suggest: explore must be in [0, 1], got ${explore}`);
  const preds = opts.predictions;
  if (preds && preds.docs.length !== pool.length) throw new Error(`suggest: ${preds.docs.length} predictions for ${pool.length} pool documents`);

  interface Cand {
    i: number;
    cell: string;
    u: number;
    margin: number;
    top: number;
    score: number;
  }
  const cells = new Map<string, Cand[]>();
  const seenPrefix = new Set<string>();
  const best: number[] = [];
  for (let i = 0; i < pool.length; i++) {
    const d = pool[i]!;
    if (opts.labelled?.has(d.id)) continue;
    const prefix = textKey(d.text).slice(0, 200);
    if (seenPrefix.has(prefix)) continue;
    seenPrefix.add(prefix);
    let cell = d.lang;
    let margin = 1;
    let top = -1;
    let score = 0;
    if (preds) {
      const p = preds.docs[i]!.probs;
      topIndices(p, 2, best);
      const a = best[0]!;
      const b = best[1];
      top = a;
      score = p[a]!;
      margin = b === undefined ? 1 : p[a]! - p[b]!;
      cell = `${d.lang}\u0000${preds.labels[a]}`;
    }
    let list = cells.get(cell);
    if (!list) cells.set(cell, (list = []));
    list.push({ i, cell, u: uniform(d.id, seed), margin, top, score });
  }

  // per-cell queues: uncertain first (ties by the seeded draw), and a separate random order for exploring
  const queues = [...cells.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([cell, list]) => ({
      cell,
      uncertain: [...list].sort((x, y) => x.margin - y.margin || x.u - y.u),
      random: [...list].sort((x, y) => x.u - y.u),
      taken: new Set<number>(),
      picks: 0,
    }));
  const out: Suggestion[] = [];
  // round-robin over cells gives equal quotas, and a cell that runs dry leaves its turns to the rest
  while (out.length < opts.n) {
    let progressed = false;
    for (const q of queues) {
      if (out.length >= opts.n) break;
      const useRandom = !preds || uniform(`${q.cell}:${q.picks}`, seed + 1) < explore;
      const order = useRandom ? q.random : q.uncertain;
      const next = order.find((c) => !q.taken.has(c.i));
      if (!next) continue;
      q.taken.add(next.i);
      q.picks++;
      progressed = true;
      const d = pool[next.i]!;
      out.push({
        id: d.id,
        lang: d.lang,
        reason: useRandom ? 'random' : 'uncertain',
        ...(preds && { predicted: { label: preds.labels[next.top]!, score: next.score, margin: next.margin } }),
      });
    }
    if (!progressed) break;
  }
  return out;
}
