#!/usr/bin/env node
// topicmix vs fastText benchmark harness. `npm run bench` / `node bench/run.mjs --help`.
// Writes <out>/results.json and <out>/results.md; scratch files go to bench/work/ (gitignored).
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { readJsonl, copiesFor, writeRepeated } from './lib/data.mjs';
import { refreshGnuTime, run, failText } from './lib/proc.mjs';
import { ensureDebPackage, log, machineInfo, which } from './lib/setup.mjs';
import { writeInputs, runFastText } from './lib/fasttext.mjs';
import { probe, runTopicmix, memoryRun } from './lib/topicmix.mjs';
import { computeRatios, summarize, renderMarkdown, TARGETS } from './lib/report.mjs';
import { runSpeedSections, SPEED_SECTIONS, SPEED_DATASETS, loadavg, busiest } from './lib/speed.mjs';
import { renderSpeedMarkdown } from './lib/speed-report.mjs';
import { runMultiLabelSection, renderMultiLabelMarkdown } from './lib/multilabel.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ALL_DATASETS = ['ag_news', 'thucnews', 'thucnews_articles', 'bbc_news', 'fewclue_csldcp', 'sib200'];
/** Sections that write results.json / results.md (the original bench). */
const LEGACY_SECTIONS = ['datasets', 'memory', 'scaling', 'extract', 'import-time'];
const ALL_SECTIONS = [...LEGACY_SECTIONS, 'tokenizers', 'multilabel', ...SPEED_SECTIONS];
const BIG_MIN_LINES = 200_000;
const BIG_MIN_BYTES = 50e6;

const HELP = `Usage: node bench/run.mjs [options]      (npm run bench -- [options])

Benchmarks the topicmix CLI (dist/cli/main.js) against fastText on the labelled datasets and writes
<out>/results.json and <out>/results.md.

Sections (--sections a,b; default: all):
  datasets            accuracy, training, throughput vs fastText incl. its grid      -> results.json/.md
  memory, scaling     100 MB / 1 GB peak RSS, 1 vs n workers (need datasets, ag_news) -> results.json/.md
  extract             HTML extraction (bench/extract.mjs)       -> extract-results.json/.md
  import-time         import('topicmix') time (bench/import-time.mjs) -> import-time-results.json/.md
  tokenizers          token counting speed per report tokenizer (bench/tokenizers.mjs) -> tokenizers-results.json/.md
  multilabel          issue 13: train --multi-label vs fastText -loss ova (grid, thresholds tuned on the
                      same dev slice) on bdci2018_car_subjects, micro/macro-F1 -> results-multilabel.json/.md
  speed               issue 10: classify --workers 1 vs fastText predict (paper config) and the
                      parse-and-copy floor, alternating rounds; --backend wasm once     -> results-speed.json/.md
  peers               issue 10: fasttext.wasm (npm) with the same fastText .bin, end to end -> results-speed.*
  workers             issue 10: --workers 1 vs 2 alternating on ~100 MB, RSS, cmp       -> results-speed.*
  startup             issue 10: one document with the default model vs node -e 0          -> results-speed.*
  train               issue 10: train time vs fastText best config, accuracy, model size -> results-speed.*

Options:
  --sections a,b      sections to run (default: ${ALL_SECTIONS.join(',')})
  --datasets a,b      datasets to run (default: ${ALL_DATASETS.join(',')}; with only issue-10
                      sections: ${SPEED_DATASETS.join(',')})
  --quick             fastText paper config only (no grid), no 1 GB memory run
  --data-dir DIR      data folder (default: ../shared/data relative to the repo root)
  --out DIR           where results.json / results.md go (default: bench/)
  --work-dir DIR      scratch folder (default: bench/work/)
  --reps N            timing repetitions: fastText training (best + paper), throughput runs (default 3)
  --workers N         --workers for the per-dataset and memory classify runs (default 1: the per-core comparison)
  --timeout-min N     kill any single topicmix command after N minutes (default 60)
  --build             run \`npm run build\` before benchmarking
  --skip-topicmix     fastText half only
  --skip-fasttext     topicmix half only
  --skip-memory       no 100 MB / 1 GB memory runs
  --keep-work         keep the 1 GB memory-run input and every fastText grid model in the work folder
  --speed-reps N      rounds of the speed / peers rotation (default 5)
  --train-reps N      alternating training runs per tool in the train section (default 3)
  --workers-reps N    rounds of --workers 1 / 2 (default 3)
  --startup-reps N    one-document runs, alternating with node -e 0 (default 9)
  --workers-dataset D dataset repeated to ~100 MB for the workers section (default ag_news)
  -h, --help          this text
`;

/** @returns {any} */
function parseOptions() {
  const { values } = parseArgs({
    options: {
      datasets: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      out: { type: 'string' },
      'work-dir': { type: 'string' },
      reps: { type: 'string', default: '3' },
      workers: { type: 'string' },
      'timeout-min': { type: 'string', default: '60' },
      build: { type: 'boolean', default: false },
      'skip-topicmix': { type: 'boolean', default: false },
      'skip-fasttext': { type: 'boolean', default: false },
      'skip-memory': { type: 'boolean', default: false },
      'keep-work': { type: 'boolean', default: false },
      sections: { type: 'string' },
      'speed-reps': { type: 'string' },
      'train-reps': { type: 'string' },
      'workers-reps': { type: 'string' },
      'startup-reps': { type: 'string' },
      'workers-dataset': { type: 'string', default: 'ag_news' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const list = (/** @type {string|undefined} */ v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : null);
  const sections = list(values.sections) ?? ALL_SECTIONS;
  const badSections = sections.filter((s) => !ALL_SECTIONS.includes(s));
  if (badSections.length) {
    process.stderr.write(`--sections: unknown ${badSections.join(', ')} (known: ${ALL_SECTIONS.join(', ')})\n`);
    process.exit(2);
  }
  const onlySpeed = sections.every((s) => SPEED_SECTIONS.includes(s));
  const datasets = list(values.datasets) ?? (onlySpeed ? SPEED_DATASETS : ALL_DATASETS);
  const posInt = (/** @type {string} */ name, /** @type {string|undefined} */ v) => {
    if (v === undefined) return null;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) {
      process.stderr.write(`--${name} must be a positive integer, got ${v}\n`);
      process.exit(2);
    }
    return n;
  };
  return {
    sections,
    datasets,
    speedReps: posInt('speed-reps', values['speed-reps']) ?? 5,
    trainReps: posInt('train-reps', values['train-reps']) ?? 3,
    workersReps: posInt('workers-reps', values['workers-reps']) ?? 3,
    startupReps: posInt('startup-reps', values['startup-reps']) ?? 9,
    workersDataset: values['workers-dataset'],
    quick: values.quick,
    dataDir: values['data-dir'] ? path.resolve(values['data-dir']) : path.resolve(REPO, '../shared/data'),
    out: values.out ? path.resolve(values.out) : path.join(REPO, 'bench'),
    work: values['work-dir'] ? path.resolve(values['work-dir']) : path.join(REPO, 'bench/work'),
    reps: posInt('reps', values.reps) ?? 3,
    workers: posInt('workers', values.workers) ?? 1,
    timeoutMs: (posInt('timeout-min', values['timeout-min']) ?? 60) * 60_000,
    build: values.build,
    skipTopicmix: values['skip-topicmix'],
    skipFasttext: values['skip-fasttext'],
    skipMemory: values['skip-memory'],
    keepWork: values['keep-work'],
  };
}

/** @param {string} p */
function rel(p) {
  const r = path.relative(REPO, p);
  return r.startsWith('..') ? p : r;
}

const NOTES = [
  'fastText = Debian `fasttext` 0.9.2 binary, `fasttext supervised -input X -output M -thread 2 -verbose 0` + config; paper config `-wordNgrams 2 -dim 10 -epoch 5 -lr 0.25 -bucket 2000000`; grid (full mode) epoch {5,25} x lr {0.1,0.5,1.0} x wordNgrams {1,2}, dim 10, bucket 2M, plus dim 50 for the best dim-10 config; best = highest dev accuracy where a dev split exists, else highest test accuracy (optimistic for fastText).',
  'fastText preprocessing: English (lang != zh) as in fastText\'s classification-example.sh (lowercase; `\' . , ( ) ! ?` separated by spaces; `"` removed; `; :` replaced by a space); Chinese (lang = zh): one token per character (Han and punctuation), runs of ASCII letters/digits kept as one lowercased token; all whitespace (newlines too) becomes one space. Labels: `__label__` + label with spaces replaced by `_` (mapping in results.json). The fastText training file is shuffled with a fixed seed (some train files are sorted by label or language; fastText does not shuffle).',
  'fastText accuracy / macro-F1: `fasttext predict M.bin test.txt` top-1 compared with gold in JS; macro-F1 = unweighted mean F1 over labels present in gold or predictions (sklearn macro). topicmix numbers come from `topicmix eval --json`; "check: classify acc" = `topicmix classify` on test.jsonl, its `topic` field scored against gold in JS (should equal eval).',
  'Throughput: big.jsonl = the test split repeated (whole copies) until ≥ 200k lines or ≥ 50 MB, whichever comes first. topicmix: `classify --model M big.jsonl -o out.jsonl`, end to end (process start, model load, JSON parse, write). fastText: `fasttext predict M.bin big.txt > /dev/null` on the same documents already preprocessed, so fastText is not charged for normalisation/tokenisation. MB/s = each tool\'s own input bytes / wall. Wall and peak RSS from GNU time (`%e`, `%M`).',
  'Throughput ratio per core = (topicmix docs/s / cores used) / fastText docs/s, taking the faster of fastText\'s paper and best configs (fastText predict is single-threaded). Cores used = the --workers value (default 1); if measured CPU utilisation ((user+sys)/wall) exceeds 1.5, its rounded value instead.',
  'topicmix training: `train --data train.jsonl [--dev dev.jsonl] --out M --seed 1 --json` (defaults otherwise); the in-process seconds and epochs come from its --json summary. Train-time ratio = topicmix train wall (one run, includes process start and reading the data) / fastText-best train wall (median). Targets: accuracy ≥ fastText best on every dataset and ≥ +1 point on average; training ≤ 2x fastText (2 threads); classify throughput ≥ 0.7x fastText per core on ag_news and thucnews; classify peak RSS ≤ 400 MB on a 1 GB input and < 10 % growth from 100 MB to 1 GB.',
];

const NOISE_NOTE =
  'The machine is shared (2 cores, other engineers building and testing): absolute numbers are noisy; the topicmix/fastText, topicmix/floor and 1/2-worker ratios come from alternating runs in one bench process, so both sides of a ratio saw the same load on average; per-round ranges are given.';

const SPEED_NOTES = [
  'Wall seconds, user+sys CPU seconds and peak RSS (max resident set of the process, threads included) come from GNU time (`%e %M %U %S`). Medians over rounds; ranges are min–max.',
  '"ratio docs/s" = topicmix docs/s / fastText docs/s on the same documents (fastText gets them pre-tokenized as in bench/lib/ftprep.mjs, one per line); both single-core by construction (`--workers 1`; fastText predict is single-threaded). "ratio by CPU time" = the same with user+sys CPU seconds instead of wall, less sensitive to other load. CPU util = (user+sys)/wall of topicmix (GC and I/O threads can push it above 1).',
  'Speed inputs: the test split repeated (whole copies) until >= 100k documents or >= 32 MB, whichever comes first (ag_news: 13 copies = 98,800 docs, 33 MB, as in issue 10).',
  'fastText model: paper config trained here on the same shuffled train split as the full bench (`fasttext supervised -thread 2`); the .bin is the one both `fasttext predict` and fasttext.wasm load.',
  'Train: fastText best config = the one the grid of the last full bench run (bench/results.json) selected (best dev accuracy where a dev split exists, else best test accuracy: optimistic for fastText); fastText trains with 2 threads. topicmix trains with its own defaults (uint8 weights).',
  'Start-up: `topicmix classify one.jsonl -o out.jsonl` with no --model (the shipped default model), one ag_news document; whole process wall from GNU time.',
];

async function main() {
  const opt = parseOptions();
  const command = ['node', rel(process.argv[1] ?? 'bench/run.mjs'), ...process.argv.slice(2)].join(' ');

  if (!fs.existsSync(opt.dataDir) || !fs.statSync(opt.dataDir).isDirectory()) {
    process.stderr.write(`bench: data folder ${opt.dataDir} not found; nothing to benchmark (pass --data-dir DIR). No results written.\n`);
    process.exit(0);
  }
  const unknown = opt.datasets.filter((/** @type {string} */ d) => !ALL_DATASETS.includes(d));
  if (unknown.length) log(`note: datasets not in the standard list: ${unknown.join(', ')} (will try them anyway)`);

  fs.mkdirSync(opt.work, { recursive: true });
  fs.mkdirSync(opt.out, { recursive: true });

  // Tools
  const timeErr = ensureDebPackage('/usr/bin/time', 'time');
  if (timeErr) log(`WARNING: ${timeErr} Peak RSS will not be measured (wall time measured in-process).`);
  refreshGnuTime();
  /** @type {string|null} */
  let ftBin = null;
  /** @type {string|null} */
  let ftError = null;
  if (!opt.skipFasttext) {
    ftError = ensureDebPackage('fasttext', 'fasttext');
    if (ftError) log(`WARNING: ${ftError} The fastText half is skipped.`);
    else ftBin = which('fasttext');
  }

  // topicmix CLI
  /** @type {any} */
  let build = null;
  if (opt.build && !opt.skipTopicmix) {
    log('npm run build');
    const b = await run('npm', ['run', 'build'], { cwd: REPO, timed: false, timeoutMs: 10 * 60_000 });
    build = { ok: b.ok, error: b.ok ? undefined : failText(b) };
    if (!b.ok) log(`build failed: ${b.error} (continuing with whatever dist/ holds)`);
  }
  /** @type {{available:boolean, error?:string}} */
  let tm = { available: false, error: 'skipped (--skip-topicmix)' };
  if (!opt.skipTopicmix) {
    tm = await probe(REPO);
    if (!tm.available) log(`topicmix CLI not usable: ${tm.error?.split('\n')[0]} (topicmix half recorded as failed)`);
  }

  const machine = machineInfo(REPO, ftBin);
  log(`machine: ${machine.cpu_model}, ${machine.cores} cores, load ${machine.load_avg_at_start.join(' ')}, node ${machine.node}, fasttext ${machine.fasttext?.version ?? '-'}`);

  const has = (/** @type {string} */ s) => opt.sections.includes(s);
  if (LEGACY_SECTIONS.some(has)) {
    /** @type {any} */
    const results = {
      command,
      cwd: process.cwd(),
      machine,
      options: { ...opt, timeoutMs: undefined, timeout_min: opt.timeoutMs / 60_000 },
      tools: { gnu_time: timeErr ?? 'ok', fasttext: ftError ?? (opt.skipFasttext ? 'skipped' : 'ok'), topicmix: tm.available ? 'ok' : tm.error, build },
      targets: TARGETS,
      datasets: [],
      memory: null,
      summary: null,
      notes: NOTES,
      partial: true,
    };
    const write = () => {
      results.summary = summarize(results.datasets, results.memory);
      fs.writeFileSync(path.join(opt.out, 'results.json'), JSON.stringify(results, null, 1) + '\n');
      fs.writeFileSync(path.join(opt.out, 'results.md'), renderMarkdown(results));
    };

    for (const name of has('datasets') ? opt.datasets : []) {
      /** @type {any} */
      const dsr = { name, errors: [] };
      results.datasets.push(dsr);
      const dir = path.join(opt.dataDir, name);
      const files = {
        train: path.join(dir, 'train.jsonl'),
        test: path.join(dir, 'test.jsonl'),
        dev: fs.existsSync(path.join(dir, 'dev.jsonl')) ? path.join(dir, 'dev.jsonl') : null,
      };
      dsr.files = files;
      if (!fs.existsSync(files.train) || !fs.existsSync(files.test)) {
        dsr.errors.push(`missing ${dir}/train.jsonl or test.jsonl; dataset skipped`);
        log(`${name}: missing train/test in ${dir}; skipped`);
        write();
        continue;
      }
      if (!fs.existsSync(path.join(opt.dataDir, `READY_${name}`))) log(`${name}: WARNING no READY_${name} marker in ${opt.dataDir} (data may be incomplete)`);
      const work = path.join(opt.work, name);
      fs.mkdirSync(work, { recursive: true });

      /** @type {{train:any[], test:any[], dev:any[]|null}} */
      let rows;
      try {
        rows = { train: readJsonl(files.train), test: readJsonl(files.test), dev: files.dev ? readJsonl(files.dev) : null };
      } catch (e) {
        dsr.errors.push(`reading data: ${/** @type {Error} */ (e).message}`);
        write();
        continue;
      }
      dsr.counts = { train: rows.train.length, test: rows.test.length, dev: rows.dev?.length ?? null };
      const testBuf = fs.readFileSync(files.test);
      const testLines = rows.test.length;
      const copies = copiesFor(testLines, testBuf.length, { minLines: BIG_MIN_LINES, minBytes: BIG_MIN_BYTES });
      const big = writeRepeated(testBuf, copies, path.join(work, 'big.jsonl'));
      if (big.lines !== testLines * copies) dsr.errors.push(`test.jsonl has blank lines: big.jsonl has ${big.lines} lines for ${testLines * copies} documents`);
      dsr.big = big;
      log(`${name}: train ${rows.train.length}, dev ${rows.dev?.length ?? '-'}, test ${testLines}; big.jsonl ${copies} copies = ${big.lines} docs, ${(big.bytes / 1e6).toFixed(1)} MB`);

      // topicmix
      if (opt.skipTopicmix) dsr.topicmix = { skipped: true };
      else if (!tm.available) {
        dsr.topicmix = { error: `topicmix CLI not usable: ${tm.error}` };
        dsr.errors.push(dsr.topicmix.error);
      } else {
        try {
          dsr.topicmix = await runTopicmix({ repo: REPO, ds: name, files, dir: work, big, reps: opt.reps, workers: opt.workers, timeoutMs: opt.timeoutMs });
        } catch (e) {
          dsr.topicmix = { error: `harness error: ${/** @type {Error} */ (e).stack}` };
        }
        if (dsr.topicmix.error) dsr.errors.push(`topicmix: ${dsr.topicmix.error}`);
      }
      write();

      // fastText
      if (ftBin) {
        try {
          const inp = writeInputs(rows, path.join(work, 'ft'));
          dsr.fasttext = await runFastText({ bin: ftBin, inp, dir: path.join(work, 'ft'), bigSpec: big, quick: opt.quick, reps: opt.reps, ds: name, keepModels: opt.keepWork });
          for (const c of dsr.fasttext.configs) if (c.error) dsr.errors.push(`fastText ${c.name}: ${c.error}`);
          if (!dsr.fasttext.best) dsr.errors.push('fastText: no config trained successfully');
        } catch (e) {
          dsr.fasttext = { error: `harness error: ${/** @type {Error} */ (e).stack}` };
          dsr.errors.push(`fastText: ${dsr.fasttext.error}`);
        }
      } else dsr.fasttext = { error: ftError ?? 'skipped (--skip-fasttext)' };

      dsr.ratios = computeRatios(dsr);
      write();
    }

    // Memory: ag_news model on ~100 MB and ~1 GB inputs
    const agModel = path.join(opt.work, 'ag_news', 'model');
    const ag = results.datasets.find((/** @type {any} */ d) => d.name === 'ag_news');
    if (opt.skipMemory || !has('memory')) results.memory = { skipped: opt.skipMemory ? '--skip-memory' : 'memory not in --sections' };
    else if (!tm.available) results.memory = { skipped: 'topicmix CLI not usable' };
    else if (!ag?.topicmix?.train?.ok) results.memory = { skipped: 'needs the ag_news topicmix model from this run (include ag_news in --datasets)' };
    else {
      const testBuf = fs.readFileSync(path.join(opt.dataDir, 'ag_news', 'test.jsonl'));
      const memDir = path.join(opt.work, 'memory');
      fs.mkdirSync(memDir, { recursive: true });
      const sizes = [{ label: '~100 MB', bytes: 100e6, file: 'mem100m.jsonl' }, ...(opt.quick ? [] : [{ label: '~1 GB', bytes: 1e9, file: 'mem1g.jsonl' }])];
      /** @type {any[]} */
      const runs = [];
      results.memory = { model: agModel, runs };
      for (const s of sizes) {
        const input = writeRepeated(testBuf, Math.max(1, Math.round(s.bytes / testBuf.length)), path.join(memDir, s.file));
        log(`memory: classify ${s.label} (${input.lines} docs, ${(input.bytes / 1e6).toFixed(0)} MB)`);
        const r = await memoryRun({ repo: REPO, model: agModel, input, outFile: path.join(memDir, 'out.jsonl'), workers: opt.workers, timeoutMs: opt.timeoutMs, logFile: path.join(memDir, `${s.file}.stderr.log`) });
        runs.push({ label: s.label, ...r });
        if (r.error) log(`memory ${s.label} FAILED: ${r.error.split('\n')[0]}`);
        else log(`memory ${s.label}: peak RSS ${r.peak_rss_mb?.toFixed(0)} MB, ${Math.round(r.docs_per_s ?? NaN)} docs/s`);
        if (!opt.keepWork && s.bytes >= 1e9) fs.rmSync(input.path, { force: true });
        write();
      }
      const r100 = runs[0]?.peak_rss_mb ?? null;
      const r1g = runs[1]?.peak_rss_mb ?? null;
      results.memory.growth = r100 && r1g ? (r1g - r100) / r100 : null;
      results.memory.rss_1g_pass = r1g ? r1g <= TARGETS.rss_1g_max_mb : null;
      results.memory.growth_pass = results.memory.growth === null ? null : results.memory.growth < TARGETS.rss_growth_max;
      results.memory.pass = results.memory.rss_1g_pass === null || results.memory.growth_pass === null ? null : results.memory.rss_1g_pass && results.memory.growth_pass;
      if (opt.quick) results.memory.note = '1 GB run skipped (--quick)';
      const err = runs.filter((r) => r.error).map((r) => `${r.label}: ${r.error}`);
      if (err.length) results.memory.error = err.join('\n');
    }

    // Worker scaling: the same ag_news input with 1 worker and with one per core (issue target: 2 workers >= 1.8x one)
    // the ~100 MB memory input: on the ~50 MB one, starting a worker (model load) is a large part of the run
    const mem100 = path.join(opt.work, 'memory', 'mem100m.jsonl');
    const scaleInput = fs.existsSync(mem100) ? { path: mem100, bytes: fs.statSync(mem100).size, lines: results.memory?.runs?.[0]?.docs } : ag?.big;
    const agBig = scaleInput?.path;
    if (!has('scaling')) results.scaling = { skipped: 'scaling not in --sections' };
    else if (opt.skipMemory || !tm.available || !ag?.topicmix?.train?.ok || !agBig || !fs.existsSync(agBig) || !scaleInput?.lines) results.scaling = { skipped: 'needs the ag_news model and big input from this run' };
    else {
      const n = Math.max(2, os.availableParallelism());
      /** @type {any[]} */
      const runs = [];
      for (const workers of [1, n]) {
        /** @type {any[]} */
        const reps = [];
        for (let i = 0; i < opt.reps; i++) reps.push(await memoryRun({ repo: REPO, model: agModel, input: { path: agBig, bytes: scaleInput.bytes, lines: scaleInput.lines }, outFile: path.join(opt.work, 'scaling-out.jsonl'), workers, timeoutMs: opt.timeoutMs, logFile: path.join(opt.work, `scaling-${workers}.stderr.log`) }));
        const ok = reps.filter((r) => !r.error).sort((a, b) => a.wall_s - b.wall_s);
        const med = ok[Math.floor(ok.length / 2)];
        runs.push({ workers, wall_s: med?.wall_s ?? null, docs_per_s: med?.docs_per_s ?? null, peak_rss_mb: med?.peak_rss_mb ?? null, runs: reps.map((r) => r.wall_s) });
        log(`scaling: ${workers} worker(s): ${Math.round(med?.docs_per_s ?? NaN)} docs/s, ${med?.peak_rss_mb?.toFixed(0)} MB`);
      }
      const speedup = runs[0].docs_per_s && runs[1].docs_per_s ? runs[1].docs_per_s / runs[0].docs_per_s : null;
      results.scaling = { input: agBig, docs: scaleInput.lines, runs, speedup, target: 1.8, pass: speedup === null ? null : speedup >= 1.8 };
      write();
    }

    // HTML extraction quality and speed on the raw pages (its own files: bench/extract-results.{json,md})
    if (!opt.quick && has('extract')) {
      log('extract: node bench/extract.mjs');
      const r = spawnSync(process.execPath, [path.join(REPO, 'bench', 'extract.mjs')], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
      results.extract = r.status === 0 ? { results: 'bench/extract-results.md' } : { error: `bench/extract.mjs exited with ${r.status}` };
    }

    // Import time of the package entry, median of 7 fresh processes (its own files: bench/import-time-results.{json,md})
    if (!opt.skipTopicmix && has('import-time')) {
      log('import time: node bench/import-time.mjs');
      const r = spawnSync(process.execPath, [path.join(REPO, 'bench', 'import-time.mjs')], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
      results.import_time = r.status === 0 ? { results: 'bench/import-time-results.md' } : { error: `bench/import-time.mjs exited with ${r.status}` };
    }

    results.partial = false;
    results.machine.load_avg_at_end = os.loadavg().map((x) => Math.round(x * 100) / 100);
    write();
    log(`wrote ${rel(path.join(opt.out, 'results.json'))} and ${rel(path.join(opt.out, 'results.md'))}`);
  }

  // Token counting speed per report tokenizer (its own files: bench/tokenizers-results.{json,md})
  if (has('tokenizers')) {
    log('tokenizers: node bench/tokenizers.mjs');
    const r = spawnSync(process.execPath, [path.join(REPO, 'bench', 'tokenizers.mjs'), '--data-dir', opt.dataDir, '--reps', String(opt.reps)], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) log(`bench/tokenizers.mjs exited with ${r.status}`);
  }

  if (has('multilabel')) {
    log('multilabel: topicmix train --multi-label vs fastText -loss ova on bdci2018_car_subjects');
    const mr = await runMultiLabelSection({ repo: REPO, dataDir: opt.dataDir, work: path.join(opt.work, 'multilabel'), ftBin, skipTopicmix: opt.skipTopicmix || !tm.available, timeoutMs: opt.timeoutMs });
    Object.assign(mr, { command, machine, finished: new Date().toISOString() });
    fs.writeFileSync(path.join(opt.out, 'results-multilabel.json'), JSON.stringify(mr, null, 1) + '\n');
    fs.writeFileSync(path.join(opt.out, 'results-multilabel.md'), renderMultiLabelMarkdown(mr));
    log(`wrote ${rel(path.join(opt.out, 'results-multilabel.json'))} and ${rel(path.join(opt.out, 'results-multilabel.md'))}`);
  }

  if (SPEED_SECTIONS.some(has)) {
    const speedSections = SPEED_SECTIONS.filter(has);
    log(`issue-10 sections: ${speedSections.join(', ')} on ${opt.datasets.join(', ')}`);
    /** @type {any} */
    const sr = {
      command,
      cwd: process.cwd(),
      repo: REPO,
      data_dir: opt.dataDir,
      machine: machineInfo(REPO, ftBin),
      busiest_at_start: busiest(),
      noise_note: NOISE_NOTE,
      options: { sections: speedSections, datasets: opt.datasets, speed_reps: opt.speedReps, train_reps: opt.trainReps, workers_reps: opt.workersReps, startup_reps: opt.startupReps, workers_dataset: opt.workersDataset },
      tools: { gnu_time: timeErr ?? 'ok', fasttext: ftError ?? (opt.skipFasttext ? 'skipped' : 'ok'), topicmix: tm.available ? 'ok' : tm.error },
      notes: SPEED_NOTES,
      finished: null,
    };
    const writeSpeed = () => {
      fs.writeFileSync(path.join(opt.out, 'results-speed.json'), JSON.stringify(sr, null, 1) + '\n');
      fs.writeFileSync(path.join(opt.out, 'results-speed.md'), renderSpeedMarkdown(sr));
    };
    if (!tm.available) {
      sr.error = `topicmix CLI not usable: ${tm.error}`;
      sr.sections = speedSections;
      sr.datasets = [];
    } else {
      await runSpeedSections({
        repo: REPO,
        benchDir: path.join(REPO, 'bench'),
        dataDir: opt.dataDir,
        work: path.join(opt.work, 'speed'),
        sections: speedSections,
        datasets: opt.datasets,
        ftBin,
        reps: { speed: opt.speedReps, train: opt.trainReps, workers: opt.workersReps, startup: opt.startupReps },
        workersDataset: opt.workersDataset,
        timeoutMs: opt.timeoutMs,
        results: sr,
        write: writeSpeed,
      });
    }
    sr.load_avg_at_end = loadavg();
    sr.busiest_at_end = busiest();
    sr.finished = new Date().toISOString();
    writeSpeed();
    log(`wrote ${rel(path.join(opt.out, 'results-speed.json'))} and ${rel(path.join(opt.out, 'results-speed.md'))}`);
  }
}

main().catch((e) => {
  process.stderr.write(`bench: ${e?.stack ?? e}\n`);
  process.exit(1);
});
