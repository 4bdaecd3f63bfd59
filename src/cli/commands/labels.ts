import { InvalidArgumentError, type Command } from 'commander';
import { checkLabelSet, formatCheckReport } from '../../labels/check.js';

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

interface CheckOptions {
  json?: boolean;
  imbalanceRatio?: number;
  minPerTopic?: number;
}

export function registerLabelsCommand(program: Command): void {
  const labels = program.command('labels').description('work with label set directories (taxonomy.yaml + labelled JSONL)');
  labels
    .command('check')
    .description('validate a label set: parse errors, unknown labels, duplicates, empty or thin topics, imbalance')
    .argument('<dir>', 'label set directory')
    .option('--json', 'print the report as JSON')
    .option('--imbalance-ratio <n>', 'warn when largest/smallest topic count exceeds this', positiveNumber, 10)
    .option('--min-per-topic <n>', 'warn when a topic has fewer examples than this', nonNegativeInteger, 20)
    .action(async (dir: string, opts: CheckOptions) => {
      const report = await checkLabelSet(dir, { imbalanceRatio: opts.imbalanceRatio, minPerTopic: opts.minPerTopic });
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatCheckReport(report));
      // exitCode rather than exit() so stdout is flushed when piped.
      if (!report.ok) process.exitCode = 1;
    });
}
