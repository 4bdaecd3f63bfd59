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
const { readLabelled } = await lib('io/labelled.js');
const { loadMapping, mappingFiles, applyMapping } = await lib('labels/mapping.js');
const { loadTaxonomy } = await lib('labels/taxonomy.js');
const { computeMetrics, metricsByGroup } = await lib('eval/metrics.js');
const { writeFileAtomic } = await lib('io/atomic-writer.js');
const { extractMainText } = await lib('extract/html-text.js');
const { readModelParams, writeModelDir } = await lib('model/model-files.js');
const { useBackend } = await lib('model/backend.js');

const { values: args } = parseArgs({
  options: {
    'data-root': { type: 'string', default: join(root, '..', 'shared', 'data') },
    out: { type: 'string', default: join(root, 'models', 'default') },
    buckets: { type: 'string', default: String(1 << 18) },
    dim: { type: 'string', default: '32' },
    quantize: { type: 'string', default: 'uint8' },
    seed: { type: 'string', default: '1' },
    'skip-web': { type: 'boolean', default: false },
  },
});
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

// Train once in float32 (kept aside to measure what quantization costs), then store the same weights quantized.
const t0 = performance.now();
const fullDir = mkdtempSync(join(tmpdir(), 'topicmix-default-f32-'));
await trainModel({
  labels: labelsDir,
  map: mapFiles,
  dataRoot,
  out: fullDir,
  name: 'topicmix-default',
  buckets: Number(args.buckets),
  dim: Number(args.dim),
  quantize: 'float32',
  seed: Number(args.seed),
  onLog: (m) => console.error(m),
});
console.error(`trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
await useBackend('cpu');
const { params, meta: trainedMeta } = await readModelParams(fullDir);
await writeModelDir(args.out, params, trainedMeta, args.quantize);

// --- held-out evaluation: every mapping's test split, mapped onto the taxonomy, plus the held-out hand-written examples
const heldout = { dataset: 'hand-written (held out)', test: ['examples.test.jsonl'], map: null };
await useBackend('auto');
const fullClf = await loadClassifier(fullDir);
const full = await evaluate(fullClf);
fullClf.dispose();
rmSync(fullDir, { recursive: true, force: true });
const clf = await loadClassifier(args.out);
const { overall, byLang, bySource } = await evaluate(clf);

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
await writeFileAtomic(join(args.out, 'metrics.json'), JSON.stringify({ overall: strip(overall), float32_overall: strip(full.overall), per_lang: mapValues(byLang, strip), per_source: mapValues(bySource, strip), web, load_seconds: loadSeconds, weight_bytes: weightBytes }, null, 1) + '\n');
console.error(`wrote ${rel(args.out)}: weights.bin ${(weightBytes / 1e6).toFixed(2)} MB, loads in ${loadSeconds.toFixed(2)} s; test accuracy ${overall.accuracy.toFixed(4)}, macro-F1 ${overall.macro_f1.toFixed(4)}`);

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
  const names = (id) => `${taxonomy.topics.find((x) => x.id === id)?.names.en ?? id} / ${taxonomy.topics.find((x) => x.id === id)?.names.zh ?? ''}`;
  const L = [];
  L.push('# Model card: topicmix-default', '');
  L.push(`The default topic classifier shipped with topicmix: ${clf.labels.length} bilingual (zh/en) web topics from \`labels/default/taxonomy.yaml\`, used by \`topicmix classify\` and \`loadClassifier()\` when no model is named.`, '');
  L.push(`- Architecture: hashed character/word uni+bigrams (${meta.featurizer.buckets} buckets) -> mean embedding (dim ${meta.dim}) -> softmax; standard tfjs layers model (\`model.json\` + \`weights.bin\`).`);
  L.push(`- Size: weights.bin ${(weightBytes / 1e6).toFixed(2)} MB (${args.quantize} weights, tfjs weight-spec quantization); loads in ${loadSeconds.toFixed(2)} s in a fresh process (median of 3, including loading tfjs and starting the ${loads[0].backend} backend).`);
  L.push(`- Cost of quantization, measured on the held-out sets below with the same trained weights: float32 accuracy ${pct(full.overall.accuracy)}% / macro-F1 ${pct(full.overall.macro_f1)}% -> ${args.quantize} ${pct(overall.accuracy)}% / ${pct(overall.macro_f1)}% (per language macro-F1: ${Object.keys(byLang).sort().map((l) => `${l} ${pct(full.byLang[l].macro_f1)}% -> ${pct(byLang[l].macro_f1)}%`).join(', ')}). Only rows the training data touched are non-zero; the hash buckets (${meta.featurizer.buckets}) bound the table size.`);
  L.push(`- Training: ${t.nTrain} examples (data hash \`${t.dataHash}\`), ${t.epochs} epochs, batch ${t.batchSize}, lr ${t.lr}, class weights ${t.classWeight}, seed ${t.seed}; topicmix ${meta.versions.topicmix}, tfjs ${meta.versions.tfjs}.`, '');
  L.push('## Training data and licences', '');
  L.push('| source | what | licence | train files | mapped labels |', '| --- | --- | --- | --- | --- |');
  L.push(`| hand-written | \`labels/default/examples.jsonl\`, written for topicmix in zh and en for topics and languages the public data lacks | same as topicmix | labels/default/*.jsonl | taxonomy ids |`);
  for (const m of maps) {
    const mapped = Object.entries(m.map).map(([k, v]) => `${k} → ${v ?? '(not used)'}`).join('; ');
    L.push(`| ${m.dataset} | ${m.description ?? ''} | ${m.licence ?? 'not stated'} | ${m.train.join(', ')} | ${mapped} |`);
  }
  L.push('', 'The datasets are described (sources, commits, splits) in `../shared/data/DATA.md`; the data itself is not part of this repository.', '');
  L.push('## Held-out evaluation', '');
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
  L.push('- Most public training data is news (AG News, THUCNews, BBC) and scientific abstracts (CSLDCP); forum posts, product pages, recipes and how-tos are represented only by the hand-written examples, so expect lower accuracy and confidence on them.');
  L.push('- Topics fed by one language only in the public data rely on hand-written examples in the other language (see the per-language table above and `labels/default/README.md`).');
  L.push('- Page boilerplate (menus, link lists, cookie banners) is classified too when the text is not extracted first; list and index pages mix topics and get low confidence.');
  L.push('- Technology is an attractor for English pages: AG News\' Sci/Tech class (mapped to `technology`, and the largest English source) also holds space, science, car and gadget news, so English science and autos articles are often tagged `technology` (see the raw-page table: a car-show article and a NASA story both land there, also from their clean article text).');
  L.push('- `lang` is the script, not the language: German, French or Indonesian pages are `en` (Latin script) and were never trained on; the trafilatura sample above is mostly German, so its shares say little.');
  L.push('- Languages other than Chinese and English are tagged but were never trained on.', '');
  L.push('## Rebuild', '', '```sh', 'npm ci', 'npm run build:default-model     # reads ../shared/data; skips with a message when it is absent', '```', '');
  L.push(`Settings: \`--buckets ${args.buckets} --dim ${args.dim} --quantize ${args.quantize} --seed ${args.seed}\`. Same inputs and settings give a byte-identical weights.bin.`, '');
  return L.join('\n');
}
