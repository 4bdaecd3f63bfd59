import type { Report } from './report-types.js';

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
