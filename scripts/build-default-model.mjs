#!/usr/bin/env node
// Rebuilds models/default/ from labels/default (taxonomy, hand-written examples, mappings of the public
// datasets in ../shared/data), then measures it on the held-out test splits and on the raw web pages, and
// writes the model card. Deterministic: same inputs + same settings = same weights.bin.
//
//   npm run build:default-model [-- --data-root ../shared/data --out models/default --buckets 262144 --dim 32 --quantize uint8]
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { createGunzip } from 'node:zlib';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const lib = (p) => import(join(root, 'dist', p));
const { trainModel } = await lib('train.js');
const { loadClassifier } = await lib('classifier.js');
const { readLabelled, readPool } = await lib('io/labelled.js');
const { loadLabelSet } = await lib('labels/label-set.js');
const { agreeLabels } = await lib('labels/agree.js');
const { fitTemperature, applyTemperature, expectedCalibrationError } = await lib('eval/calibration.js');
const { correctedShares, totalVariation, DEFAULT_SHRINKAGE } = await lib('eval/quantify.js');
const { loadMapping, mappingFiles, applyMapping } = await lib('labels/mapping.js');
const { loadTaxonomy } = await lib('labels/taxonomy.js');
const { computeMetrics, metricsByGroup } = await lib('eval/metrics.js');
const { writeFileAtomic } = await lib('io/atomic-writer.js');
const { fileHashes } = await lib('io/file-identity.js');
const { extractMainText } = await lib('extract/html-text.js');
const { readModelParams, writeModelDir } = await lib('io/model-files.js');
const { useBackend } = await lib('model/backend.js');
const { argmax, topIndices } = await lib('model/top-k.js');

const { values: args } = parseArgs({
  options: {
    'data-root': { type: 'string', default: join(root, '..', 'shared', 'data') },
    out: { type: 'string', default: join(root, 'models', 'default') },
    buckets: { type: 'string', default: String(1 << 18) },
    dim: { type: 'string', default: '32' },
    quantize: { type: 'string', default: 'uint8' },
    seed: { type: 'string', default: '1' },
    'skip-web': { type: 'boolean', default: false },
    'web-weight': { type: 'string', default: '30' },
    folds: { type: 'string', default: '5' },
    'no-learning-curve': { type: 'boolean', default: false },
    // tuning: only the cross-validation on the web training split (never the held-out); prints out-of-fold accuracy
    'cv-only': { type: 'boolean', default: false },
    'oof-out': { type: 'string' },
    epochs: { type: 'string' },
    'class-weight': { type: 'string', default: 'none' },
    lr: { type: 'string' },
  },
});
const webWeight = Number(args['web-weight']);
const folds = Number(args.folds);
const dataRoot = resolve(args['data-root']);
const labelsDir = join(root, 'labels', 'default');
const mapDir = join(labelsDir, 'mappings');

if (!existsSync(dataRoot)) {
  console.error(`build:default-model: the public datasets are not here (${dataRoot}); nothing to do.`);
  console.error('Put the data folder described in labels/default/README.md there, or pass --data-root DIR.');
  process.exit(0);
}

const mapFiles = (await readdir(mapDir)).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(mapDir, f));
const maps = await Promise.all(mapFiles.map(loadMapping));
const taxonomy = await loadTaxonomy(join(labelsDir, 'taxonomy.yaml'));
const rel = (p) => relative(root, p);
const pct = (x) => (100 * x).toFixed(1);

// --- web labels: rows of labels/default/web keyed by web_pool ids, texts joined from the pool
const set = await loadLabelSet(labelsDir);
const poolFiles = ['web_pool/en.jsonl.gz', 'web_pool/zh.jsonl.gz'].map((f) => join(dataRoot, f));
const pool = await readPool(poolFiles);
const webRead = await readLabelled(set.poolFiles, { pool });
if (webRead.errors.length) throw new Error(`web labels: ${webRead.errors.length} bad rows, first: ${webRead.errors[0].message}`);
const webAll = webRead.examples;
const webTrain = webAll.filter((e) => e.annotation?.split !== 'heldout');
// pages picked by `label suggest` (uncertain ones) are trained on, but calibration and the confusion counts come
// from the random sample only: uncertainty-picked pages would make the model's error look larger than it is
const isRandom = (e) => !e.source.file.endsWith('-suggested.jsonl');
const webHeld = webAll.filter((e) => e.annotation?.split === 'heldout');
const labelsOrder = [...taxonomy.topics.map((t) => t.id), ...(taxonomy.abstain ? [taxonomy.abstain.id] : [])];
const K = labelsOrder.length;
const labelIdx = new Map(labelsOrder.map((l, i) => [l, i]));
console.error(`web labels: ${webTrain.length} train, ${webHeld.length} held out (never trained on or used for selection)`);
const fnv = (s) => { let h = 2166136261; for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); } return h >>> 0; };
const tmpRoot = mkdtempSync(join(tmpdir(), 'topicmix-default-build-'));
let tmpN = 0;
async function trainOn(webRows, out, quantize = 'float32') {
  const file = join(tmpRoot, `web-${tmpN++}.jsonl`);
  await writeFileAtomic(file, webRows.map((e) => JSON.stringify({ text: e.text, label: e.labels[0], lang: e.lang, weight: webWeight })).join('\n') + '\n');
  return trainModel({ labels: labelsDir, data: webRows.length ? [file] : [], map: mapFiles, dataRoot, out, name: 'topicmix-default', buckets: Number(args.buckets), dim: Number(args.dim), quantize, seed: Number(args.seed), ...(args.epochs && { epochs: Number(args.epochs) }), ...(args.lr && { lr: Number(args.lr) }), classWeight: args['class-weight'], onLog: () => {} });
}
async function predictProbs(dir, texts) {
  const c = await loadClassifier(dir);
  const preds = await c.classifyBatch(texts, { allScores: true, topK: 1 });
  const probs = new Float64Array(texts.length * K);
  preds.forEach((p, i) => labelsOrder.forEach((l, k) => { probs[i * K + k] = p.scores[l]; }));
  c.dispose();
  return probs;
}

// agreement of the doubled 10% (before adjudication), for the card
const agreement = {};
for (const lang of ['zh', 'en']) {
  const read = async (f) => (await readLabelled([join(labelsDir, 'web', 'doubled', f)], { textOptional: true })).examples;
  agreement[lang] = agreeLabels(await read(`${lang}.a.jsonl`), await read(`${lang}.b.jsonl`));
}

// cross-fitting: every web training page gets a prediction from a model that did not see it
const t0 = performance.now();
const oof = new Float64Array(webTrain.length * K);
const foldOf = webTrain.map((e) => fnv(`fold:${e.id}`) % folds);
for (let f = 0; f < folds; f++) {
  const dir = join(tmpRoot, `fold-${f}`);
  await trainOn(webTrain.filter((_, i) => foldOf[i] !== f), dir);
  const idx = webTrain.map((_, i) => i).filter((i) => foldOf[i] === f);
  const probs = await predictProbs(dir, idx.map((i) => webTrain[i].text));
  idx.forEach((i, j) => oof.set(probs.subarray(j * K, (j + 1) * K), i * K));
  rmSync(dir, { recursive: true, force: true });
  console.error(`fold ${f + 1}/${folds} done (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}
const oofGold = Int32Array.from(webTrain.map((e) => labelIdx.get(e.labels[0])));
const calRows = webTrain.map((_, i) => i).filter((i) => isRandom(webTrain[i]));
const pick = (arr, per) => { const out = new Float64Array(calRows.length * per); calRows.forEach((i, j) => out.set(arr.subarray(i * per, (i + 1) * per), j * per)); return out; };
const calProbs = pick(oof, K);
const calGold = Int32Array.from(calRows, (i) => oofGold[i]);
{
  const acc = {};
  for (const lang of ['zh', 'en']) {
    let n = 0, ok = 0;
    webTrain.forEach((e, i) => {
      if (e.lang !== lang || !isRandom(e)) return;
      let a = 0;
      for (let k = 1; k < K; k++) if (oof[i * K + k] > oof[i * K + a]) a = k;
      n++;
      if (a === oofGold[i]) ok++;
    });
    acc[lang] = ok / n;
  }
  console.error(`out-of-fold accuracy (random-sample pages): zh ${pct(acc.zh)}%, en ${pct(acc.en)}% (settings: web-weight ${webWeight}, class weights ${args['class-weight']}, buckets ${args.buckets}, dim ${args.dim}, epochs ${args.epochs ?? 'auto'}, lr ${args.lr ?? 'default'})`);
  if (args['oof-out']) await writeFileAtomic(args['oof-out'], JSON.stringify({ labels: labelsOrder, rows: webTrain.map((e, i) => ({ id: e.id, lang: e.lang, gold: oofGold[i], fold: foldOf[i], probs: Array.from(oof.subarray(i * K, (i + 1) * K), (x) => Math.round(x * 1e6) / 1e6) })) }) + '\n');
  if (args['cv-only']) {
    rmSync(tmpRoot, { recursive: true, force: true });
    process.exit(0);
  }
}
const temperature = fitTemperature(calProbs, calGold, K);
const oofCal = applyTemperature(oof, K, temperature);
const confusion = {};
const softConfusion = {};
webTrain.forEach((e, i) => {
  if (!isRandom(e)) return;
  const lang = e.lang;
  confusion[lang] ??= Array.from({ length: K }, () => new Array(K).fill(0));
  softConfusion[lang] ??= Array.from({ length: K }, () => new Array(K).fill(0));
  let a = 0;
  for (let k = 1; k < K; k++) if (oof[i * K + k] > oof[i * K + a]) a = k;
  confusion[lang][oofGold[i]][a]++;
  for (let k = 0; k < K; k++) softConfusion[lang][oofGold[i]][k] += oofCal[i * K + k];
});
for (const m of Object.values(softConfusion)) for (const row of m) row.forEach((x, k) => { row[k] = Math.round(x * 1e4) / 1e4; });
const calibration = {
  method: 'temperature',
  temperature: Math.round(temperature * 1e6) / 1e6,
  source: `out-of-fold predictions (${folds} folds) on ${calRows.length} labelled web pages of the random sample (labels/default/web, split train)`,
  n: calRows.length,
  ece_before: expectedCalibrationError(calProbs, calGold, K),
  ece_after: expectedCalibrationError(pick(oofCal, K), calGold, K),
  confusion,
  soft_confusion: softConfusion,
};
console.error(`temperature ${temperature.toFixed(3)}: out-of-fold ECE ${calibration.ece_before.toFixed(3)} -> ${calibration.ece_after.toFixed(3)}`);

// learning curve on the held-out web split: no web labels, a quarter, a half (all = the final model)
const curve = [];
if (!args['no-learning-curve']) {
  for (const frac of [0.5]) {
    const dir = join(tmpRoot, `curve-${frac}`);
    const rows = webTrain.filter((e) => (fnv(`curve:${e.id}`) % 1000) / 1000 < frac);
    await trainOn(rows.length ? rows : [], dir);
    const probs = await predictProbs(dir, webHeld.map((e) => e.text));
    curve.push({ web_labels: rows.length, ...heldAccuracy(probs) });
    rmSync(dir, { recursive: true, force: true });
    console.error(`learning curve: ${rows.length} web labels -> ${JSON.stringify(curve.at(-1))}`);
  }
}
function heldAccuracy(probs) {
  const out = {};
  for (const lang of ['zh', 'en']) {
    let n = 0, ok = 0;
    webHeld.forEach((e, i) => {
      if (e.lang !== lang) return;
      const a = argmax(probs, i * K, K);
      n++;
      if (labelsOrder[a] === e.labels[0]) ok++;
    });
    out[lang] = n ? ok / n : 0;
  }
  return out;
}

// the final model: all training data; the temperature is folded into the output layer (softmax(z/T) = softmax((hW+b)/T)),
// so tf.loadLayersModel on model.json gives the calibrated probabilities too
const fullDir = join(tmpRoot, 'final');
await trainOn(webTrain, fullDir);
console.error(`trained ${folds + 1 + curve.length} models in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
await useBackend('cpu');
const { params, meta: trainedMeta } = await readModelParams(fullDir);
const scaled = { ...params, W: params.W.map((x) => x / temperature), b: params.b.map((x) => x / temperature) };
// trainModel records portable paths (relative to the data root or here) with their sha256; the web rows
// went through a temp file (web-N.jsonl): name the label files they came from instead, with their hashes
const isWebTemp = (f) => /^web-\d+\.jsonl$/.test(f);
const webLabel = 'labels/default/web/*.jsonl (split train, joined with web_pool)';
const trainFilesRel = trainedMeta.training.trainFiles.map((f) => (isWebTemp(f) ? webLabel : f));
const hashes = Object.fromEntries(Object.entries(trainedMeta.training.fileHashes ?? {}).filter(([f]) => !isWebTemp(f)));
Object.assign(hashes, await fileHashes([join(labelsDir, 'web', '*.jsonl')], dataRoot));
const finalMeta = {
  ...trainedMeta,
  training: {
    ...trainedMeta.training,
    trainFiles: [...new Set(trainFilesRel)],
    fileHashes: Object.fromEntries(Object.entries(hashes).sort((x, y) => (x[0] < y[0] ? -1 : 1))),
    webWeight,
  },
  calibration,
};
await writeModelDir(args.out, scaled, finalMeta, args.quantize);
await writeModelDir(fullDir, scaled, finalMeta, 'float32');

// --- held-out evaluation: every mapping's test split, mapped onto the taxonomy, plus the held-out hand-written examples
const heldout = { dataset: 'hand-written (held out)', test: ['examples.test.jsonl'], map: null };
await useBackend('auto');
const fullClf = await loadClassifier(fullDir);
const full = await evaluate(fullClf);
const fullWebProbs = await predictProbs(fullDir, webHeld.map((e) => e.text));
fullClf.dispose();
const clf = await loadClassifier(args.out);
const { overall, byLang, bySource } = await evaluate(clf);
const webEval = await evaluateWeb(args.out);
rmSync(tmpRoot, { recursive: true, force: true });
if (curve.length) curve.push({ web_labels: webTrain.length, ...heldAccuracy(fullWebProbs) });

// --- the held-out web split: accuracy, top-3, macro-F1, per topic x language, calibration, topic shares
async function evaluateWeb(dir) {
  const probs = await predictProbs(dir, webHeld.map((e) => e.text));
  const res = {};
  for (const lang of ['zh', 'en']) {
    const idx = webHeld.map((_, i) => i).filter((i) => webHeld[i].lang === lang);
    const gold = [], predicted = [], confidence = [];
    let top3 = 0;
    const goldIdx = [], cal = [], uncal = [];
    const tags = new Array(K).fill(0), truth = new Array(K).fill(0), sums = new Array(K).fill(0);
    for (const i of idx) {
      const row = Array.from(probs.subarray(i * K, (i + 1) * K));
      const order = topIndices(row, 3);
      const g = labelIdx.get(webHeld[i].labels[0]);
      gold.push([labelsOrder[g]]);
      predicted.push(labelsOrder[order[0]]);
      confidence.push(row[order[0]]);
      if (order.slice(0, 3).includes(g)) top3++;
      goldIdx.push(g);
      cal.push(...row);
      tags[order[0]]++;
      truth[g]++;
      row.forEach((p, k) => { sums[k] += p; });
    }
    const m = computeMetrics(gold, predicted, confidence, labelsOrder);
    const calArr = Float64Array.from(cal);
    const uncalArr = applyTemperature(calArr, K, 1 / temperature);
    const n = idx.length;
    const trueShares = truth.map((c) => c / n);
    const rawShares = tags.map((c) => c / n);
    // the report's method on full scores: probabilistic ACC with shrinkage (summary.ts)
    const corr = correctedShares(sums, softConfusion[lang], { replicates: 200, seed: 1, lambda: DEFAULT_SHRINKAGE });
    const corrHard = correctedShares(tags, confusion[lang], { replicates: 200, seed: 1, lambda: DEFAULT_SHRINKAGE });
    const inInterval = corr.shares.filter((_, k) => trueShares[k] >= corr.lo[k] - 1e-12 && trueShares[k] <= corr.hi[k] + 1e-12).length;
    res[lang] = {
      n, metrics: m, top3: top3 / n,
      ece_before: expectedCalibrationError(uncalArr, goldIdx, K), ece_after: expectedCalibrationError(calArr, goldIdx, K),
      tvd_raw: totalVariation(rawShares, trueShares), tvd_corrected: totalVariation(corr.shares, trueShares), tvd_corrected_hard: totalVariation(corrHard.shares, trueShares),
      interval_coverage: inInterval / K,
      shares: labelsOrder.map((l, k) => ({ topic: l, true: trueShares[k], raw: rawShares[k], corrected: corr.shares[k], lo: corr.lo[k], hi: corr.hi[k] })),
    };
  }
  return res;
}

async function evaluate(clf) {
  const topics = new Set(clf.labels);
  const gold = [];
  const predicted = [];
  const confidence = [];
  const langs = [];
  const sources = [];
  for (const m of [...maps, heldout]) {
  if (m.test.length === 0) continue;
  const files = m.map ? mappingFiles(m, 'test', dataRoot) : [join(labelsDir, 'heldout', 'examples.test.jsonl')];
  const { examples } = await readLabelled(files);
  const mapped = m.map ? applyMapping(examples, m, topics).examples : examples;
  const preds = await clf.classifyBatch(mapped.map((e) => e.text), { topK: 1 });
  mapped.forEach((e, i) => {
    gold.push(e.labels);
    predicted.push(preds[i].topics[0].label);
    confidence.push(preds[i].score);
    langs.push(e.lang ?? preds[i].lang);
    sources.push(m.dataset);
  });
}
return {
  overall: computeMetrics(gold, predicted, confidence, clf.labels),
  byLang: metricsByGroup(langs, gold, predicted, confidence, clf.labels),
  bySource: metricsByGroup(sources, gold, predicted, confidence, clf.labels),
};
}

// --- the raw web pages: crude text extraction for now, then the topic shares a user would see
const web = args['skip-web'] ? [] : await classifyWebPages(join(dataRoot, 'web_html'));

// --- load time in a fresh process, as a user sees it (module loading, backend start, weights)
const probe = `const t = performance.now(); const { loadClassifier } = await import(${JSON.stringify(join(root, 'dist', 'index.js'))}); const c = await loadClassifier(${JSON.stringify(resolve(args.out))}); process.stdout.write(JSON.stringify({ s: (performance.now() - t) / 1000, backend: c.backend }));`;
const loads = [0, 1, 2].map(() => JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' })));
const loadSeconds = loads.map((l) => l.s).sort((a, b) => a - b)[1];
const weightBytes = (await stat(join(args.out, 'weights.bin'))).size;

await writeFileAtomic(join(args.out, 'README.md'), card());
await writeFileAtomic(join(args.out, 'metrics.json'), JSON.stringify({ web_heldout: mapValues(webEval, (w) => ({ ...w, metrics: strip(w.metrics) })), learning_curve: curve, calibration: { temperature: calibration.temperature, ece_before: calibration.ece_before, ece_after: calibration.ece_after, n: calibration.n }, news_overall: strip(overall), float32_news_overall: strip(full.overall), per_lang: mapValues(byLang, strip), per_source: mapValues(bySource, strip), web_html: web, load_seconds: loadSeconds, weight_bytes: weightBytes }, null, 1) + '\n');
for (const lang of ['zh', 'en']) {
  const w = webEval[lang];
  console.error(`web held-out ${lang}: n ${w.n}, top-1 ${pct(w.metrics.accuracy)}%, top-3 ${pct(w.top3)}%, macro-F1 ${pct(w.metrics.macro_f1)}%, ECE ${w.ece_before.toFixed(3)} -> ${w.ece_after.toFixed(3)}, TVD raw ${w.tvd_raw.toFixed(3)} corrected ${w.tvd_corrected.toFixed(3)}`);
}
console.error(`wrote ${rel(args.out)}: weights.bin ${(weightBytes / 1e6).toFixed(2)} MB, loads in ${loadSeconds.toFixed(2)} s; test accuracy ${overall.accuracy.toFixed(4)}, macro-F1 ${overall.macro_f1.toFixed(4)}`);

function lowest(x) {
  const c = Object.entries(x.metrics.per_class).filter(([, v]) => v.support > 0).sort((a, b) => a[1].recall - b[1].recall)[0];
  return c ? `${pct(c[1].recall)}% (${c[0]}, n ${c[1].support})` : '–';
}
function weakest(x) {
  return Object.entries(x.metrics.per_class).filter(([, v]) => v.support > 0).sort((a, b) => a[1].recall - b[1].recall).slice(0, 4).map(([k, v]) => `${k} ${pct(v.recall)}% (n ${v.support})`).join(', ');
}
function strip(m) {
  const { reliability, ...rest } = m;
  void reliability;
  return rest;
}
function mapValues(o, f) {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}

async function* jsonl(path) {
  const input = path.endsWith('.gz') ? createReadStream(path).pipe(createGunzip()) : createReadStream(path);
  for await (const line of createInterface({ input, crlfDelay: Infinity })) if (line.trim()) yield JSON.parse(line);
}

async function classifyWebPages(dir) {
  if (!existsSync(dir)) return [];
  const rows = [];
  for (const f of (await readdir(dir)).sort()) {
    if (!/\.jsonl(\.gz)?$/.test(f)) continue;
    const texts = [];
    for await (const page of jsonl(join(dir, f))) texts.push(extractMainText(page.html ?? '', page.url ? { url: page.url } : {}).text);
    const preds = await clf.classifyBatch(texts);
    const counts = {};
    for (const p of preds) counts[p.label] = (counts[p.label] ?? 0) + 1;
    const langCounts = {};
    for (const p of preds) langCounts[p.lang] = (langCounts[p.lang] ?? 0) + 1;
    rows.push({ file: f, pages: texts.length, counts, langs: langCounts, mean_confidence: preds.reduce((a, p) => a + p.score, 0) / Math.max(1, preds.length) });
  }
  return rows;
}

function card() {
  const meta = clf.metadata;
  const t = meta.training;
  const names = (id) => { const n = meta.labelNames?.[id]; return n ? `${n.en} / ${n.zh}` : id; };
  const L = [];
  L.push('# Model card: topicmix-default (v2)', '');
  L.push(`The default topic classifier shipped with topicmix: ${clf.labels.length - 1} bilingual (zh/en) web topics from \`labels/default/taxonomy.yaml\` (v2) plus the abstain label \`none\` ("no topic fits": boilerplate, spam, adult, fortune-telling), used by \`topicmix classify\` and \`loadClassifier()\` when no model is named. \`classify\` writes \`topic: null, abstain: "none"\` when \`none\` wins.`, '');
  const w = webEval;
  L.push('## How good it is on real web pages', '');
  L.push(`Measured on the held-out web split of \`labels/default/web\`: ${w.zh.n} Chinese and ${w.en.n} English real crawl pages (forums and Q&A, C4/Common Crawl samples, company/product pages, recipes, blogs, news), drawn at random from \`web_pool\`, stratified by label, labelled by the guideline, and never used for training, tuning or any model choice. Rebuild and re-measure with \`npm run build:default-model\`.`, '');
  L.push('| | zh | en |', '| --- | ---: | ---: |');
  L.push(`| top-1 accuracy | ${pct(w.zh.metrics.accuracy)}% | ${pct(w.en.metrics.accuracy)}% |`);
  L.push(`| top-3 hit rate | ${pct(w.zh.top3)}% | ${pct(w.en.top3)}% |`);
  L.push(`| macro-F1 (topics with held-out pages) | ${pct(w.zh.metrics.macro_f1)}% | ${pct(w.en.metrics.macro_f1)}% |`);
  L.push(`| lowest recall of a topic | ${lowest(w.zh)} | ${lowest(w.en)} |`);
  L.push(`| ECE, uncalibrated -> calibrated (15 bins) | ${w.zh.ece_before.toFixed(3)} -> ${w.zh.ece_after.toFixed(3)} | ${w.en.ece_before.toFixed(3)} -> ${w.en.ece_after.toFixed(3)} |`);
  L.push(`| topic-share error (TVD), raw tag counts | ${w.zh.tvd_raw.toFixed(3)} | ${w.en.tvd_raw.toFixed(3)} |`);
  L.push(`| topic-share error (TVD), corrected (what \`report\` gives with \`--all-scores\` tags) | ${w.zh.tvd_corrected.toFixed(3)} | ${w.en.tvd_corrected.toFixed(3)} |`);
  L.push(`| topic-share error (TVD), corrected from hard tags only | ${w.zh.tvd_corrected_hard.toFixed(3)} | ${w.en.tvd_corrected_hard.toFixed(3)} |`);
  L.push(`| topics whose true share lies in the corrected 95% interval | ${pct(w.zh.interval_coverage)}% | ${pct(w.en.interval_coverage)}% |`, '');
  L.push(`For comparison, two annotators working blind agree on ${pct(agreement.zh.agreement)}% (zh) and ${pct(agreement.en.agreement)}% (en) of the doubled pages (kappa ${agreement.zh.kappa.toFixed(3)} / ${agreement.en.kappa.toFixed(3)}, ${agreement.zh.n} + ${agreement.en.n} pages; \`labels/default/README.md\`); the v1 model, trained on news and hand-written examples only, reached 55% (zh) and 36% (en) top-1 on a separate set of 611 real pages.`, '');
  L.push('Per topic and language on the held-out web split (precision / recall / F1 in %, support):', '');
  L.push('| topic | zh P / R / F1 (n) | en P / R / F1 (n) |', '| --- | --- | --- |');
  for (const id of clf.labels) {
    const cells = ['zh', 'en'].map((l) => {
      const c = w[l].metrics.per_class[id];
      return c && c.support > 0 ? `${pct(c.precision)} / ${pct(c.recall)} / ${pct(c.f1)} (${c.support})` : '–';
    });
    L.push(`| ${names(id)} | ${cells.join(' | ')} |`);
  }
  L.push('', 'True, raw and corrected shares on the held-out pages (documents, %):', '');
  L.push('| topic | zh true | zh raw | zh corrected [95% interval] | en true | en raw | en corrected [95% interval] |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  clf.labels.forEach((id, k) => {
    const c = (l) => { const r = w[l].shares[k]; return `${pct(r.true)} | ${pct(r.raw)} | ${pct(r.corrected)} [${pct(r.lo)}, ${pct(r.hi)}]`; };
    L.push(`| ${id} | ${c('zh')} | ${c('en')} |`);
  });
  L.push('');
  L.push('### Calibration and corrected shares', '');
  L.push(`- Temperature scaling: T = ${calibration.temperature.toFixed(3)}, fitted on ${calibration.source} (out-of-fold ECE ${calibration.ece_before.toFixed(3)} -> ${calibration.ece_after.toFixed(3)}). The temperature is folded into the output layer, so the stored weights (and \`tf.loadLayersModel\` on them) give calibrated probabilities.`);
  L.push('- `userDefinedMetadata.topicmix.calibration` also stores, per language, the confusion counts and summed calibrated probabilities of those out-of-fold predictions. `topicmix report --model models/default` uses them to give corrected topic shares next to the raw ones (`summary.corrected` in the JSON; probabilistic adjusted classify-and-count with shrinkage 0.1, 95% bootstrap intervals), and `rebalance` uses the corrected shares when present and says so. `report --calibration your-labelled.jsonl` measures the confusions on your own pages instead.', '');
  if (curve.length) {
    L.push('### Learning curve', '');
    L.push('Held-out web top-1 accuracy against the number of web labels trained on (same settings, the other training data unchanged):', '');
    L.push('| web labels | zh | en |', '| ---: | ---: | ---: |');
    for (const c of curve) L.push(`| ${c.web_labels} | ${pct(c.zh)}% | ${pct(c.en)}% |`);
    L.push('');
  }
  L.push('## Model', '');
  L.push(`- Architecture: hashed character/word uni+bigrams (${meta.featurizer.buckets} buckets) -> mean embedding (dim ${meta.dim}) -> softmax over ${clf.labels.length} labels; standard tfjs layers model (\`model.json\` + \`weights.bin\`).`);
  L.push(`- Size: weights.bin ${(weightBytes / 1e6).toFixed(2)} MB (${args.quantize} weights, tfjs weight-spec quantization); loads in ${loadSeconds.toFixed(2)} s in a fresh process (median of 3, including loading tfjs and starting the ${loads[0].backend} backend).`);
  L.push(`- Training: ${t.nTrain} examples (data hash \`${t.dataHash}\`): the labelled web pages of the training split (each weighted ${webWeight}x, so that real pages, not news, set each topic's vocabulary), the hand-written examples and the mapped public datasets; ${t.epochs} epochs, batch ${t.batchSize}, lr ${t.lr}, class weights ${t.classWeight}, seed ${t.seed}; topicmix ${meta.versions.topicmix}, tfjs ${meta.versions.tfjs}. Settings were chosen by 5-fold cross-validation on the training split (see \`labels/default/README.md\`).`);
  L.push(`- Cost of quantization on the news held-out sets below: float32 accuracy ${pct(full.overall.accuracy)}% -> ${args.quantize} ${pct(overall.accuracy)}%.`, '');
  L.push('## Training data and licences', '');
  L.push('| source | what | licence | train files | mapped labels |', '| --- | --- | --- | --- | --- |');
  L.push(`| hand-written | \`labels/default/examples.jsonl\`, written for topicmix in zh and en for topics and languages the public data lacks | same as topicmix | labels/default/*.jsonl | taxonomy ids |`);
  for (const m of maps) {
    const mapped = Object.entries(m.map).map(([k, v]) => `${k} → ${v ?? '(not used)'}`).join('; ');
    L.push(`| ${m.dataset} | ${m.description ?? ''} | ${m.licence ?? 'not stated'} | ${m.train.join(', ')} | ${mapped} |`);
  }
  L.push('', 'The datasets are described (sources, commits, splits) in `../shared/data/DATA.md`; the data itself is not part of this repository.', '');
  L.push('## News and dataset held-out evaluation', '');
  L.push(`On the test splits of the mapped datasets and the held-out 20% of the hand-written examples (\`labels/default/heldout/\`), ${overall.n} documents, none used in training: accuracy ${pct(overall.accuracy)}%, macro-F1 ${pct(overall.macro_f1)}%, worst-class accuracy ${pct(overall.worst_class_accuracy)}%, ECE ${overall.ece.toFixed(3)}.`, '');
  L.push('| source | n | accuracy % | macro-F1 % |', '| --- | ---: | ---: | ---: |');
  for (const [k, m] of Object.entries(bySource)) L.push(`| ${k} | ${m.n} | ${pct(m.accuracy)} | ${pct(m.macro_f1)} |`);
  L.push('', 'Per topic and language (precision / recall / F1 in %, support); topics without test data in a language show "–":', '');
  const langKeys = Object.keys(byLang).sort();
  L.push(`| topic | ${langKeys.map((l) => `${l} P / R / F1 (n)`).join(' | ')} |`, `| --- |${' --- |'.repeat(langKeys.length)}`);
  for (const id of clf.labels) {
    const cells = langKeys.map((l) => {
      const c = byLang[l].per_class[id];
      return c && c.support > 0 ? `${pct(c.precision)} / ${pct(c.recall)} / ${pct(c.f1)} (${c.support})` : '–';
    });
    L.push(`| ${names(id)} | ${cells.join(' | ')} |`);
  }
  L.push('', `Macro-F1 per language: ${langKeys.map((l) => `${l} ${pct(byLang[l].macro_f1)}% (n ${byLang[l].n})`).join(', ')}. Macro-F1 counts only the topics that have test data in that language.`, '');
  if (web.length) {
    L.push('## On raw web pages', '');
    L.push('The pages in `web_html` (news and article pages from Chinese and English sites, and a multilingual sample), main text extracted as `classify --html-field` does (Mozilla Readability, else all visible text; F1 93-95 against the pages\' own ground truth, see `bench/extract-results.md`), classified with this model. Shares of pages per top topic:', '');
    const all = [...new Set(web.flatMap((w) => Object.keys(w.counts)))].sort((a, b) => web.reduce((s, w) => s + (w.counts[b] ?? 0), 0) - web.reduce((s, w) => s + (w.counts[a] ?? 0), 0));
    L.push(`| topic | ${web.map((w) => `${w.file} (${w.pages})`).join(' | ')} |`, `| --- |${' ---: |'.repeat(web.length)}`);
    for (const id of all) L.push(`| ${names(id)} | ${web.map((w) => `${pct((w.counts[id] ?? 0) / w.pages)}%`).join(' | ')} |`);
    L.push(`| mean confidence | ${web.map((w) => w.mean_confidence.toFixed(2)).join(' | ')} |`);
    L.push(`| detected script | ${web.map((w) => Object.entries(w.langs).map(([k, v]) => `${k} ${v}`).join(', ')).join(' | ')} |`, '');
  }
  L.push('## Known limitations', '');
  L.push(`- Weakest topics on web pages (held-out recall): zh ${weakest(w.zh)}; en ${weakest(w.en)}. Small held-out cells (under 10 pages) make some of these rough figures.`);
  L.push(`- The web labels were made by Claude helper sessions following the guideline (see \`labels/default/README.md\`), not by people; the doubled 10% agree at kappa ${agreement.en.kappa.toFixed(2)} (en) and ${agreement.zh.kappa.toFixed(2)} (zh).`);
  L.push('- The pool the labels come from over-represents news, Stack Exchange threads and recipes (en) and Skywork domain texts (zh) relative to a random crawl, and under-represents e-commerce and government pages.');
  L.push('- Page boilerplate (menus, link lists, cookie banners) is classified too when the text is not extracted first; list and index pages mix topics and get low confidence.');
  L.push('- Technology is an attractor for English pages: AG News\' Sci/Tech class (mapped to `technology`, and the largest English source) also holds space, science, car and gadget news, so English science and autos articles are often tagged `technology` (see the raw-page table: a car-show article and a NASA story both land there, also from their clean article text).');
  L.push('- `lang` is the script, not the language: German, French or Indonesian pages are `en` (Latin script) and were never trained on; the trafilatura sample above is mostly German, so its shares say little.');
  L.push('- Languages other than Chinese and English are tagged but were never trained on.', '');
  L.push('## Rebuild', '', '```sh', 'npm ci', 'npm run build:default-model     # reads ../shared/data; skips with a message when it is absent', '```', '');
  L.push(`Settings: \`--buckets ${args.buckets} --dim ${args.dim} --quantize ${args.quantize} --seed ${args.seed}\`. Same inputs and settings give a byte-identical weights.bin.`, '');
  return L.join('\n');
}
