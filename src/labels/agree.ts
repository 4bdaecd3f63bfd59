import type { LabelledExample } from '../types.js';

/** Agreement between two annotations of the same documents (see agreeLabels). */
export interface AgreementReport {
  /** Documents labelled in both files (joined by id). */
  n: number;
  /** Ids found in only one of the two files. */
  only_a: number;
  only_b: number;
  /** Share of documents with the same top label. */
  agreement: number;
  /** Cohen's kappa on the top label. */
  kappa: number;
  /** Share where A's label is B's label or label2, or B's label is A's label or label2. */
  agreement_any: number;
  /** Per label: documents each annotator gave it, both gave it, and specific agreement 2·both / (a + b). */
  per_label: { label: string; a: number; b: number; both: number; specific_agreement: number }[];
  /** Disagreements, most frequent first: [label from A, label from B, count]. */
  confusions: { a: string; b: string; count: number }[];
  /** The disagreeing documents: id, A's label, B's label. */
  disagreements: { id: string; a: string; b: string }[];
}

function keyOf(ex: LabelledExample): string {
  return ex.id ?? `text:${ex.text}`;
}

/**
 * Compare two annotations of one sample: documents are matched by `id` (or, without ids, by text). Only
 * the first label of each row counts as its top label; `label2` counts for `agreement_any`.
 */
export function agreeLabels(a: readonly LabelledExample[], b: readonly LabelledExample[]): AgreementReport {
  const byKey = new Map<string, LabelledExample>();
  for (const ex of b) byKey.set(keyOf(ex), ex);
  const pairs: { id: string; a: LabelledExample; b: LabelledExample }[] = [];
  const seenA = new Set<string>();
  for (const ex of a) {
    const k = keyOf(ex);
    seenA.add(k);
    const other = byKey.get(k);
    if (other) pairs.push({ id: ex.id ?? `${ex.source.file}:${ex.source.line}`, a: ex, b: other });
  }
  const onlyB = [...byKey.keys()].filter((k) => !seenA.has(k)).length;
  const n = pairs.length;
  const countA = new Map<string, number>();
  const countB = new Map<string, number>();
  const both = new Map<string, number>();
  const conf = new Map<string, number>();
  const disagreements: AgreementReport['disagreements'] = [];
  let same = 0;
  let any = 0;
  for (const p of pairs) {
    const la = p.a.labels[0]!;
    const lb = p.b.labels[0]!;
    countA.set(la, (countA.get(la) ?? 0) + 1);
    countB.set(lb, (countB.get(lb) ?? 0) + 1);
    if (la === lb) {
      same++;
      both.set(la, (both.get(la) ?? 0) + 1);
    } else {
      const k = `${la}\u0000${lb}`;
      conf.set(k, (conf.get(k) ?? 0) + 1);
      disagreements.push({ id: p.id, a: la, b: lb });
    }
    if (la === lb || la === p.b.annotation?.label2 || lb === p.a.annotation?.label2) any++;
  }
  const po = n ? same / n : 0;
  let pe = 0;
  for (const [l, ca] of countA) pe += (ca / n) * ((countB.get(l) ?? 0) / n);
  const kappa = n === 0 ? 0 : pe === 1 ? 1 : (po - pe) / (1 - pe);
  const labels = [...new Set([...countA.keys(), ...countB.keys()])].sort();
  return {
    n,
    only_a: a.length - n,
    only_b: onlyB,
    agreement: po,
    kappa,
    agreement_any: n ? any / n : 0,
    per_label: labels.map((label) => {
      const ca = countA.get(label) ?? 0;
      const cb = countB.get(label) ?? 0;
      const bo = both.get(label) ?? 0;
      return { label, a: ca, b: cb, both: bo, specific_agreement: ca + cb ? (2 * bo) / (ca + cb) : 0 };
    }),
    confusions: [...conf.entries()]
      .map(([k, count]) => {
        const [x, y] = k.split('\u0000') as [string, string];
        return { a: x, b: y, count };
      })
      .sort((x, y) => y.count - x.count || (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : x.b > y.b ? 1 : 0)),
    disagreements,
  };
}

export function formatAgreement(r: AgreementReport, names: { a: string; b: string }): string {
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const out: string[] = [];
  out.push(`${r.n} documents labelled in both (${r.only_a} only in ${names.a}, ${r.only_b} only in ${names.b})`);
  out.push(`agreement ${pct(r.agreement)}, Cohen's kappa ${r.kappa.toFixed(3)}, agreement counting label2 ${pct(r.agreement_any)}`, '');
  const w = Math.max(5, ...r.per_label.map((p) => p.label.length));
  out.push(`${'label'.padEnd(w)}  ${'A'.padStart(5)}  ${'B'.padStart(5)}  ${'both'.padStart(5)}  specific agreement`);
  for (const p of r.per_label) out.push(`${p.label.padEnd(w)}  ${String(p.a).padStart(5)}  ${String(p.b).padStart(5)}  ${String(p.both).padStart(5)}  ${pct(p.specific_agreement)}`);
  if (r.confusions.length) {
    out.push('', `disagreements (${names.a} -> ${names.b}):`);
    for (const c of r.confusions.slice(0, 20)) out.push(`  ${c.a} -> ${c.b}: ${c.count}`);
    if (r.confusions.length > 20) out.push(`  ... and ${r.confusions.length - 20} more pairs (see --json)`);
  }
  return out.join('\n') + '\n';
}
