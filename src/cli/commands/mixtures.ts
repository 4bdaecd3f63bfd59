import { type Command, InvalidArgumentError, Option } from 'commander';
import { MIXTURE_DEFAULTS } from '../../defaults.js';
import { UsageError } from '../../errors.js';
import { parseAmount } from '../../rebalance/amount.js';
import { MIXTURE_FILES, mixtureCandidates, writeMixtureCandidates, type DomainLevel, type MixtureCandidatesOptions } from '../../rebalance/mixture-export.js';
import { rebalance } from '../../rebalance/plan.js';
import { readWeights } from '../../rebalance/read-weights.js';
import { readTargetSpec } from '../../rebalance/target-spec.js';
import type { Unit } from '../../rebalance/weights-types.js';
import { readReport } from '../../report/read-report.js';
import { nonNegativeIntArg, nonNegativeNumberArg, positiveNumberArg } from '../options.js';
import { runCommand } from '../run-command.js';

interface MixturesCliOptions {
  report: string;
  weights?: string;
  target?: string;
  normalise?: boolean;
  output: string;
  domains: DomainLevel;
  unit?: Unit;
  candidates: number;
  alpha: number[];
  seed: number;
  temperature: number;
  minShare: number;
  floor: number;
  maxEpochs?: number;
  budget?: string;
  centreRow: boolean;
  naturalRow: boolean;
  quiet?: boolean;
}

function alphaList(v: string): number[] {
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isFinite(x) || x <= 0)) throw new InvalidArgumentError('must be positive numbers separated by commas, e.g. 0.1,1,5');
  return xs;
}

const seedArg = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32) throw new InvalidArgumentError('must be an integer in [0, 4294967295]');
  return n;
};

export function registerMixturesCommand(program: Command): void {
  program
    .command('mixtures')
    .description('domains with their token counts and seeded Dirichlet candidate mixtures, for RegMix / Olmix-style mixture regressions')
    .requiredOption('--report <file>', 'report.json from `topicmix report`: the domains and their sizes')
    .option('--weights <file>', 'weights.json from `topicmix rebalance`: centre the candidates on its achieved mix (default: the natural mix)')
    .option('--target <file>', 'target.yaml: plan it in memory (as rebalance would) and centre the candidates on the result')
    .option('--normalise', 'with --target: scale shares that do not sum to 1')
    .requiredOption('-o, --output <dir>', `folder for ${MIXTURE_FILES.join(', ')}`)
    .addOption(new Option('--domains <level>', 'one domain per topic x language cell, per topic, or per language').choices(['cell', 'topic', 'lang']).default(MIXTURE_DEFAULTS.domains))
    .addOption(new Option('--unit <unit>', "what the shares count (default: the weights' unit, else tokens)").choices(['tokens', 'docs', 'chars']))
    .option('--candidates <n>', 'Dirichlet candidates to draw', nonNegativeIntArg, MIXTURE_DEFAULTS.candidates)
    .option('--alpha <list>', 'concentration scales, used in turn (small: sparse, far from the centre; large: near it)', alphaList, [...MIXTURE_DEFAULTS.alphas])
    .option('--seed <n>', 'seed of the draws', seedArg, MIXTURE_DEFAULTS.seed)
    .option('--temperature <t>', 'raise the centre to this power before drawing (below 1 flattens it)', nonNegativeNumberArg, MIXTURE_DEFAULTS.temperature)
    .option('--min-share <m>', 'set shares below this to 0 and rescale the rest', nonNegativeNumberArg, MIXTURE_DEFAULTS.minShare)
    .option('--floor <f>', 'least share of every domain', nonNegativeNumberArg, MIXTURE_DEFAULTS.floor)
    .option('--max-epochs <n>', "no candidate asks for more than this many passes over a domain's data at the budget", positiveNumberArg)
    .option('--budget <amount>', "size of the training run the mixtures are for, e.g. 100B (default: the weights' budget, else the corpus size)")
    .option('--no-centre-row', 'leave out the centre mix row (written by default when the centre is a target)')
    .option('--no-natural-row', 'leave out the natural mix row')
    .option('-q, --quiet', 'no summary on stderr')
    .action(async (opts: MixturesCliOptions) => {
      await runCommand('mixtures', async () => {
        if (opts.weights !== undefined && opts.target !== undefined) throw new UsageError('give --weights or --target, not both');
        let budget: number | undefined;
        if (opts.budget !== undefined) {
          const b = parseAmount(opts.budget);
          if (b === null) throw new UsageError(`--budget: cannot read "${opts.budget}" as an amount (e.g. 100B, 2.5T, 300M)`);
          budget = b;
        }
        const report = await readReport(opts.report);
        let centre: MixtureCandidatesOptions['centre'] = null;
        if (opts.weights !== undefined) centre = { weights: await readWeights(opts.weights), file: opts.weights, from: 'weights' };
        if (opts.target !== undefined) {
          const spec = await readTargetSpec(opts.target);
          const weights = await rebalance(report, spec, {
            reportFile: opts.report,
            targetFile: opts.target,
            normalise: opts.normalise === true,
            ...(budget === undefined ? {} : { budget }),
          });
          centre = { weights, file: opts.target, from: 'target' };
        }
        const m = mixtureCandidates(report, {
          reportFile: opts.report,
          centre,
          domains: opts.domains,
          candidates: opts.candidates,
          alpha: opts.alpha,
          seed: opts.seed,
          temperature: opts.temperature,
          minShare: opts.minShare,
          floor: opts.floor,
          maxEpochs: opts.maxEpochs ?? null,
          includeCentre: opts.centreRow,
          includeNatural: opts.naturalRow,
          ...(opts.unit === undefined ? {} : { unit: opts.unit }),
          ...(budget === undefined ? {} : { budget }),
        });
        const paths = await writeMixtureCandidates(opts.output, m);
        if (opts.quiet !== true) {
          const s = m.sampling;
          const rejected = s.rejected.over_cap + s.rejected.duplicate + s.rejected.below_min_share;
          process.stderr.write(
            `topicmix mixtures: ${m.domains.length} domains (${m.domain_level}, ${m.unit}), ${m.candidates.length} rows ` +
              `(${s.candidates} candidates, centre: ${m.centre.from}); ${s.draws} draws, ${rejected} redrawn ` +
              `(over caps ${s.rejected.over_cap}, duplicates ${s.rejected.duplicate}, below min share ${s.rejected.below_min_share})\n` +
              m.notes.map((n) => `note: ${n}\n`).join('') +
              `wrote ${paths.join(', ')}\n`,
          );
        }
      });
    });
}
