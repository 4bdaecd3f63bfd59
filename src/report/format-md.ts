import {
  countsLine,
  fmtInt,
  fmtNum,
  fmtPct,
  hiddenTermCells,
  langsOf,
  minTermDocsOf,
  modelLine,
  partsLines,
  sparkline,
  termCellKey,
  tokenizerDetails,
  topicDisplay,
  type Comparison,
  type FormatOptions,
} from './format-common.js';
import { TERM_SCRIPTS, type Report, type SummaryRow, type TermScript } from './report-types.js';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(head: string[], rows: string[][]): string {
  const align = head.map((_, i) => (i === 0 ? '---' : '---:'));
  return [head, align, ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n');
}

function measureCols(r: SummaryRow): string[] {
  return [
    fmtInt(r.docs),
    fmtPct(r.docs_share),
    fmtInt(r.tokens),
    fmtPct(r.tokens_share),
    fmtPct(r.chars_share),
    fmtPct(r.soft_docs_share),
    fmtPct(r.soft_tokens_share),
    fmtNum(r.mean_confidence),
    fmtPct(r.uncertain_share),
    sparkline(r.hist),
  ];
}

const MEASURE_HEAD = ['docs', 'docs %', 'tokens', 'tokens %', 'chars %', 'soft docs %', 'soft tokens %', 'mean conf.', 'uncertain', 'confidence 0→1'];

/** Markdown summary for pasting into docs. */
export function formatMarkdown(report: Report, comparison: Comparison | null = null, options: FormatOptions = {}): string {
  const s = report.summary;
  const out: string[] = [];
  const display = topicDisplay(report);
  // The model's display name with the id (what target.yaml uses) after it, or just the id.
  const name = (id: string): string => {
    const d = display(id);
    return d.named ? `${d.name} (${d.id})` : d.id;
  };
  const minTermDocs = minTermDocsOf(options);
  const { hidden, note: hiddenNote } = hiddenTermCells(report, minTermDocs);
  out.push('# Topic report', '');
  out.push(`- Model: ${modelLine(report)}`);
  out.push(`- Tokenizer: \`${report.settings.tokenizer}\` (${tokenizerDetails(report)})`);
  out.push(`- Inputs: ${report.inputs.length} file(s); ${countsLine(report)}`);
  out.push(`- Totals: ${fmtInt(s.totals.docs)} docs, ${fmtInt(s.totals.chars)} chars, ${fmtInt(s.totals.tokens)} tokens`);
  out.push(`- Uncertain: top probability below ${report.settings.uncertain_below} or no topic`);
  for (const n of [...s.notes, ...(hiddenNote === null ? [] : [hiddenNote])]) out.push(`- Note: ${n}`);
  out.push('');

  out.push(
    '## By language',
    '',
    table(
      ['lang', ...MEASURE_HEAD],
      s.by_lang.map((r) => [r.lang!, ...measureCols(r)]),
    ),
    '',
  );
  out.push(
    '## By topic',
    '',
    table(
      ['topic', ...MEASURE_HEAD],
      s.by_topic.map((r) => [name(r.topic!), ...measureCols(r)]),
    ),
    '',
  );
  if (s.parts) {
    const p = partsLines(s.parts, name);
    out.push('## Long pages split into parts', '', p.sentence, '', table(p.head, p.rows), '');
  }

  if (s.multi_label) {
    const m = s.multi_label;
    out.push('## By tag (multi-label)', '');
    out.push(`${fmtInt(m.docs)} documents carry tags. Hard counts: ${m.rules.hard}; tag counts: ${m.rules.tags}; soft counts: ${m.rules.soft}.`, '');
    out.push(
      table(
        ['tag', 'docs', 'docs %', 'tokens', 'tokens %'],
        m.by_tag.map((r) => [name(r.topic), fmtInt(r.docs), fmtPct(r.docs_share), fmtInt(r.tokens), fmtPct(r.tokens_share)]),
      ),
      '',
    );
  }

  const langs = langsOf(report);
  const share = new Map(s.by_topic_lang.map((r) => [`${r.topic}\u0000${r.lang}`, r.tokens_share]));
  if (s.corrected) {
    const c = s.corrected;
    out.push('## Corrected topic shares (documents)', '');
    out.push(`Raw = share of documents tagged with the topic; corrected = ${c.method}, with a 95% bootstrap interval (${c.replicates} replicates). Calibration: ${c.source}.`, '');
    for (const l of c.by_lang) {
      out.push(`### ${l.lang} (${fmtInt(l.docs)} docs)`, '');
      out.push(
        table(
          ['topic', 'raw %', 'corrected %', '95% interval'],
          l.rows.map((r) => [name(r.topic), fmtPct(r.raw_share), fmtPct(r.share), `${fmtPct(r.lo)} – ${fmtPct(r.hi)}`]),
        ),
        '',
      );
    }
  }
  out.push('## Topic x language (share of all tokens)', '');
  out.push(
    table(
      ['topic', ...langs, 'all'],
      [
        ...s.by_topic.map((t) => [name(t.topic!), ...langs.map((l) => fmtPct(share.get(`${t.topic}\u0000${l}`) ?? 0)), fmtPct(t.tokens_share)]),
        ['all', ...s.by_lang.map((l) => fmtPct(l.tokens_share)), fmtPct(1)],
      ],
    ),
    '',
  );

  if (s.by_group_topic_lang.length > 0) {
    out.push(`## By ${report.settings.group_by} x topic x language`, '');
    out.push(
      table(
        [report.settings.group_by!, 'topic', 'lang', ...MEASURE_HEAD],
        s.by_group_topic_lang.map((r) => [r.group ?? '', name(r.topic!), r.lang!, ...measureCols(r)]),
      ),
      '',
    );
  }

  if (comparison !== null) {
    out.push(`## Current vs target (${comparison.unit}, method ${comparison.method})`, '');
    out.push(
      table(
        ['topic', 'current', 'target', 'achieved'],
        comparison.topics.map((r) => [name(r.key), fmtPct(r.current), fmtPct(r.target), fmtPct(r.achieved)]),
      ),
      '',
    );
    out.push(
      table(
        ['lang', 'current', 'target', 'achieved'],
        comparison.langs.map((r) => [r.key, fmtPct(r.current), fmtPct(r.target), fmtPct(r.achieved)]),
      ),
      '',
    );
    if (comparison.shortfalls.length > 0) {
      out.push('**Shortfalls**', '', ...comparison.shortfalls.map((m) => `- ${m}`), '');
    }
  }

  if (s.top_terms.length > 0) {
    out.push('## Top terms', '');
    const byTopic = new Map<string, Record<TermScript, string>>();
    for (const t of s.top_terms) {
      const e = byTopic.get(t.topic) ?? { zh: '', en: '' };
      e[t.script] = hidden.has(termCellKey(t.topic, t.script)) ? `(hidden: ${fmtInt(t.docs)} docs, fewer than ${minTermDocs})` : t.terms.map((x) => x.term).join(', ');
      byTopic.set(t.topic, e);
    }
    out.push(
      table(
        ['topic', ...TERM_SCRIPTS],
        [...byTopic].map(([topic, e]) => [name(topic), ...TERM_SCRIPTS.map((script) => e[script])]),
      ),
      '',
    );
  }
  return out.join('\n');
}
