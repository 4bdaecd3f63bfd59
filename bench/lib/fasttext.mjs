// The fastText half: write inputs, train configs, evaluate, time predict.
import fs from 'node:fs';
import path from 'node:path';
import { run, failText, median } from './proc.mjs';
import { ftText, LabelMap } from './ftprep.mjs';
import { shuffled, writeRepeated } from './data.mjs';
import { scoreLabels } from './metrics.mjs';
import { log } from './setup.mjs';

/**
 * @typedef {object} FtConfig
 * @property {number} epoch
 * @property {number} lr
 * @property {number} wordNgrams
 * @property {number} dim
 * @property {number} bucket
 */

/** The fastText paper's AG News configuration (bigrams, 10 dims), with 2M buckets. */
export const PAPER = /** @type {FtConfig} */ ({ epoch: 5, lr: 0.25, wordNgrams: 2, dim: 10, bucket: 2000000 });

/** @returns {FtConfig[]} */
export function gridConfigs() {
  /** @type {FtConfig[]} */
  const out = [];
  for (const epoch of [5, 25]) for (const lr of [0.1, 0.5, 1.0]) for (const wordNgrams of [1, 2]) out.push({ epoch, lr, wordNgrams, dim: 10, bucket: 2000000 });
  return out;
}

/** @param {FtConfig} c */
export function configName(c) {
  return `ep${c.epoch}-lr${c.lr}-ng${c.wordNgrams}-d${c.dim}`;
}

/** @param {FtConfig} c */
export function configArgs(c) {
  return ['-epoch', String(c.epoch), '-lr', String(c.lr), '-wordNgrams', String(c.wordNgrams), '-dim', String(c.dim), '-bucket', String(c.bucket)];
}

/**
 * @typedef {object} FtInputs
 * @property {string} train        labelled, shuffled training file
 * @property {string} test         test texts, one per line, no labels
 * @property {string|null} dev     dev texts or null
 * @property {string[]} testGold
 * @property {string[]|null} devGold
 * @property {LabelMap} labels
 * @property {Buffer} testBody     contents of `test` (for building big.txt)
 */

/**
 * Write the fastText-format files for one dataset.
 * @param {{train:import('./data.mjs').Row[], test:import('./data.mjs').Row[], dev:import('./data.mjs').Row[]|null}} rows
 * @param {string} dir
 * @returns {FtInputs}
 */
export function writeInputs(rows, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const labels = new LabelMap();
  for (const r of [...rows.train, ...rows.test, ...(rows.dev ?? [])]) labels.add(r.label);
  // fastText does not shuffle; some train files are sorted by label (fewclue_csldcp) or by language
  // (sib200), so shuffle with a fixed seed, as a fastText user would (`shuf`).
  const trainLines = shuffled(rows.train, 1).map((r) => `${labels.add(r.label)} ${ftText(r.text, r.lang)}`);
  const train = path.join(dir, 'train.txt');
  fs.writeFileSync(train, trainLines.join('\n') + '\n');
  const test = path.join(dir, 'test.txt');
  const testBody = Buffer.from(rows.test.map((r) => ftText(r.text, r.lang)).join('\n') + '\n');
  fs.writeFileSync(test, testBody);
  let dev = null;
  if (rows.dev) {
    dev = path.join(dir, 'dev.txt');
    fs.writeFileSync(dev, rows.dev.map((r) => ftText(r.text, r.lang)).join('\n') + '\n');
  }
  fs.writeFileSync(path.join(dir, 'labels.json'), JSON.stringify(labels, null, 1));
  return {
    train,
    test,
    dev,
    testGold: rows.test.map((r) => r.label),
    devGold: rows.dev ? rows.dev.map((r) => r.label) : null,
    labels,
    testBody,
  };
}

/**
 * `fasttext predict` a text file and score it against gold.
 * @param {string} bin @param {string} model @param {string} file @param {string[]} gold @param {LabelMap} labels
 */
async function predictScore(bin, model, file, gold, labels) {
  const outFile = `${file}.pred`;
  const r = await run(bin, ['predict', model, file], { stdout: { file: outFile }, timed: false });
  if (!r.ok) throw new Error(failText(r));
  const lines = fs.readFileSync(outFile, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length !== gold.length) throw new Error(`fasttext predict ${file}: ${lines.length} predictions for ${gold.length} documents`);
  const pred = lines.map((l) => {
    const tok = l.trim().split(/\s+/)[0] ?? '';
    return tok ? (labels.back(tok) ?? tok) : null;
  });
  return scoreLabels(gold, pred);
}

/**
 * @typedef {object} FtConfigResult
 * @property {string} name
 * @property {FtConfig} config
 * @property {string} [error]
 * @property {number[]} train_wall_s        every timed training run (first one produced the model)
 * @property {number} train_wall_median_s
 * @property {number|null} train_rss_mb     peak RSS of the first training run
 * @property {number|null} model_bytes
 * @property {{accuracy:number, macro_f1:number}|null} dev
 * @property {{accuracy:number, macro_f1:number, n:number}|null} test
 * @property {object} [predict]             throughput on big.txt (best / paper only)
 */

/**
 * Train one config (once), score it on dev (when present) and test.
 * @param {string} bin @param {FtInputs} inp @param {FtConfig} cfg @param {string} dir
 * @returns {Promise<FtConfigResult>}
 */
export async function trainAndScore(bin, inp, cfg, dir) {
  const name = configName(cfg);
  const prefix = path.join(dir, name);
  /** @type {FtConfigResult} */
  const res = { name, config: cfg, train_wall_s: [], train_wall_median_s: NaN, train_rss_mb: null, model_bytes: null, dev: null, test: null };
  const r = await run(bin, ['supervised', '-input', inp.train, '-output', prefix, '-thread', '2', '-verbose', '0', ...configArgs(cfg)], {});
  if (!r.ok) {
    res.error = failText(r);
    return res;
  }
  fs.rmSync(`${prefix}.vec`, { force: true });
  res.train_wall_s.push(r.wall_s);
  res.train_wall_median_s = r.wall_s;
  res.train_rss_mb = r.rss_mb;
  res.model_bytes = fs.statSync(`${prefix}.bin`).size;
  try {
    if (inp.dev && inp.devGold) {
      const d = await predictScore(bin, `${prefix}.bin`, inp.dev, inp.devGold, inp.labels);
      res.dev = { accuracy: d.accuracy, macro_f1: d.macro_f1 };
    }
    const t = await predictScore(bin, `${prefix}.bin`, inp.test, inp.testGold, inp.labels);
    res.test = { accuracy: t.accuracy, macro_f1: t.macro_f1, n: t.n };
  } catch (e) {
    res.error = /** @type {Error} */ (e).message;
  }
  return res;
}

/**
 * Re-time training until there are `reps` runs (into a scratch prefix, model discarded).
 * @param {string} bin @param {FtInputs} inp @param {FtConfigResult} res @param {string} dir @param {number} reps
 */
export async function retime(bin, inp, res, dir, reps) {
  const prefix = path.join(dir, `retime-${res.name}`);
  while (res.train_wall_s.length < reps && !res.error) {
    const r = await run(bin, ['supervised', '-input', inp.train, '-output', prefix, '-thread', '2', '-verbose', '0', ...configArgs(res.config)], {});
    if (!r.ok) {
      res.error = failText(r);
      break;
    }
    res.train_wall_s.push(r.wall_s);
  }
  fs.rmSync(`${prefix}.bin`, { force: true });
  fs.rmSync(`${prefix}.vec`, { force: true });
  res.train_wall_median_s = median(res.train_wall_s);
}

/**
 * Time `fasttext predict M.bin big.txt > /dev/null` (median of reps).
 * @param {string} bin @param {string} model @param {import('./data.mjs').BigFile} big @param {number} reps
 */
export async function timePredict(bin, model, big, reps) {
  /** @type {{wall_s:number, rss_mb:number|null, user_s:number|null, sys_s:number|null}[]} */
  const runs = [];
  for (let i = 0; i < reps; i++) {
    const r = await run(bin, ['predict', model, big.path], { stdout: 'ignore' });
    if (!r.ok) return { error: failText(r) };
    runs.push({ wall_s: r.wall_s, rss_mb: r.rss_mb, user_s: r.user_s, sys_s: r.sys_s });
  }
  const wall = median(runs.map((r) => r.wall_s));
  const rss = runs.every((r) => r.rss_mb === null) ? null : Math.max(...runs.map((r) => r.rss_mb ?? 0));
  return {
    input: big.path,
    docs: big.lines,
    input_bytes: big.bytes,
    runs,
    wall_s: wall,
    docs_per_s: big.lines / wall,
    mb_per_s: big.bytes / 1e6 / wall,
    peak_rss_mb: rss,
    cores_used: 1,
  };
}

/**
 * The whole fastText half for one dataset.
 * @param {object} a
 * @param {string} a.bin
 * @param {FtInputs} a.inp
 * @param {string} a.dir
 * @param {import('./data.mjs').BigFile} a.bigSpec   copies/lines of big.jsonl (big.txt gets as many copies)
 * @param {boolean} a.quick
 * @param {number} a.reps
 * @param {string} a.ds
 * @param {boolean} [a.keepModels]  keep every config's .bin (default: only paper and best; 80 MB each at 2M buckets)
 */
export async function runFastText({ bin, inp, dir, bigSpec, quick, reps, ds, keepModels = false }) {
  const select = inp.dev ? 'dev' : 'test';
  const metric = (/** @type {FtConfigResult} */ r) => (select === 'dev' ? r.dev?.accuracy : r.test?.accuracy) ?? -1;
  /** @type {FtConfigResult[]} */
  const configs = [];
  const step = async (/** @type {FtConfig} */ cfg, /** @type {string} */ tag) => {
    const r = await trainAndScore(bin, inp, cfg, dir);
    configs.push(r);
    if (r.error) log(`${ds}: fasttext ${tag} ${r.name} FAILED: ${r.error.split('\n')[0]}`);
    else
      log(
        `${ds}: fasttext ${tag} ${r.name}: ${r.dev ? `dev ${r.dev.accuracy.toFixed(4)} ` : ''}test ${r.test?.accuracy.toFixed(4)} ` +
          `F1 ${r.test?.macro_f1.toFixed(4)} train ${r.train_wall_s[0]?.toFixed(2)} s`,
      );
    return r;
  };
  const paper = await step(PAPER, 'paper');
  if (!quick) {
    const grid = gridConfigs();
    for (let i = 0; i < grid.length; i++) await step(/** @type {FtConfig} */ (grid[i]), `grid ${i + 1}/${grid.length}`);
    const okDim10 = configs.filter((r) => !r.error && r.config.dim === 10);
    const bestDim10 = okDim10.reduce((a, b) => (metric(b) > metric(a) ? b : a), /** @type {FtConfigResult} */ (okDim10[0] ?? paper));
    await step({ ...bestDim10.config, dim: 50 }, 'best+dim50');
  }
  const ok = configs.filter((r) => !r.error);
  const best = ok.length ? ok.reduce((a, b) => (metric(b) > metric(a) ? b : a)) : null;

  // Timing: median of `reps` training runs for the paper and best configs; predict throughput.
  const bigTxt = writeRepeated(inp.testBody, bigSpec.copies, path.join(dir, 'big.txt'));
  for (const r of best && best !== paper ? [paper, best] : [paper]) {
    if (r.error) continue;
    log(`${ds}: fasttext timing ${r.name} (${reps} train runs, ${reps} predict runs on ${bigTxt.lines} docs)`);
    await retime(bin, inp, r, dir, reps);
    r.predict = await timePredict(bin, path.join(dir, `${r.name}.bin`), bigTxt, reps);
    const p = /** @type {any} */ (r.predict);
    if (p.error) log(`${ds}: fasttext predict FAILED: ${p.error.split('\n')[0]}`);
    else log(`${ds}: fasttext ${r.name}: train ${r.train_wall_median_s.toFixed(2)} s, predict ${Math.round(p.docs_per_s)} docs/s, ${p.peak_rss_mb?.toFixed(0)} MB`);
  }
  if (!keepModels) {
    for (const r of configs) if (r !== paper && r !== best) fs.rmSync(path.join(dir, `${r.name}.bin`), { force: true });
  }
  for (const f of [inp.test, inp.dev]) if (f) fs.rmSync(`${f}.pred`, { force: true });
  return {
    selection_rule: select === 'dev' ? 'best dev accuracy' : 'best test accuracy (no dev split)',
    selected_by: select,
    grid_searched: !quick,
    label_map: inp.labels.toJSON(),
    big_txt: { path: bigTxt.path, docs: bigTxt.lines, bytes: bigTxt.bytes, copies: bigTxt.copies },
    paper: paper.name,
    best: best?.name ?? null,
    configs,
  };
}
