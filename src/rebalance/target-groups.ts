import { LANGS } from '../text/script.js';
import { cellKey, type CorpusCell } from './corpus-cells.js';
import { SpecError, type TargetSpec } from './target-spec.js';

/**
 * A proportion the mixture should meet, and how it splits over cells: `within` are fractions of the
 * group's share (summing to 1), taken from the data when the target does not say.
 */
export interface TargetGroup {
  key: string;
  kind: 'topic' | 'lang' | 'cell';
  share: number;
  members: GroupMember[];
  /**
   * Groups with the same parent (the language, in two-level targets) make up their share together
   * first: what one cannot take goes to its siblings before it goes anywhere else.
   */
  parent?: string;
}

export interface GroupMember {
  key: string;
  topic: string;
  lang: string;
  within: number;
}

export const SUM_TOLERANCE = 1e-6;

export interface Vocabulary {
  /** Label set of the report's model (or inferred from its data). */
  labels: readonly string[];
  labelsFromData: boolean;
  langs: readonly string[];
}

export function vocabularyOf(cells: CorpusCell[], labels: readonly string[], labelsFromData: boolean): Vocabulary {
  // a target may name any script tag classify writes, even one the corpus lacks
  const langs = new Set<string>(LANGS);
  for (const c of cells) langs.add(c.lang);
  return { labels, labelsFromData, langs: [...langs] };
}

function listed(xs: readonly string[], max = 30): string {
  const shown = xs.slice(0, max).join(', ');
  return xs.length > max ? `${shown}, … (${xs.length} in all)` : shown;
}

export function checkTopic(topic: string, where: string, file: string, vocab: Vocabulary): void {
  if (vocab.labels.includes(topic)) return;
  const hint = vocab.labelsFromData ? ' (the report inferred its labels from the data; a topic with no documents is unknown unless the report was made with --model)' : '';
  throw new SpecError(`${file}: ${where}: unknown topic "${topic}"; known topics: ${listed(vocab.labels)}${hint}`);
}

export function checkLang(lang: string, where: string, file: string, vocab: Vocabulary): void {
  if (!vocab.langs.includes(lang)) {
    throw new SpecError(`${file}: ${where}: unknown language "${lang}"; known: ${listed(vocab.langs)}`);
  }
}

/** Shares must sum to 1, or are scaled to when `normalise` is set. */
export function checkSum(map: Record<string, number>, where: string, file: string, normalise: boolean): Record<string, number> {
  const entries = Object.entries(map);
  if (entries.length === 0) throw new SpecError(`${file}: ${where}: no shares given`);
  const sum = entries.reduce((s, [, v]) => s + v, 0);
  if (!(sum > 0)) throw new SpecError(`${file}: ${where}: shares sum to 0`);
  if (Math.abs(sum - 1) <= SUM_TOLERANCE) return map;
  if (!normalise) {
    throw new SpecError(`${file}: ${where}: shares sum to ${+sum.toFixed(6)}, not 1 (fix them, or pass --normalise to scale them to 1)`);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, v / sum]));
}

/** Members of a group in proportion to their amounts in the data (no members when it has no data). */
function dataSplit(cells: CorpusCell[]): TargetGroup['members'] {
  const total = cells.reduce((s, c) => s + c.amount, 0);
  if (total <= 0) return [];
  return cells.filter((c) => c.amount > 0).map((c) => ({ key: cellKey(c.topic, c.lang), topic: c.topic, lang: c.lang, within: c.amount / total }));
}

export function topicGroups(shares: Record<string, number>, cells: CorpusCell[]): TargetGroup[] {
  return Object.entries(shares).map(([topic, share]) => ({
    key: topic,
    kind: 'topic' as const,
    share,
    members: dataSplit(cells.filter((c) => c.topic === topic)),
  }));
}

export function langGroups(shares: Record<string, number>, cells: CorpusCell[]): TargetGroup[] {
  return Object.entries(shares).map(([lang, share]) => ({
    key: lang,
    kind: 'lang' as const,
    share,
    members: dataSplit(cells.filter((c) => c.lang === lang)),
  }));
}

/** One group per (language, topic); a pair without data keeps its member, which then gets nothing. */
export function cellGroups(shares: Array<{ topic: string; lang: string; share: number }>): TargetGroup[] {
  return shares.map(({ topic, lang, share }) => {
    const key = cellKey(topic, lang);
    return { key, kind: 'cell' as const, share, members: [{ key, topic, lang, within: 1 }] };
  });
}

/**
 * Groups for method `target`: `topics` alone (language split as in the data), `languages` alone
 * (topic split as in the data), or both / nested per language (two-level: language share x topic
 * share within that language).
 */
export function proportionGroups(spec: TargetSpec, cells: CorpusCell[], vocab: Vocabulary, file: string, normalise: boolean): TargetGroup[] {
  let topics: Record<string, number> | undefined;
  if (spec.topics !== undefined) {
    for (const t of Object.keys(spec.topics)) checkTopic(t, `topics.${t}`, file, vocab);
    topics = checkSum(spec.topics, 'topics', file, normalise);
  }
  if (spec.languages === undefined) return topicGroups(topics ?? {}, cells);

  const langShares: Record<string, number> = {};
  for (const [lang, entry] of Object.entries(spec.languages)) {
    checkLang(lang, `languages.${lang}`, file, vocab);
    langShares[lang] = typeof entry === 'number' ? entry : entry.share;
  }
  const langs = checkSum(langShares, 'languages', file, normalise);
  const groups: TargetGroup[] = [];
  for (const [lang, entry] of Object.entries(spec.languages)) {
    let within = typeof entry === 'number' ? undefined : entry.topics;
    if (within !== undefined) {
      for (const t of Object.keys(within)) checkTopic(t, `languages.${lang}.topics.${t}`, file, vocab);
      within = checkSum(within, `languages.${lang}.topics`, file, normalise);
    } else {
      within = topics;
    }
    const langShare = langs[lang]!;
    if (within === undefined) {
      groups.push(...langGroups({ [lang]: langShare }, cells));
    } else {
      const cells2 = cellGroups(Object.entries(within).map(([topic, s]) => ({ topic, lang, share: langShare * s })));
      groups.push(...cells2.map((g) => ({ ...g, parent: lang })));
    }
  }
  return groups;
}

/** Temperature sampling: p_g proportional to n_g^alpha over topics, languages or cells with data. */
export function temperatureGroups(alpha: number, over: 'topic' | 'language' | 'cell', cells: CorpusCell[]): TargetGroup[] {
  const amounts = new Map<string, number>();
  for (const c of cells) {
    const k = over === 'topic' ? c.topic : over === 'language' ? c.lang : cellKey(c.topic, c.lang);
    amounts.set(k, (amounts.get(k) ?? 0) + c.amount);
  }
  const powered = new Map([...amounts].filter(([, n]) => n > 0).map(([k, n]) => [k, n ** alpha] as const));
  const z = [...powered.values()].reduce((s, v) => s + v, 0);
  const shares = Object.fromEntries([...powered].map(([k, v]) => [k, v / z]));
  if (over === 'topic') return topicGroups(shares, cells);
  if (over === 'language') return langGroups(shares, cells);
  return cellGroups(cells.filter((c) => c.amount > 0).map((c) => ({ topic: c.topic, lang: c.lang, share: shares[cellKey(c.topic, c.lang)]! })));
}
