#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { cliMessage } from './run-command.js';
import { exitCleanlyOnSignals } from './signals.js';
import { registerClassifyCommand } from './commands/classify.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerEvalCommand } from './commands/eval.js';
import { registerLabelsCommand } from './commands/labels.js';
import { registerRebalanceCommand } from './commands/rebalance.js';
import { registerReportCommand } from './commands/report.js';
import { registerSampleCommand } from './commands/sample.js';
import { registerTrainCommand } from './commands/train.js';

// natural's storage modules load dotenv, which prints a banner on stdout; stdout is for results only
process.env.DOTENV_CONFIG_QUIET = 'true';

// `topicmix classify ... | head`: the reader went away; stop quietly, as Unix tools do
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
});

exitCleanlyOnSignals();

const program = new Command()
  .name('topicmix')
  .description('Tag Chinese and English web documents with topics, and turn the tags into topic-proportion reports for LLM pre-training mixtures.')
  .version(VERSION)
  .showHelpAfterError()
  .exitOverride();

registerTrainCommand(program);
registerEvalCommand(program);
registerClassifyCommand(program);
registerLabelsCommand(program);
registerReportCommand(program);
registerRebalanceCommand(program);
registerSampleCommand(program);
registerDoctorCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`topicmix: ${cliMessage((err as Error).message)}\n`);
    if (process.env.TOPICMIX_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    process.exitCode = 1;
  }
}
