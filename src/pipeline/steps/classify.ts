import type { Classifier } from '../../classifier.js';
import type { PartSettings } from '../../text/part-split.js';
import type { Item } from '../document.js';

/** Scores every document of the items in model batches and sets its `tags` (with `parts`: long pages part by part too). */
export function classifyItems(clf: Classifier, items: readonly Item[], parts?: PartSettings): void {
  const docs = [];
  for (const item of items) if ('doc' in item) docs.push(item.doc);
  const K = clf.labels.length;
  for (let start = 0; start < docs.length; start += clf.batchSize) {
    const batch = docs.slice(start, start + clf.batchSize);
    const scored = clf.scoreTexts(
      batch.map((d) => d.text),
      parts,
    );
    const { probs, scripts, chunks } = scored;
    for (let i = 0; i < batch.length; i++) {
      const p = scored.parts?.[i];
      batch[i]!.tags = { probs: probs.subarray(i * K, i * K + K), lang: scripts[i]!, chunks: chunks[i]!, ...(p && { parts: p }) };
    }
  }
}
