/**
 * Entry of the child process that trains and ranks for the workbench server (rank-runner.ts forks it), so the
 * server keeps answering while a model trains. Reads one RankJob message, answers with one result message.
 */
import { runRankJob, type RankJob } from './rank.js';

process.once('message', (job: RankJob) => {
  runRankJob(job).then(
    (result) => process.send?.({ ok: true, result }, () => process.disconnect()),
    (err: unknown) => process.send?.({ ok: false, error: err instanceof Error ? err.message : String(err) }, () => process.disconnect()),
  );
});
