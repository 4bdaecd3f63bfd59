import { dirname, isAbsolute, join } from 'node:path';
import { hashDigits } from '../report/model-info.js';
import type { Report } from '../report/report-types.js';
import { compareLangs } from '../text/script.js';
import { allocate, AllocationError } from './allocate.js';
import { formatAmount, parseAmount } from './amount.js';
import { cellKey, correctedCells, type CorpusCell } from './corpus-cells.js';
import { FeedbackError, feedbackUpdate } from './feedback.js';
import { checkLang, checkTopic, proportionGroups, temperatureGroups, vocabularyOf, type GroupMember, type TargetGroup, type Vocabulary } from './target-groups.js';
import { readLosses, SpecError, type Losses, type PerUnit, type TargetSpec } from './target-spec.js';
import { WEIGHTS_SCHEMA, type FeedbackDetail, type ShareRow, type WeightsFile } from './weights-types.js';

export interface RebalanceOptions {
  reportFile: string;
  /** Name of the target file in messages (and base for a relative losses path). */
  targetFile: string;
  /** --budget; overrides the target's. */
  budget?: number;
  /** --losses; overrides feedback.losses. */
  lossesFile?: string;
  maxRepeat?: number;
  floor?: number;
  /** Scale shares that do not sum to 1 instead of refusing them. */
  normalise: boolean;
}

/** `name`, or `name@hash` where hash is the model's data hash or a prefix of it (at least 7 characters). */
export function modelMatches(wanted: string, name: string | null, dataHash: string | null): boolean {
  if (wanted === name) return true;
  const at = wanted.lastIndexOf('@');
  if (at < 0 || name === null || dataHash === null) return false;
  const prefix = wanted.slice(at + 1);
  return wanted.slice(0, at) === name && prefix.length >= 7 && (dataHash.startsWith(prefix) || hashDigits(dataHash).startsWith(prefix));
}

function checkModel(report: Report, spec: TargetSpec, opts: RebalanceOptions): void {
  const m = report.model;
  if (spec.model !== undefined) {
    if (m.id === null) {
      throw new SpecError(
        `${opts.targetFile}: model: the target is for model "${spec.model}", but ${opts.reportFile} records no model ` + '(it was made without --model); re-run `topicmix report --model DIR`',
      );
    }
    if (!modelMatches(spec.model, m.name, m.data_hash)) {
      throw new SpecError(`${opts.targetFile}: model: the target is for model "${spec.model}", but ${opts.reportFile} was made with "${m.id}"`);
    }
  }
  if (spec.labels !== undefined) {
    const mine = new Set(m.labels);
    const theirs = new Set(spec.labels);
    const missing = spec.labels.filter((l) => !mine.has(l));
    const extra = m.labels.filter((l) => !theirs.has(l));
    if (missing.length > 0 || extra.length > 0) {
      const parts = [missing.length > 0 ? `not in the report: ${missing.join(', ')}` : '', extra.length > 0 ? `only in the report: ${extra.join(', ')}` : ''].filter(Boolean);
      throw new SpecError(`${opts.targetFile}: labels: the target's label set differs from ${opts.reportFile}'s (${parts.join('; ')})`);
    }
  }
}

/** Losses and weights as flat unit maps: `topic` keys, or `lang/topic` for the nested form. */
function flatten(map: PerUnit, where: string, file: string, vocab: Vocabulary): { nested: boolean; values: Map<string, number> } {
  const values = new Map<string, number>();
  let nested: boolean | null = null;
  for (const [k, v] of Object.entries(map)) {
    const isNested = typeof v !== 'number';
    if (nested !== null && nested !== isNested) {
      throw new SpecError(`${file}: ${where}.${k}: mixes {topic: value} and {lang: {topic: value}} forms; use one`);
    }
    nested = isNested;
    if (typeof v === 'number') {
      checkTopic(k, `${where}.${k}`, file, vocab);
      values.set(k, v);
    } else {
      checkLang(k, `${where}.${k}`, file, vocab);
      for (const [t, x] of Object.entries(v)) {
        checkTopic(t, `${where}.${k}.${t}`, file, vocab);
        values.set(cellKey(t, k), x);
      }
    }
  }
  return { nested: nested ?? false, values };
}

function previousCellShares(spec: TargetSpec, cells: CorpusCell[], vocab: Vocabulary, opts: RebalanceOptions): { members: GroupMember[]; from: 'target' | 'report' } {
  if (spec.topics !== undefined || spec.languages !== undefined) {
    const groups = proportionGroups(spec, cells, vocab, opts.targetFile, opts.normalise);
    const members: GroupMember[] = [];
    for (const g of groups) for (const m of g.members) members.push({ ...m, within: g.share * m.within });
    return { members, from: 'target' };
  }
  const total = cells.reduce((s, c) => s + c.amount, 0);
  return {
    members: cells.filter((c) => c.amount > 0).map((c) => ({ key: cellKey(c.topic, c.lang), topic: c.topic, lang: c.lang, within: c.amount / total })),
    from: 'report',
  };
}

async function feedbackGroups(spec: TargetSpec, cells: CorpusCell[], vocab: Vocabulary, opts: RebalanceOptions): Promise<{ groups: TargetGroup[]; detail: FeedbackDetail }> {
  const fb = spec.feedback!;
  let losses: Losses;
  let lossesFile: string;
  if (opts.lossesFile !== undefined || typeof fb.losses === 'string') {
    const p = opts.lossesFile ?? (fb.losses as string);
    lossesFile = opts.lossesFile !== undefined || isAbsolute(p) ? p : join(dirname(opts.targetFile), p);
    losses = await readLosses(lossesFile);
  } else {
    losses = fb.losses as Losses;
    lossesFile = `${opts.targetFile} (feedback.losses)`;
  }
  const prevLoss = flatten(losses.previous, 'previous', lossesFile, vocab);
  const curLoss = flatten(losses.current, 'current', lossesFile, vocab);
  const weights = fb.weights === undefined ? null : flatten(fb.weights, 'feedback.weights', opts.targetFile, vocab);
  const nested = prevLoss.nested || curLoss.nested;
  if (prevLoss.values.size > 0 && curLoss.values.size > 0 && prevLoss.nested !== curLoss.nested) {
    throw new SpecError(`${lossesFile}: previous and current must use the same form ({topic: loss} or {lang: {topic: loss}})`);
  }
  if (weights !== null && weights.values.size > 0 && weights.nested !== nested) {
    throw new SpecError(`${opts.targetFile}: feedback.weights: must use the same form as the losses in ${lossesFile}`);
  }
  if (fb.scope === 'per_language' && !nested) {
    throw new SpecError(`${lossesFile}: previous: scope per_language needs losses per language: {lang: {topic: loss}}`);
  }

  const prev = previousCellShares(spec, cells, vocab, opts);
  const unitOf = (m: GroupMember): string => (nested ? cellKey(m.topic, m.lang) : m.topic);
  const scopes: Array<{ lang: string | null; members: GroupMember[] }> =
    fb.scope === 'per_language'
      ? [...new Set(prev.members.map((m) => m.lang))].sort(compareLangs).map((lang) => ({ lang, members: prev.members.filter((m) => m.lang === lang) }))
      : [{ lang: null, members: prev.members }];

  const groups: TargetGroup[] = [];
  const units: FeedbackDetail['units'] = [];
  for (const scope of scopes) {
    const scopeShare = scope.members.reduce((s, m) => s + m.within, 0);
    if (!(scopeShare > 0)) continue;
    const unitShares = new Map<string, number>();
    for (const m of scope.members) unitShares.set(unitOf(m), (unitShares.get(unitOf(m)) ?? 0) + m.within / scopeShare);
    let updated;
    try {
      updated = feedbackUpdate({
        previous: unitShares,
        lossPrevious: prevLoss.values,
        lossCurrent: curLoss.values,
        alpha: fb.alpha,
        normalise: fb.normalise,
        weights: weights?.values ?? new Map(),
        maxChange: fb.max_change ?? null,
        describe: (u) => (nested ? `"${u}"` : `topic "${u}"`),
      });
    } catch (err) {
      if (!(err instanceof FeedbackError)) throw err;
      const inTarget = err.key === 'alpha' || err.key === 'previous';
      throw new SpecError(`${inTarget ? opts.targetFile : lossesFile}: ${inTarget ? `feedback.${err.key}` : err.key}: ${err.message}`);
    }
    units.push(...updated);
    for (const u of updated) {
      const members = scope.members.filter((m) => unitOf(m) === u.unit).map((m) => ({ ...m, within: u.previous_share > 0 ? m.within / scopeShare / u.previous_share : 0 }));
      const group: TargetGroup = { key: u.unit, kind: nested ? 'cell' : 'topic', share: u.new_share * scopeShare, members };
      if (scope.lang !== null) group.parent = scope.lang;
      groups.push(group);
    }
  }
  return {
    groups,
    detail: {
      losses_file: lossesFile,
      metric: losses.metric,
      alpha: fb.alpha,
      normalise: fb.normalise,
      max_change: fb.max_change ?? null,
      scope: fb.scope,
      previous_from: prev.from,
      units,
    },
  };
}

function shareRows(
  keyOf: (x: { topic: string; lang: string }) => string,
  cells: CorpusCell[],
  groups: TargetGroup[],
  achievedByCell: Map<string, number>,
  achievedTotal: number,
  compare: (a: string, b: string) => number,
): ShareRow[] {
  const rows = new Map<string, ShareRow>();
  const row = (key: string): ShareRow => {
    let r = rows.get(key);
    if (r === undefined) {
      r = { key, available: 0, available_share: 0, target_share: 0, achieved_amount: 0, achieved_share: 0 };
      rows.set(key, r);
    }
    return r;
  };
  const total = cells.reduce((s, c) => s + c.amount, 0);
  for (const c of cells) {
    const r = row(keyOf(c));
    r.available += c.amount;
    r.achieved_amount += achievedByCell.get(cellKey(c.topic, c.lang)) ?? 0;
  }
  for (const g of groups) for (const m of g.members) row(keyOf(m)).target_share += g.share * m.within;
  for (const r of rows.values()) {
    r.available_share = total > 0 ? r.available / total : 0;
    r.achieved_share = achievedTotal > 0 ? r.achieved_amount / achievedTotal : 0;
  }
  return [...rows.values()].sort((a, b) => compare(a.key, b.key));
}

/** Compute per-cell sampling weights from a report and a target spec. */
export async function rebalance(report: Report, spec: TargetSpec, opts: RebalanceOptions): Promise<WeightsFile> {
  checkModel(report, spec, opts);
  const unit = spec.unit;
  const { cells, corrected } = correctedCells(report, unit);
  const available = cells.reduce((s, c) => s + c.amount, 0);
  if (!(available > 0)) {
    throw new SpecError(`${opts.reportFile}: empty corpus: no ${unit} counted (read ${report.counts.read} lines, errors ${report.counts.errors}); nothing to rebalance`);
  }
  const vocab = vocabularyOf(cells, report.model.labels, report.model.labels_source === 'data');

  let budget = available;
  let budgetSource: WeightsFile['budget_source'] = 'corpus';
  if (opts.budget !== undefined) {
    budget = opts.budget;
    budgetSource = 'option';
  } else if (spec.budget !== undefined) {
    const b = parseAmount(spec.budget);
    if (b === null) throw new SpecError(`${opts.targetFile}: budget: cannot read ${JSON.stringify(spec.budget)} as an amount (e.g. 100B, 2.5T, 300M)`);
    budget = b;
    budgetSource = 'target';
  }
  const maxRepeat = opts.maxRepeat ?? spec.max_repeat;
  const floor = opts.floor ?? spec.floor;
  if (floor > maxRepeat) throw new SpecError(`${opts.targetFile}: floor: ${floor} is above max_repeat ${maxRepeat}`);

  const notes: string[] = [];
  if (corrected.length > 0) {
    notes.push(
      `available amounts for ${corrected.join(', ')} use the report's corrected topic shares (${report.summary.corrected!.method}; calibration: ${report.summary.corrected!.source}), not the raw tag counts`,
    );
  }
  let groups: TargetGroup[];
  let feedback: FeedbackDetail | undefined;
  let temperature: WeightsFile['temperature'];
  switch (spec.method) {
    case 'target':
      groups = proportionGroups(spec, cells, vocab, opts.targetFile, opts.normalise);
      break;
    case 'temperature': {
      const t = spec.temperature!;
      if (spec.topics !== undefined || spec.languages !== undefined) {
        notes.push("method temperature: the target's topics/languages shares are not used");
      }
      groups = temperatureGroups(t.alpha, t.over, cells);
      temperature = {
        alpha: t.alpha,
        over: t.over,
        groups: groups.map((g) => ({ key: g.key, available: g.members.reduce((s, m) => s + (cells.find((c) => cellKey(c.topic, c.lang) === m.key)?.amount ?? 0), 0), share: g.share })),
      };
      break;
    }
    case 'feedback': {
      const r = await feedbackGroups(spec, cells, vocab, opts);
      groups = r.groups;
      feedback = r.detail;
      break;
    }
  }

  let alloc;
  try {
    alloc = allocate({ cells, groups, unit, budget, maxRepeat, floor, onShortfall: spec.on_shortfall });
  } catch (err) {
    if (err instanceof AllocationError) throw new SpecError(`${opts.targetFile}: floor: ${err.message}`);
    throw err;
  }
  const achievedByCell = new Map(alloc.cells.map((c) => [cellKey(c.topic, c.lang), c.achieved_amount]));
  const byStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const docsExpected = alloc.cells.reduce((s, c) => s + c.docs * c.weight, 0);
  if (budgetSource === 'corpus') notes.push(`no budget given: the budget is the corpus size, ${formatAmount(available)} ${unit}`);

  const out: WeightsFile = {
    schema: WEIGHTS_SCHEMA,
    method: spec.method,
    unit,
    model: report.model,
    report: { file: opts.reportFile, tokenizer: report.settings.tokenizer, inputs: report.inputs.length },
    target_file: opts.targetFile,
    budget,
    budget_source: budgetSource,
    max_repeat: maxRepeat,
    floor,
    on_shortfall: spec.on_shortfall,
    totals: {
      available,
      achieved: alloc.achieved,
      docs_available: cells.reduce((s, c) => s + c.docs, 0),
      docs_expected: docsExpected,
    },
    cells: alloc.cells,
    by_topic: shareRows((x) => x.topic, cells, groups, achievedByCell, alloc.achieved, byStr),
    by_lang: shareRows((x) => x.lang, cells, groups, achievedByCell, alloc.achieved, compareLangs),
    targets: alloc.targets,
    shortfalls: alloc.shortfalls,
    notes: [...notes, ...alloc.notes],
  };
  if (temperature !== undefined) out.temperature = temperature;
  if (feedback !== undefined) out.feedback = feedback;
  roundAmounts(out);
  return out;
}

/**
 * Amounts (tokens, chars, documents) are written to 15 significant digits, the precision a double holds:
 * sums of weight x size carry floating-point noise in the last digits (300000.00000000006 -> 300000).
 */
function roundAmounts(w: WeightsFile): void {
  const r15 = (x: number): number => (Number.isFinite(x) ? Number(x.toPrecision(15)) : x);
  w.totals.achieved = r15(w.totals.achieved);
  w.totals.docs_expected = r15(w.totals.docs_expected);
  const rows: Array<Record<string, unknown>> = [...w.cells, ...w.by_topic, ...w.by_lang, ...w.targets, ...w.shortfalls] as unknown as Array<Record<string, unknown>>;
  for (const row of rows) {
    for (const [k, v] of Object.entries(row)) if (k.endsWith('_amount') && typeof v === 'number') row[k] = r15(v);
  }
}
