import { readFile, writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerMixturesCommand } from '../src/cli/commands/mixtures.js';
import { MIXTURE_DEFAULTS } from '../src/defaults.js';
import { Rng } from '../src/model/rng.js';
import { dirichletDraw, logGammaDraw, sampleCandidates } from '../src/rebalance/candidate-mixtures.js';
import { formatCandidatesCsv, formatDomainsCsv, mixtureCandidates, writeMixtureCandidates, type MixtureCandidatesFile, type MixtureCandidatesOptions } from '../src/rebalance/mixture-export.js';
import { rebalance } from '../src/rebalance/plan.js';
import { parseTargetSpec } from '../src/rebalance/target-spec.js';
import type { WeightsFile } from '../src/rebalance/weights-types.js';
import { prettyJson } from '../src/report/pretty-json.js';
import { runCli, requireBuiltCli } from './cli-helpers.js';
import { makeReport } from './fixtures/tagged/reports.js';
import { tempDir } from './helpers/temp-dir.js';

// science: en 600 + zh 200; law: en 100 + zh 100; total 1000 tokens (docs = tokens / 10, chars = tokens x 3).
const report = makeReport([
  { topic: 'science', lang: 'en', tokens: 600 },
  { topic: 'science', lang: 'zh', tokens: 200 },
  { topic: 'law', lang: 'en', tokens: 100 },
  { topic: 'law', lang: 'zh', tokens: 100 },
]);
const DOMAINS = ['zh:law', 'zh:science', 'en:law', 'en:science'];

function mix(opts: Partial<MixtureCandidatesOptions> = {}): MixtureCandidatesFile {
  return mixtureCandidates(report, { reportFile: 'report.json', ...opts });
}

async function planned(yaml: string): Promise<WeightsFile> {
  return rebalance(report, parseTargetSpec(yaml, 'target.yaml'), { reportFile: 'report.json', targetFile: 'target.yaml', normalise: false });
}

function dirichletRows(m: MixtureCandidatesFile): number[][] {
  return m.candidates.filter((c) => c.kind === 'dirichlet').map((c) => m.domains.map((d) => c.weights[d.domain]!));
}

function sum(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0);
}

describe('gamma and Dirichlet draws', () => {
  it('Gamma(a) draws have mean a and variance a (Marsaglia-Tsang, with the boost below 1)', () => {
    for (const a of [0.05, 0.3, 1, 4.5]) {
      const rng = new Rng(11);
      const n = 40000;
      const xs = Array.from({ length: n }, () => Math.exp(logGammaDraw(rng, a)));
      const mean = sum(xs) / n;
      const variance = sum(xs.map((x) => (x - mean) ** 2)) / (n - 1);
      // standard error of the mean is sqrt(a / n); 5 of them
      expect(Math.abs(mean - a)).toBeLessThan(5 * Math.sqrt(a / n));
      expect(Math.abs(variance / a - 1)).toBeLessThan(0.1);
    }
  });

  it('Dirichlet draws average to the normalised parameters; tiny parameters still give shares that sum to 1', () => {
    const rng = new Rng(3);
    const params = [0.5, 1.5, 3];
    const acc = [0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) dirichletDraw(rng, params).forEach((x, j) => (acc[j]! += x / n));
    expect(acc[0]).toBeCloseTo(0.1, 2);
    expect(acc[1]).toBeCloseTo(0.3, 2);
    expect(acc[2]).toBeCloseTo(0.6, 2);
    // at 1e-9 every U^(1/a) underflows in plain arithmetic; in logs one domain takes (almost) everything
    const tiny = dirichletDraw(rng, [1e-9, 1e-9, 1e-9, 0]);
    expect(tiny.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
    expect(Math.abs(sum(tiny) - 1)).toBeLessThan(1e-15);
    expect(tiny[3]).toBe(0);
  });

  it('cycles through the concentration scales and redraws what breaks a cap', () => {
    const r = sampleCandidates([0.5, 0.5], { count: 6, alphas: [1, 50], seed: 5, minShare: 0, floor: 0, caps: [0.7, 0.7], maxDrawsPerCandidate: 1000 });
    expect(r.candidates.map((c) => c.alpha)).toEqual([1, 50, 1, 50, 1, 50]);
    expect(r.candidates.every((c) => c.weights.every((w) => w <= 0.7))).toBe(true);
    expect(r.rejected.over_cap).toBeGreaterThan(0);
    expect(r.draws).toBe(6 + r.rejected.over_cap);
  });
});

describe('mixtureCandidates', () => {
  it('a fixed seed gives these exact first rows', () => {
    const m = mix({ candidates: 3, seed: 42, alpha: 2 });
    expect(m.candidates.map((c) => c.run)).toEqual(['natural', 'mix-0001', 'mix-0002', 'mix-0003']);
    expect(m.candidates[0]!.weights).toEqual({ 'zh:law': 0.1, 'zh:science': 0.2, 'en:law': 0.1, 'en:science': 0.6 });
    expect(m.candidates[1]).toEqual(FIRST_ROW_SEED_42);
  });

  it('every row sums to 1 within 1e-12 with 15 significant digits, and the same seed gives the same files byte for byte', async () => {
    const a = mix({ candidates: 40, seed: 7 });
    for (const c of a.candidates) {
      const w = Object.values(c.weights);
      expect(Math.abs(sum(w) - 1)).toBeLessThan(1e-12);
      for (const x of w) expect(Number(x.toPrecision(15))).toBe(x);
      expect(w.every((x) => x >= 0)).toBe(true);
    }
    const d1 = tempDir();
    const d2 = tempDir();
    await writeMixtureCandidates(d1, a);
    await writeMixtureCandidates(d2, mix({ candidates: 40, seed: 7 }));
    for (const f of ['domains.csv', 'candidates.csv', 'candidates.json']) expect(await readFile(join(d2, f), 'utf8')).toBe(await readFile(join(d1, f), 'utf8'));
    const other = formatCandidatesCsv(mix({ candidates: 40, seed: 8 }));
    expect(other).not.toBe(formatCandidatesCsv(a));
    // the natural row does not depend on the seed
    expect(other.split('\n')[1]).toBe(formatCandidatesCsv(a).split('\n')[1]);
  });

  it('writes domains.csv with counts and shares, and candidates.csv with run + one column per domain', () => {
    const m = mix({ candidates: 2, maxEpochs: 2, budget: 500 });
    expect(formatDomainsCsv(m)).toBe(
      'domain,lang,topic,documents,characters,tokens,natural_share,centre_share,max_share\n' +
        'zh:law,zh,law,10,300,100,0.1,0.1,0.4\n' +
        'zh:science,zh,science,20,600,200,0.2,0.2,0.8\n' +
        'en:law,en,law,10,300,100,0.1,0.1,0.4\n' +
        'en:science,en,science,60,1800,600,0.6,0.6,2.4\n',
    );
    const lines = formatCandidatesCsv(m).trimEnd().split('\n');
    expect(lines[0]).toBe(`run,${DOMAINS.join(',')}`);
    expect(lines.map((l) => l.split(',')[0])).toEqual(['run', 'natural', 'mix-0001', 'mix-0002']);
    expect(m.priors).toEqual({
      token_counts: { 'zh:law': 100, 'zh:science': 200, 'en:law': 100, 'en:science': 600 },
      relative_sizes: { 'zh:law': 0.1, 'zh:science': 0.2, 'en:law': 0.1, 'en:science': 0.6 },
      total_tokens: 1000,
    });
  });

  it('domains per topic or per language sum the cells', () => {
    const t = mix({ domains: 'topic', candidates: 1 });
    expect(t.domains.map((d) => [d.domain, d.tokens, d.documents, d.natural_share])).toEqual([
      ['law', 200, 20, 0.2],
      ['science', 800, 80, 0.8],
    ]);
    const l = mix({ domains: 'lang', candidates: 1, unit: 'docs' });
    expect(l.domains.map((d) => [d.domain, d.lang, d.topic, d.documents, d.natural_share])).toEqual([
      ['zh', 'zh', null, 30, 0.3],
      ['en', 'en', null, 70, 0.7],
    ]);
  });

  it('no candidate asks for more than max_epochs of any domain at the budget', () => {
    // budget 1000 = the corpus: each domain may take at most 1.5 x its natural share
    const m = mix({ candidates: 30, maxEpochs: 1.5, budget: 1000, seed: 2 });
    expect(m.sampling.rejected.over_cap).toBeGreaterThan(0);
    const amounts = m.domains.map((d) => d.tokens);
    for (const row of dirichletRows(m)) for (let i = 0; i < row.length; i++) expect((row[i]! * 1000) / amounts[i]!).toBeLessThanOrEqual(1.5);
    for (const c of m.candidates) expect(c.max_epochs).toBeLessThanOrEqual(1.5);
    expect(m.candidates[1]!.epochs['en:science']).toBe(Number(((m.candidates[1]!.weights['en:science']! * 1000) / 600).toPrecision(15)));
  });

  it('a floor keeps every share above it; a min share sets smaller ones to 0', () => {
    for (const row of dirichletRows(mix({ candidates: 30, floor: 0.05 }))) expect(Math.min(...row)).toBeGreaterThanOrEqual(0.05);
    const sparse = dirichletRows(mix({ candidates: 30, minShare: 0.1, alpha: 0.5 }));
    expect(sparse.some((row) => row.includes(0))).toBe(true);
    for (const row of sparse) {
      for (const x of row) expect(x === 0 || x >= 0.1).toBe(true);
      expect(Math.abs(sum(row) - 1)).toBeLessThan(1e-12);
    }
  });

  it('centres the draws on a rebalance result, with its achieved mix as a row', async () => {
    const w = await planned('topics: {science: 0.5, law: 0.5}\n');
    const m = mix({ centre: { weights: w, file: 'weights.json', from: 'weights' }, candidates: 20, alpha: 2000 });
    expect(m.centre).toEqual({ from: 'weights', file: 'weights.json', method: 'target' });
    expect(m.sampling.budget_source).toBe('weights');
    const centre = m.candidates.find((c) => c.kind === 'centre')!;
    // law 0.5 split by the data (100 : 100), science 0.5 split 200 : 600
    expect(centre.weights).toEqual({ 'zh:law': 0.25, 'zh:science': 0.125, 'en:law': 0.25, 'en:science': 0.375 });
    expect(m.domains.map((d) => d.centre_share)).toEqual([0.25, 0.125, 0.25, 0.375]);
    // at concentration 2000 the draws have standard deviation below 0.011 around the centre
    for (const row of dirichletRows(m)) row.forEach((x, i) => expect(Math.abs(x - m.domains[i]!.centre_share)).toBeLessThan(0.06));
    expect(mix({ centre: { weights: w, file: 'weights.json', from: 'weights' }, includeCentre: false, includeNatural: false, candidates: 1 }).candidates.map((c) => c.run)).toEqual(['mix-0001']);
  });

  it('temperature 0 centres the draws on the uniform mix', () => {
    const m = mix({ candidates: 20, alpha: 4000, temperature: 0 });
    for (const row of dirichletRows(m)) for (const x of row) expect(Math.abs(x - 0.25)).toBeLessThan(0.05);
    expect(m.notes).toContain('draws are centred on the centre mix raised to the power 0 and renormalised, not on the centre itself');
  });

  it('names the option (and the file) in every refusal', async () => {
    expect(() => mix({ floor: 0.3 })).toThrow('`floor`: 0.3 x 4 domains is more than the whole mixture (at most 0.25)');
    expect(() => mix({ floor: 0.1, minShare: 0.1 })).toThrow(/`minShare` and `floor` exclude each other/);
    expect(() => mix({ floor: 0.2, maxEpochs: 1, budget: 1000 })).toThrow('`floor`: 0.2 of the budget (200 tokens) is more than `maxEpochs` 1 x the 100 tokens of domain "zh:law"');
    expect(() => mix({ maxEpochs: 2, budget: 3000 })).toThrow('`maxEpochs`: 2 epochs of all 1000 tokens give 2000, less than the budget of 3000; no mixture fits');
    expect(() => mix({ seed: 2 ** 32 })).toThrow(/`seed`: must be an integer in \[0, 4294967295\]/);
    expect(() => mix({ alpha: [1, 0] })).toThrow('`alpha`: every concentration must be a positive number, got 0');
    expect(() => mix({ candidates: 20, maxEpochs: 1.01, budget: 1000, alpha: 0.1 })).toThrow(/`candidates`: only \d+ of 20 candidates after 20000 draws: \d+ over the epoch caps \(raise `maxEpochs`/);
    const w = await planned('topics: {science: 0.5, law: 0.5}\nunit: docs\n');
    expect(() => mix({ centre: { weights: w, file: 'w.json', from: 'weights' }, unit: 'tokens' })).toThrow('`unit`: tokens, but w.json counts docs; give the same unit or leave it out');
    const empty: WeightsFile = { ...w, cells: w.cells.map((c) => ({ ...c, achieved_share: 0 })) };
    expect(() => mix({ centre: { weights: empty, file: 'w.json', from: 'weights' } })).toThrow('w.json: cells: no cell has an achieved share above 0; nothing to centre the candidates on');
    const foreign: WeightsFile = { ...w, cells: [...w.cells, { ...w.cells[0]!, lang: 'fr', achieved_share: 0.1 }] };
    expect(() => mix({ centre: { weights: foreign, file: 'w.json', from: 'weights' } })).toThrow(
      /^w\.json: cells: fr\/law has weight .* but no data in report\.json \(were the weights made from another report\?\)$/,
    );
  });
});

describe('defaults', () => {
  it('the library and the command take theirs from MIXTURE_DEFAULTS', () => {
    const program = new Command();
    registerMixturesCommand(program);
    const cmd = program.commands.find((c) => c.name() === 'mixtures')!;
    const cli = Object.fromEntries(cmd.options.filter((o) => o.defaultValue !== undefined).map((o) => [o.attributeName(), o.defaultValue]));
    const d = MIXTURE_DEFAULTS;
    expect(cli).toEqual({
      domains: d.domains,
      candidates: d.candidates,
      alpha: [...d.alphas],
      seed: d.seed,
      temperature: d.temperature,
      minShare: d.minShare,
      floor: d.floor,
    });
    const m = mix();
    expect(m.sampling).toMatchObject({ seed: 1, candidates: 64, alphas: [0.1, 0.5, 1, 2, 5], temperature: 1, min_share: 0, floor: 0, max_epochs: null, budget: 1000, budget_source: 'corpus' });
    expect([m.unit, m.domain_level, m.candidates.length]).toEqual(['tokens', 'cell', 65]);
  });
});

describe('topicmix mixtures (CLI)', () => {
  let dir: string;
  const p = (f: string): string => join(dir, f);
  beforeAll(async () => {
    requireBuiltCli();
    dir = tempDir();
    await writeFile(p('report.json'), prettyJson(report));
    await writeFile(p('target.yaml'), 'topics: {science: 0.5, law: 0.5}\nbudget: 800\n');
  });

  it('rebalance -> mixtures --weights writes the three files; the same seed gives the same bytes', async () => {
    expect((await runCli(['rebalance', '--report', p('report.json'), '--target', p('target.yaml'), '-o', p('w.json'), '-q'])).code).toBe(0);
    const args = ['mixtures', '--report', p('report.json'), '--weights', p('w.json'), '--candidates', '8', '--seed', '3', '--max-epochs', '4', '--alpha', '0.5,5'];
    const r = await runCli([...args, '-o', p('a')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^topicmix mixtures: 4 domains \(cell, tokens\), 10 rows \(8 candidates, centre: weights\); \d+ draws, \d+ redrawn/);
    const json = JSON.parse(await readFile(p('a/candidates.json'), 'utf8')) as MixtureCandidatesFile;
    expect(json.schema).toBe('topicmix/mixture-candidates@1');
    expect(json.sampling).toMatchObject({ seed: 3, alphas: [0.5, 5], max_epochs: 4, budget: 800, budget_source: 'weights' });
    expect(json.candidates.map((c) => c.alpha)).toEqual([null, null, 0.5, 5, 0.5, 5, 0.5, 5, 0.5, 5]);
    const csv = await readFile(p('a/candidates.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe(`run,${DOMAINS.join(',')}`);
    expect(csv).toBe(formatCandidatesCsv(json));
    expect((await runCli([...args, '-o', p('b'), '-q'])).stderr).toBe('');
    for (const f of ['domains.csv', 'candidates.csv', 'candidates.json']) expect(await readFile(p(`b/${f}`), 'utf8')).toBe(await readFile(p(`a/${f}`), 'utf8'));
  });

  it('--target plans in memory; bad options give one line naming the flag', async () => {
    const t = await runCli(['mixtures', '--report', p('report.json'), '--target', p('target.yaml'), '--candidates', '2', '--domains', 'topic', '-o', p('t'), '-q']);
    expect(t.code).toBe(0);
    expect(await readFile(p('t/candidates.csv'), 'utf8')).toMatch(/^run,law,science\nnatural,0\.2,0\.8\ncentre,0\.5,0\.5\nmix-0001,/);
    const floor = await runCli(['mixtures', '--report', p('report.json'), '--floor', '0.3', '-o', p('x')]);
    expect(floor).toMatchObject({ code: 1, stderr: 'topicmix mixtures: --floor: 0.3 x 4 domains is more than the whole mixture (at most 0.25)\n' });
    const both = await runCli(['mixtures', '--report', p('report.json'), '--weights', p('w.json'), '--target', p('target.yaml'), '-o', p('x')]);
    expect(both).toMatchObject({ code: 1, stderr: 'topicmix mixtures: give --weights or --target, not both\n' });
    const alpha = await runCli(['mixtures', '--report', p('report.json'), '--alpha', '1,x', '-o', p('x')]);
    expect(alpha.code).toBe(1);
    expect(alpha.stderr).toMatch(/option '--alpha <list>' argument '1,x' is invalid\. must be positive numbers separated by commas/);
    const missing = await runCli(['mixtures', '--report', p('nope.json'), '-o', p('x')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^topicmix mixtures: .*nope\.json/);
  });
});

// Pinned from the implementation (mulberry32 seed 42, alpha 2): a change here changes every exported swarm, so it
// must be deliberate. Epochs are weight x budget (1000, the corpus) / tokens of the domain.
const FIRST_ROW_SEED_42 = {
  run: 'mix-0001',
  kind: 'dirichlet',
  alpha: 2,
  weights: { 'zh:law': 0.000421185399388948, 'zh:science': 0.130573950275729, 'en:law': 0.142887371088786, 'en:science': 0.726117493236096 },
  epochs: { 'zh:law': 0.00421185399388948, 'zh:science': 0.652869751378645, 'en:law': 1.42887371088786, 'en:science': 1.21019582206016 },
  max_epochs: 1.42887371088786,
};
