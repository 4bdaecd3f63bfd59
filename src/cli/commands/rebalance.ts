import type { Command } from 'commander';
import { writeFileAtomic } from '../../io/atomic-writer.js';
import { checkOutputTargets } from '../../io/output-target.js';
import { parseAmount } from '../../rebalance/amount.js';
import { formatWeightsSummary } from '../../rebalance/format-summary.js';
import { rebalance } from '../../rebalance/plan.js';
import { readTargetSpec } from '../../rebalance/target-spec.js';
import { UsageError } from '../../errors.js';
import { nonNegativeNumberArg, positiveNumberArg } from '../options.js';
import { runCommand } from '../run-command.js';
import { prettyJson } from '../../report/pretty-json.js';
import { readReport } from '../../report/read-report.js';

interface RebalanceCliOptions {
  report: string;
  target: string;
  budget?: string;
  losses?: string;
  maxRepeat?: number;
  floor?: number;
  normalise?: boolean;
  output: string;
  quiet?: boolean;
}

export function registerRebalanceCommand(program: Command): void {
  program
    .command('rebalance')
    .description('per topic x language sampling weights that move a corpus toward target proportions')
    .requiredOption('--report <file>', 'report.json from `topicmix report`')
    .requiredOption('--target <file>', 'target.yaml: proportions, method, caps (see docs/mixtures.md)')
    .option('--budget <amount>', "size of the mixture in the target's unit, e.g. 100B, 2.5T, 300M (default: the target's, else the corpus size)")
    .option('--losses <file>', 'per-topic validation losses for method feedback (overrides feedback.losses)')
    .option('--max-repeat <n>', 'most times any document may appear (overrides max_repeat)', positiveNumberArg)
    .option('--floor <w>', 'least sampling weight of any cell with data (overrides floor)', nonNegativeNumberArg)
    .option('--normalise', 'scale shares that do not sum to 1 instead of refusing them')
    .option('-o, --output <file>', 'weights.json (- = stdout)', '-')
    .option('-q, --quiet', 'no summary on stderr')
    .action(async (opts: RebalanceCliOptions) => {
      await runCommand('rebalance', async () => {
        let budget: number | undefined;
        if (opts.budget !== undefined) {
          const b = parseAmount(opts.budget);
          if (b === null) throw new UsageError(`--budget: cannot read "${opts.budget}" as an amount (e.g. 100B, 2.5T, 300M)`);
          budget = b;
        }
        await checkOutputTargets([opts.report, opts.target, ...(opts.losses === undefined ? [] : [opts.losses])], [{ path: opts.output, what: '--output' }]);
        const report = await readReport(opts.report);
        const spec = await readTargetSpec(opts.target);
        const weights = await rebalance(report, spec, {
          reportFile: opts.report,
          targetFile: opts.target,
          normalise: opts.normalise === true,
          ...(budget === undefined ? {} : { budget }),
          ...(opts.losses === undefined ? {} : { lossesFile: opts.losses }),
          ...(opts.maxRepeat === undefined ? {} : { maxRepeat: opts.maxRepeat }),
          ...(opts.floor === undefined ? {} : { floor: opts.floor }),
        });
        await writeFileAtomic(opts.output, prettyJson(weights));
        if (opts.quiet !== true) process.stderr.write(formatWeightsSummary(weights));
      });
    });
}
