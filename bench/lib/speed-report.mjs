// Markdown for results-speed.json (the issue-10 sections of lib/speed.mjs).
import { errorsSection } from './report.mjs';
import { SPEED_TARGETS } from './speed.mjs';

/** @param {any} x */
const num = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
/** @param {any} x @param {number} [d] */
const f = (x, d = 2) => (num(x) === null ? '–' : /** @type {number} */ (num(x)).toFixed(d));
/** @param {any} x */
const int = (x) => (num(x) === null ? '–' : Math.round(/** @type {number} */ (num(x))).toLocaleString('en-US'));
/** @param {any} x */
const pct = (x) => (num(x) === null ? '–' : (/** @type {number} */ (num(x)) * 100).toFixed(2));
/** @param {any} x */
const signed = (x) => (num(x) === null ? '–' : `${/** @type {number} */ (num(x)) >= 0 ? '+' : ''}${/** @type {number} */ (num(x)).toFixed(2)}`);
/** @param {boolean|null|undefined} b */
const pf = (b) => (b === null || b === undefined ? '–' : b ? 'pass' : '**FAIL**');
/** @param {string[]} head @param {string[][]} rows */
function table(head, rows) {
  const esc = (/** @type {string} */ s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [`| ${head.map(esc).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}
/** @param {any} t */
const wallCell = (t) => (t?.wall_s ? `${f(t.wall_s)} (${f(Math.min(...t.runs.map((/** @type {any} */ r) => r.wall_s)))}–${f(Math.max(...t.runs.map((/** @type {any} */ r) => r.wall_s)))})` : t?.error ? 'error' : '–');
/** Paths under the repo are shown relative to it (the JSON keeps them absolute). */
let repoPrefix = '';
/** @param {string} c */
const code = (c) => {
  let t = String(c);
  if (dataPrefix) t = t.split(dataPrefix).join('DATA/');
  if (repoPrefix) t = t.split(repoPrefix).join('');
  return `\`${t}\``;
};
let dataPrefix = '';

/** @param {any} R @returns {string} */
export function renderSpeedMarkdown(R) {
  const m = R.machine;
  repoPrefix = R.repo ? `${R.repo}/` : '';
  dataPrefix = R.data_dir ? `${R.data_dir}/` : '';
  const ds = /** @type {any[]} */ (R.datasets ?? []);
  const L = [];
  L.push('# topicmix speed (issue 10): classify, floor, workers, start-up, training, fasttext.wasm');
  L.push('');
  L.push(`Produced by: ${code(R.command)} (in ${R.cwd}), ${m.date}${R.finished ? `, finished ${R.finished}` : ' (partial: still running or interrupted)'}; sections: ${R.sections.join(', ')}.`);
  L.push('');
  L.push(
    `Machine: ${m.cpu_model}, ${m.cores} cores, ${m.mem_total_gb} GB; Node ${m.node}; fastText ${m.fasttext?.version ?? 'not available'}; GNU time ${m.gnu_time ?? '–'}; ` +
      `topicmix commit ${m.topicmix_commit?.slice(0, 12) ?? '?'}${m.topicmix_tracked_changes ? ` + ${m.topicmix_tracked_changes} changed tracked files` : ''} (dist/cli/main.js built ${m.topicmix_dist_main_mtime ?? 'never'}).`,
  );
  L.push('');
  const busy = (/** @type {any} */ b) => (b ? b.map((/** @type {any} */ p) => `${p.command} ${p.cpu_pct}%`).join(', ') : '–');
  L.push(
    `**What else was running**: load average (1/5/15 min) at start ${m.load_avg_at_start.join(' / ')}, at end ${R.load_avg_at_end?.join(' / ') ?? '–'} on ${m.cores} cores; ` +
      `busiest processes at start: ${busy(R.busiest_at_start)}; at end: ${busy(R.busiest_at_end)}. ${R.noise_note}`,
  );
  L.push('');

  if (ds.some((d) => d.classify)) {
    L.push('## Classify per core vs fastText predict (alternating runs)');
    L.push('');
    const reps = ds.find((d) => d.classify)?.classify?.reps;
    L.push(
      `Each round runs, one after another: ${ds.find((d) => d.classify)?.classify?.order?.map(code).join(' → ')}; ${reps} rounds; medians (min–max) of wall seconds from GNU time. ` +
        'topicmix: `classify --workers 1` end to end (process start, model load, JSONL in, JSONL out) with the model from `topicmix train` (default options). ' +
        'fastText: `fasttext predict` with the paper config (`-wordNgrams 2 -dim 10 -epoch 5 -lr 0.25 -bucket 2000000`) on the same documents pre-tokenized, output discarded. ' +
        'floor: `bench/lib/floor.mjs` (read the JSONL, JSON.parse every line, write it back with two fields added).',
    );
    L.push('');
    L.push(
      table(
        ['dataset', 'docs', 'input MB', 'topicmix wall s', 'topicmix docs/s', 'CPU util', 'fastText wall s', 'fastText docs/s', 'ratio docs/s (target)', 'pass', 'per-round ratio min–max', 'ratio by CPU time', 'floor wall s', 'topicmix / floor (≤ 2)', '--backend wasm wall s (1 run)', 'js / wasm speed'],
        ds
          .filter((d) => d.classify)
          .map((d) => {
            const c = d.classify;
            const t = c.tools;
            return [
              d.name,
              int(c.input.docs),
              f(c.input.bytes / 1e6, 1),
              wallCell(t.topicmix),
              int(t.topicmix?.docs_per_s),
              f(t.topicmix?.cpu_util),
              wallCell(t.fasttext),
              int(t.fasttext?.docs_per_s),
              `${f(c.ratio)} (≥ ${c.ratio_target ?? '–'})`,
              pf(c.ratio_pass),
              c.ratio_per_round ? `${f(c.ratio_per_round.min)}–${f(c.ratio_per_round.max)}` : '–',
              f(c.ratio_cpu),
              wallCell(t.floor),
              `${f(c.floor_ratio)} ${pf(c.floor_pass)}`,
              t.topicmix_wasm?.error ? 'error' : f(t.topicmix_wasm?.wall_s),
              c.js_vs_wasm ? `${f(c.js_vs_wasm)}x` : '–',
            ];
          }),
      ),
    );
    L.push('');
    L.push('Peak RSS (median, MB): ' + ds.filter((d) => d.classify).map((d) => `${d.name}: topicmix ${int(d.classify.tools.topicmix?.peak_rss_mb)}, fastText ${int(d.classify.tools.fasttext?.peak_rss_mb)}, floor ${int(d.classify.tools.floor?.peak_rss_mb)}`).join('; ') + '.');
    L.push('');
    const wasmSame = ds.filter((d) => d.classify?.tools?.topicmix_wasm?.same_topics_as_js);
    if (wasmSame.length) {
      L.push('js vs wasm kernel outputs: ' + wasmSame.map((d) => { const s = d.classify.tools.topicmix_wasm.same_topics_as_js; return `${d.name}: ${s.differing_topics ?? '?'} of ${int(d.classify.input.docs)} topics differ, max \|Δ topic_score\| ${num(s.max_topic_score_diff) === null ? '?' : Number(s.max_topic_score_diff.toPrecision(2))}`; }).join('; ') + ' (topic_score is written with 4 decimals, so 0.0001 is one rounding step).');
      L.push('');
    }
  }

  if (ds.some((d) => d.classify?.tools?.fasttext_wasm) || R.peer) {
    L.push('## The npm peer: fasttext.wasm (same fastText .bin, same documents, end to end in Node)');
    L.push('');
    const p = R.peer ?? {};
    L.push(
      `Package \`fasttext.wasm@${p.version ?? '?'}\` (${p.install ?? '–'}; installed into bench/work/peer, not a dependency of topicmix). ` +
        'Script `bench/lib/peer-fasttext-wasm.mjs`: `FastText.create()`, `loadModel(bytes of the paper-config .bin)`, then for every JSONL line JSON.parse, the same tokenization as the fastText CLI input (bench/lib/ftprep.mjs), `predict(text, 1, 0)`, write the line with `topic`/`topic_score` added. ' +
        'It runs in the same rounds as the tools above.',
    );
    if (p.error) L.push(`\n**Not measured**: ${p.error}`);
    L.push('');
    const rows = ds.filter((d) => d.classify?.tools?.fasttext_wasm);
    if (rows.length) {
      L.push(
        table(
          ['dataset', 'docs', 'fasttext.wasm wall s', 'fasttext.wasm docs/s', 'of which load s (in-process)', 'peak RSS MB', 'topicmix docs/s', 'topicmix / fasttext.wasm', 'fasttext.wasm top-1 = fastText CLI (test split)'],
          rows.map((d) => {
            const t = d.classify.tools.fasttext_wasm;
            const a = t.agreement;
            return [d.name, int(d.classify.input.docs), t.error ? `error: ${t.error.split('\n')[0]}` : wallCell(t), int(t.docs_per_s), f(t.inner?.load_s), int(t.peak_rss_mb), int(d.classify.tools.topicmix?.docs_per_s), f(d.classify.vs_fasttext_wasm), a ? (a.error ? 'error' : `${int(a.same_top1)} / ${int(a.docs)}`) : '–'];
          }),
        ),
      );
      L.push('');
    }
  }

  const w = R.workers;
  if (w) {
    L.push('## Worker threads: --workers 1 vs 2 (alternating)');
    L.push('');
    if (w.error) L.push(`Error: ${w.error.split('\n')[0]}`);
    else {
      L.push(`${w.dataset} test split repeated: ${int(w.input.docs)} docs, ${f(w.input.bytes / 1e6, 0)} MB in, ${f(w.output_bytes / 1e6, 0)} MB out; ${w.one.runs.length} rounds.`);
      L.push('');
      L.push(
        table(
          ['workers', 'command', 'wall s median (min–max)', 'docs/s', 'CPU s', 'peak RSS MB (median)'],
          [
            ['1', code(w.one.command), wallCell(w.one), int(w.one.docs_per_s), f(w.one.cpu_s), int(w.one.peak_rss_mb)],
            ['2', code(w.two.command), wallCell(w.two), int(w.two.docs_per_s), f(w.two.cpu_s), int(w.two.peak_rss_mb)],
          ],
        ),
      );
      L.push('');
      L.push(
        `Speed-up ${f(w.speedup)}x (per round ${f(w.speedup_per_round.min)}–${f(w.speedup_per_round.max)}; target ≥ ${SPEED_TARGETS.workers_speedup_min}x: ${pf(w.speedup_pass)}); ` +
          `peak RSS 2 / 1 workers ${f(w.rss_ratio)} (target ≤ ${SPEED_TARGETS.workers_rss_ratio_max}: ${pf(w.rss_pass)}); ` +
          `outputs byte-identical (${code(w.cmp_command)}) in every round: ${w.identical ? 'yes' : `**NO** (${w.identical_each_round.join(', ')})`}.`,
      );
    }
    L.push('');
  }

  const s = R.startup;
  if (s) {
    L.push('## Start-up: one document, shipped default model');
    L.push('');
    if (s.error) L.push(`Error: ${s.error.split('\n')[0]}`);
    else {
      L.push(
        table(
          ['command', `wall s median of ${s.topicmix.runs.length} (min–max)`, 'peak RSS MB'],
          [
            [code(s.topicmix.command), wallCell(s.topicmix), int(s.topicmix.peak_rss_mb)],
            [code(s.node.command), wallCell(s.node), int(s.node.peak_rss_mb)],
          ],
        ),
      );
      L.push('');
      L.push(`Alternating runs. Whole process ${f(s.topicmix.wall_s, 3)} s (target ≤ ${SPEED_TARGETS.startup_max_s} s: ${pf(s.pass)}); ${f(s.over_node_s, 3)} s more than bare \`node -e 0\`.`);
    }
    L.push('');
  }

  if (ds.some((d) => d.train)) {
    L.push('## Training time, accuracy and model size (topicmix train defaults vs fastText best config)');
    L.push('');
    const reps = ds.find((d) => d.train?.topicmix)?.train?.topicmix?.runs?.length;
    L.push(
      `Alternating runs, ${reps ?? '?'} of each: \`topicmix train --data train.jsonl [--dev dev.jsonl] --out M --seed 1 --json\` (default options otherwise, whole process) and ` +
        '`fasttext supervised -thread 2 -verbose 0` with the best config of the fastText grid of the last full run (bench/results.json; not re-searched here). ' +
        'Accuracy on the test split: topicmix `eval --json`, fastText `predict` top-1 (first training run of each). "vs previous" = topicmix accuracy minus the one in bench/results.json (the float32 default of that run).',
    );
    L.push('');
    L.push(
      table(
        ['dataset', 'topicmix train s median (min–max)', 'in-process s / epochs', 'fastText config', 'fastText train s median (min–max)', 'ratio (≤ 1.0)', 'pass', 'topicmix acc %', 'fastText acc %', 'Δ points', 'acc ≥ fastText', 'vs previous topicmix (≥ -0.2)', 'model MB on disk (≤ 40)'],
        ds
          .filter((d) => d.train)
          .map((d) => {
            const t = d.train;
            if (t.error) return [d.name, `error: ${t.error.split('\n')[0]}`, '', '', '', '', '', '', '', '', '', '', ''];
            return [
              d.name,
              wallCell(t.topicmix),
              `${f(t.topicmix.in_process_s)} / ${t.topicmix.epochs ?? '–'}`,
              t.fasttext.config_name,
              wallCell(t.fasttext),
              f(t.ratio),
              pf(t.ratio_pass),
              pct(t.topicmix.accuracy),
              pct(t.fasttext.accuracy),
              signed(t.acc_delta_points),
              pf(t.acc_pass),
              `${signed(t.acc_vs_previous_points)} ${pf(t.acc_vs_previous_pass)}`,
              `${f(t.model_mb, 1)} ${pf(t.model_pass)}`,
            ];
          }),
      ),
    );
    L.push('');
  }

  // Commands
  L.push('## Commands');
  L.push('');
  for (const d of ds) {
    if (d.train?.topicmix) L.push(`- ${d.name} train: ${code(d.train.topicmix.command)}; ${code(d.train.fasttext.command)}; ${code(d.train.topicmix.eval_command)}`);
    if (d.classify) for (const [k, t] of Object.entries(d.classify.tools)) L.push(`- ${d.name} ${k}: ${code(/** @type {any} */ (t).command)}`);
  }
  L.push('');

  const errs = ds.flatMap((d) => (d.errors ?? []).map((/** @type {string} */ e) => [d.name, e]));
  for (const k of ['workers', 'startup', 'peer']) if (R[k]?.error) errs.push([k, R[k].error]);
  L.push(...errorsSection(errs, 20));
  L.push('## Notes');
  L.push('');
  if (R.data_dir) L.push(`- DATA = ${R.data_dir}; other paths are relative to the repository (${R.repo}).`);
  for (const n of R.notes ?? []) L.push(`- ${n}`);
  L.push('');
  return L.join('\n');
}
