import { formatAmount, formatPercent } from './amount.js';
import type { WeightsFile } from './weights-types.js';

/** Human summary of a rebalance for stderr: totals, per-topic and per-language shares, shortfalls. */
export function formatWeightsSummary(w: WeightsFile): string {
  const lines: string[] = [];
  lines.push(
    `method ${w.method}, unit ${w.unit}: budget ${formatAmount(w.budget)} (${w.budget_source}), corpus ${formatAmount(w.totals.available)}, ` +
      `mixture ${formatAmount(w.totals.achieved)}; max_repeat ${w.max_repeat}, floor ${w.floor}`,
  );
  const table = (title: string, rows: WeightsFile['by_topic']): void => {
    const width = Math.max(title.length, ...rows.map((r) => r.key.length));
    lines.push(`${title.padEnd(width)}  current   target  achieved`);
    for (const r of rows) {
      lines.push(`${r.key.padEnd(width)}  ${formatPercent(r.available_share).padStart(7)}  ${formatPercent(r.target_share).padStart(7)}  ${formatPercent(r.achieved_share).padStart(8)}`);
    }
  };
  table('topic', w.by_topic);
  table('lang', w.by_lang);
  const capped = w.cells.filter((c) => c.bound === 'max_repeat');
  if (capped.length > 0) lines.push(`${capped.length} cell(s) at max_repeat: ${capped.map((c) => `${c.lang}/${c.topic}`).join(', ')}`);
  for (const n of w.notes) lines.push(`note: ${n}`);
  if (w.shortfalls.length === 0) lines.push('no shortfalls: every target is met');
  for (const s of w.shortfalls) lines.push(`SHORTFALL ${s.message}`);
  return `${lines.join('\n')}\n`;
}
