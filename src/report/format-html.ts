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
  termCellKey,
  topicDisplay,
  type Comparison,
  type FormatOptions,
  type TopicDisplay,
} from './format-common.js';
import { TERM_SCRIPTS, type PartsSummary, type Report, type SummaryRow } from './report-types.js';
import { colorScale, esc, groupedBars, LANG_PALETTE, legend, MEASURE_COLORS, miniHistogram, stackedBars, TOPIC_PALETTE } from './svg-charts.js';

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC",sans-serif;margin:0;background:#fafafa;color:#1d1d1f}
main{max-width:960px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 8px}
.meta{font-size:13px;color:#444;line-height:1.6}.meta code{background:#eee;padding:0 4px;border-radius:3px}
.card{background:#fff;border:1px solid #e3e3e3;border-radius:8px;padding:12px 16px;margin:12px 0;overflow-x:auto}
.note{font-size:12px;color:#6b5a00;background:#fff8db;border:1px solid #f0e2a0;border-radius:6px;padding:6px 10px;margin:6px 0}
.short{font-size:13px;color:#7a1a12;background:#fdecea;border:1px solid #f5c2bd;border-radius:6px;padding:8px 12px;margin:8px 0}
.short li{margin:3px 0}
.legend{display:flex;flex-wrap:wrap;gap:6px 14px;font-size:12px;margin:4px 0 8px}
.legend i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}
table{border-collapse:collapse;font-size:12px;width:100%}
th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th{background:#f5f5f5;font-weight:600}th:first-child,td:first-child{text-align:left}
td:first-child{white-space:normal;min-width:190px}
th.terms,td.terms{text-align:left;white-space:normal;font-size:12px;color:#333}
td.hidden{color:#999;font-style:italic}
.id{display:block;font-size:11px;color:#777;font-family:ui-monospace,monospace}
.sub{font-size:12px;color:#666;margin:0 0 6px}
`;

/** A topic's table cell content: its display name, with the id under it when the model named it. */
function topicCell(d: TopicDisplay, suffix = ''): string {
  return d.named ? `${esc(d.name)}${esc(suffix)}<span class="id">${esc(d.id)}</span>` : esc(`${d.id}${suffix}`);
}

/** Chart row label for a topic: English name over the Chinese name, the id in the tooltip. */
function topicRow(d: TopicDisplay): { label: string; sublabel?: string; title: string } {
  return { label: d.line1, ...(d.line2 !== undefined && { sublabel: d.line2 }), title: d.named ? `${d.name} (${d.id})` : d.id };
}

/** `first` gives the first cell's HTML (escaped by the caller). */
function measureTable(rows: SummaryRow[], first: (r: SummaryRow) => string, firstHead: string): string {
  const head = [firstHead, 'docs', 'docs %', 'chars %', 'tokens', 'tokens %', 'soft tokens %', 'mean conf.', 'uncertain', 'confidence 0→1'];
  const body = rows
    .map(
      (r) =>
        `<tr><td>${first(r)}</td><td>${fmtInt(r.docs)}</td><td>${fmtPct(r.docs_share)}</td><td>${fmtPct(r.chars_share)}</td>` +
        `<td>${fmtInt(r.tokens)}</td><td>${fmtPct(r.tokens_share)}</td><td>${fmtPct(r.soft_tokens_share)}</td>` +
        `<td>${fmtNum(r.mean_confidence)}</td><td>${fmtPct(r.uncertain_share)}</td><td>${miniHistogram(r.hist)}</td></tr>`,
    )
    .join('');
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>`;
}

function comparisonSection(c: Comparison, name: (id: string) => TopicDisplay): string {
  const series = [
    { name: 'current', color: MEASURE_COLORS.current },
    { name: 'target', color: MEASURE_COLORS.target },
    { name: 'achieved', color: MEASURE_COLORS.achieved },
  ];
  const short = new Set(c.shortfalls.length > 0 ? c.topics.filter((t) => t.achieved < t.target - 1e-9).map((t) => t.key) : []);
  const swatches = `<div class="legend">${series.map((s) => `<span title="${s.name}"><i style="background:${s.color}"></i>${s.name}</span>`).join('')}</div>`;
  const topics = groupedBars(
    c.topics.map((t) => ({ ...topicRow(name(t.key)), values: [t.current, t.target, t.achieved] })),
    series,
    { format: (v) => fmtPct(v), marks: c.topics.map((t) => short.has(t.key)) },
  );
  const langs = groupedBars(
    c.langs.map((t) => ({ label: t.key, values: [t.current, t.target, t.achieved] })),
    series,
    { format: (v) => fmtPct(v) },
  );
  const shortfalls =
    c.shortfalls.length > 0
      ? `<div class="short"><strong>Shortfalls</strong> — targets that cannot be met without repeating documents more than allowed:<ul>${c.shortfalls.map((m) => `<li>${esc(m)}</li>`).join('')}</ul></div>`
      : '';
  return (
    `<h2>Current vs target (share of ${esc(c.unit)}, method ${esc(c.method)})</h2>` +
    `<div class="card">${shortfalls}${swatches}<p class="sub">By topic</p>${topics}<p class="sub">By language</p>${langs}</div>`
  );
}

/** One self-contained HTML page: inline CSS and SVG, no scripts, no external assets. */
export function formatHtml(report: Report, comparison: Comparison | null = null, options: FormatOptions = {}): string {
  const s = report.summary;
  const topics = s.by_topic.map((r) => r.topic!);
  const langs = langsOf(report);
  const name = topicDisplay(report);
  // By the model's label list, so a topic has the same colour in every report of the model.
  const topicColor = colorScale([...new Set([...report.model.labels, ...topics])], TOPIC_PALETTE, 45);
  const langColor = colorScale(langs, LANG_PALETTE, 70);
  const topicName = (id: string): string => name(id).name;
  const cellTokens = new Map(s.by_topic_lang.map((r) => [`${r.topic}\u0000${r.lang}`, r.tokens]));

  // Topic mix inside each language (each bar 100%), with "all" on top.
  const withinLang = stackedBars(
    [
      { label: 'all', segments: s.by_topic.map((t) => ({ key: t.topic!, value: t.tokens })) },
      ...langs.map((l) => ({
        label: `${l} (${fmtPct(s.by_lang.find((r) => r.lang === l)?.tokens_share ?? 0)})`,
        segments: topics.map((t) => ({ key: t, value: cellTokens.get(`${t}\u0000${l}`) ?? 0 })),
      })),
    ],
    topicColor,
    { normalise: true, keyName: topicName },
  );
  // Each topic's share of all tokens, split by language.
  const topicByLang = stackedBars(
    s.by_topic.map((t) => ({ ...topicRow(name(t.topic!)), segments: langs.map((l) => ({ key: l, value: cellTokens.get(`${t.topic}\u0000${l}`) ?? 0 })) })),
    langColor,
    {
      normalise: false,
      scaleMax: Math.max(...s.by_topic.map((t) => t.tokens), 0),
      valueLabel: (v) => fmtPct(s.totals.tokens > 0 ? v / s.totals.tokens : 0),
      totalLabel: (v) => fmtPct(s.totals.tokens > 0 ? v / s.totals.tokens : 0),
    },
  );

  const minTermDocs = minTermDocsOf(options);
  const { hidden, note: hiddenNote } = hiddenTermCells(report, minTermDocs);
  const terms = new Map<string, Record<(typeof TERM_SCRIPTS)[number], string>>();
  for (const t of s.top_terms) {
    const e = terms.get(t.topic) ?? { zh: '', en: '' };
    e[t.script] = hidden.has(termCellKey(t.topic, t.script))
      ? `<td class="terms hidden">hidden: ${fmtInt(t.docs)} document${t.docs === 1 ? '' : 's'}, fewer than ${minTermDocs}</td>`
      : `<td class="terms">${esc(t.terms.map((x) => x.term).join(', '))}</td>`;
    terms.set(t.topic, e);
  }
  const termsTable =
    terms.size === 0
      ? ''
      : `<h2>Top terms per topic</h2><div class="card"><p class="sub">Terms that documents of the topic contain more often than documents of other topics (Chinese: character bigrams). ` +
        `Cells with fewer than ${minTermDocs} documents are hidden (--min-term-docs): their lists are led by terms one or two documents happen to contain.</p>` +
        `<table><thead><tr><th>topic</th>${TERM_SCRIPTS.map((x) => `<th class="terms">${x}</th>`).join('')}</tr></thead><tbody>${[...terms]
          .map(([topic, e]) => `<tr><td>${topicCell(name(topic))}</td>${TERM_SCRIPTS.map((x) => e[x] || '<td class="terms"></td>').join('')}</tr>`)
          .join('')}</tbody></table></div>`;

  const pivot = `<table><thead><tr><th>topic</th>${langs.map((l) => `<th>${esc(l)}</th>`).join('')}<th>all</th></tr></thead><tbody>${s.by_topic
    .map(
      (t) =>
        `<tr><td>${topicCell(name(t.topic!))}</td>${langs.map((l) => `<td>${fmtPct(s.totals.tokens > 0 ? (cellTokens.get(`${t.topic}\u0000${l}`) ?? 0) / s.totals.tokens : 0)}</td>`).join('')}<td>${fmtPct(t.tokens_share)}</td></tr>`,
    )
    .join('')}<tr><th>all</th>${s.by_lang.map((l) => `<th>${fmtPct(l.tokens_share)}</th>`).join('')}<th>100.0%</th></tr></tbody></table>`;

  const corrected = s.corrected
    ? `<h2>Corrected topic shares (documents)</h2><div class="card"><p class="sub">Raw = share of documents tagged with the topic; corrected = ${esc(s.corrected.method)}, 95% bootstrap interval (${s.corrected.replicates} replicates). Calibration: ${esc(s.corrected.source)}.</p>${s.corrected.by_lang
        .map(
          (l) =>
            `<h3>${esc(l.lang)} (${fmtInt(l.docs)} documents)</h3><table><thead><tr><th>topic</th><th>raw</th><th>corrected</th><th>95% interval</th></tr></thead><tbody>${l.rows
              .map((r) => `<tr><td>${topicCell(name(r.topic))}</td><td>${fmtPct(r.raw_share)}</td><td>${fmtPct(r.share)}</td><td>${fmtPct(r.lo)} – ${fmtPct(r.hi)}</td></tr>`)
              .join('')}</tbody></table>`,
        )
        .join('')}</div>`
    : '';

  const grouped =
    s.by_group_topic_lang.length > 0
      ? `<h2>By ${esc(report.settings.group_by!)}</h2><div class="card">${measureTable(s.by_group_topic_lang, (r) => `${esc(`${r.group ?? ''} · `)}${topicCell(name(r.topic!), ` · ${r.lang}`)}`, `${report.settings.group_by} · topic · lang`)}</div>`
      : '';

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>topicmix report</title><style>${STYLE}</style></head><body><main>
<h1>Topic report</h1>
<div class="meta">
Model: ${esc(modelLine(report))}<br>
Tokenizer: <code>${esc(report.settings.tokenizer)}</code> — ${esc(report.settings.tokenizer_description)}; version ${esc(report.settings.tokenizer_version ?? 'unknown (not recorded)')}<br>
Inputs: ${report.inputs.length} file(s); ${esc(countsLine(report))}<br>
Totals: ${fmtInt(s.totals.docs)} documents, ${fmtInt(s.totals.chars)} characters, ${fmtInt(s.totals.tokens)} tokens.
Uncertain = top probability below ${report.settings.uncertain_below} or no topic.
</div>
${[...s.notes, ...(hiddenNote === null ? [] : [hiddenNote])].map((n) => `<div class="note">${esc(n)}</div>`).join('\n')}
${comparison === null ? '' : comparisonSection(comparison, name)}
<h2>Topic mix within each language (share of tokens)</h2>
<div class="card">${legend(topics, topicColor, topicName)}${withinLang}</div>
<h2>Topic x language (share of all tokens)</h2>
<div class="card">${legend(langs, langColor)}${topicByLang}<div style="height:10px"></div>${pivot}</div>
${corrected}
<h2>By language</h2><div class="card">${measureTable(s.by_lang, (r) => esc(r.lang!), 'lang')}</div>
<h2>By topic</h2><div class="card">${measureTable(s.by_topic, (r) => topicCell(name(r.topic!)), 'topic')}</div>
${partsSection(s.parts, (id) => {
  const d = name(id);
  return d.named ? `${d.name} (${d.id})` : d.id;
})}
<h2>Topic x language</h2><div class="card">${measureTable(s.by_topic_lang, (r) => topicCell(name(r.topic!), ` · ${r.lang}`), 'topic · lang')}</div>
${grouped}
${termsTable}
</main></body></html>
`;
}

/** Long pages split into parts (classify --parts), when there are any. */
function partsSection(parts: PartsSummary | undefined, name: (id: string) => string): string {
  if (!parts) return '';
  const p = partsLines(parts, name);
  return (
    `<h2>Long pages split into parts</h2><div class="card"><p class="sub">${esc(p.sentence)}</p><table><thead><tr>${p.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${p.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`
  );
}
