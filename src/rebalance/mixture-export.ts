import { join } from 'node:path';
import { MIXTURE_DEFAULTS, type MixtureDefaults } from '../defaults.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-writer.js';
import { prettyJson } from '../report/pretty-json.js';
import type { ModelIdentity, Report } from '../report/report-types.js';
import { compareLangs } from '../text/script.js';
import { formatAmount } from './amount.js';
import { roundShare, sampleCandidates } from './candidate-mixtures.js';
import { WeightsFileError } from './read-weights.js';
import type { Unit, WeightsFile } from './weights-types.js';

export const MIXTURE_CANDIDATES_SCHEMA = 'topicmix/mixture-candidates@1';

export type DomainLevel = MixtureDefaults['domains'];

/** One domain of the export: a topic x language cell, a topic or a language, with its data in the report. */
export interface MixtureDomain {
  /** `lang:topic` for cells (the `source:topic` form of Olmix), else the topic or the language. */
  domain: string;
  lang: string | null;
  topic: string | null;
  documents: number;
  characters: number;
  tokens: number;
  /** Share of the corpus in `unit`. */
  natural_share: number;
  /** Share in the centre mix (the natural share when there is no target). */
  centre_share: number;
  /** Most a candidate may give this domain: max_epochs x its amount / budget (null without `maxEpochs`). */
  max_share: number | null;
}

export interface MixtureCandidate {
  /** Run id: `natural`, `centre`, or `mix-0001`, ... for the Dirichlet draws. */
  run: string;
  kind: 'natural' | 'centre' | 'dirichlet';
  /** Concentration scale of the draw (null for the natural and centre rows). */
  alpha: number | null;
  /** Share of each domain in `unit`, 15 significant digits; they sum to 1. */
  weights: Record<string, number>;
  /** Passes over each domain's data this mix needs at the budget: weight x budget / amount. */
  epochs: Record<string, number>;
  max_epochs: number;
}

export interface MixtureCandidatesFile {
  schema: typeof MIXTURE_CANDIDATES_SCHEMA;
  unit: Unit;
  domain_level: DomainLevel;
  model: ModelIdentity;
  report: { file: string; tokenizer: string; inputs: number };
  centre: { from: 'natural' | 'weights' | 'target'; file: string | null; method: string | null };
  sampling: {
    prng: 'mulberry32';
    seed: number;
    candidates: number;
    alphas: number[];
    temperature: number;
    min_share: number;
    floor: number;
    max_epochs: number | null;
    budget: number;
    budget_source: 'option' | 'weights' | 'corpus';
    draws: number;
    rejected: { over_cap: number; below_min_share: number; duplicate: number };
  };
  /** The `priors` block of an Olmix config: token counts per domain (always tokens, whatever `unit`). */
  priors: { token_counts: Record<string, number>; relative_sizes: Record<string, number>; total_tokens: number };
  domains: MixtureDomain[];
  candidates: MixtureCandidate[];
  notes: string[];
}

export interface MixtureCandidatesOptions {
  /** Name of the report file, for messages and the output. */
  reportFile: string;
  /** The centre: a rebalance result (weights.json, or a target planned in memory). Default: the natural mix. */
  centre?: { weights: WeightsFile; file: string; from: 'weights' | 'target' } | null;
  /** What shares count: tokens, docs or chars (default: the centre's unit, else tokens). */
  unit?: Unit;
  /** Domains: `cell` (topic x language), `topic` or `lang` (default MIXTURE_DEFAULTS.domains). */
  domains?: DomainLevel;
  /** Dirichlet candidates (default MIXTURE_DEFAULTS.candidates). */
  candidates?: number;
  /** Concentration scale, or scales used in turn (default MIXTURE_DEFAULTS.alphas). */
  alpha?: number | readonly number[];
  /** Seed, an integer in [0, 2^32) (default MIXTURE_DEFAULTS.seed). */
  seed?: number;
  /** Power applied to the centre before drawing (default 1). */
  temperature?: number;
  /** Shares below this become 0 (default 0, off). */
  minShare?: number;
  /** Least share of every domain (default 0, off). */
  floor?: number;
  /** Most epochs of any domain's data at `budget` (default null, no cap). */
  maxEpochs?: number | null;
  /** Size of the training run the mixture is for, in `unit` (default: the centre's budget, else the corpus size). */
  budget?: number;
  /** Add the centre mix as a row (default true; nothing to add when the centre is the natural mix). */
  includeCentre?: boolean;
  /** Add the natural mix as a row (default true). */
  includeNatural?: boolean;
}

type Bucket = Pick<MixtureDomain, 'domain' | 'lang' | 'topic' | 'documents' | 'characters' | 'tokens'>;

function domainOf(level: DomainLevel, topic: string, lang: string): Omit<Bucket, 'documents' | 'characters' | 'tokens'> {
  if (level === 'topic') return { domain: topic, lang: null, topic };
  if (level === 'lang') return { domain: lang, lang, topic: null };
  return { domain: `${lang}:${topic}`, lang, topic };
}

function compareBuckets(a: Bucket, b: Bucket): number {
  const l = a.lang === null || b.lang === null ? 0 : compareLangs(a.lang, b.lang);
  if (l !== 0) return l;
  const [x, y] = [a.topic ?? '', b.topic ?? ''];
  return x < y ? -1 : x > y ? 1 : 0;
}

function bucketsOf(report: Report, level: DomainLevel): Bucket[] {
  const byKey = new Map<string, Bucket>();
  for (const c of report.state.cells) {
    const d = domainOf(level, c.topic, c.lang);
    let b = byKey.get(d.domain);
    if (b === undefined) {
      b = { ...d, documents: 0, characters: 0, tokens: 0 };
      byKey.set(d.domain, b);
    }
    b.documents += c.docs;
    b.characters += c.chars;
    b.tokens += c.tokens;
  }
  return [...byKey.values()].sort(compareBuckets);
}

function amountOf(b: Bucket, unit: Unit): number {
  return unit === 'docs' ? b.documents : unit === 'chars' ? b.characters : b.tokens;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new UsageError(message);
}

/** Shares that sum to 1 from non-negative values (rounded to 15 significant digits). */
function normalised(xs: readonly number[]): number[] {
  const sum = xs.reduce((s, x) => s + x, 0);
  return xs.map((x) => roundShare(x / sum));
}

function centreShares(weights: WeightsFile, file: string, reportFile: string, report: Report, level: DomainLevel, index: Map<string, number>, amounts: readonly number[]): number[] {
  const m = weights.model;
  if (m.id !== null && report.model.id !== null && m.id !== report.model.id) {
    throw new WeightsFileError(`${file}: model: the weights were made with "${m.id}", but ${reportFile} with "${report.model.id}"`);
  }
  const shares = new Array<number>(amounts.length).fill(0);
  for (const c of weights.cells) {
    if (!(c.achieved_share > 0)) continue;
    const i = index.get(domainOf(level, c.topic, c.lang).domain);
    if (i === undefined || !(amounts[i]! > 0)) {
      throw new WeightsFileError(`${file}: cells: ${c.lang}/${c.topic} has weight ${c.weight} but no data in ${reportFile} (were the weights made from another report?)`);
    }
    shares[i]! += c.achieved_share;
  }
  if (!shares.some((x) => x > 0)) throw new WeightsFileError(`${file}: cells: no cell has an achieved share above 0; nothing to centre the candidates on`);
  return normalised(shares);
}

function epochsOf(weights: readonly number[], amounts: readonly number[], budget: number): number[] {
  return weights.map((w, i) => (w > 0 ? roundShare((w * budget) / amounts[i]!) : 0));
}

function record(domains: readonly MixtureDomain[], xs: readonly number[]): Record<string, number> {
  const r: Record<string, number> = {};
  domains.forEach((d, i) => {
    r[d.domain] = xs[i]!;
  });
  return r;
}

/**
 * Domains of a report with their documents, characters and tokens, and seeded Dirichlet candidate mixtures
 * around the natural or a target mix: the inputs of RegMix / Olmix-style mixture regressions.
 */
export function mixtureCandidates(report: Report, opts: MixtureCandidatesOptions): MixtureCandidatesFile {
  const centre = opts.centre ?? null;
  const level = opts.domains ?? MIXTURE_DEFAULTS.domains;
  const unit: Unit = opts.unit ?? centre?.weights.unit ?? 'tokens';
  const count = opts.candidates ?? MIXTURE_DEFAULTS.candidates;
  const alphas = opts.alpha === undefined ? [...MIXTURE_DEFAULTS.alphas] : typeof opts.alpha === 'number' ? [opts.alpha] : [...opts.alpha];
  const seed = opts.seed ?? MIXTURE_DEFAULTS.seed;
  const temperature = opts.temperature ?? MIXTURE_DEFAULTS.temperature;
  const minShare = opts.minShare ?? MIXTURE_DEFAULTS.minShare;
  const floor = opts.floor ?? MIXTURE_DEFAULTS.floor;
  const maxEpochs = opts.maxEpochs ?? MIXTURE_DEFAULTS.maxEpochs;

  check(level === 'cell' || level === 'topic' || level === 'lang', `\`domains\`: must be cell, topic or lang, got "${String(level)}"`);
  check(Number.isSafeInteger(count) && count >= 0, `\`candidates\`: must be a non-negative integer, got ${count}`);
  check(alphas.length > 0, '`alpha`: give at least one concentration');
  for (const a of alphas) check(Number.isFinite(a) && a > 0, `\`alpha\`: every concentration must be a positive number, got ${a}`);
  check(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32, `\`seed\`: must be an integer in [0, 4294967295], got ${seed}`);
  check(Number.isFinite(temperature) && temperature >= 0, `\`temperature\`: must be a number >= 0, got ${temperature}`);
  check(Number.isFinite(minShare) && minShare >= 0 && minShare < 1, `\`minShare\`: must be a number in [0, 1), got ${minShare}`);
  check(Number.isFinite(floor) && floor >= 0 && floor < 1, `\`floor\`: must be a number in [0, 1), got ${floor}`);
  check(!(minShare > 0 && floor > 0), '`minShare` and `floor` exclude each other: one sets small shares to 0, the other keeps every share above a floor');
  check(maxEpochs === null || (Number.isFinite(maxEpochs) && maxEpochs > 0), `\`maxEpochs\`: must be a positive number, got ${maxEpochs}`);
  if (centre !== null && opts.unit !== undefined && opts.unit !== centre.weights.unit) {
    throw new UsageError(`\`unit\`: ${opts.unit}, but ${centre.file} counts ${centre.weights.unit}; give the same unit or leave it out`);
  }

  const buckets = bucketsOf(report, level).filter((b) => amountOf(b, unit) > 0);
  if (buckets.length === 0) throw new UsageError(`${opts.reportFile}: empty corpus: no ${unit} counted; no domains to export`);
  const amounts = buckets.map((b) => amountOf(b, unit));
  const total = amounts.reduce((s, x) => s + x, 0);
  const index = new Map(buckets.map((b, i) => [b.domain, i]));
  const n = buckets.length;

  let budget = total;
  let budgetSource: MixtureCandidatesFile['sampling']['budget_source'] = 'corpus';
  if (opts.budget !== undefined) {
    check(Number.isFinite(opts.budget) && opts.budget > 0, `\`budget\`: must be a positive amount, got ${opts.budget}`);
    budget = opts.budget;
    budgetSource = 'option';
  } else if (centre !== null) {
    budget = centre.weights.budget;
    budgetSource = 'weights';
  }

  const natural = normalised(amounts);
  const centreMix = centre === null ? natural : centreShares(centre.weights, centre.file, opts.reportFile, report, level, index, amounts);
  const caps = amounts.map((a) => (maxEpochs === null ? Number.POSITIVE_INFINITY : (maxEpochs * a) / budget));

  check(n * floor <= 1, `\`floor\`: ${floor} x ${n} domains is more than the whole mixture (at most ${roundShare(1 / n)})`);
  if (floor > 0 && maxEpochs !== null) {
    const i = caps.findIndex((c) => c < floor);
    if (i >= 0) {
      throw new UsageError(
        `\`floor\`: ${floor} of the budget (${formatAmount(floor * budget)} ${unit}) is more than \`maxEpochs\` ${maxEpochs} x the ${formatAmount(amounts[i]!)} ${unit} of domain "${buckets[i]!.domain}"`,
      );
    }
  }
  if (maxEpochs !== null && caps.reduce((s, c) => s + c, 0) < 1) {
    throw new UsageError(
      `\`maxEpochs\`: ${maxEpochs} epochs of all ${formatAmount(total)} ${unit} give ${formatAmount(maxEpochs * total)}, less than the budget of ${formatAmount(budget)}; no mixture fits`,
    );
  }

  const tempered = normalised(centreMix.map((x) => (x > 0 ? x ** temperature : 0)));
  const sampled = sampleCandidates(tempered, { count, alphas, seed, minShare, floor, caps, maxDrawsPerCandidate: MIXTURE_DEFAULTS.maxDrawsPerCandidate });
  if (sampled.exhausted) {
    const r = sampled.rejected;
    const why = [
      r.over_cap > 0 ? `${r.over_cap} over the epoch caps (raise \`maxEpochs\`, lower \`budget\`, or use a larger \`alpha\`, whose draws stay nearer the centre)` : '',
      r.duplicate > 0 ? `${r.duplicate} duplicates (a small \`alpha\` with \`minShare\` gives few distinct mixtures)` : '',
      r.below_min_share > 0 ? `${r.below_min_share} with every share below \`minShare\`` : '',
    ].filter(Boolean);
    throw new UsageError(`\`candidates\`: only ${sampled.candidates.length} of ${count} candidates after ${sampled.draws} draws: ${why.join('; ')}`);
  }

  const domains: MixtureDomain[] = buckets.map((b, i) => ({
    ...b,
    natural_share: natural[i]!,
    centre_share: centreMix[i]!,
    max_share: maxEpochs === null ? null : roundShare(caps[i]!),
  }));
  const notes: string[] = [];
  const rows: MixtureCandidate[] = [];
  const addRow = (run: string, kind: MixtureCandidate['kind'], alpha: number | null, w: number[]): void => {
    const epochs = epochsOf(w, amounts, budget);
    const most = Math.max(...epochs);
    rows.push({ run, kind, alpha, weights: record(domains, w), epochs: record(domains, epochs), max_epochs: most });
    if (kind === 'dirichlet') return;
    const over = domains.filter((_, i) => w[i]! > caps[i]!).map((d) => d.domain);
    if (over.length > 0) notes.push(`the ${kind} row asks for more than max_epochs ${maxEpochs} of ${over.join(', ')} (up to ${most} epochs); it is written as it is`);
    const under = domains.filter((_, i) => w[i]! < floor).map((d) => d.domain);
    if (under.length > 0) notes.push(`the ${kind} row gives ${under.join(', ')} less than the floor ${floor}; it is written as it is`);
  };
  if (opts.includeNatural ?? true) addRow('natural', 'natural', null, natural);
  if (centre !== null && (opts.includeCentre ?? true)) addRow('centre', 'centre', null, centreMix);
  const width = Math.max(4, String(count).length);
  sampled.candidates.forEach((c, i) => addRow(`mix-${String(i + 1).padStart(width, '0')}`, 'dirichlet', c.alpha, c.weights));
  if (temperature !== 1) notes.push(`draws are centred on the centre mix raised to the power ${temperature} and renormalised, not on the centre itself`);

  const totalTokens = buckets.reduce((s, b) => s + b.tokens, 0);
  return {
    schema: MIXTURE_CANDIDATES_SCHEMA,
    unit,
    domain_level: level,
    model: report.model,
    report: { file: opts.reportFile, tokenizer: report.settings.tokenizer, inputs: report.inputs.length },
    centre: centre === null ? { from: 'natural', file: null, method: null } : { from: centre.from, file: centre.file, method: centre.weights.method },
    sampling: {
      prng: 'mulberry32',
      seed,
      candidates: count,
      alphas,
      temperature,
      min_share: minShare,
      floor,
      max_epochs: maxEpochs,
      budget,
      budget_source: budgetSource,
      draws: sampled.draws,
      rejected: sampled.rejected,
    },
    priors: {
      token_counts: record(
        domains,
        buckets.map((b) => b.tokens),
      ),
      relative_sizes: record(domains, totalTokens > 0 ? normalised(buckets.map((b) => b.tokens)) : buckets.map(() => 0)),
      total_tokens: totalTokens,
    },
    domains,
    candidates: rows,
    notes,
  };
}

function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(rows: ReadonlyArray<ReadonlyArray<string | number | null>>): string {
  return rows.map((r) => `${r.map(csvField).join(',')}\n`).join('');
}

/** domains.csv: one row per domain with its documents, characters, tokens and shares. */
export function formatDomainsCsv(m: MixtureCandidatesFile): string {
  const head = ['domain', 'lang', 'topic', 'documents', 'characters', 'tokens', 'natural_share', 'centre_share', 'max_share'];
  return csv([head, ...m.domains.map((d) => [d.domain, d.lang, d.topic, d.documents, d.characters, d.tokens, d.natural_share, d.centre_share, d.max_share])]);
}

/** candidates.csv: `run` and one column per domain, one row per mixture (Olmix's ratios.csv; RegMix's mixture CSV). */
export function formatCandidatesCsv(m: MixtureCandidatesFile): string {
  const names = m.domains.map((d) => d.domain);
  return csv([['run', ...names], ...m.candidates.map((c) => [c.run, ...names.map((k) => c.weights[k]!)])]);
}

/** Files written by writeMixtureCandidates, in order. */
export const MIXTURE_FILES = ['domains.csv', 'candidates.csv', 'candidates.json'] as const;

/** Write domains.csv, candidates.csv and candidates.json into `dir` (created if needed); returns their paths. */
export async function writeMixtureCandidates(dir: string, m: MixtureCandidatesFile): Promise<string[]> {
  const texts = [formatDomainsCsv(m), formatCandidatesCsv(m), prettyJson(m)];
  const paths = MIXTURE_FILES.map((f) => join(dir, f));
  for (let i = 0; i < paths.length; i++) await writeFileAtomic(paths[i]!, texts[i]!);
  return paths;
}
