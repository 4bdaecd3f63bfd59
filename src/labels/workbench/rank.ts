import { join } from 'node:path';
import { loadClassifier } from '../../classifier.js';
import { correctedShares, DEFAULT_SHRINKAGE } from '../../eval/quantify.js';
import { readLabelled } from '../../io/labelled.js';
import { argmax } from '../../model/top-k.js';
import { trainModel } from '../../train.js';
import { labelledIdsUnder, loadLabelSet } from '../label-set.js';
import { suggestLabels } from '../suggest.js';
import { readWorkbenchPool } from './pool.js';

/** One (re)ranking of the pool, run away from the server (see rank-child.ts). */
export interface RankJob {
  labelsDir: string;
  poolFiles: string[];
  /** Train a new model on the label set into `<modelsDir>/round-<round>` first; else rank with `model`. */
  train: boolean;
  modelsDir: string;
  round: number;
  /** The model to rank with when not training (none: a stratified random start). */
  model?: string;
  seed: number;
  queueSize: number;
  field?: string;
  /** Label mappings and their data root, passed to trainModel (public datasets trained on with the label set). */
  map?: string[];
  dataRoot?: string;
}

export interface RankedPage {
  id: string;
  reason: 'uncertain' | 'random';
  /** The model's three most probable topics. */
  top: { label: string; score: number }[];
}

export interface RankResult {
  /** The model behind the ranking: `name@` + 12 hex digits of its weights' sha256; null for the random start. */
  model: { id: string; dir: string } | null;
  trainSeconds: number | null;
  /** The model on the label set's held-out rows (split heldout), which it was never trained on. */
  heldout: { n: number; correct: number; byLang: { lang: string; n: number; correct: number }[] } | null;
  /** The pool's topic shares: the model's tags corrected by its held-out confusions (eval/quantify.ts), 95% interval. */
  shares: { labels: string[]; raw: number[]; shares: number[]; lo: number[]; hi: number[]; docs: number } | null;
  queue: RankedPage[];
}

function modelIdOf(name: string, hash: string | undefined): string {
  return hash ? `${name}@${hash.replace(/^sha256:/, '').slice(0, 12)}` : name;
}

export async function runRankJob(job: RankJob): Promise<RankResult> {
  let modelDir = job.model;
  let trainSeconds: number | null = null;
  if (job.train) {
    const t0 = performance.now();
    const out = join(job.modelsDir, `round-${job.round}`);
    await trainModel({
      labels: job.labelsDir,
      pool: job.poolFiles,
      out,
      name: `workbench-${job.round}`,
      seed: job.seed,
      ...(job.field !== undefined && { field: job.field }),
      ...(job.map !== undefined && { map: job.map }),
      ...(job.dataRoot !== undefined && { dataRoot: job.dataRoot }),
    });
    trainSeconds = (performance.now() - t0) / 1000;
    modelDir = out;
  }
  const pool = await readWorkbenchPool(job.poolFiles, job.field);
  const labelled = await labelledIdsUnder(job.labelsDir);
  if (modelDir === undefined) {
    const queue = suggestLabels(pool, { n: job.queueSize, seed: job.seed, labelled }).map((s) => ({ id: s.id, reason: s.reason, top: [] }));
    return { model: null, trainSeconds, heldout: null, shares: null, queue };
  }
  const clf = await loadClassifier(modelDir);
  try {
    const labels = [...clf.labels];
    const preds = await clf.classifyBatch(
      pool.map((d) => d.text),
      { allScores: true, topK: 1 },
    );
    const probs = preds.map((p) => labels.map((l) => p.scores![l]!));
    const index = new Map(pool.map((d, i) => [d.id, i]));
    const labelIndex = new Map(labels.map((l, i) => [l, i]));

    // held-out rows of the whole label set, joined with the pool
    const set = await loadLabelSet(job.labelsDir);
    const poolTexts = new Map(pool.map((d) => [d.id, { text: d.text, lang: d.lang }]));
    const rows = set.poolFiles.length ? (await readLabelled(set.poolFiles, { pool: poolTexts })).examples : [];
    const K = labels.length;
    const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
    const byLang = new Map<string, { n: number; correct: number }>();
    let n = 0;
    let correct = 0;
    for (const ex of rows) {
      if (ex.annotation?.split !== 'heldout' || ex.id === undefined) continue;
      const i = index.get(ex.id);
      const truth = labelIndex.get(ex.labels[0]!);
      if (i === undefined || truth === undefined) continue;
      const tagged = argmax(probs[i]!);
      confusion[truth]![tagged]!++;
      const hit = tagged === truth ? 1 : 0;
      n++;
      correct += hit;
      const lang = pool[i]!.lang;
      const c = byLang.get(lang) ?? { n: 0, correct: 0 };
      c.n++;
      c.correct += hit;
      byLang.set(lang, c);
    }
    const tags = new Array<number>(K).fill(0);
    for (const p of probs) tags[argmax(p)]!++;
    const cs = correctedShares(tags, confusion, { seed: job.seed, lambda: DEFAULT_SHRINKAGE });
    const picked = suggestLabels(pool, { n: job.queueSize, seed: job.seed, labelled, predictions: { labels, docs: probs.map((p) => ({ probs: p })) } });
    const queue = picked.map((s) => {
      const p = probs[index.get(s.id)!]!;
      const top = labels
        .map((label, k) => ({ label, score: p[k]! }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 3);
      return { id: s.id, reason: s.reason, top };
    });
    return {
      model: { id: modelIdOf(clf.metadata.name, clf.metadata.weightsSha256 ?? clf.metadata.training.dataHash), dir: modelDir },
      trainSeconds,
      heldout: { n, correct, byLang: [...byLang.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([lang, c]) => ({ lang, ...c })) },
      shares: { labels, raw: tags.map((t) => t / Math.max(1, pool.length)), shares: cs.shares, lo: cs.lo, hi: cs.hi, docs: pool.length },
      queue,
    };
  } finally {
    clf.dispose();
  }
}
