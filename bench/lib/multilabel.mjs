// The multi-label section (issue 13): topicmix `train --multi-label` vs fastText `-loss ova` on
// bdci2018_car_subjects (car-forum comments, 10 aspects, ~1.2 labels each), on the same split, with the
// thresholds of both tuned on the same dev slice, and both scored by the same function (topicmix's own
// computeMultiLabelMetrics from dist/, which `topicmix eval` uses).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { run, failText } from './proc.mjs';
import { ftText, LabelMap } from './ftprep.mjs';
import { shuffled } from './data.mjs';
import { log } from './setup.mjs';

export const ML_DATASET = 'bdci2018_car_subjects';
/** Share of train held out as dev (seeded) to tune thresholds and pick the config for both tools. */
export const DEV_SHARE = 0.1;
export const SPLIT_SEED = 13;
/** Training runs of fastText's selected config (it is not deterministic with 2 threads). */
export const REPEATS = 3;

/** fastText one-vs-all grid: lr {0.5, 1.0} x epoch {25, 50} x wordNgrams {1, 2}, dim 50, 2M buckets. */
export function ovaGrid() {
  const out = [];
  for (const lr of [0.5, 1.0]) for (const epoch of [25, 50]) for (const wordNgrams of [1, 2]) out.push({ lr, epoch, wordNgrams, dim: 50, bucket: 2000000 });
  return out;
}

/** @param {{lr:number, epoch:number, wordNgrams:number, dim:number}} c */
const cfgName = (c) => `ova-ep${c.epoch}-lr${c.lr}-ng${c.wordNgrams}-d${c.dim}`;

/**
 * @param {string} file
 * @returns {{text:string, labels:string[], lang?:string, line:string}[]}
 */
function readMulti(file) {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const o = JSON.parse(line);
      const labels = Array.isArray(o.labels) && o.labels.length ? o.labels : [o.label];
      return { text: o.text, labels, lang: o.lang, line };
    });
}

/**
 * Global threshold (one for every label) that maximises dev micro-F1, from 0.01 to 0.99 in steps of 0.01.
 * @param {Float32Array} probs @param {string[][]} gold @param {string[]} labels @param {(g:string[][], p:string[][], l:string[]) => any} metrics
 */
function tuneGlobal(probs, gold, labels, metrics) {
  let best = { t: 0.5, f1: -1 };
  for (let i = 1; i < 100; i++) {
    const t = i / 100;
    const f1 = metrics(gold, tagSets(probs, labels, labels.map(() => t)), labels).micro_f1;
    if (f1 > best.f1) best = { t, f1 };
  }
  return best.t;
}

/**
 * The same rule as topicmix's tags: every label at or above its threshold, else the top label.
 * @param {Float32Array} probs @param {string[]} labels @param {number[]} thresholds
 */
function tagSets(probs, labels, thresholds) {
  const K = labels.length;
  const out = [];
  for (let i = 0; i < probs.length / K; i++) {
    const row = probs.subarray(i * K, i * K + K);
    let tags = [];
    let top = 0;
    for (let k = 0; k < K; k++) {
      if (row[k] >= thresholds[k]) tags.push(k);
      if (row[k] > row[top]) top = k;
    }
    if (tags.length === 0) tags = [top];
    out.push(tags.map((k) => labels[k]));
  }
  return out;
}

/**
 * `fasttext predict-prob M.bin file -1 0` parsed into probabilities [n, K] in `labels` order.
 * @param {string} bin @param {string} model @param {string} file @param {string[]} labels @param {LabelMap} map @param {number} n
 */
async function predictProbs(bin, model, file, labels, map, n) {
  const outFile = `${file}.prob`;
  const r = await run(bin, ['predict-prob', model, file, '-1', '0'], { stdout: { file: outFile }, timed: false });
  if (!r.ok) throw new Error(failText(r));
  const lines = fs.readFileSync(outFile, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length !== n) throw new Error(`fasttext predict-prob ${file}: ${lines.length} lines for ${n} documents`);
  const K = labels.length;
  const index = new Map(labels.map((l, i) => [l, i]));
  const probs = new Float32Array(n * K);
  lines.forEach((l, i) => {
    const tok = l.trim().split(/\s+/);
    for (let j = 0; j + 1 < tok.length; j += 2) {
      const k = index.get(map.back(tok[j]) ?? '');
      if (k !== undefined) probs[i * K + k] = Number(tok[j + 1]);
    }
  });
  fs.rmSync(outFile, { force: true });
  return probs;
}

/**
 * @param {object} a
 * @param {string} a.repo
 * @param {string} a.dataDir
 * @param {string} a.work
 * @param {string|null} a.ftBin
 * @param {boolean} a.skipTopicmix
 * @param {number} a.timeoutMs
 */
export async function runMultiLabelSection({ repo, dataDir, work, ftBin, skipTopicmix, timeoutMs }) {
  const dir = path.join(dataDir, ML_DATASET);
  const res = /** @type {any} */ ({ dataset: ML_DATASET, errors: [] });
  if (!fs.existsSync(path.join(dir, 'train.jsonl')) || !fs.existsSync(path.join(dir, 'test.jsonl'))) {
    res.errors.push(`missing ${dir}/train.jsonl or test.jsonl; section skipped`);
    return res;
  }
  const { computeMultiLabelMetrics } = await import(pathToFileURL(path.join(repo, 'dist', 'eval', 'multilabel-metrics.js')).href);
  const { tuneThresholds } = await import(pathToFileURL(path.join(repo, 'dist', 'model', 'thresholds.js')).href);
  fs.mkdirSync(work, { recursive: true });
  const train = readMulti(path.join(dir, 'train.jsonl'));
  const test = readMulti(path.join(dir, 'test.jsonl'));
  const order = shuffled(
    train.map((_, i) => i),
    SPLIT_SEED,
  );
  const nDev = Math.round(train.length * DEV_SHARE);
  const devIdx = new Set(order.slice(0, nDev));
  const fit = train.filter((_, i) => !devIdx.has(i));
  const dev = train.filter((_, i) => devIdx.has(i));
  const files = { fit: path.join(work, 'fit.jsonl'), dev: path.join(work, 'dev.jsonl'), test: path.join(dir, 'test.jsonl'), train: path.join(dir, 'train.jsonl') };
  fs.writeFileSync(files.fit, fit.map((r) => r.line).join('\n') + '\n');
  fs.writeFileSync(files.dev, dev.map((r) => r.line).join('\n') + '\n');
  res.split = { train: train.length, fit: fit.length, dev: dev.length, test: test.length, dev_share: DEV_SHARE, seed: SPLIT_SEED, rule: 'dev = a seeded 10% of train.jsonl (bench/lib/data.mjs shuffled); both tools train on the other 90%' };
  const labels = [...new Set(train.flatMap((r) => r.labels))].sort();
  const testGold = test.map((r) => r.labels);
  const devGold = dev.map((r) => r.labels);
  const summary = (/** @type {any} */ m) => ({ micro_f1: m.micro_f1, macro_f1: m.macro_f1, micro_precision: m.micro_precision, micro_recall: m.micro_recall, subset_accuracy: m.subset_accuracy, hamming_loss: m.hamming_loss, predicted_per_doc: m.predicted_per_doc });

  // topicmix: --dev tunes the thresholds (and keeps the best epoch); eval scores the tags on test
  if (!skipTopicmix) {
    res.topicmix = [];
    const cli = path.join(repo, 'dist', 'cli', 'main.js');
    const variants = [
      { name: 'multi-label, --dev (same split as fastText)', thresholds: 'per-label, shrunk (dev)', args: ['--data', files.fit, '--dev', files.dev, '--multi-label'] },
      { name: 'multi-label, --dev, --dim 64', thresholds: 'per-label, shrunk (dev)', args: ['--data', files.fit, '--dev', files.dev, '--multi-label', '--dim', '64'] },
      { name: 'multi-label, all of train (fit + dev), no --dev', thresholds: 'per-label, shrunk (held-out 10%)', args: ['--data', files.train, '--multi-label'] },
      { name: 'softmax (--no-multi-label)', thresholds: 'none: top label', args: ['--data', files.fit, '--dev', files.dev, '--no-multi-label'] },
    ];
    for (const [i, v] of variants.entries()) {
      const out = path.join(work, `topicmix-${i}`);
      const t = await run(process.execPath, [cli, 'train', ...v.args, '--out', out, '--seed', '1', '--json'], { cwd: repo, timeoutMs });
      if (!t.ok) {
        res.errors.push(`topicmix ${v.name}: ${failText(t)}`);
        continue;
      }
      const e = await run(process.execPath, [cli, 'eval', '--model', out, '--data', files.test, '--json'], { cwd: repo, timeoutMs, timed: false });
      if (!e.ok) {
        res.errors.push(`topicmix eval ${v.name}: ${failText(e)}`);
        continue;
      }
      const rep = JSON.parse(e.stdout.trim().split('\n').pop() ?? '{}');
      const row = { name: v.name, thresholds: v.thresholds, command: `topicmix train ${v.args.map((a) => (a.startsWith('/') ? path.basename(a) : a)).join(' ')} --seed 1`, train_wall_s: t.wall_s, train_cpu_s: (t.user_s ?? 0) + (t.sys_s ?? 0), test: summary(rep.multi_label), top1_accuracy: rep.accuracy, per_label: rep.multi_label.per_label };
      res.topicmix.push(row);
      log(`multilabel: topicmix ${v.name}: test micro-F1 ${row.test.micro_f1.toFixed(4)}, macro-F1 ${row.test.macro_f1.toFixed(4)} (train ${t.wall_s.toFixed(1)} s)`);
    }
  }

  // fastText -loss ova: grid, then per-label or global thresholds tuned on dev; best by dev micro-F1
  if (ftBin) {
    const ftDir = path.join(work, 'ft');
    fs.mkdirSync(ftDir, { recursive: true });
    const map = new LabelMap();
    for (const l of labels) map.add(l);
    const fitTxt = path.join(ftDir, 'fit.txt');
    fs.writeFileSync(fitTxt, shuffled(fit, 1).map((r) => `${r.labels.map((l) => map.add(l)).join(' ')} ${ftText(r.text, r.lang)}`).join('\n') + '\n');
    const devTxt = path.join(ftDir, 'dev.txt');
    const testTxt = path.join(ftDir, 'test.txt');
    fs.writeFileSync(devTxt, dev.map((r) => ftText(r.text, r.lang)).join('\n') + '\n');
    fs.writeFileSync(testTxt, test.map((r) => ftText(r.text, r.lang)).join('\n') + '\n');
    res.fasttext = [];
    for (const cfg of ovaGrid()) {
      const prefix = path.join(ftDir, cfgName(cfg));
      const args = ['supervised', '-input', fitTxt, '-output', prefix, '-loss', 'ova', '-thread', '2', '-verbose', '0', '-lr', String(cfg.lr), '-epoch', String(cfg.epoch), '-wordNgrams', String(cfg.wordNgrams), '-dim', String(cfg.dim), '-bucket', String(cfg.bucket)];
      const t = await run(ftBin, args, {});
      if (!t.ok) {
        res.errors.push(`fastText ${cfgName(cfg)}: ${failText(t)}`);
        continue;
      }
      const devP = await predictProbs(ftBin, `${prefix}.bin`, devTxt, labels, map, dev.length);
      const testP = await predictProbs(ftBin, `${prefix}.bin`, testTxt, labels, map, test.length);
      const devSet = { n: dev.length, ...encodeGold(devGold, labels) };
      const perLabel = tuneThresholds(devP, devSet, labels.length, 0.5);
      const global = tuneGlobal(devP, devGold, labels, computeMultiLabelMetrics);
      const modes = [
        { mode: 'per-label', thresholds: perLabel },
        { mode: `global ${global}`, thresholds: labels.map(() => global) },
      ].map((m) => ({
        ...m,
        dev: summary(computeMultiLabelMetrics(devGold, tagSets(devP, labels, m.thresholds), labels)),
        test: summary(computeMultiLabelMetrics(testGold, tagSets(testP, labels, m.thresholds), labels)),
      }));
      for (const m of modes) {
        res.fasttext.push({ name: cfgName(cfg), config: cfg, threshold: m.mode, train_wall_s: t.wall_s, train_cpu_s: (t.user_s ?? 0) + (t.sys_s ?? 0), dev: m.dev, test: m.test });
        log(`multilabel: fastText ${cfgName(cfg)} ${m.mode}: dev micro-F1 ${m.dev.micro_f1.toFixed(4)}, test micro-F1 ${m.test.micro_f1.toFixed(4)}, macro-F1 ${m.test.macro_f1.toFixed(4)}`);
      }
      fs.rmSync(`${prefix}.bin`, { force: true });
      fs.rmSync(`${prefix}.vec`, { force: true });
    }
    const best = res.fasttext.reduce((/** @type {any} */ a, /** @type {any} */ b) => (b.dev.micro_f1 > (a?.dev.micro_f1 ?? -1) ? b : a), null);
    // fastText with -thread 2 is not deterministic (hogwild updates): the selected config is trained again
    // REPEATS - 1 times, thresholds tuned on dev each time, to show its run-to-run spread
    if (best) {
      const runs = [best.test.micro_f1];
      const macros = [best.test.macro_f1];
      for (let i = 1; i < REPEATS; i++) {
        const prefix = path.join(ftDir, `repeat-${i}`);
        const cfg = best.config;
        const t = await run(ftBin, ['supervised', '-input', fitTxt, '-output', prefix, '-loss', 'ova', '-thread', '2', '-verbose', '0', '-lr', String(cfg.lr), '-epoch', String(cfg.epoch), '-wordNgrams', String(cfg.wordNgrams), '-dim', String(cfg.dim), '-bucket', String(cfg.bucket)], {});
        if (!t.ok) break;
        const devP = await predictProbs(ftBin, `${prefix}.bin`, devTxt, labels, map, dev.length);
        const testP = await predictProbs(ftBin, `${prefix}.bin`, testTxt, labels, map, test.length);
        const th = best.threshold === 'per-label' ? tuneThresholds(devP, { n: dev.length, ...encodeGold(devGold, labels) }, labels.length, 0.5) : labels.map(() => tuneGlobal(devP, devGold, labels, computeMultiLabelMetrics));
        const m = computeMultiLabelMetrics(testGold, tagSets(testP, labels, th), labels);
        runs.push(m.micro_f1);
        macros.push(m.macro_f1);
        fs.rmSync(`${prefix}.bin`, { force: true });
        fs.rmSync(`${prefix}.vec`, { force: true });
      }
      const sorted = [...runs].sort((a, b) => a - b);
      res.fasttext_repeats = { config: best.name, threshold: best.threshold, test_micro_f1: runs, test_macro_f1: macros, median_micro_f1: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] };
      log(`multilabel: fastText ${best.name} ${best.threshold} over ${runs.length} runs: test micro-F1 ${runs.map((x) => x.toFixed(4)).join(', ')}`);
    }
    res.fasttext_best = best ? { name: best.name, threshold: best.threshold, selected_by: 'best dev micro-F1 over the grid x {per-label, global} thresholds', test: best.test } : null;
    const bestTest = res.fasttext.reduce((/** @type {any} */ a, /** @type {any} */ b) => (b.test.micro_f1 > (a?.test.micro_f1 ?? -1) ? b : a), null);
    res.fasttext_oracle = bestTest ? { name: bestTest.name, threshold: bestTest.threshold, selected_by: 'best TEST micro-F1 (optimistic for fastText)', test: bestTest.test } : null;
  } else res.errors.push('fastText not available: its half is skipped');

  const ours = res.topicmix?.[0];
  if (ours && res.fasttext_best) {
    const ft = res.fasttext_repeats?.median_micro_f1 ?? res.fasttext_best.test.micro_f1;
    res.target = {
      rule: `topicmix micro-F1 (multi-label, --dev, deterministic) >= fastText's config selected on dev (median of ${res.fasttext_repeats?.test_micro_f1.length ?? 1} runs)`,
      ours: ours.test.micro_f1,
      fasttext: ft,
      fasttext_range: res.fasttext_repeats ? [res.fasttext_repeats.min, res.fasttext_repeats.max] : null,
      pass: ours.test.micro_f1 >= ft,
    };
  }
  return res;
}

/**
 * Gold sets as the targets / targetOffsets of an encoded dataset (for tuneThresholds).
 * @param {string[][]} gold @param {string[]} labels
 */
function encodeGold(gold, labels) {
  const index = new Map(labels.map((l, i) => [l, i]));
  const targets = [];
  const targetOffsets = [0];
  for (const g of gold) {
    for (const l of g) targets.push(/** @type {number} */ (index.get(l)));
    targetOffsets.push(targets.length);
  }
  return { targets: Int32Array.from(targets), targetOffsets: Int32Array.from(targetOffsets) };
}

/** @param {any} r */
export function renderMultiLabelMarkdown(r) {
  const f = (/** @type {number} */ x) => (x === undefined || x === null ? '–' : x.toFixed(4));
  const out = [`# Multi-label: topicmix vs fastText -loss ova (${r.dataset})`, '', `Generated by \`${r.command}\` at ${r.finished ?? '(unfinished)'}.`, ''];
  if (r.split) out.push(`Split: ${r.split.fit} train / ${r.split.dev} dev / ${r.split.test} test. ${r.split.rule}. Thresholds of both tools are tuned on dev (per label to maximise F1, as \`topicmix train --dev\` does; fastText also with one global threshold), and a document always gets at least its top label. Both are scored by topicmix's computeMultiLabelMetrics (macro = mean over labels).`, '');
  if (r.target) out.push(`**Target** (${r.target.rule}): ${f(r.target.ours)} vs ${f(r.target.fasttext)}${r.target.fasttext_range ? ` (fastText runs ${f(r.target.fasttext_range[0])}–${f(r.target.fasttext_range[1])})` : ''}: **${r.target.pass ? 'pass' : 'FAIL'}**.`, '');
  if (r.fasttext_repeats) out.push(`fastText ${r.fasttext_repeats.config} (${r.fasttext_repeats.threshold}) trained ${r.fasttext_repeats.test_micro_f1.length} times (-thread 2 is not deterministic): test micro-F1 ${r.fasttext_repeats.test_micro_f1.map(f).join(', ')}; macro-F1 ${r.fasttext_repeats.test_macro_f1.map(f).join(', ')}. The table shows its first run.`, '');
  out.push('| tool / config | thresholds | test micro-F1 | test macro-F1 | micro P | micro R | subset acc | Hamming | labels/doc | dev micro-F1 | train wall s | train CPU s |', '|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const t of r.topicmix ?? []) out.push(`| topicmix ${t.name} | ${t.thresholds} | ${f(t.test.micro_f1)} | ${f(t.test.macro_f1)} | ${f(t.test.micro_precision)} | ${f(t.test.micro_recall)} | ${f(t.test.subset_accuracy)} | ${f(t.test.hamming_loss)} | ${t.test.predicted_per_doc.toFixed(2)} | – | ${t.train_wall_s.toFixed(1)} | ${t.train_cpu_s.toFixed(1)} |`);
  const best = r.fasttext_best;
  for (const c of r.fasttext ?? []) {
    const mark = best && c.name === best.name && c.threshold === best.threshold ? ' **(best on dev)**' : '';
    out.push(`| fastText ${c.name}${mark} | ${c.threshold} | ${f(c.test.micro_f1)} | ${f(c.test.macro_f1)} | ${f(c.test.micro_precision)} | ${f(c.test.micro_recall)} | ${f(c.test.subset_accuracy)} | ${f(c.test.hamming_loss)} | ${c.test.predicted_per_doc.toFixed(2)} | ${f(c.dev.micro_f1)} | ${c.train_wall_s.toFixed(1)} | ${c.train_cpu_s.toFixed(1)} |`);
  }
  if (r.fasttext_oracle) out.push('', `fastText's best config by TEST micro-F1 (optimistic): ${r.fasttext_oracle.name}, ${r.fasttext_oracle.threshold}: micro-F1 ${f(r.fasttext_oracle.test.micro_f1)}, macro-F1 ${f(r.fasttext_oracle.test.macro_f1)}.`);
  if (r.errors?.length) out.push('', '## Errors', '', ...r.errors.map((/** @type {string} */ e) => `- ${e.split('\n')[0]}`));
  out.push('', `Machine: ${r.machine?.cpu_model ?? '?'}, ${r.machine?.cores ?? '?'} cores, load at start ${r.machine?.load_avg_at_start?.join(' ') ?? '?'} (shared machine: times are noisy; topicmix's F1 figures are deterministic, fastText's vary from run to run).`, '');
  return out.join('\n');
}
