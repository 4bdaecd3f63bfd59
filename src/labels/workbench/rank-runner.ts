import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RankJob, RankResult } from './rank.js';

type ChildMessage = { ok: true; result: RankResult } | { ok: false; error: string };

/**
 * Run a RankJob in a child process (node's fork): training and classifying the pool take seconds of CPU, and
 * the server must keep answering meanwhile. The child is the compiled rank-child.js next to this module.
 */
export function rankInChild(job: RankJob): { result: Promise<RankResult>; kill: () => void } {
  const entry = fileURLToPath(new URL('./rank-child.js', import.meta.url));
  if (!existsSync(entry)) {
    return { result: Promise.reject(new Error(`${entry} is missing: the workbench runs from the built package (npm run build)`)), kill: () => {} };
  }
  // its own process group: a Ctrl-C in the terminal goes to the server, which stops the child itself
  const child = fork(entry, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString('utf8')).slice(-4000);
  });
  const result = new Promise<RankResult>((resolve, reject) => {
    let answered = false;
    child.once('message', (m: ChildMessage) => {
      answered = true;
      if (m.ok) resolve(m.result);
      else reject(new Error(m.error));
      child.kill();
    });
    child.once('error', (err) => reject(err));
    child.once('exit', (code, signal) => {
      if (!answered) reject(new Error(`the ranking process ended (${signal ?? `exit ${code}`}) without a result${stderr ? `: ${stderr.trim()}` : ''}`));
    });
  });
  child.send(job);
  return { result, kill: () => child.kill() };
}
