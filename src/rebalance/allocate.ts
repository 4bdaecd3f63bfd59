import { formatAmount, formatPercent } from './amount.js';
import { cellKey, type CorpusCell } from './corpus-cells.js';
import { clampedValues, solveClamped, type ClampedTerm } from './solve-clamped.js';
import type { TargetGroup } from './target-groups.js';
import type { CellWeight, Shortfall, TargetOutcome, Unit } from './weights-types.js';

export class AllocationError extends Error {
  override name = 'AllocationError';
}

export interface AllocationInput {
  cells: CorpusCell[];
  groups: TargetGroup[];
  unit: Unit;
  budget: number;
  maxRepeat: number;
  floor: number;
  onShortfall: 'redistribute' | 'shrink' | 'proportional';
}

export interface Allocation {
  cells: CellWeight[];
  targets: TargetOutcome[];
  shortfalls: Shortfall[];
  notes: string[];
  achieved: number;
}

const REL_EPS = 1e-9;

function describeGroup(g: TargetGroup): string {
  if (g.kind === 'topic') return `topic "${g.key}"`;
  if (g.kind === 'lang') return `language "${g.key}"`;
  const m = g.members[0];
  return m === undefined ? `"${g.key}"` : `topic "${m.topic}" in language "${m.lang}"`;
}

/**
 * Turn target shares into per-cell amounts x_c = w_c * n_c within [lo_c, hi_c] = [floor, max_repeat] * n_c.
 *
 * `redistribute` keeps the budget B, in two levels. Each parent P (the language of a two-level
 * target; otherwise every group is its own parent) gets X_P = clamp(mu * S_P * B, lo_P, hi_P) with
 * the one mu that makes the X_P sum to B (minus the floors of untargeted cells); then inside P,
 * x_c = clamp(lambda_P * q_c * B, lo_c, hi_c) with the one lambda_P that makes them sum to X_P. So
 * what a capped cell cannot take goes first to its siblings, then to the other parents, always in
 * proportion to their targets. `shrink` sets x_c = clamp(q_c * B, lo_c, hi_c) and lets the total fall short
 * (scaling the targets down only if floors would push the total over the budget).
 */
export function allocate(input: AllocationInput): Allocation {
  const { cells, groups, unit, budget: B, maxRepeat, floor } = input;
  const q = new Map<string, number>();
  const parentOf = new Map<string, string>();
  for (const g of groups) {
    for (const m of g.members) {
      q.set(m.key, (q.get(m.key) ?? 0) + g.share * m.within);
      if (!parentOf.has(m.key)) parentOf.set(m.key, g.parent ?? `\u0000${g.kind}\u0000${g.key}`);
    }
  }
  const dataCells = cells.filter((c) => c.amount > 0);
  const terms: ClampedTerm[] = dataCells.map((c) => {
    const qc = q.get(cellKey(c.topic, c.lang)) ?? 0;
    // A cell without a target share stays at its floor: its upper bound is the floor too.
    return { a: qc * B, b: 0, lo: floor * c.amount, hi: qc > 0 ? maxRepeat * c.amount : floor * c.amount };
  });
  const sumLo = terms.reduce((s, t) => s + t.lo, 0);
  const notes: string[] = [];
  if (sumLo > B * (1 + REL_EPS)) {
    throw new AllocationError(`floor ${floor} alone keeps ${formatAmount(sumLo)} ${unit}, more than the budget of ${formatAmount(B)} ${unit}; lower the floor or raise the budget`);
  }
  const x = new Array<number>(terms.length).fill(0);
  const scale = new Array<number>(terms.length).fill(1);
  let effectiveB = B;
  if (input.onShortfall === 'proportional') {
    // Every target share is kept: the mixture is the largest scale at which each targeted cell fits under
    // its cap (q_c x lambda x B <= max_repeat x n_c), and no larger than the budget once floors are counted.
    let lambda = 1;
    for (const t of terms) if (t.a > 0) lambda = Math.min(lambda, t.hi / t.a);
    if (clampedValues(terms, lambda).reduce((s2, v) => s2 + v, 0) > B) lambda = Math.min(lambda, solveClamped(terms, B));
    effectiveB = lambda * B;
    clampedValues(terms, lambda).forEach((v, i) => {
      x[i] = v;
      scale[i] = lambda;
    });
  } else if (input.onShortfall === 'shrink') {
    // Targets are not raised to make up a shortfall, but floors may push the sum over the budget:
    // then every target is scaled down alike (lambda < 1) so the mixture still fits the budget.
    const atTarget = clampedValues(terms, 1).reduce((s, v) => s + v, 0);
    const lambda = atTarget > B ? solveClamped(terms, B) : 1;
    clampedValues(terms, lambda).forEach((v, i) => {
      x[i] = v;
      scale[i] = lambda;
    });
  } else {
    const parents = new Map<string, number[]>();
    let fixed = 0;
    dataCells.forEach((c, i) => {
      const p = parentOf.get(cellKey(c.topic, c.lang));
      if (p === undefined || terms[i]!.a === 0) {
        x[i] = terms[i]!.lo;
        fixed += terms[i]!.lo;
        return;
      }
      const list = parents.get(p) ?? [];
      list.push(i);
      parents.set(p, list);
    });
    const parentList = [...parents.values()];
    const parentTerms: ClampedTerm[] = parentList.map((idx) => ({
      a: idx.reduce((s, i) => s + terms[i]!.a, 0),
      b: 0,
      lo: idx.reduce((s, i) => s + terms[i]!.lo, 0),
      hi: idx.reduce((s, i) => s + terms[i]!.hi, 0),
    }));
    // When the budget is out of reach the solver returns the last kink: every targeted cell at its cap.
    const mu = solveClamped(parentTerms, B - fixed);
    const parentAmounts = clampedValues(parentTerms, mu);
    parentList.forEach((idx, p) => {
      const inner = idx.map((i) => terms[i]!);
      const lambda = solveClamped(inner, parentAmounts[p]!);
      const values = clampedValues(inner, lambda);
      idx.forEach((i, k) => {
        x[i] = values[k]!;
        scale[i] = lambda;
      });
    });
  }
  const achieved = x.reduce((s, v) => s + v, 0);

  const xByKey = new Map<string, number>();
  const cellWeights: CellWeight[] = dataCells.map((c, i) => {
    const t = terms[i]!;
    const amount = x[i]!;
    const key = cellKey(c.topic, c.lang);
    xByKey.set(key, amount);
    const wanted = t.a * scale[i]!;
    let bound: CellWeight['bound'] = null;
    if (t.a > 0 && amount >= t.hi * (1 - REL_EPS) && wanted >= t.hi * (1 - REL_EPS)) bound = 'max_repeat';
    else if (t.lo > 0 && amount <= t.lo * (1 + REL_EPS) && wanted <= t.lo) bound = 'floor';
    return {
      topic: c.topic,
      lang: c.lang,
      docs: c.docs,
      available: c.amount,
      weight: amount / c.amount,
      target_share: q.get(key) ?? 0,
      target_amount: t.a,
      achieved_amount: amount,
      achieved_share: achieved > 0 ? amount / achieved : 0,
      bound,
    };
  });

  const amountOf = new Map(dataCells.map((c) => [cellKey(c.topic, c.lang), c.amount]));
  const targets: TargetOutcome[] = [];
  const shortfalls: Shortfall[] = [];
  for (const g of groups) {
    const available = g.members.reduce((s, m) => s + (amountOf.get(m.key) ?? 0), 0);
    const got = g.members.reduce((s, m) => s + (xByKey.get(m.key) ?? 0), 0);
    const targetAmount = g.share * B;
    const outcome: TargetOutcome = {
      key: g.key,
      kind: g.kind,
      target_share: g.share,
      target_amount: targetAmount,
      max_amount: available * maxRepeat,
      achieved_amount: got,
      achieved_share: achieved > 0 ? got / achieved : 0,
    };
    targets.push(outcome);
    if (g.share > 0 && outcome.max_amount < targetAmount * (1 - REL_EPS)) {
      const why =
        available === 0
          ? `there are no ${unit} of it in the corpus`
          : `only ${formatAmount(available)} ${unit} are available, at most ${formatAmount(outcome.max_amount)} with max_repeat ${maxRepeat}`;
      shortfalls.push({
        key: g.key,
        target_share: g.share,
        target_amount: targetAmount,
        available,
        max_amount: outcome.max_amount,
        achieved_amount: got,
        missing_amount: targetAmount - got,
        message:
          `${describeGroup(g)}: target ${formatPercent(g.share)} = ${formatAmount(targetAmount)} ${unit}, but ${why}; ` +
          `achieved ${formatAmount(got)} ${unit} (${formatPercent(outcome.achieved_share)} of the mixture), short by ${formatAmount(targetAmount - got)} ${unit}`,
      });
    }
  }
  if (input.onShortfall === 'redistribute' && achieved < B * (1 - REL_EPS)) {
    const sumHi = terms.reduce((s, t) => s + t.hi, 0);
    shortfalls.push({
      key: '(budget)',
      target_share: 1,
      target_amount: B,
      available: dataCells.reduce((s, c) => s + c.amount, 0),
      max_amount: sumHi,
      achieved_amount: achieved,
      missing_amount: B - achieved,
      message:
        `budget: ${formatAmount(B)} ${unit} asked, but the targeted cells hold at most ${formatAmount(sumHi)} ${unit} with max_repeat ${maxRepeat}; ` +
        `the mixture has ${formatAmount(achieved)} ${unit}`,
    });
  }
  if (input.onShortfall === 'shrink' && Math.abs(achieved - B) > B * 1e-6) {
    notes.push(`on_shortfall: shrink: the mixture has ${formatAmount(achieved)} ${unit}, not the budget of ${formatAmount(B)}`);
  }
  if (input.onShortfall === 'proportional' && effectiveB < B * (1 - 1e-6)) {
    notes.push(
      `on_shortfall: proportional: every target share is kept, so the mixture has ${formatAmount(achieved)} ${unit}, not the budget of ${formatAmount(B)}: the most the capped targets allow with max_repeat ${maxRepeat}`,
    );
  }
  const dropped = cellWeights.filter((c) => c.target_share === 0).map((c) => cellKey(c.topic, c.lang));
  if (dropped.length > 0) {
    notes.push(
      `${dropped.length} cell(s) with data have no target share and are ${floor > 0 ? `kept at the floor (${floor})` : 'dropped'}: ${dropped.slice(0, 20).join(', ')}${dropped.length > 20 ? ', …' : ''}`,
    );
  }
  return { cells: cellWeights, targets, shortfalls, notes, achieved };
}
