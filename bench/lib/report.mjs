// Ratios, targets and the Markdown report.

/** Datasets where the classify-throughput target applies. */
export const THROUGHPUT_TARGET_DATASETS = ['ag_news', 'thucnews'];
export const TARGETS = {
  acc_delta_min_each: 0,
  acc_delta_min_avg: 1,
  train_ratio_max: 2,
  throughput_ratio_min: 0.7,
  rss_1g_max_mb: 400,
  rss_growth_max: 0.1,
};

/** @param {any} x */
const num = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/**
 * @param {any} ds   one dataset's result
 * @returns {any}
 */
export function ftBest(ds) {
  const ft = ds.fasttext;
  if (!ft?.configs) return null;
  return ft.configs.find((/** @type {any} */ c) => c.name === ft.best) ?? null;
}

/** @param {any} ds */
export function ftPaper(ds) {
  const ft = ds.fasttext;
  if (!ft?.configs) return null;
  return ft.configs.find((/** @type {any} */ c) => c.name === ft.paper) ?? null;
}

/**
 * topicmix / fastText-best ratios and pass/fail for one dataset.
 * @param {any} ds
 */
export function computeRatios(ds) {
  const tm = ds.topicmix ?? {};
  const best = ftBest(ds);
  const tmAcc = num(tm.eval?.accuracy);
  const ftAcc = num(best?.test?.accuracy);
  const tmF1 = num(tm.eval?.macro_f1);
  const ftF1 = num(best?.test?.macro_f1);
  const accDelta = tmAcc !== null && ftAcc !== null ? (tmAcc - ftAcc) * 100 : null;
  const tmTrain = tm.train?.ok ? num(tm.train.wall_s) : null;
  const ftTrain = num(best?.train_wall_median_s);
  const trainRatio = tmTrain !== null && ftTrain ? tmTrain / ftTrain : null;
  const tmTp = num(tm.classify?.docs_per_s_per_core);
  // against fastText's faster predict of its two configs (the paper's dim 10 is often 2x the best's dim 50)
  const paper = ftPaper(ds);
  const ftTps = [num(best?.predict?.docs_per_s), num(paper?.predict?.docs_per_s)].filter((x) => x !== null);
  const ftTp = ftTps.length ? Math.max(...ftTps) : null;
  const tpRatio = tmTp !== null && ftTp ? tmTp / ftTp : null;
  const tpApplies = THROUGHPUT_TARGET_DATASETS.includes(ds.name);
  return {
    acc_delta_points: accDelta,
    macro_f1_delta_points: tmF1 !== null && ftF1 !== null ? (tmF1 - ftF1) * 100 : null,
    acc_pass: accDelta === null ? null : accDelta >= TARGETS.acc_delta_min_each,
    train_time_ratio: trainRatio,
    train_pass: trainRatio === null ? null : trainRatio <= TARGETS.train_ratio_max,
    throughput_ratio_per_core: tpRatio,
    throughput_target_applies: tpApplies,
    throughput_pass: tpRatio === null || !tpApplies ? null : tpRatio >= TARGETS.throughput_ratio_min,
  };
}

/**
 * @param {any[]} datasets
 * @param {any} memory
 */
export function summarize(datasets, memory) {
  const deltas = datasets.map((d) => d.ratios?.acc_delta_points).filter((x) => num(x) !== null);
  const avg = deltas.length ? deltas.reduce((a, b) => a + b, 0) / deltas.length : null;
  const all = (/** @type {string} */ k) => {
    const v = datasets.map((d) => d.ratios?.[k]).filter((x) => x !== null && x !== undefined);
    return v.length ? v.every(Boolean) : null;
  };
  const accEach = all('acc_pass');
  return {
    datasets_compared: deltas.length,
    datasets_run: datasets.length,
    avg_acc_delta_points: avg,
    acc_pass_each: accEach,
    acc_pass_avg: avg === null ? null : avg >= TARGETS.acc_delta_min_avg,
    acc_pass: accEach === null || avg === null ? null : accEach && avg >= TARGETS.acc_delta_min_avg,
    train_pass: all('train_pass'),
    throughput_pass: all('throughput_pass'),
    memory_pass: memory?.pass ?? null,
  };
}

// ---------- Markdown ----------

/** @param {any} x @param {number} [d] */
function f(x, d = 2) {
  const v = num(x);
  return v === null ? '–' : v.toFixed(d);
}
/** @param {any} x */
function int(x) {
  const v = num(x);
  return v === null ? '–' : Math.round(v).toLocaleString('en-US');
}
/** @param {any} x */
function pct(x) {
  const v = num(x);
  return v === null ? '–' : (v * 100).toFixed(2);
}
/** @param {boolean|null|undefined} b */
function pf(b) {
  return b === null || b === undefined ? '–' : b ? 'pass' : '**FAIL**';
}
/** @param {any} x */
function signed(x) {
  const v = num(x);
  return v === null ? '–' : `${v >= 0 ? '+' : ''}${v.toFixed(2)}`;
}
/** @param {string[]} head @param {string[][]} rows */
function table(head, rows) {
  const esc = (/** @type {string} */ s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [`| ${head.map(esc).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

/**
 * @param {any} results   the whole results.json object
 * @returns {string}
 */
export function renderMarkdown(results) {
  const m = results.machine;
  const ds = /** @type {any[]} */ (results.datasets);
  const reps = results.options.reps;
  const L = [];
  L.push('# topicmix vs fastText benchmark');
  L.push('');
  L.push(`Produced by: \`${results.command}\` (in ${results.cwd}), ${m.date}.`);
  L.push('');
  L.push(
    `Machine: ${m.cpu_model}, ${m.cores} cores, ${m.mem_total_gb} GB, load average at start ${m.load_avg_at_start.join(' / ')}${m.load_avg_at_end ? `, at end ${m.load_avg_at_end.join(' / ')}` : ''}; ` +
      `Node ${m.node}; fastText ${m.fasttext?.version ?? 'not available'}; topicmix commit ${m.topicmix_commit?.slice(0, 12) ?? '?'}` +
      `${m.topicmix_tracked_changes ? ` + ${m.topicmix_tracked_changes} changed tracked files` : ''} (dist/cli/main.js built ${m.topicmix_dist_main_mtime ?? 'never'}).`,
  );
  L.push('');
  L.push(
    `Mode: ${results.options.quick ? '**--quick** (fastText paper config only, no grid; no 1 GB memory run)' : 'full'}; ` +
      `timings: fastText training median of ${reps} runs (best and paper configs, 2 threads), throughput median of ${reps} runs, topicmix training 1 run. ` +
      'fastText is given pre-tokenized input (see the notes at the end); its predict is single-threaded.',
  );
  L.push('');

  // Accuracy
  L.push('## Accuracy on the test split');
  L.push('');
  L.push(
    table(
      ['dataset', 'test docs', 'topicmix acc %', 'topicmix macro-F1 %', 'check: classify acc %', 'worst-class acc %', 'ECE', 'fastText paper acc % / F1 %', 'fastText best acc % / F1 %', 'best config', 'best chosen by'],
      ds.map((d) => {
        const tm = d.topicmix ?? {};
        const b = ftBest(d);
        const p = ftPaper(d);
        return [
          d.name,
          int(d.counts?.test),
          pct(tm.eval?.accuracy),
          pct(tm.eval?.macro_f1),
          tm.classify_test?.error ? 'error' : pct(tm.classify_test?.accuracy),
          pct(tm.eval?.worst_class_accuracy),
          f(tm.eval?.ece, 3),
          p?.test ? `${pct(p.test.accuracy)} / ${pct(p.test.macro_f1)}` : '–',
          b?.test ? `${pct(b.test.accuracy)} / ${pct(b.test.macro_f1)}` : '–',
          b?.name ?? '–',
          d.fasttext?.grid_searched === false ? 'paper config only (--quick)' : (d.fasttext?.selection_rule ?? '–'),
        ];
      }),
    ),
  );
  L.push('');

  // Training
  L.push('## Training time (wall seconds)');
  L.push('');
  L.push(
    table(
      ['dataset', 'train docs', 'dev docs', 'topicmix train s', 'topicmix in-process s / epochs', 'topicmix train RSS MB', `fastText paper train s (median of ${reps})`, `fastText best train s (median of ${reps})`, 'fastText best train RSS MB', 'fastText best model MB'],
      ds.map((d) => {
        const tm = d.topicmix ?? {};
        const b = ftBest(d);
        const p = ftPaper(d);
        return [
          d.name,
          int(d.counts?.train),
          d.counts?.dev ? int(d.counts.dev) : '–',
          tm.train?.ok ? f(tm.train.wall_s) : '–',
          tm.train?.ok ? `${f(tm.train.in_process_s)} / ${tm.train.epochs ?? '–'}` : '–',
          tm.train?.ok ? int(tm.train.peak_rss_mb) : '–',
          f(p?.train_wall_median_s),
          f(b?.train_wall_median_s),
          int(b?.train_rss_mb),
          b?.model_bytes ? f(b.model_bytes / 1e6, 1) : '–',
        ];
      }),
    ),
  );
  L.push('');

  // Throughput
  L.push('## Classify throughput (test split repeated; end to end incl. process start and model load)');
  L.push('');
  L.push(
    table(
      ['dataset', 'docs', 'topicmix input MB (JSONL)', 'topicmix wall s', 'topicmix docs/s', 'topicmix MB/s', 'topicmix peak RSS MB', 'cores used (workers; CPU util)', 'topicmix docs/s/core', 'fastText input MB (tokenized)', 'fastText wall s', 'fastText docs/s', 'fastText MB/s', 'fastText peak RSS MB'],
      ds.map((d) => {
        const c = d.topicmix?.classify ?? {};
        const p = ftBest(d)?.predict ?? {};
        return [
          d.name,
          int(d.big?.lines),
          d.big ? f(d.big.bytes / 1e6, 1) : '–',
          f(c.wall_s),
          int(c.docs_per_s),
          f(c.mb_per_s, 1),
          int(c.peak_rss_mb),
          c.cores_used ? `${c.cores_used} (${c.workers ?? 'default'}; ${f(c.cpu_util)})` : '–',
          int(c.docs_per_s_per_core),
          p.input_bytes ? f(p.input_bytes / 1e6, 1) : '–',
          f(p.wall_s),
          int(p.docs_per_s),
          f(p.mb_per_s, 1),
          int(p.peak_rss_mb),
        ];
      }),
    ),
  );
  L.push('');

  // Ratios
  const s = results.summary;
  L.push('## topicmix / fastText-best: ratios and targets');
  L.push('');
  L.push(
    table(
      ['dataset', 'acc Δ (points)', 'macro-F1 Δ (points)', 'acc ≥ fastText best', 'train-time ratio', '≤ 2x', 'throughput ratio per core (vs fastText\'s faster of paper / best predict)', '≥ 0.7x (ag_news, thucnews)'],
      [
        ...ds.map((d) => {
          const r = d.ratios ?? {};
          return [
            d.name,
            signed(r.acc_delta_points),
            signed(r.macro_f1_delta_points),
            pf(r.acc_pass),
            f(r.train_time_ratio),
            pf(r.train_pass),
            f(r.throughput_ratio_per_core),
            r.throughput_target_applies ? pf(r.throughput_pass) : 'n/a',
          ];
        }),
        [`**all (${s.datasets_compared} compared)**`, `avg ${signed(s.avg_acc_delta_points)} (target ≥ +1: ${pf(s.acc_pass_avg)})`, '', pf(s.acc_pass_each), '', pf(s.train_pass), '', pf(s.throughput_pass)],
      ],
    ),
  );
  L.push('');
  L.push(`Accuracy target overall (every dataset ≥ fastText best and average ≥ +1 point): ${pf(s.acc_pass)}. Memory target: ${pf(s.memory_pass)}.`);
  L.push('');
  if (results.options.quick) {
    L.push('**--quick**: fastText-best is the paper config here (no grid), which underfits the small datasets; the accuracy and train-time columns are not a fair test of the targets. Use a full run for those.');
    L.push('');
  }

  // Memory
  L.push('## Classify memory (ag_news test repeated)');
  L.push('');
  const mem = results.memory;
  if (!mem || mem.skipped) {
    L.push(`Not measured: ${mem?.skipped ?? 'no memory section'}.`);
  } else {
    L.push(
      table(
        ['input', 'input MB', 'docs', 'wall s', 'docs/s', 'MB/s', 'peak RSS MB', 'check'],
        /** @type {any[]} */ (mem.runs).map((r) => [r.label, r.input_bytes ? f(r.input_bytes / 1e6, 0) : '–', int(r.docs), f(r.wall_s), int(r.docs_per_s), f(r.mb_per_s, 1), int(r.peak_rss_mb), r.error ? `error: ${r.error.split('\n')[0]}` : r.check]),
      ),
    );
    L.push('');
    L.push(
      `Growth 100 MB → 1 GB: ${mem.growth === null ? '– (1 GB run skipped or failed)' : `${signed(mem.growth * 100)} %`} (target < 10 %); ` +
        `peak RSS on 1 GB ≤ 400 MB: ${pf(mem.rss_1g_pass)}; overall ${pf(mem.pass)}.`,
    );
  }
  L.push('');

  // Worker scaling
  const sc = results.scaling;
  if (sc) {
    L.push(`## Classify with worker threads (${sc.docs ? `${int(sc.docs)} ag_news docs` : 'ag_news'}, end to end)`);
    L.push('');
    if (sc.skipped) L.push(`Not measured: ${sc.skipped}.`);
    else {
      L.push(table(['workers', 'wall s (median)', 'docs/s', 'peak RSS MB'], sc.runs.map((/** @type {any} */ r) => [r.workers, f(r.wall_s), int(r.docs_per_s), int(r.peak_rss_mb)])));
      L.push('');
      L.push(`Speed-up: ${sc.speedup === null ? '–' : `${f(sc.speedup)}x`} (target ≥ ${sc.target}x: ${pf(sc.pass)}). Each worker holds its own copy of the model.`);
    }
    L.push('');
  }

  // Errors
  const errs = ds.flatMap((d) => (d.errors ?? []).map((/** @type {string} */ e) => [d.name, e]));
  if (mem?.error) errs.push(['memory', mem.error]);
  L.push(...errorsSection(errs, 30));

  // Grid appendix
  const withGrid = ds.filter((d) => d.fasttext?.configs?.length);
  if (withGrid.length) {
    L.push('## Appendix: every fastText config (one training run each for accuracy)');
    L.push('');
    L.push(
      table(
        ['dataset', 'config', 'dev acc %', 'test acc %', 'test macro-F1 %', 'train s (first run)', 'note'],
        withGrid.flatMap((d) =>
          d.fasttext.configs.map((/** @type {any} */ c) => [
            d.name,
            c.name,
            pct(c.dev?.accuracy),
            pct(c.test?.accuracy),
            pct(c.test?.macro_f1),
            f(c.train_wall_s?.[0]),
            [c.name === d.fasttext.paper ? 'paper' : '', c.name === d.fasttext.best ? 'best' : '', c.error ? `error: ${c.error.split('\n')[0]}` : ''].filter(Boolean).join(', '),
          ]),
        ),
      ),
    );
    L.push('');
  }

  L.push('## Notes');
  L.push('');
  for (const n of results.notes) L.push(`- ${n}`);
  L.push('');
  return L.join('\n');
}

/**
 * The "## Errors" section of a results page: each [where, message] with the first `maxLines` lines of the
 * message in a code block; no lines when there are none.
 * @param {[string, unknown][]} errs
 * @param {number} maxLines
 * @returns {string[]}
 */
export function errorsSection(errs, maxLines) {
  if (errs.length === 0) return [];
  const L = ['## Errors', ''];
  for (const [n, e] of errs) {
    L.push(`- **${n}**:`, '', '  ```');
    for (const line of String(e).split('\n').slice(0, maxLines)) L.push(`  ${line}`);
    L.push('  ```');
  }
  L.push('');
  return L;
}
