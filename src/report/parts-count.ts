import type { PartCell, PartsSummary } from './report-types.js';

// Counts of long pages classified with --parts (topic_parts): per language x page topic, integers only, so
// partial reports merge exactly.

const ratio = (x: number, total: number): number => (total > 0 ? x / total : 0);

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class PartCounter {
  private readonly cells = new Map<string, PartCell>();

  private cell(lang: string, topic: string): PartCell {
    const key = JSON.stringify([lang, topic]);
    let c = this.cells.get(key);
    if (c === undefined) {
      c = { lang, topic, split_docs: 0, mixed_docs: 0, parts: 0, mixed_parts: 0, other_topics: {} };
      this.cells.set(key, c);
    }
    return c;
  }

  /** One split page: its topic and its parts' top topics. */
  add(lang: string, topic: string, partTopics: readonly string[]): void {
    const c = this.cell(lang, topic);
    c.split_docs++;
    c.parts += partTopics.length;
    let mixed = 0;
    for (const t of partTopics) {
      if (t === topic) continue;
      mixed++;
      c.other_topics[t] = (c.other_topics[t] ?? 0) + 1;
    }
    c.mixed_parts += mixed;
    if (mixed > 0) c.mixed_docs++;
  }

  merge(cells: readonly PartCell[], add: (a: number, b: number, what: string) => number, file: string): void {
    for (const src of cells) {
      const c = this.cell(src.lang, src.topic);
      const at = `${file}: state.parts ${src.topic}/${src.lang}`;
      c.split_docs = add(c.split_docs, src.split_docs, at);
      c.mixed_docs = add(c.mixed_docs, src.mixed_docs, at);
      c.parts = add(c.parts, src.parts, at);
      c.mixed_parts = add(c.mixed_parts, src.mixed_parts, at);
      for (const [t, n] of Object.entries(src.other_topics)) c.other_topics[t] = add(c.other_topics[t] ?? 0, n, at);
    }
  }

  /** The cells sorted by key (undefined when no page was split, so reports without parts stay as they were). */
  build(): PartCell[] | undefined {
    if (this.cells.size === 0) return undefined;
    return [...this.cells.entries()]
      .sort((a, b) => compare(a[0], b[0]))
      .map(([, c]) => ({ ...c, other_topics: Object.fromEntries(Object.entries(c.other_topics).sort((a, b) => compare(a[0], b[0]))) }));
  }
}

/** Totals and per page topic (most split pages first, then by topic) over every language. */
export function partsSummary(cells: readonly PartCell[]): PartsSummary {
  const byTopic = new Map<string, { split: number; mixed: number; parts: number; mixedParts: number; other: Map<string, number> }>();
  let split = 0;
  let mixed = 0;
  for (const c of cells) {
    let t = byTopic.get(c.topic);
    if (t === undefined) byTopic.set(c.topic, (t = { split: 0, mixed: 0, parts: 0, mixedParts: 0, other: new Map() }));
    t.split += c.split_docs;
    t.mixed += c.mixed_docs;
    t.parts += c.parts;
    t.mixedParts += c.mixed_parts;
    for (const [k, n] of Object.entries(c.other_topics)) t.other.set(k, (t.other.get(k) ?? 0) + n);
    split += c.split_docs;
    mixed += c.mixed_docs;
  }
  const by_topic = [...byTopic.entries()]
    .map(([topic, t]) => ({
      topic,
      split_docs: t.split,
      mixed_docs: t.mixed,
      mixed_share: ratio(t.mixed, t.split),
      parts: t.parts,
      mixed_parts: t.mixedParts,
      other_topics: [...t.other.entries()].sort((a, b) => b[1] - a[1] || compare(a[0], b[0])),
    }))
    .sort((a, b) => b.split_docs - a.split_docs || compare(a.topic, b.topic));
  return { split_docs: split, mixed_docs: mixed, mixed_share: ratio(mixed, split), by_topic };
}
