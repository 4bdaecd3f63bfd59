import type { Classifier } from '../../classifier.js';
import type { Item } from '../document.js';

/** Scores every document of the items in model batches and sets its `tags`. */
export function classifyItems(clf: Classifier, items: readonly Item[]): void {
  const docs = [];
  for (const item of items) if ('doc' in item) docs.push(item.doc);
  const K = clf.labels.length;
  for (let start = 0; start < docs.length; start += clf.batchSize) {
    const batch = docs.slice(start, start + clf.batchSize);
    const { probs, scripts, chunks } = clf.scoreTexts(batch.map((d) => d.text));
    for (let i = 0; i < batch.length; i++) batch[i]!.tags = { probs: probs.subarray(i * K, i * K + K), lang: scripts[i]!, chunks: chunks[i]! };
  }
}
