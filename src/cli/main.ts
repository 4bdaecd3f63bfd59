#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { cliMessage, printFailure } from './run-command.js';
import { exitCleanlyOnSignals } from './signals.js';

// natural's storage modules load dotenv, which prints a banner on stdout; stdout is for results only
process.env.DOTENV_CONFIG_QUIET = 'true';

// `topicmix classify ... | head`: the reader went away; stop quietly, as Unix tools do
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
});
// stderr closed or its reader gone: notes and progress are dropped, but error records written there fail
// the run (writeErrorRecordsToStderr) and the failure is said on stdout (printFailure); without this
// listener Node would die with exit code 7 and no message
process.stderr.on('error', () => undefined);

exitCleanlyOnSignals();

const program = new Command()
  .name('topicmix')
  .description('Tag Chinese and English web documents with topics, and turn the tags into topic-proportion reports for LLM pre-training mixtures.')
  .version(VERSION)
  .showHelpAfterError()
  .exitOverride();

type Register = (program: Command) => void;
// Each command's module (and what it imports) loads only when that command runs: `topicmix classify` on one
// document does not pay for loading train, report, rebalance... Help without a command lists them all.
const COMMANDS: Record<string, () => Promise<Register>> = {
  train: async () => (await import('./commands/train.js')).registerTrainCommand,
  eval: async () => (await import('./commands/eval.js')).registerEvalCommand,
  classify: async () => (await import('./commands/classify.js')).registerClassifyCommand,
  labels: async () => (await import('./commands/labels.js')).registerLabelsCommand,
  report: async () => (await import('./commands/report.js')).registerReportCommand,
  rebalance: async () => (await import('./commands/rebalance.js')).registerRebalanceCommand,
  mixtures: async () => (await import('./commands/mixtures.js')).registerMixturesCommand,
  sample: async () => (await import('./commands/sample.js')).registerSampleCommand,
  doctor: async () => (await import('./commands/doctor.js')).registerDoctorCommand,
};
const asked = process.argv[2];
const names = asked !== undefined && Object.hasOwn(COMMANDS, asked) ? [asked] : Object.keys(COMMANDS);
for (const name of names) (await COMMANDS[name]!())(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else {
    printFailure(`topicmix: ${cliMessage((err as Error).message)}\n`);
    if (process.env.TOPICMIX_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    process.exitCode = 1;
  }
}
