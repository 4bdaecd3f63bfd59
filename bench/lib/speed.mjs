// Issue 10 sections: per-core classify vs fastText from alternating runs (speed), the parse-and-copy floor,
// worker scaling on ~100 MB (workers), one-document start-up (startup), training time / accuracy / model
// size (train) and the npm peer fasttext.wasm (peers). Results go to <out>/results-speed.{json,md}.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readJsonl, copiesFor, writeRepeated } from './data.mjs';
import { run, failText, median, cmdline } from './proc.mjs';
import { writeInputs, trainAndScore, configArgs, configName, PAPER } from './fasttext.mjs';
import { parseJsonOutput, parseCounts, countLinesOfFile } from './topicmix.mjs';
import { log } from './setup.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ENV = { ...process.env, DOTENV_CONFIG_QUIET: 'true' };
export const SPEED_SECTIONS = ['train', 'speed', 'peers', 'workers', 'startup'];
export const SPEED_DATASETS = ['ag_news', 'thucnews', 'thucnews_articles', 'bbc_news'];
/** Speed inputs: the test split repeated (whole copies) to >= 100k docs or >= 32 MB, whichever comes first. */
const SPEED_MIN_LINES = 100_000;
const SPEED_MIN_BYTES = 32e6;
const PEER_VERSION = '1.0.1';

export const SPEED_TARGETS = {
  classify_ratio_min: { ag_news: 1.5, thucnews: 1.5, bbc_news: 1.0, thucnews_articles: 1.0 },
  floor_ratio_max: 2,
  workers_speedup_min: 1.8,
  workers_rss_ratio_max: 1.3,
  startup_max_s: 0.25,
  train_ratio_max: 1.0,
  model_max_mb: 40,
  acc_vs_previous_min_points: -0.2,
};

/** @param {string} p @param {string} repo */
function rel(p, repo) {
  const r = path.relative(repo, p);
  return r.startsWith('..') ? p : r;
}

/** Load average, rounded. */
export function loadavg() {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

/** The busiest processes by command name (no arguments), to say what else was running. */
export function busiest(n = 6) {
  const r = spawnSync('ps', ['-eo', 'pcpu=,comm=', '--sort=-pcpu'], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, n)
    .map((l) => {
      const [cpu, ...rest] = l.split(/\s+/);
      return { cpu_pct: Number(cpu), command: rest.join(' ') };
    });
}

/** @param {string} dir */
function dirBytes(dir) {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
  }
  return n;
}

/** @param {import('./proc.mjs').RunResult} r */
function cpuOf(r) {
  return r.user_s !== null && r.sys_s !== null ? r.user_s + r.sys_s : null;
}

/** @param {import('./proc.mjs').RunResult} r */
function slim(r) {
  return { wall_s: r.wall_s, rss_mb: r.rss_mb, user_s: r.user_s, sys_s: r.sys_s };
}

/**
 * Median wall / RSS / CPU of a list of runs, and docs/s.
 * @param {{wall_s:number, rss_mb:number|null, user_s:number|null, sys_s:number|null}[]} runs @param {number} docs
 */
function stats(runs, docs) {
  const wall = median(runs.map((r) => r.wall_s));
  const cpu = median(runs.map((r) => (r.user_s !== null && r.sys_s !== null ? r.user_s + r.sys_s : NaN)));
  const rss = median(runs.map((r) => r.rss_mb ?? NaN));
  return {
    runs,
    wall_s: wall,
    docs_per_s: docs / wall,
    cpu_s: Number.isFinite(cpu) ? cpu : null,
    docs_per_cpu_s: Number.isFinite(cpu) && cpu > 0 ? docs / cpu : null,
    cpu_util: Number.isFinite(cpu) && wall > 0 ? cpu / wall : null,
    peak_rss_mb: Number.isFinite(rss) ? rss : null,
  };
}

/**
 * fastText's best config for a dataset as chosen by the grid of the last full run (bench/results.json),
 * else null.
 * @param {string} benchDir @param {string} ds
 */
export function previousRun(benchDir, ds) {
  try {
    const prev = JSON.parse(fs.readFileSync(path.join(benchDir, 'results.json'), 'utf8'));
    const d = prev.datasets?.find((/** @type {any} */ x) => x.name === ds);
    const best = d?.fasttext?.configs?.find((/** @type {any} */ c) => c.name === d.fasttext.best);
    return {
      file: path.join(benchDir, 'results.json'),
      date: prev.machine?.date ?? null,
      commit: prev.machine?.topicmix_commit ?? null,
      ft_best_config: best?.config ?? null,
      ft_best_acc: best?.test?.accuracy ?? null,
      tm_acc: d?.topicmix?.eval?.accuracy ?? null,
    };
  } catch {
    return null;
  }
}

/**
 * Everything one dataset needs: data, repeated input, fastText inputs, topicmix model (trained here
 * with default options unless the train section already did), fastText paper model.
 */
class Dataset {
  /** @param {{repo:string, dataDir:string, work:string, name:string, timeoutMs:number}} a */
  constructor({ repo, dataDir, work, name, timeoutMs }) {
    this.repo = repo;
    this.name = name;
    this.timeoutMs = timeoutMs;
    this.main = path.join(repo, 'dist/cli/main.js');
    const dir = path.join(dataDir, name);
    this.files = {
      train: path.join(dir, 'train.jsonl'),
      test: path.join(dir, 'test.jsonl'),
      dev: fs.existsSync(path.join(dir, 'dev.jsonl')) ? path.join(dir, 'dev.jsonl') : null,
    };
    this.dir = path.join(work, name);
    fs.mkdirSync(this.dir, { recursive: true });
    /** @type {string|null} */
    this.model = null;
    /** @type {any} */
    this.modelInfo = null;
    /** @type {import('./fasttext.mjs').FtInputs|null} */
    this.ftInputs = null;
    /** @type {any} */
    this.paper = null;
    /** @type {any} */
    this.big = null;
    /** @type {any} */
    this.bigTxt = null;
  }

  available() {
    return fs.existsSync(this.files.train) && fs.existsSync(this.files.test);
  }

  /** @param {string} out @returns {string[]} */
  trainArgs(out) {
    return [this.main, 'train', '--data', this.files.train, ...(this.files.dev ? ['--dev', this.files.dev] : []), '--out', out, '--seed', '1', '--json'];
  }

  /** One `topicmix train` with default options into `out`. @param {string} out */
  async trainOnce(out) {
    fs.rmSync(out, { recursive: true, force: true });
    const stdoutFile = path.join(this.dir, 'train.stdout.log');
    const r = await run('node', this.trainArgs(out), { cwd: this.repo, env: ENV, stdout: { file: stdoutFile }, stderrLog: path.join(this.dir, 'train.stderr.log'), timeoutMs: this.timeoutMs });
    /** @type {any} */
    let summary = null;
    if (r.ok) {
      try {
        summary = parseJsonOutput(fs.readFileSync(stdoutFile, 'utf8'));
      } catch {
        summary = null;
      }
    }
    return { r, summary };
  }

  /** Set the serving model (from the train section's first run, or a fresh default train). @param {string} [given] */
  async ensureModel(given) {
    if (this.model) return;
    const model = given ?? path.join(this.dir, 'model');
    if (!given) {
      log(`${this.name}: topicmix train (default options)`);
      const { r } = await this.trainOnce(model);
      if (!r.ok) throw new Error(`topicmix train failed: ${failText(r)}`);
    }
    this.model = model;
    const files = fs.readdirSync(model);
    this.modelInfo = { path: model, bytes_on_disk: dirBytes(model), files: Object.fromEntries(files.map((f) => [f, fs.statSync(path.join(model, f)).size])) };
  }

  /** Rows, fastText inputs and the fastText paper-config model. @param {string} ftBin */
  async ensureFastText(ftBin) {
    if (this.paper) return;
    const rows = { train: readJsonl(this.files.train), test: readJsonl(this.files.test), dev: this.files.dev ? readJsonl(this.files.dev) : null };
    this.ftInputs = writeInputs(rows, path.join(this.dir, 'ft'));
    log(`${this.name}: fastText paper config ${configName(PAPER)}`);
    this.paper = await trainAndScore(ftBin, this.ftInputs, PAPER, path.join(this.dir, 'ft'));
    if (this.paper.error) throw new Error(`fastText paper training failed: ${this.paper.error}`);
  }

  /** The repeated test split (JSONL) and, when fastText inputs exist, the same docs pre-tokenized. */
  ensureBig() {
    if (!this.big) {
      const buf = fs.readFileSync(this.files.test);
      const lines = countLinesOfFile(this.files.test);
      const copies = copiesFor(lines, buf.length, { minLines: SPEED_MIN_LINES, minBytes: SPEED_MIN_BYTES });
      this.big = writeRepeated(buf, copies, path.join(this.dir, 'speed.jsonl'));
    }
    if (!this.bigTxt && this.ftInputs) this.bigTxt = writeRepeated(this.ftInputs.testBody, this.big.copies, path.join(this.dir, 'ft', 'speed.txt'));
  }
}

/**
 * Train section for one dataset: topicmix train (defaults) alternating with fastText's best config
 * (2 threads), `reps` each; accuracy of both; model size on disk.
 * @param {Dataset} d @param {string} ftBin @param {number} reps @param {any} prev
 */
async function trainSection(d, ftBin, reps, prev) {
  await d.ensureFastText(ftBin);
  const inp = /** @type {import('./fasttext.mjs').FtInputs} */ (d.ftInputs);
  const cfg = prev?.ft_best_config ?? PAPER;
  const cfgSource = prev?.ft_best_config ? `best config of the grid in ${path.basename(prev.file)} (${prev.date ?? '?'}), not re-searched here` : 'paper config (no previous full run found to take the best config from)';
  /** @type {any[]} */
  const tmRuns = [];
  /** @type {any[]} */
  const ftRuns = [];
  const model = path.join(d.dir, 'model');
  const scratch = path.join(d.dir, 'model-retrain');
  let summary = null;
  let ftFirst = null;
  const ftPrefix = path.join(d.dir, 'ft', `best-${configName(cfg)}`);
  const ftArgs = ['supervised', '-input', inp.train, '-output', ftPrefix, '-thread', '2', '-verbose', '0', ...configArgs(cfg)];
  for (let i = 0; i < reps; i++) {
    const t = await d.trainOnce(i === 0 ? model : scratch);
    if (!t.r.ok) return { error: `topicmix train failed: ${failText(t.r)}` };
    if (i === 0) summary = t.summary;
    tmRuns.push(slim(t.r));
    if (i === 0) {
      // first fastText run: the model that is scored (trainAndScore writes <dir>/<name>.bin)
      ftFirst = await trainAndScore(ftBin, inp, cfg, path.join(d.dir, 'ft'));
      if (ftFirst.error) return { error: `fastText ${configName(cfg)}: ${ftFirst.error}` };
      ftRuns.push({ wall_s: ftFirst.train_wall_s[0], rss_mb: ftFirst.train_rss_mb, user_s: null, sys_s: null });
    } else {
      const r = await run(ftBin, ftArgs, {});
      if (!r.ok) return { error: failText(r) };
      ftRuns.push(slim(r));
    }
    log(`${d.name}: train rep ${i + 1}/${reps}: topicmix ${t.r.wall_s.toFixed(2)} s, fastText ${ftRuns[i].wall_s.toFixed(2)} s`);
  }
  fs.rmSync(scratch, { recursive: true, force: true });
  for (const ext of ['.bin', '.vec']) fs.rmSync(ftPrefix + ext, { force: true });
  // the scored best model (up to 400 MB at dim 50) is not needed later; the paper model is
  if (configName(cfg) !== configName(PAPER)) fs.rmSync(path.join(d.dir, 'ft', `${configName(cfg)}.bin`), { force: true });
  await d.ensureModel(model);
  const ev = await run('node', [d.main, 'eval', '--model', model, '--data', d.files.test, '--json'], { cwd: d.repo, env: ENV, timed: false, timeoutMs: d.timeoutMs });
  /** @type {any} */
  let evj = null;
  if (ev.ok) {
    try {
      evj = parseJsonOutput(ev.stdout);
    } catch {
      evj = null;
    }
  }
  const tmWall = median(tmRuns.map((r) => r.wall_s));
  const ftWall = median(ftRuns.map((r) => r.wall_s));
  const tmAcc = typeof evj?.accuracy === 'number' ? evj.accuracy : null;
  const ftAcc = ftFirst?.test?.accuracy ?? null;
  const mb = d.modelInfo.bytes_on_disk / 1e6;
  return {
    topicmix: { command: cmdline('node', d.trainArgs(model)), runs: tmRuns, wall_s: tmWall, in_process_s: summary?.seconds ?? null, epochs: summary?.training?.epochs ?? null, eval_command: ev.command, accuracy: tmAcc, macro_f1: evj?.macro_f1 ?? null, eval_error: ev.ok ? undefined : failText(ev) },
    fasttext: { config: cfg, config_name: configName(cfg), config_source: cfgSource, command: cmdline(ftBin, ftArgs), runs: ftRuns, wall_s: ftWall, accuracy: ftAcc, macro_f1: ftFirst?.test?.macro_f1 ?? null, model_bytes: ftFirst?.model_bytes ?? null },
    model: d.modelInfo,
    model_mb: mb,
    ratio: ftWall > 0 ? tmWall / ftWall : null,
    ratio_pass: ftWall > 0 ? tmWall / ftWall <= SPEED_TARGETS.train_ratio_max : null,
    acc_delta_points: tmAcc !== null && ftAcc !== null ? (tmAcc - ftAcc) * 100 : null,
    acc_pass: tmAcc !== null && ftAcc !== null ? tmAcc >= ftAcc : null,
    previous_tm_acc: prev?.tm_acc ?? null,
    acc_vs_previous_points: tmAcc !== null && typeof prev?.tm_acc === 'number' ? (tmAcc - prev.tm_acc) * 100 : null,
    acc_vs_previous_pass: tmAcc !== null && typeof prev?.tm_acc === 'number' ? (tmAcc - prev.tm_acc) * 100 >= SPEED_TARGETS.acc_vs_previous_min_points : null,
    model_pass: mb <= SPEED_TARGETS.model_max_mb,
  };
}

/**
 * Tools of the classify rotation: each returns a RunResult-like object.
 * @typedef {{name:string, command:string[], out:string, check:(r:any)=>string|null}} Tool
 */

/**
 * One rotation per dataset: topicmix classify --workers 1, fastText predict (paper, pre-tokenized), the
 * floor script, and (with the peers section) fasttext.wasm; `reps` rounds, tools in a fixed order per
 * round, so every tool sees the same machine state on average. Then --backend wasm once.
 * @param {Dataset} d @param {{ftBin:string|null, speed:boolean, peers:boolean, peerDir:string|null, reps:number}} a
 */
async function classifyRotation(d, { ftBin, speed, peers, peerDir, reps }) {
  d.ensureBig();
  const big = d.big;
  const outDir = path.join(d.dir, 'out');
  fs.mkdirSync(outDir, { recursive: true });
  const model = /** @type {string} */ (d.model);
  const paperBin = path.join(d.dir, 'ft', `${configName(PAPER)}.bin`);
  /** @type {Tool[]} */
  const tools = [];
  const lineCheck = (/** @type {string} */ file) => () => {
    const n = fs.existsSync(file) ? countLinesOfFile(file) : 0;
    return n === big.lines ? null : `output has ${n} lines for ${big.lines} inputs`;
  };
  const tmOut = path.join(outDir, 'topicmix.jsonl');
  tools.push({ name: 'topicmix', command: ['node', d.main, 'classify', '--model', model, big.path, '-o', tmOut, '--workers', '1'], out: tmOut, check: lineCheck(tmOut) });
  if (speed && ftBin && d.bigTxt) tools.push({ name: 'fasttext', command: [ftBin, 'predict', paperBin, d.bigTxt.path], out: '', check: () => null });
  const floorOut = path.join(outDir, 'floor.jsonl');
  if (speed) tools.push({ name: 'floor', command: ['node', path.join(HERE, 'floor.mjs'), big.path, floorOut], out: floorOut, check: lineCheck(floorOut) });
  const peerOut = path.join(outDir, 'fasttext-wasm.jsonl');
  if (peers && peerDir) tools.push({ name: 'fasttext_wasm', command: ['node', path.join(HERE, 'peer-fasttext-wasm.mjs'), peerDir, paperBin, big.path, peerOut], out: peerOut, check: lineCheck(peerOut) });

  /** @type {Record<string, any[]>} */
  const runs = Object.fromEntries(tools.map((t) => [t.name, []]));
  /** @type {Record<string, string>} */
  const errors = {};
  /** @type {Record<string, string|null>} */
  const checks = {};
  /** @type {Record<string, any>} */
  const extra = {};
  for (let i = 0; i < reps; i++) {
    for (const t of tools) {
      if (errors[t.name]) continue;
      const [cmd, ...args] = /** @type {[string, ...string[]]} */ (t.command);
      const r = await run(cmd, args, { cwd: d.repo, env: ENV, stdout: t.name === 'fasttext_wasm' ? 'capture' : 'ignore', timeoutMs: d.timeoutMs });
      if (!r.ok) {
        errors[t.name] = failText(r);
        log(`${d.name}: ${t.name} FAILED: ${r.error}`);
        continue;
      }
      runs[t.name]?.push(slim(r));
      if (i === 0) {
        checks[t.name] = t.check(r);
        if (t.name === 'topicmix') extra.topicmix_counts = parseCounts(r.stderr);
        if (t.name === 'fasttext_wasm') {
          try {
            extra.fasttext_wasm_inner = JSON.parse(r.stdout.trim());
          } catch {
            extra.fasttext_wasm_inner = null;
          }
        }
      }
    }
    log(`${d.name}: round ${i + 1}/${reps}: ${tools.map((t) => `${t.name} ${runs[t.name]?.at(-1)?.wall_s?.toFixed(2) ?? 'x'} s`).join(', ')}`);
  }
  /** @type {any} */
  const res = { input: { path: big.path, docs: big.lines, bytes: big.bytes, copies: big.copies }, input_txt: d.bigTxt ? { path: d.bigTxt.path, bytes: d.bigTxt.bytes } : null, reps, order: tools.map((t) => t.name), tools: {} };
  for (const t of tools) {
    res.tools[t.name] = { command: cmdline(t.command[0] ?? '', t.command.slice(1)), ...(runs[t.name]?.length ? stats(/** @type {any[]} */ (runs[t.name]), big.lines) : {}), check: checks[t.name] ?? null, error: errors[t.name] };
  }
  res.topicmix_counts = extra.topicmix_counts ?? null;
  if (extra.fasttext_wasm_inner) res.tools.fasttext_wasm.inner = extra.fasttext_wasm_inner;

  // fasttext.wasm must predict what the fastText CLI predicts on the same model: compare on the test split
  if (peers && res.tools.fasttext_wasm && !errors.fasttext_wasm && d.ftInputs && ftBin) res.tools.fasttext_wasm.agreement = await peerAgreement(d, ftBin, peerDir, paperBin);

  if (speed) {
    // the old kernel, once
    const wOut = path.join(outDir, 'topicmix-wasm.jsonl');
    const cmd = ['node', d.main, 'classify', '--model', model, big.path, '-o', wOut, '--workers', '1', '--backend', 'wasm'];
    const r = await run('node', cmd.slice(1), { cwd: d.repo, env: ENV, stdout: 'ignore', timeoutMs: d.timeoutMs });
    res.tools.topicmix_wasm = r.ok ? { command: cmdline('node', cmd.slice(1)), ...stats([slim(r)], big.lines), check: lineCheck(wOut)(), same_topics_as_js: sameTopics(tmOut, wOut) } : { command: cmdline('node', cmd.slice(1)), error: failText(r) };
    log(`${d.name}: --backend wasm ${r.ok ? `${r.wall_s.toFixed(2)} s` : 'FAILED'}`);
    fs.rmSync(wOut, { force: true });
  }
  for (const t of tools) if (t.out) fs.rmSync(t.out, { force: true });

  const tm = res.tools.topicmix;
  const ft = res.tools.fasttext;
  const fl = res.tools.floor;
  /** @type {Record<string, number>} */
  const targets = SPEED_TARGETS.classify_ratio_min;
  const target = targets[d.name] ?? null;
  if (tm?.docs_per_s && ft?.docs_per_s) {
    res.ratio = tm.docs_per_s / ft.docs_per_s;
    res.ratio_cpu = tm.docs_per_cpu_s && ft.docs_per_cpu_s ? tm.docs_per_cpu_s / ft.docs_per_cpu_s : null;
    res.ratio_target = target;
    res.ratio_pass = target === null ? null : res.ratio >= target;
    // per-round ratios (each round's runs are neighbours in time): their median and range
    const per = tm.runs.map((/** @type {any} */ r, /** @type {number} */ i) => (ft.runs[i] ? ft.runs[i].wall_s / r.wall_s : NaN)).filter(Number.isFinite);
    res.ratio_per_round = { median: median(per), min: Math.min(...per), max: Math.max(...per) };
  }
  if (tm?.wall_s && fl?.wall_s) {
    res.floor_ratio = tm.wall_s / fl.wall_s;
    res.floor_pass = res.floor_ratio <= SPEED_TARGETS.floor_ratio_max;
  }
  if (tm?.docs_per_s && res.tools.topicmix_wasm?.docs_per_s) res.js_vs_wasm = tm.docs_per_s / res.tools.topicmix_wasm.docs_per_s;
  if (tm?.docs_per_s && res.tools.fasttext_wasm?.docs_per_s) res.vs_fasttext_wasm = tm.docs_per_s / res.tools.fasttext_wasm.docs_per_s;
  return res;
}

/** Do two classify outputs give the same `topic` on every line? @param {string} a @param {string} b */
function sameTopics(a, b) {
  try {
    const ta = fs.readFileSync(a, 'utf8').split('\n');
    const tb = fs.readFileSync(b, 'utf8').split('\n');
    if (ta.length !== tb.length) return { same: false, note: `${ta.length} vs ${tb.length} lines` };
    let diff = 0;
    let maxScoreDiff = 0;
    for (let i = 0; i < ta.length; i++) {
      if (!ta[i] || !tb[i]) continue;
      const x = JSON.parse(/** @type {string} */ (ta[i]));
      const y = JSON.parse(/** @type {string} */ (tb[i]));
      if (x.topic !== y.topic) diff++;
      maxScoreDiff = Math.max(maxScoreDiff, Math.abs((x.topic_score ?? 0) - (y.topic_score ?? 0)));
    }
    return { same: diff === 0, differing_topics: diff, max_topic_score_diff: maxScoreDiff };
  } catch (e) {
    return { same: null, note: /** @type {Error} */ (e).message };
  }
}

/**
 * fasttext.wasm vs the fastText CLI on the test split with the same .bin: top-1 agreement.
 * @param {Dataset} d @param {string} ftBin @param {string|null} peerDir @param {string} paperBin
 */
async function peerAgreement(d, ftBin, peerDir, paperBin) {
  const inp = /** @type {import('./fasttext.mjs').FtInputs} */ (d.ftInputs);
  const cliOut = path.join(d.dir, 'out', 'cli-test.pred');
  const peerOut = path.join(d.dir, 'out', 'peer-test.jsonl');
  const a = await run(ftBin, ['predict', paperBin, inp.test], { stdout: { file: cliOut }, timed: false });
  const b = await run('node', [path.join(HERE, 'peer-fasttext-wasm.mjs'), /** @type {string} */ (peerDir), paperBin, d.files.test, peerOut], { timed: false, stdout: 'ignore' });
  if (!a.ok || !b.ok) return { error: failText(a.ok ? b : a) };
  const cli = fs.readFileSync(cliOut, 'utf8').trim().split('\n').map((l) => l.trim().split(/\s+/)[0]?.replace(/^__label__/, ''));
  const peer = fs.readFileSync(peerOut, 'utf8').trim().split('\n').map((l) => JSON.parse(l).topic);
  let same = 0;
  for (let i = 0; i < cli.length; i++) if (cli[i] === peer[i]) same++;
  fs.rmSync(cliOut, { force: true });
  fs.rmSync(peerOut, { force: true });
  return { docs: cli.length, peer_docs: peer.length, same_top1: same };
}

/**
 * Workers section: --workers 1 vs 2 alternating on ~100 MB of a dataset's test split; speed-up, peak
 * RSS, byte-identical outputs.
 * @param {Dataset} d @param {number} reps @param {string} work
 */
async function workersSection(d, reps, work) {
  const dir = path.join(work, 'workers');
  fs.mkdirSync(dir, { recursive: true });
  const buf = fs.readFileSync(d.files.test);
  const input = writeRepeated(buf, Math.max(1, Math.round(100e6 / buf.length)), path.join(dir, `${d.name}-100mb.jsonl`));
  log(`workers: ${d.name} ${input.lines} docs, ${(input.bytes / 1e6).toFixed(0)} MB, --workers 1 vs 2 x ${reps}`);
  const outs = { 1: path.join(dir, 'out-w1.jsonl'), 2: path.join(dir, 'out-w2.jsonl') };
  /** @type {Record<number, any[]>} */
  const runs = { 1: [], 2: [] };
  /** @type {any[]} */
  const cmps = [];
  /** @type {Record<number, string>} */
  const cmds = {};
  for (let i = 0; i < reps; i++) {
    for (const w of /** @type {(1|2)[]} */ ([1, 2])) {
      const args = [d.main, 'classify', '--model', /** @type {string} */ (d.model), input.path, '-o', outs[w], '--workers', String(w)];
      cmds[w] = cmdline('node', args);
      fs.rmSync(outs[w], { force: true });
      const r = await run('node', args, { cwd: d.repo, env: ENV, stdout: 'ignore', timeoutMs: d.timeoutMs });
      if (!r.ok) return { input, error: failText(r) };
      runs[w]?.push(slim(r));
    }
    const c = spawnSync('cmp', ['-s', outs[1], outs[2]]);
    cmps.push(c.status === 0);
    log(`workers: round ${i + 1}/${reps}: 1 worker ${runs[1]?.at(-1).wall_s.toFixed(2)} s ${runs[1]?.at(-1).rss_mb?.toFixed(0)} MB, 2 workers ${runs[2]?.at(-1).wall_s.toFixed(2)} s ${runs[2]?.at(-1).rss_mb?.toFixed(0)} MB, identical ${c.status === 0}`);
  }
  const outBytes = fs.statSync(outs[1]).size;
  for (const f of Object.values(outs)) fs.rmSync(f, { force: true });
  const s1 = stats(/** @type {any[]} */ (runs[1]), input.lines);
  const s2 = stats(/** @type {any[]} */ (runs[2]), input.lines);
  const speedup = s1.wall_s / s2.wall_s;
  const rssRatio = s1.peak_rss_mb && s2.peak_rss_mb ? s2.peak_rss_mb / s1.peak_rss_mb : null;
  const per = (runs[1] ?? []).map((r, i) => r.wall_s / (runs[2]?.[i]?.wall_s ?? NaN)).filter(Number.isFinite);
  return {
    dataset: d.name,
    input: { path: input.path, docs: input.lines, bytes: input.bytes },
    output_bytes: outBytes,
    one: { command: cmds[1], ...s1 },
    two: { command: cmds[2], ...s2 },
    speedup,
    speedup_per_round: { median: median(per), min: Math.min(...per), max: Math.max(...per) },
    speedup_pass: speedup >= SPEED_TARGETS.workers_speedup_min,
    rss_ratio: rssRatio,
    rss_pass: rssRatio === null ? null : rssRatio <= SPEED_TARGETS.workers_rss_ratio_max,
    identical_each_round: cmps,
    identical: cmps.every(Boolean),
    cmp_command: `cmp -s ${rel(outs[1], d.repo)} ${rel(outs[2], d.repo)}`,
  };
}

/**
 * Start-up: one document with the shipped default model, alternating with `node -e 0`.
 * @param {{repo:string, work:string, reps:number, dataDir:string, timeoutMs:number}} a
 */
async function startupSection({ repo, work, reps, dataDir, timeoutMs }) {
  const main = path.join(repo, 'dist/cli/main.js');
  const one = path.join(work, 'one.jsonl');
  const src = path.join(dataDir, 'ag_news', 'test.jsonl');
  const first = fs.existsSync(src) ? (fs.readFileSync(src, 'utf8').split('\n')[0] ?? '') : JSON.stringify({ text: 'Stocks rallied on Wall Street after the central bank held rates.' });
  fs.writeFileSync(one, first + '\n');
  const out = path.join(work, 'one.out.jsonl');
  const tmArgs = [main, 'classify', one, '-o', out];
  /** @type {any[]} */
  const tm = [];
  /** @type {any[]} */
  const nd = [];
  for (let i = 0; i < reps; i++) {
    const a = await run('node', tmArgs, { cwd: repo, env: ENV, stdout: 'ignore', timeoutMs });
    if (!a.ok) return { error: failText(a) };
    tm.push(slim(a));
    const b = await run('node', ['-e', '0'], { cwd: repo, stdout: 'ignore' });
    nd.push(slim(b));
  }
  const outLines = countLinesOfFile(out);
  fs.rmSync(out, { force: true });
  const s = stats(tm, 1);
  const n = stats(nd, 1);
  log(`startup: one document ${s.wall_s.toFixed(3)} s (median of ${reps}), node -e 0 ${n.wall_s.toFixed(3)} s`);
  return {
    input: one,
    topicmix: { command: cmdline('node', tmArgs), ...s, output_lines: outLines },
    node: { command: 'node -e 0', ...n },
    over_node_s: s.wall_s - n.wall_s,
    pass: s.wall_s <= SPEED_TARGETS.startup_max_s,
  };
}

/**
 * Install the pinned fasttext.wasm into <work>/peer with npm ci from bench/peer/ (lockfile with integrity).
 * @param {string} benchDir @param {string} work @returns {Promise<{dir:string|null, error?:string, version?:string, install?:string}>}
 */
export async function ensurePeer(benchDir, work) {
  const dir = path.join(work, 'peer');
  const pkg = path.join(dir, 'node_modules/fasttext.wasm/package.json');
  const have = () => {
    try {
      return JSON.parse(fs.readFileSync(pkg, 'utf8')).version;
    } catch {
      return null;
    }
  };
  if (have() === PEER_VERSION) return { dir, version: PEER_VERSION, install: 'already installed' };
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(benchDir, 'peer', f), path.join(dir, f));
  log(`peers: npm ci fasttext.wasm@${PEER_VERSION} into ${dir}`);
  const r = await run('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir, timed: false, timeoutMs: 5 * 60_000 });
  if (!r.ok || have() !== PEER_VERSION) return { dir: null, error: `npm ci of fasttext.wasm@${PEER_VERSION} failed: ${failText(r)}` };
  return { dir, version: PEER_VERSION, install: 'npm ci (bench/peer/package-lock.json)' };
}

/**
 * Run the selected issue-10 sections and return the results object (also written by `write`).
 * @param {object} a
 * @param {string} a.repo @param {string} a.benchDir @param {string} a.dataDir @param {string} a.work
 * @param {string[]} a.sections @param {string[]} a.datasets @param {string|null} a.ftBin
 * @param {{speed:number, train:number, workers:number, startup:number}} a.reps
 * @param {string} a.workersDataset @param {number} a.timeoutMs
 * @param {any} a.results   the object to fill (command, machine, ... already set)
 * @param {() => void} a.write
 */
export async function runSpeedSections({ repo, benchDir, dataDir, work, sections, datasets, ftBin, reps, workersDataset, timeoutMs, results, write }) {
  const has = (/** @type {string} */ s) => sections.includes(s);
  fs.mkdirSync(work, { recursive: true });
  results.sections = sections;
  results.targets = SPEED_TARGETS;
  results.datasets = [];
  /** @type {Map<string, Dataset>} */
  const byName = new Map();
  const getDs = (/** @type {string} */ name) => {
    let d = byName.get(name);
    if (!d) byName.set(name, (d = new Dataset({ repo, dataDir, work, name, timeoutMs })));
    return d;
  };

  let peerDir = null;
  if (has('peers')) {
    const p = await ensurePeer(benchDir, work);
    results.peer = { package: 'fasttext.wasm', version: p.version ?? PEER_VERSION, install: p.install ?? null, dir: p.dir, error: p.error };
    peerDir = p.dir;
    if (!ftBin) results.peer.error = 'needs the fastText binary (the .bin model comes from `fasttext supervised`)';
  }

  if (has('train') || has('speed') || has('peers')) {
    for (const name of datasets) {
      const d = getDs(name);
      /** @type {any} */
      const dr = { name, errors: [] };
      results.datasets.push(dr);
      if (!d.available()) {
        dr.errors.push(`missing ${d.files.train} or ${d.files.test}; skipped`);
        write();
        continue;
      }
      try {
        const prev = previousRun(benchDir, name);
        if (has('train')) {
          if (!ftBin) dr.train = { error: 'fastText not available' };
          else dr.train = await trainSection(d, ftBin, reps.train, prev);
          if (dr.train.error) dr.errors.push(`train: ${dr.train.error}`);
          else log(`${name}: train ratio ${dr.train.ratio?.toFixed(2)}, acc ${((dr.train.topicmix.accuracy ?? NaN) * 100).toFixed(2)} vs fastText ${((dr.train.fasttext.accuracy ?? NaN) * 100).toFixed(2)}, model ${dr.train.model_mb.toFixed(1)} MB`);
          write();
        }
        if (has('speed') || has('peers')) {
          await d.ensureModel();
          if (ftBin) await d.ensureFastText(ftBin);
          dr.model = d.modelInfo;
          dr.classify = await classifyRotation(d, { ftBin, speed: has('speed'), peers: has('peers') && !!peerDir && !!ftBin, peerDir, reps: reps.speed });
          const c = dr.classify;
          log(`${name}: topicmix ${Math.round(c.tools.topicmix?.docs_per_s ?? NaN)} docs/s, ratio vs fastText ${c.ratio?.toFixed(2) ?? '-'}, floor ratio ${c.floor_ratio?.toFixed(2) ?? '-'}${c.vs_fasttext_wasm ? `, vs fasttext.wasm ${c.vs_fasttext_wasm.toFixed(2)}` : ''}`);
          for (const [k, t] of Object.entries(c.tools)) if (/** @type {any} */ (t).error) dr.errors.push(`${k}: ${/** @type {any} */ (t).error}`);
        }
      } catch (e) {
        dr.errors.push(`harness error: ${/** @type {Error} */ (e).stack}`);
        log(`${name}: harness error ${/** @type {Error} */ (e).message}`);
      }
      write();
    }
  }

  if (has('workers')) {
    const d = getDs(workersDataset);
    try {
      if (!d.available()) results.workers = { error: `dataset ${workersDataset} not found` };
      else {
        await d.ensureModel();
        results.workers = await workersSection(d, reps.workers, work);
      }
    } catch (e) {
      results.workers = { error: `harness error: ${/** @type {Error} */ (e).stack}` };
    }
    write();
  }

  if (has('startup')) {
    try {
      results.startup = await startupSection({ repo, work, reps: reps.startup, dataDir, timeoutMs });
    } catch (e) {
      results.startup = { error: `harness error: ${/** @type {Error} */ (e).stack}` };
    }
    write();
  }
  return results;
}
