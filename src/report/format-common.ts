import { REPORT_DEFAULTS } from '../defaults.js';
import type { PartsSummary, Report } from './report-types.js';

/** What md and html output show (the counting settings are fixed in the report). */
export interface FormatOptions {
  /** Top terms of a topic x script cell with fewer documents are hidden: REPORT_DEFAULTS.minTermDocs. */
  minTermDocs?: number;
}

export function minTermDocsOf(o: FormatOptions): number {
  return o.minTermDocs ?? REPORT_DEFAULTS.minTermDocs;
}

/** How a topic is shown: the model's display names when it has them, else the id. */
export interface TopicDisplay {
  id: string;
  /** "Business & Finance / 商业财经" (the names the model has), or the id. */
  name: string;
  /** Two-line form for chart labels: the English (or only) name, and the Chinese name under it. */
  line1: string;
  line2?: string;
  /** True when the model gave a name (then the id is worth showing next to it). */
  named: boolean;
}

/** Display names of the report's topics, from `model.label_names` (read from the model with --model). */
export function topicDisplay(report: Report): (id: string) => TopicDisplay {
  const names = report.model.label_names ?? {};
  return (id) => {
    const n = Object.hasOwn(names, id) ? names[id] : undefined;
    const en = n?.en;
    const zh = n?.zh;
    if (en === undefined && zh === undefined) return { id, name: id, line1: id, named: false };
    if (en !== undefined && zh !== undefined) return { id, name: `${en} / ${zh}`, line1: en, line2: zh, named: true };
    const only = (en ?? zh)!;
    return { id, name: only, line1: only, named: true };
  };
}

/** Which top-term cells (topic x script) md/html output hides, and the message that says so. */
export function hiddenTermCells(report: Report, minDocs: number): { hidden: Set<string>; note: string | null } {
  const small = report.summary.top_terms.filter((t) => t.docs < minDocs);
  const hidden = new Set(small.map((t) => termCellKey(t.topic, t.script)));
  const name = topicDisplay(report);
  const note =
    small.length === 0
      ? null
      : `Top terms hidden for ${small.length} topic x script cell(s) with fewer than ${minDocs} documents (--min-term-docs), where terms that one or two documents happen to contain lead the list: ` +
        small.map((t) => `${name(t.topic).name} ${t.script} (${fmtInt(t.docs)} docs)`).join(', ') +
        '.';
  return { hidden, note };
}

export function termCellKey(topic: string, script: string): string {
  return `${topic}\u0000${script}`;
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtPct(share: number, digits = 1): string {
  return `${(share * 100).toFixed(digits)}%`;
}

export function fmtNum(x: number, digits = 3): string {
  return x.toFixed(digits);
}

/** Eight-level bar glyphs for a histogram in plain text. */
export function sparkline(hist: number[]): string {
  const glyphs = '▁▂▃▄▅▆▇█';
  const max = Math.max(...hist);
  if (max <= 0) return ''.padEnd(hist.length, ' ');
  return hist.map((v) => (v === 0 ? ' ' : glyphs[Math.min(7, Math.floor((v / max) * 7.999))]!)).join('');
}

export function modelLine(report: Report): string {
  const m = report.model;
  const labels = `${m.labels.length} labels ${m.labels_source === 'model' ? 'from the model' : 'inferred from the data'}`;
  return m.id === null ? `no model given (${labels})` : `${m.id} (${labels})`;
}

/** Tokenizer description and version, after its name. */
export function tokenizerDetails(report: Report): string {
  const s = report.settings;
  return `${s.tokenizer_description}; version ${s.tokenizer_version ?? 'unknown (not recorded)'}`;
}

export function countsLine(report: Report): string {
  const c = report.counts;
  const codes = Object.entries(c.errors_by_code)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  return `read ${fmtInt(c.read)} lines, counted ${fmtInt(c.counted)}, errors ${fmtInt(c.errors)}${codes ? ` (${codes})` : ''}`;
}

/** Topic/language shares of the current corpus vs the target and what the weights achieve. */
export interface Comparison {
  unit: string;
  method: string;
  topics: Array<{ key: string; current: number; target: number; achieved: number }>;
  langs: Array<{ key: string; current: number; target: number; achieved: number }>;
  shortfalls: string[];
}

/** Distinct languages of the report in display order. */
export function langsOf(report: Report): string[] {
  return report.summary.by_lang.map((r) => r.lang!);
}

/** The "long pages split into parts" lines (classify --parts): a sentence, then per page topic its counts and the other topics of its parts. */
export function partsLines(p: PartsSummary, name: (id: string) => string): { sentence: string; head: string[]; rows: string[][] } {
  return {
    sentence: `${fmtInt(p.split_docs)} long pages were split into parts (classify --parts); ${fmtInt(p.mixed_docs)} (${fmtPct(p.mixed_share)}) are mixed: a part's top topic differs from the page's.`,
    head: ['page topic', 'split pages', 'mixed pages', 'mixed %', 'parts', 'mixed parts', 'topics of the mixed parts'],
    rows: p.by_topic.map((t) => [
      name(t.topic),
      fmtInt(t.split_docs),
      fmtInt(t.mixed_docs),
      fmtPct(t.mixed_share),
      fmtInt(t.parts),
      fmtInt(t.mixed_parts),
      t.other_topics
        .slice(0, 3)
        .map(([k, n]) => `${name(k)} ${fmtInt(n)}`)
        .join(', '),
    ]),
  };
}
