import type { ErrorRecord, LabelledExample, SourcePosition } from '../types.js';
import { readLabelled } from '../io/labelled.js';
import type { PoolTexts } from '../io/records.js';
import { containsHan } from '../text/chars.js';
import { compareLangs } from '../text/script.js';
import { textKey } from '../text/normalize.js';
import { LabelSetError, loadLabelSet } from './label-set.js';
import { TaxonomyError, taxonomyLabels, type Taxonomy } from './taxonomy.js';

export interface LabelCheckReport {
  ok: boolean;
  errors: string[];
  warnings: string[];
  /** Examples per topic x language (every taxonomy topic x every language seen, zeros included). */
  counts: { topic: string; lang: string; count: number }[];
  /** Number of examples that parsed. */
  total: number;
  files: string[];
}

export interface LabelCheckOptions {
  /** Pool documents for label rows that reference them by id (see readPool). */
  pool?: PoolTexts;
  /** Warn when the largest topic has more than this many times the examples of the smallest (default 10). */
  imbalanceRatio?: number;
  /** Warn when a topic has fewer examples than this (default 20). */
  minPerTopic?: number;
  /** Files whose rows are web labels: each needs annotator and date, and an id labelled once. */
  poolFiles?: readonly string[];
}

/** Crude on purpose: only used to fill in a missing `lang` for the counts table. */
function guessLang(text: string): string {
  return containsHan(text) ? 'zh' : 'en';
}

function at(pos: SourcePosition): string {
  return `${pos.file}:${pos.line}`;
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  const sa = [...new Set(a)].sort();
  const sb = [...new Set(b)].sort();
  return sa.length === sb.length && sa.every((l, i) => l === sb[i]);
}

/** The distinct languages in report order (compareLangs: zh, en, mixed, other, then the rest alphabetically). */
export function orderLangs(langs: Iterable<string>): string[] {
  return [...new Set(langs)].sort(compareLangs);
}

/** The checks on already-read examples; checkLabelSet adds the file reading. */
export function checkExamples(taxonomy: Taxonomy, examples: readonly LabelledExample[], readErrors: readonly ErrorRecord[], files: readonly string[], opts: LabelCheckOptions = {}): LabelCheckReport {
  const imbalanceRatio = opts.imbalanceRatio ?? 10;
  const minPerTopic = opts.minPerTopic ?? 20;
  // Line-level errors are sorted by position so parse errors and label errors interleave.
  // readLabelled messages already start with "<file>:<line>: " and name the field.
  const lineErrors: { pos: SourcePosition; message: string }[] = readErrors.map((e) => ({ pos: e, message: e.message }));
  const errors: string[] = [];
  const warnings: string[] = [];
  const topicIds = taxonomyLabels(taxonomy);
  const abstain = taxonomy.abstain;
  const known = new Set(topicIds);
  const poolFileSet = new Set(opts.poolFiles ?? []);
  const seenIds = new Map<string, SourcePosition>();
  const counts = new Map<string, Map<string, number>>(topicIds.map((id) => [id, new Map()]));
  const langs = new Set<string>();
  const seen = new Map<string, LabelledExample>();

  for (const ex of examples) {
    const where = at(ex.source);
    if (ex.text.trim() === '') {
      lineErrors.push({ pos: ex.source, message: `${where}: empty text` });
      continue;
    }
    if (ex.probs) {
      // soft labels: every label named counts, also one with probability 0 (shape and sum were checked when read)
      for (const label of Object.keys(ex.probs)) {
        if (!known.has(label)) lineErrors.push({ pos: ex.source, message: `${where}: field "probs": unknown label "${label}" (not in taxonomy)` });
      }
    } else {
      for (const label of ex.labels) {
        if (!known.has(label)) lineErrors.push({ pos: ex.source, message: `${where}: unknown label "${label}" (not in taxonomy)` });
      }
    }
    for (const m of annotationProblems(ex, taxonomy)) lineErrors.push({ pos: ex.source, message: `${where}: ${m}` });
    if (poolFileSet.has(ex.source.file)) {
      if (!ex.annotation?.annotator) lineErrors.push({ pos: ex.source, message: `${where}: field "annotator" is missing (every web label records who made it)` });
      if (!ex.annotation?.date) lineErrors.push({ pos: ex.source, message: `${where}: field "date" is missing (every web label records when it was made)` });
      if (ex.id !== undefined) {
        const prev = seenIds.get(ex.id);
        if (prev) lineErrors.push({ pos: ex.source, message: `${where}: field "id": "${ex.id}" is labelled twice (also ${at(prev)})` });
        else seenIds.set(ex.id, ex.source);
      }
    }

    const key = textKey(ex.text);
    const first = seen.get(key);
    if (!first) {
      seen.set(key, ex);
    } else if (sameLabels(first.labels, ex.labels)) {
      warnings.push(`duplicate text: ${at(first.source)} and ${where}`);
    } else {
      lineErrors.push({
        pos: ex.source,
        message: `same text with different labels: ${at(first.source)} (${first.labels.join(', ')}) and ${where} (${ex.labels.join(', ')})`,
      });
    }

    const lang = ex.lang?.trim() || guessLang(ex.text);
    for (const label of new Set(ex.labels)) {
      const byLang = counts.get(label);
      if (!byLang) continue;
      byLang.set(lang, (byLang.get(lang) ?? 0) + 1);
      langs.add(lang);
    }
  }

  const fileRank = new Map(files.map((f, i) => [f, i]));
  const rank = (p: SourcePosition): number => fileRank.get(p.file) ?? files.length;
  lineErrors.sort((a, b) => rank(a.pos) - rank(b.pos) || a.pos.line - b.pos.line);
  errors.push(...lineErrors.map((e) => e.message));

  const langList = orderLangs(langs);
  const totals = new Map(topicIds.map((id) => [id, [...counts.get(id)!.values()].reduce((a, b) => a + b, 0)]));
  for (const id of topicIds) {
    const n = totals.get(id)!;
    if (id === abstain?.id) continue;
    if (n === 0) {
      errors.push(`topic "${id}" has no examples`);
      continue;
    }
    if (n < minPerTopic) warnings.push(`topic "${id}" has only ${n} example${n === 1 ? '' : 's'} (minimum ${minPerTopic})`);
    for (const lang of langList) {
      if (!counts.get(id)!.get(lang)) warnings.push(`topic "${id}" has no "${lang}" examples (other topics do)`);
    }
  }

  const present = topicIds.filter((id) => id !== abstain?.id && totals.get(id)! > 0);
  if (present.length > 1) {
    const largest = present.reduce((a, b) => (totals.get(b)! > totals.get(a)! ? b : a));
    const smallest = present.reduce((a, b) => (totals.get(b)! < totals.get(a)! ? b : a));
    const ratio = totals.get(largest)! / totals.get(smallest)!;
    if (ratio > imbalanceRatio) {
      warnings.push(
        `imbalance: largest topic "${largest}" has ${totals.get(largest)} examples, smallest "${smallest}" has ` + `${totals.get(smallest)} (ratio ${ratio.toFixed(1)} > ${imbalanceRatio})`,
      );
    }
  }

  return {
    ok: errors.length === 0,
    errors,
    warnings,
    counts: topicIds.flatMap((topic) => langList.map((lang) => ({ topic, lang, count: counts.get(topic)!.get(lang) ?? 0 }))),
    total: examples.length,
    files: [...files],
  };
}

/**
 * Check a label set directory. Problems with the directory or taxonomy.yaml are reported as
 * errors in the report rather than thrown, so `topicmix labels check` can print them.
 */
export async function checkLabelSet(dir: string, opts: LabelCheckOptions = {}): Promise<LabelCheckReport> {
  let set;
  try {
    set = await loadLabelSet(dir);
  } catch (err) {
    if (err instanceof TaxonomyError) return failed(err.issues);
    if (err instanceof LabelSetError) return failed([err.message]);
    throw err;
  }
  const { examples, errors } = await readLabelled(set.files);
  const files = [...set.files];
  const notes: string[] = [];
  if (set.poolFiles.length > 0) {
    if (opts.pool) {
      const r = await readLabelled(set.poolFiles, { pool: opts.pool });
      examples.push(...r.examples);
      errors.push(...r.errors);
      files.push(...set.poolFiles);
    } else {
      notes.push(`${set.poolFiles.length} pool label file(s) (${set.poolFiles.join(', ')}) not checked: give the pool with --pool`);
    }
  }
  const report = checkExamples(set.taxonomy, examples, errors, files, { ...opts, poolFiles: set.poolFiles });
  report.warnings.push(...notes);
  return report;
}

/** Problems with label2 / reason against the taxonomy. */
function annotationProblems(ex: LabelledExample, taxonomy: Taxonomy): string[] {
  const out: string[] = [];
  const abstain = taxonomy.abstain;
  const a = ex.annotation;
  const isAbstain = abstain !== undefined && ex.labels.includes(abstain.id);
  if (a?.label2 !== undefined) {
    if (!taxonomy.topics.some((t) => t.id === a.label2)) out.push(`field "label2": "${a.label2}" is not a topic of the taxonomy`);
    if (isAbstain) out.push(`field "label2": a row labelled "${abstain.id}" has no second topic`);
  }
  if (isAbstain) {
    if (a?.reason === undefined) out.push(`field "reason" is missing: "${abstain.id}" needs one of ${abstain.reasons.join(', ')}`);
    else if (!abstain.reasons.includes(a.reason)) out.push(`field "reason": "${a.reason}" is not one of ${abstain.reasons.join(', ')}`);
  } else if (a?.reason !== undefined) {
    out.push(`field "reason" is only for rows labelled "${abstain?.id ?? 'none'}"`);
  }
  return out;
}

function failed(errors: string[]): LabelCheckReport {
  return { ok: false, errors, warnings: [], counts: [], total: 0, files: [] };
}

const MAX_LISTED = 50;

function listSection(title: string, items: readonly string[]): string[] {
  if (items.length === 0) return [];
  const shown = items.slice(0, MAX_LISTED).map((m) => `  - ${m}`);
  if (items.length > MAX_LISTED) shown.push(`  ... and ${items.length - MAX_LISTED} more (see --json)`);
  return ['', `${title} (${items.length}):`, ...shown];
}

export function formatCheckReport(r: LabelCheckReport): string {
  const out: string[] = [];
  if (r.counts.length > 0) {
    const topics = [...new Set(r.counts.map((c) => c.topic))];
    const langs = orderLangs(r.counts.map((c) => c.lang));
    const count = new Map(r.counts.map((c) => [`${c.topic}\u0000${c.lang}`, c.count]));
    const header = ['topic', ...langs, 'total'];
    const rows = topics.map((t) => {
      const cells = langs.map((l) => count.get(`${t}\u0000${l}`) ?? 0);
      return [t, ...cells.map(String), String(cells.reduce((a, b) => a + b, 0))];
    });
    const widths = header.map((h, j) => Math.max(h.length, ...rows.map((row) => row[j]!.length)));
    const line = (cells: string[]): string => cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ');
    out.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line));
    out.push('');
  }
  const nFiles = r.files.length;
  out.push(`${r.total} example${r.total === 1 ? '' : 's'} in ${nFiles} file${nFiles === 1 ? '' : 's'}`);
  out.push(...listSection('errors', r.errors), ...listSection('warnings', r.warnings));
  out.push('', r.ok ? 'OK' : `FAILED: ${r.errors.length} error${r.errors.length === 1 ? '' : 's'}`);
  return out.join('\n') + '\n';
}
