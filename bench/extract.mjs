// HTML-to-text extraction benchmark on ../shared/data/web_html (run `npx tsc -p tsconfig.json` first):
// quality against each source's own ground truth, methods used, and throughput.
//   node bench/extract.mjs            writes bench/extract-results.{json,md} and prints the table
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const dataDir = join(root, '..', 'shared', 'data', 'web_html');
const FILES = {
  gne: 'gne_zh_news.jsonl',
  aeb: 'aeb_en_news.jsonl.gz',
  trafilatura: 'trafilatura_eval_multi.jsonl.gz',
};

if (!Object.values(FILES).every((f) => existsSync(join(dataDir, f)))) {
  console.log(`bench/extract.mjs: skipped, the web_html data is not in ${dataDir}`);
  process.exit(0);
}
if (!existsSync(join(root, 'dist', 'extract', 'html-text.js'))) {
  console.error('bench/extract.mjs: build first (npx tsc -p tsconfig.json)');
  process.exit(1);
}
const { extractMainText } = await import('../dist/extract/html-text.js');
const { parseDocument } = await import('../dist/extract/dom.js');
const { visibleText } = await import('../dist/extract/visible-text.js');

function load(file) {
  let bytes = readFileSync(join(dataDir, file));
  if (file.endsWith('.gz')) bytes = gunzipSync(bytes);
  return bytes
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

/** Multiset overlap of two unit lists → {p, r, f}. Empty prediction against non-empty gold scores 0. */
function overlapF1(pred, gold) {
  const counts = new Map();
  for (const u of gold) counts.set(u, (counts.get(u) ?? 0) + 1);
  let common = 0;
  for (const u of pred) {
    const n = counts.get(u);
    if (n) {
      common++;
      counts.set(u, n - 1);
    }
  }
  const p = pred.length ? common / pred.length : 0;
  const r = gold.length ? common / gold.length : 0;
  return { p, r, f: p + r ? (2 * p * r) / (p + r) : 0 };
}

const chars = (s) => [...s.replace(/\s+/gu, '')];
const words = (s) => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
const squash = (s) => s.replace(/\s+/gu, ' ').trim();

function mean(xs) {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

function visibleOnly(html) {
  const doc = parseDocument(html);
  const body = doc.body ?? doc.documentElement;
  return body ? visibleText(body) : '';
}

/** Runs `extract` over all pages `passes` times; throughput from the fastest pass (the machine may be shared). */
function run(pages, extract, passes = 1) {
  let out = [];
  let seconds = Infinity;
  for (let pass = 0; pass < passes; pass++) {
    out = [];
    const t0 = performance.now();
    for (const page of pages) out.push(extract(page));
    seconds = Math.min(seconds, (performance.now() - t0) / 1000);
  }
  const bytes = pages.reduce((n, p) => n + Buffer.byteLength(p.html, 'utf8'), 0);
  return { out, seconds, bytes };
}

/** readWarcDocs throughput on a temporary .warc.gz of the given pages (one gzip member per record). */
async function warcThroughput(pages) {
  const { readWarcDocs } = await import('../dist/io/warc-reader.js');
  const { gzipSync } = await import('node:zlib');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const members = [];
  let raw = 0;
  for (const p of pages) {
    const http = Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n'), Buffer.from(p.html, 'utf8')]);
    const head = `WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: ${p.url ?? 'http://example.com/'}\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: ${http.length}\r\n\r\n`;
    const record = Buffer.concat([Buffer.from(head), http, Buffer.from('\r\n\r\n')]);
    raw += record.length;
    members.push(gzipSync(record));
  }
  const dir = mkdtempSync(join(os.tmpdir(), 'extract-bench-'));
  const file = join(dir, 'pages.warc.gz');
  writeFileSync(file, Buffer.concat(members));
  const t0 = performance.now();
  let docs = 0;
  for await (const batch of readWarcDocs(file)) docs += batch.length;
  const seconds = (performance.now() - t0) / 1000;
  rmSync(dir, { recursive: true, force: true });
  return { docs, mb_uncompressed: raw / 1e6, docs_per_s: docs / seconds, mb_per_s: raw / 1e6 / seconds };
}

function methodShare(results) {
  const share = { readability: 0, visible: 0, empty: 0 };
  for (const r of results) share[r.method]++;
  for (const k of Object.keys(share)) share[k] = share[k] / results.length;
  return share;
}

/** Macro precision/recall/F1 over the pages that have ground truth. */
function scoreOverlap(pages, texts, gold, units) {
  const scores = [];
  pages.forEach((page, i) => {
    const g = gold(page);
    if (g) scores.push(overlapF1(units(texts[i]), units(g)));
  });
  return { pages: scores.length, precision: mean(scores.map((s) => s.p)), recall: mean(scores.map((s) => s.r)), f1: mean(scores.map((s) => s.f)) };
}

/** trafilatura's own evaluation: `with` snippets found are true positives, `without` snippets found false positives. */
function scoreSnippets(pages, texts) {
  let tp = 0, fn = 0, fp = 0, tn = 0;
  pages.forEach((page, i) => {
    const text = squash(texts[i]);
    for (const s of page.expected?.with ?? []) text.includes(squash(s)) ? tp++ : fn++;
    for (const s of page.expected?.without ?? []) text.includes(squash(s)) ? fp++ : tn++;
  });
  const precision = tp / (tp + fp || 1);
  const recall = tp / (tp + fn || 1);
  return {
    pages: pages.length,
    with_found: recall,
    without_absent: tn / (tn + fp || 1),
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    accuracy: (tp + tn) / (tp + tn + fp + fn || 1),
  };
}

const datasets = {
  gne: { label: 'zh news (GNE)', lang: 'zh', unit: 'chars', gold: (p) => p.expected?.content, units: chars },
  aeb: { label: 'en news (AEB)', lang: 'en', unit: 'words', gold: (p) => p.expected?.articleBody, units: words },
  trafilatura: { label: 'multilingual (trafilatura sample)', lang: 'multi', unit: 'snippets' },
};

const results = { generated: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadavg: os.loadavg().map((x) => +x.toFixed(2)), datasets: {} };
let totalPages = 0, totalBytes = 0, totalSeconds = 0;

for (const [key, ds] of Object.entries(datasets)) {
  const pages = load(FILES[key]);
  const main = run(pages, (p) => extractMainText(p.html, p.url ? { url: p.url } : {}), 2);
  const base = run(pages, (p) => visibleOnly(p.html));
  const texts = main.out.map((r) => r.text);
  const entry = {
    file: FILES[key],
    pages: pages.length,
    methods: methodShare(main.out),
    pages_per_s: pages.length / main.seconds,
    mb_per_s: main.bytes / 1e6 / main.seconds,
    mb: main.bytes / 1e6,
  };
  if (ds.gold) {
    entry.unit = ds.unit;
    entry.extract = scoreOverlap(pages, texts, ds.gold, ds.units);
    entry.visible_baseline = scoreOverlap(pages, base.out, ds.gold, ds.units);
  } else {
    entry.extract = scoreSnippets(pages, texts);
    entry.visible_baseline = scoreSnippets(pages, base.out);
  }
  results.datasets[key] = entry;
  totalPages += pages.length;
  totalBytes += main.bytes;
  totalSeconds += main.seconds;
}
results.warc_reader = await warcThroughput(load(FILES.aeb));
results.total = { pages: totalPages, mb: totalBytes / 1e6, pages_per_s: totalPages / totalSeconds, mb_per_s: totalBytes / 1e6 / totalSeconds };

const pct = (x) => (100 * x).toFixed(1);
const f2 = (x) => x.toFixed(1);
const lines = [];
lines.push('| data | lang | pages scored | unit | precision | recall | F1 | F1 visible-text only | readability / visible / empty | pages/s | MB/s |');
lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [key, ds] of Object.entries(datasets)) {
  const e = results.datasets[key];
  const m = e.methods;
  const share = `${pct(m.readability)} / ${pct(m.visible)} / ${pct(m.empty)} %`;
  lines.push(
    `| ${ds.label} | ${ds.lang} | ${e.extract.pages} of ${e.pages} | ${ds.unit} | ${pct(e.extract.precision)} | ${pct(e.extract.recall)} | ${pct(e.extract.f1)} | ${pct(e.visible_baseline.f1)} | ${share} | ${f2(e.pages_per_s)} | ${f2(e.mb_per_s)} |`,
  );
}
const t = results.datasets.trafilatura.extract;
const tb = results.datasets.trafilatura.visible_baseline;
const md = [
  '# HTML-to-text extraction benchmark',
  '',
  `\`node bench/extract.mjs\` on ${results.generated.slice(0, 10)}, Node ${results.node}, ${results.cpus} cores (load average ${results.loadavg[0]} at the start: shared machine, throughput is a lower bound). `,
  'Scores are macro averages over pages: zh = character-level (whitespace removed), en = lower-cased word tokens, both as multisets; ',
  'trafilatura = its own with/without snippet evaluation (micro over snippets, whitespace squashed). "visible-text only" is the fallback alone, for comparison.',
  '',
  ...lines,
  '',
  `trafilatura sample: \`with\` snippets found ${pct(t.with_found)} %, \`without\` snippets absent ${pct(t.without_absent)} % (visible-text only: ${pct(tb.with_found)} % / ${pct(tb.without_absent)} %), accuracy ${pct(t.accuracy)} %.`,
  '',
  `All ${results.total.pages} pages: ${f2(results.total.pages_per_s)} pages/s, ${f2(results.total.mb_per_s)} MB/s of HTML (UTF-8), one core (faster of two passes).`,
  `readWarcDocs alone on a .warc.gz of the AEB pages: ${results.warc_reader.docs_per_s.toFixed(0)} docs/s, ${f2(results.warc_reader.mb_per_s)} MB/s uncompressed.`,
  '',
].join('\n');

writeFileSync(join(here, 'extract-results.json'), JSON.stringify(results, null, 2) + '\n');
writeFileSync(join(here, 'extract-results.md'), md);
console.log(md);
