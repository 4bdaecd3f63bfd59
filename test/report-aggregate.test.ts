import { describe, expect, it } from 'vitest';
import { buildReport } from '../src/report/build-report.js';
import { readModelIdentity } from '../src/report/model-info.js';
import type { Report, SummaryRow } from '../src/report/report-types.js';
import { loadTokenCounter } from '../src/report/token-counter.js';
import type { ErrorRecord } from '../src/types.js';

const FIX = 'test/fixtures/tagged';

async function report(files: string[], extra: { groupBy?: string; model?: boolean; errors?: ErrorRecord[] } = {}): Promise<Report> {
  const { report } = await buildReport(files, {
    textField: 'text',
    groupBy: extra.groupBy ?? null,
    tokenizer: await loadTokenCounter('chars'),
    model: extra.model ? await readModelIdentity(`${FIX}/model`) : null,
    uncertainBelow: 0.5,
    termCapacity: 50,
    topTerms: 5,
    onError: (e) => {
      extra.errors?.push(e);
    },
  });
  return report;
}

function row(rows: SummaryRow[], topic?: string, lang?: string): SummaryRow {
  const r = rows.find((x) => (topic === undefined || x.topic === topic) && (lang === undefined || x.lang === lang));
  if (r === undefined) throw new Error(`no row ${topic}/${lang}`);
  return r;
}

describe('report aggregation (hand-computed on mini.jsonl)', () => {
  it('counts hard documents and characters per topic and language', async () => {
    const r = await report([`${FIX}/mini.jsonl`]);
    const s = r.summary;
    expect(s.totals).toEqual({ docs: 5, chars: 32, tokens: 32 });
    // d4 has topic null: it is counted under its argmax (law) and as below the threshold.
    expect(row(s.by_topic, 'science')).toMatchObject({ docs: 2, chars: 8, chars_share: 0.25 });
    expect(row(s.by_topic, 'law')).toMatchObject({ docs: 2, chars: 10, chars_share: 0.3125 });
    expect(row(s.by_topic, 'sports')).toMatchObject({ docs: 1, chars: 14, chars_share: 0.4375 });
    expect(row(s.by_lang, undefined, 'zh')).toMatchObject({ docs: 2, chars: 6, docs_share: 0.4 });
    expect(row(s.by_topic_lang, 'law', 'zh')).toMatchObject({ docs: 1, chars: 2 });
    expect(r.state.cells.find((c) => c.topic === 'law' && c.lang === 'zh')!.below_threshold_docs).toBe(1);
  });

  it('sums probabilities for soft counts', async () => {
    const s = (await report([`${FIX}/mini.jsonl`])).summary;
    expect(row(s.by_topic, 'science').soft_docs).toBeCloseTo(1.85, 9);
    expect(row(s.by_topic, 'law').soft_docs).toBeCloseTo(1.95, 9);
    expect(row(s.by_topic, 'sports').soft_docs).toBeCloseTo(1.2, 9);
    expect(row(s.by_topic, 'science').soft_chars).toBeCloseTo(8.0, 9);
    expect(row(s.by_topic, 'law').soft_chars).toBeCloseTo(12.6, 9);
    expect(row(s.by_topic, 'law').soft_chars_share).toBeCloseTo(12.6 / 32, 9);
    expect(s.unattributed_soft_share).toBe(0);
    expect(s.notes.join(' ')).not.toMatch(/truncated/);
  });

  it('computes mean confidence, the histogram and the uncertain share', async () => {
    const s = (await report([`${FIX}/mini.jsonl`])).summary;
    expect(row(s.by_topic, 'science').mean_confidence).toBeCloseTo(0.7, 12);
    expect(row(s.by_topic, 'law').mean_confidence).toBeCloseTo(0.65, 12);
    expect(row(s.by_topic, 'law').uncertain_share).toBe(0.5);
    expect(row(s.by_topic, 'science').uncertain_share).toBe(0);
    const all = s.by_lang.reduce((h, r) => h.map((v, i) => v + r.hist[i]!), new Array<number>(10).fill(0));
    expect(all).toEqual([0, 0, 0, 0, 1, 0, 1, 1, 1, 1]);
  });

  it('keeps the mass outside the top-k unattributed and says the distribution was truncated', async () => {
    const r = await report([`${FIX}/topk.jsonl`]);
    expect(r.counts.top_k_docs).toBe(2);
    expect(r.summary.unattributed_soft_share).toBeCloseTo(0.15, 9);
    expect(r.summary.notes.join(' ')).toMatch(/2 of 2 documents had only the top-k/);
    const shares = r.summary.by_topic.reduce((a, x) => a + x.soft_docs_share, 0);
    expect(shares + r.summary.unattributed_soft_share).toBeCloseTo(1, 9);
  });

  it('counts bad lines as errors, with records, and never loses a line', async () => {
    const errors: ErrorRecord[] = [];
    const r = await report([`${FIX}/bad.jsonl`], { errors });
    expect(r.counts).toMatchObject({ read: 6, counted: 1, errors: 5 });
    expect(r.counts.errors_by_code).toEqual({ invalid_field: 1, invalid_json: 2, missing_field: 2 });
    expect(errors.map((e) => [e.line, e.error, e.field ?? null])).toEqual([
      [1, 'invalid_json', null],
      [2, 'missing_field', 'topic'],
      [3, 'missing_field', 'lang'],
      [4, 'invalid_field', 'topic_score'],
      [5, 'invalid_json', null],
    ]);
    expect(errors[1]!.message).toContain('bad.jsonl:2');
  });

  it('infers labels from the data, or takes them from --model and rejects others', async () => {
    const inferred = await report([`${FIX}/topk.jsonl`]);
    expect(inferred.model).toMatchObject({ labels: ['law', 'science', 'sports'], labels_source: 'data', id: null });
    const errors: ErrorRecord[] = [];
    const withModel = await report([`${FIX}/mini.jsonl`, `${FIX}/unknown-label.jsonl`], { model: true, errors });
    expect(withModel.model).toMatchObject({ name: 'mini-topics', id: 'mini-topics@abc123def456', labels_source: 'model' });
    expect(withModel.counts.counted).toBe(5);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ error: 'unknown_label', field: 'topic' });
  });

  it('splits by a group field', async () => {
    const r = await report([`${FIX}/mini.jsonl`, `${FIX}/topk.jsonl`], { groupBy: 'source' });
    const groups = new Set(r.summary.by_group_topic_lang.map((x) => x.group));
    expect(groups).toEqual(new Set(['web', 'book', '(missing)']));
    const web = r.summary.by_group_topic_lang.filter((x) => x.group === 'web').reduce((a, x) => a + x.docs, 0);
    expect(web).toBe(3);
  });

  it('finds topic terms in English and Chinese', async () => {
    const r = await report([`${FIX}/mini.jsonl`]);
    const law = r.summary.top_terms.find((t) => t.topic === 'law' && t.script === 'zh')!;
    expect(law.terms.map((t) => t.term)).toEqual(['法律']);
    const sports = r.summary.top_terms.find((t) => t.topic === 'sports' && t.script === 'en')!;
    expect(sports.terms.map((t) => t.term).sort()).toEqual(['football', 'match']);
    expect(sports.approximate).toBe(false);
  });
});
