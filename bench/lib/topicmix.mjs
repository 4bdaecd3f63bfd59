// The topicmix half: train, eval and classify through the built CLI (dist/cli/main.js).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, failText, median, cmdline } from './proc.mjs';
import { countLines } from './data.mjs';
import { log } from './setup.mjs';
import { scoreLabels } from './metrics.mjs';

/** Environment for CLI runs: keep dotenv (pulled in by `natural`) quiet. */
const ENV = { ...process.env, DOTENV_CONFIG_QUIET: 'true' };

/**
 * Is the CLI built and does it have a working `train` command?
 * @param {string} repo
 * @returns {Promise<{available:boolean, error?:string}>}
 */
export async function probe(repo) {
  const main = path.join(repo, 'dist/cli/main.js');
  if (!fs.existsSync(main)) return { available: false, error: `${main} not found (build with: npm run build)` };
  const r = await run('node', [main, 'train', '--help'], { cwd: repo, env: ENV, timed: false, timeoutMs: 60_000 });
  if (!r.ok) return { available: false, error: failText(r, 600) };
  return { available: true };
}

/**
 * Parse the JSON object printed by `eval --json`, tolerating banner lines around it.
 * @param {string} out
 * @returns {any}
 */
export function parseJsonOutput(out) {
  const s = out.trim();
  try {
    return JSON.parse(s);
  } catch {
    /* fall through */
  }
  const lines = s.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = /** @type {string} */ (lines[i]).trim();
    if (l.startsWith('{')) {
      try {
        return JSON.parse(lines.slice(i).join('\n'));
      } catch {
        try {
          return JSON.parse(l);
        } catch {
          /* keep looking */
        }
      }
    }
  }
  const a = s.indexOf('{');
  const b = s.lastIndexOf('}');
  if (a >= 0 && b > a) return JSON.parse(s.slice(a, b + 1));
  throw new Error('no JSON object on stdout');
}

/**
 * Parse `read N, tagged N, errors N` from the classify stderr (last occurrence).
 * @param {string} stderr
 */
export function parseCounts(stderr) {
  const re = /read\s+([\d,_]+)\s*,\s*tagged\s+([\d,_]+)\s*,\s*errors\s+([\d,_]+)/gi;
  let m;
  let last = null;
  while ((m = re.exec(stderr))) last = m;
  if (!last) return null;
  const n = (/** @type {string} */ x) => Number(x.replace(/[,_]/g, ''));
  return { read: n(/** @type {string} */ (last[1])), tagged: n(/** @type {string} */ (last[2])), errors: n(/** @type {string} */ (last[3])) };
}

/**
 * Cores a classify run used: the --workers value (default 1); if the measured CPU utilisation
 * ((user+sys)/wall) is above 1.5 cores, that (rounded, capped at the machine's cores) instead.
 * @param {number|null} workers @param {number|null} cpuUtil
 */
export function coresUsed(workers, cpuUtil) {
  const w = workers ?? 1;
  const measured = cpuUtil !== null && cpuUtil > 1.5 ? Math.min(os.cpus().length, Math.round(cpuUtil)) : 1;
  return Math.max(w, measured);
}

/**
 * @param {object} a
 * @param {string} a.repo
 * @param {string} a.ds
 * @param {{train:string, dev:string|null, test:string}} a.files
 * @param {string} a.dir                 bench/work/<ds>
 * @param {import('./data.mjs').BigFile} a.big
 * @param {number} a.reps                classify timing repetitions
 * @param {number|null} a.workers        --workers for classify (null: not passed)
 * @param {number} a.timeoutMs
 */
export async function runTopicmix({ repo, ds, files, dir, big, reps, workers, timeoutMs }) {
  const main = path.join(repo, 'dist/cli/main.js');
  const model = path.join(dir, 'model');
  /** @type {any} */
  const out = { model };

  // 1. train
  fs.rmSync(model, { recursive: true, force: true });
  const trainArgs = [main, 'train', '--data', files.train, ...(files.dev ? ['--dev', files.dev] : []), '--out', model, '--seed', '1', '--json'];
  log(`${ds}: topicmix train`);
  const tr = await run('node', trainArgs, { cwd: repo, env: ENV, stdout: { file: path.join(dir, 'train.stdout.log') }, stderrLog: path.join(dir, 'train.stderr.log'), timeoutMs });
  out.train = { command: tr.command, ok: tr.ok, wall_s: tr.wall_s, peak_rss_mb: tr.rss_mb, user_s: tr.user_s, sys_s: tr.sys_s };
  if (!tr.ok) {
    out.error = `train failed: ${failText(tr)}`;
    log(`${ds}: topicmix train FAILED: ${tr.error}`);
    return out;
  }
  try {
    const sum = parseJsonOutput(fs.readFileSync(path.join(dir, 'train.stdout.log'), 'utf8'));
    out.train.summary = sum;
    out.train.in_process_s = typeof sum?.seconds === 'number' ? sum.seconds : null;
    out.train.epochs = sum?.training?.epochs ?? null;
  } catch {
    out.train.summary = null; // --json output is informative only
  }
  log(`${ds}: topicmix train ${tr.wall_s.toFixed(2)} s wall (${out.train.in_process_s?.toFixed?.(2) ?? '?'} s in-process, ${out.train.epochs ?? '?'} epochs), ${tr.rss_mb?.toFixed(0)} MB`);

  // 2. eval
  const ev = await run('node', [main, 'eval', '--model', model, '--data', files.test, '--json'], { cwd: repo, env: ENV, stderrLog: path.join(dir, 'eval.stderr.log'), timeoutMs });
  out.eval_command = ev.command;
  if (!ev.ok) {
    out.error = `eval failed: ${failText(ev)}`;
    log(`${ds}: topicmix eval FAILED: ${ev.error}`);
  } else {
    try {
      out.eval = parseJsonOutput(ev.stdout);
      const missing = ['accuracy', 'macro_f1'].filter((k) => typeof out.eval[k] !== 'number');
      if (missing.length) out.error = `eval JSON lacks ${missing.join(', ')}`;
      log(`${ds}: topicmix eval accuracy ${out.eval.accuracy?.toFixed?.(4)} macro-F1 ${out.eval.macro_f1?.toFixed?.(4)} (backend ${out.eval.backend})`);
    } catch (e) {
      out.error = `eval output not parseable: ${/** @type {Error} */ (e).message}; stdout starts: ${ev.stdout.slice(0, 300)}`;
      log(`${ds}: topicmix eval output not parseable`);
    }
  }

  // 2b. cross-check: classify the test split and score the "topic" field against gold in JS.
  const testOut = path.join(dir, 'test.out.jsonl');
  const ck = await run('node', [main, 'classify', '--model', model, files.test, '-o', testOut], { cwd: repo, env: ENV, stdout: 'ignore', timeoutMs });
  if (!ck.ok) out.classify_test = { error: failText(ck) };
  else {
    try {
      const gold = [];
      const pred = [];
      for (const line of fs.readFileSync(testOut, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        const o = JSON.parse(line);
        gold.push(String(o.label));
        pred.push(typeof o.topic === 'string' ? o.topic : null);
      }
      const s = scoreLabels(gold, pred);
      const evAcc = out.eval?.accuracy;
      out.classify_test = {
        accuracy: s.accuracy,
        macro_f1: s.macro_f1,
        n: s.n,
        matches_eval: typeof evAcc === 'number' ? Math.abs(evAcc - s.accuracy) < 1e-6 : null,
      };
      if (out.classify_test.matches_eval === false) log(`${ds}: WARNING classify on test.jsonl gives accuracy ${s.accuracy.toFixed(4)}, eval said ${evAcc}`);
    } catch (e) {
      out.classify_test = { error: `scoring classify output: ${/** @type {Error} */ (e).message}` };
    }
  }
  if (out.classify_test.error) log(`${ds}: topicmix classify on test.jsonl failed: ${out.classify_test.error.split('\n')[0]}`);

  // 3. classify throughput on big.jsonl
  const outFile = path.join(dir, 'out.jsonl');
  const args = [main, 'classify', '--model', model, big.path, '-o', outFile, ...(workers !== null ? ['--workers', String(workers)] : [])];
  /** @type {any[]} */
  const runs = [];
  log(`${ds}: topicmix classify ${big.lines} docs (${(big.bytes / 1e6).toFixed(1)} MB) x ${reps}`);
  for (let i = 0; i < reps; i++) {
    fs.rmSync(outFile, { force: true });
    const cr = await run('node', args, { cwd: repo, env: ENV, stdout: 'ignore', stderrLog: path.join(dir, 'classify.stderr.log'), timeoutMs });
    if (!cr.ok) {
      out.classify = { command: cr.command, error: failText(cr) };
      out.error = (out.error ? out.error + '\n' : '') + `classify failed: ${failText(cr)}`;
      log(`${ds}: topicmix classify FAILED: ${cr.error}`);
      return out;
    }
    const counts = parseCounts(cr.stderr);
    const outLines = fs.existsSync(outFile) ? countLinesOfFile(outFile) : null;
    const cpu = cr.user_s !== null && cr.sys_s !== null && cr.wall_s > 0 ? (cr.user_s + cr.sys_s) / cr.wall_s : null;
    runs.push({ wall_s: cr.wall_s, rss_mb: cr.rss_mb, user_s: cr.user_s, sys_s: cr.sys_s, cpu_util: cpu, counts, out_lines: outLines });
  }
  const first = runs[0];
  const wall = median(runs.map((r) => r.wall_s));
  const cpuUtil = median(runs.map((r) => r.cpu_util ?? NaN));
  const cores = coresUsed(workers, Number.isFinite(cpuUtil) ? cpuUtil : null);
  /** @type {string[]} */
  const problems = [];
  if (!first.counts) problems.push('no "read N, tagged N, errors N" line on stderr');
  else if (first.counts.read !== big.lines) problems.push(`read ${first.counts.read} != ${big.lines} input lines`);
  if (first.out_lines !== null && first.out_lines !== big.lines) problems.push(`output has ${first.out_lines} lines for ${big.lines} inputs`);
  out.classify = {
    command: cmdline('node', args),
    input: big.path,
    docs: big.lines,
    input_bytes: big.bytes,
    copies: big.copies,
    runs,
    wall_s: wall,
    docs_per_s: big.lines / wall,
    mb_per_s: big.bytes / 1e6 / wall,
    peak_rss_mb: Math.max(...runs.map((r) => r.rss_mb ?? 0)) || null,
    workers,
    cpu_util: Number.isFinite(cpuUtil) ? cpuUtil : null,
    cores_used: cores,
    docs_per_s_per_core: big.lines / wall / cores,
    counts: first.counts,
    check: problems.length ? problems.join('; ') : 'ok',
  };
  if (problems.length) log(`${ds}: topicmix classify check: ${problems.join('; ')}`);
  log(`${ds}: topicmix classify ${Math.round(big.lines / wall)} docs/s, ${(big.bytes / 1e6 / wall).toFixed(1)} MB/s, ${out.classify.peak_rss_mb?.toFixed(0)} MB, cpu ${cpuUtil.toFixed(2)}`);
  fs.rmSync(outFile, { force: true });
  return out;
}

/** @param {string} file */
export function countLinesOfFile(file) {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  let n = 0;
  let last = 10;
  try {
    for (;;) {
      const k = fs.readSync(fd, buf, 0, buf.length, null);
      if (k <= 0) break;
      n += countLines(buf.subarray(0, k)) - (buf[k - 1] !== 10 ? 1 : 0);
      last = /** @type {number} */ (buf[k - 1]);
    }
  } finally {
    fs.closeSync(fd);
  }
  return last === 10 ? n : n + 1;
}

/**
 * Memory run: classify a large input once, peak RSS.
 * @param {object} a
 * @param {string} a.repo @param {string} a.model @param {import('./data.mjs').BigFile} a.input
 * @param {string} a.outFile @param {number|null} a.workers @param {number} a.timeoutMs @param {string} a.logFile
 */
export async function memoryRun({ repo, model, input, outFile, workers, timeoutMs, logFile }) {
  const main = path.join(repo, 'dist/cli/main.js');
  fs.rmSync(outFile, { force: true });
  const args = [main, 'classify', '--model', model, input.path, '-o', outFile, ...(workers !== null ? ['--workers', String(workers)] : [])];
  const r = await run('node', args, { cwd: repo, env: ENV, stdout: 'ignore', stderrLog: logFile, timeoutMs });
  const counts = parseCounts(r.stderr);
  fs.rmSync(outFile, { force: true });
  if (!r.ok) return { input: input.path, error: failText(r) };
  return {
    command: r.command,
    input: input.path,
    input_bytes: input.bytes,
    docs: input.lines,
    wall_s: r.wall_s,
    docs_per_s: input.lines / r.wall_s,
    mb_per_s: input.bytes / 1e6 / r.wall_s,
    peak_rss_mb: r.rss_mb,
    counts,
    check: counts && counts.read === input.lines ? 'ok' : `read ${counts?.read ?? '?'} != ${input.lines}`,
  };
}
