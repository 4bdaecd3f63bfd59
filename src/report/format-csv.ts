import { HIST_BINS, type Report, type SummaryRow } from './report-types.js';

function quote(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : v;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const COLUMNS = [
  'docs',
  'docs_share',
  'chars',
  'chars_share',
  'tokens',
  'tokens_share',
  'soft_docs',
  'soft_docs_share',
  'soft_chars',
  'soft_chars_share',
  'soft_tokens',
  'soft_tokens_share',
  'mean_confidence',
  'uncertain_share',
  'uncertain_tokens_share',
] as const;

/**
 * One row per level of aggregation in long format (spreadsheet-friendly): `level` says which keys
 * are set; `*` stands for "all" in the others. The last two columns name what counted `tokens`
 * (`tokenizer_version` is empty when the report did not record it).
 */
export function formatCsv(report: Report): string {
  const s = report.summary;
  const head = ['level', 'group', 'topic', 'lang', ...COLUMNS, ...Array.from({ length: HIST_BINS }, (_, i) => `conf_bin_${i}`), 'tokenizer', 'tokenizer_version'];
  const lines = [head.join(',')];
  const tokenizer = [report.settings.tokenizer, report.settings.tokenizer_version];
  const emit = (level: string, r: SummaryRow): void => {
    const keys = [level, r.group === undefined ? '*' : r.group, r.topic === undefined ? '*' : r.topic, r.lang === undefined ? '*' : r.lang];
    lines.push([...keys, ...COLUMNS.map((c) => r[c]), ...r.hist, ...tokenizer].map(quote).join(','));
  };
  for (const r of s.by_topic_lang) emit('topic_lang', r);
  for (const r of s.by_topic) emit('topic', r);
  for (const r of s.by_lang) emit('lang', r);
  for (const r of s.by_group_topic_lang) emit('group_topic_lang', r);
  return `${lines.join('\n')}\n`;
}
