#!/usr/bin/env node
// Token counting speed of each report tokenizer (run `npx tsc -p tsconfig.json` first): one core, in process,
// on the Chinese and English texts of ../shared/data (thucnews_articles and ag_news train splits).
//   node bench/tokenizers.mjs [--reps N] [--tokenizers a,b] [--data-dir DIR] [--note 'what else was running']
// writes bench/tokenizers-results.{json,md} and prints the table (also run by `npm run bench`; `npm run bench -- --sections tokenizers`).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { reps: { type: 'string', default: '3' }, tokenizers: { type: 'string' }, 'data-dir': { type: 'string' }, child: { type: 'string' }, note: { type: 'string' } },
  strict: true,
});
const reps = Number(values.reps);
if (!Number.isInteger(reps) || reps < 1) {
  console.error(`bench/tokenizers.mjs: --reps must be a positive integer, got ${values.reps}`);
  process.exit(2);
}
const dataDir = values['data-dir'] ? resolve(values['data-dir']) : join(root, '..', 'shared', 'data');
const SETS = [
  { lang: 'zh', file: 'thucnews_articles/train.jsonl', kind: 'news articles' },
  { lang: 'en', file: 'ag_news/train.jsonl', kind: 'news title + lead' },
];
if (!SETS.every((s) => existsSync(join(dataDir, s.file)))) {
  console.log(`bench/tokenizers.mjs: skipped, ${SETS.map((s) => s.file).join(' and ')} are not all in ${dataDir}`);
  process.exit(0);
}
if (!existsSync(join(root, 'dist', 'report', 'token-counter.js'))) {
  console.error('bench/tokenizers.mjs: build first (npx tsc -p tsconfig.json)');
  process.exit(1);
}
const { TOKENIZER_NAMES } = await import('../dist/report/token-counter.js');
const names = values.tokenizers ? values.tokenizers.split(',').map((s) => s.trim()) : [...TOKENIZER_NAMES];

function readTexts(set) {
  return readFileSync(join(dataDir, set.file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l).text);
}

// One timed pass in a fresh process: the tokenizers keep merge caches across calls, and a second pass over
// the same texts would mostly hit them.
if (values.child !== undefined) {
  const [name, lang] = values.child.split(':');
  const docs = readTexts(SETS.find((s) => s.lang === lang));
  const { loadTokenCounter } = await import('../dist/report/token-counter.js');
  const t0 = performance.now();
  const counter = await loadTokenCounter(name);
  const loadMs = performance.now() - t0;
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  let tokens = 0;
  for (const t of docs) tokens += counter.count(t);
  const wall = (performance.now() - w0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({ name: counter.name, version: counter.version, load_ms: loadMs, wall_s: wall, cpu_s: (cpu.user + cpu.system) / 1e6, tokens }));
  process.exit(0);
}

const texts = SETS.map((s) => {
  const docs = readTexts(s);
  const bytes = docs.reduce((n, t) => n + Buffer.byteLength(t), 0);
  const chars = docs.reduce((n, t) => n + [...t].length, 0);
  return { ...s, docs: docs.length, bytes, chars };
});

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function pass(name, lang) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--data-dir', dataDir, '--child', `${name}:${lang}`], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(r.stderr.trim().split('\n')[0] || `exit ${r.status}`);
  return JSON.parse(r.stdout);
}

const loadAtStart = os.loadavg().map((x) => round(x));
const results = [];
for (const name of names) {
  const sets = [];
  let info = null;
  try {
    for (const set of texts) {
      const runs = Array.from({ length: reps }, () => pass(name, set.lang));
      info = runs[0];
      const wall = median(runs.map((r) => r.wall_s));
      const cpu = median(runs.map((r) => r.cpu_s));
      const tokens = runs[0].tokens;
      if (runs.some((r) => r.tokens !== tokens)) throw new Error(`token counts differ between passes: ${runs.map((r) => r.tokens).join(', ')}`);
      sets.push({
        lang: set.lang,
        tokens,
        wall_s: round(wall, 3),
        cpu_s: round(cpu, 3),
        passes: runs.map((r) => ({ wall_s: round(r.wall_s, 3), cpu_s: round(r.cpu_s, 3), load_ms: Math.round(r.load_ms) })),
        tokens_per_s: Math.round(tokens / wall),
        tokens_per_cpu_s: Math.round(tokens / cpu),
        mb_per_s: round(set.bytes / 1e6 / wall),
        mb_per_cpu_s: round(set.bytes / 1e6 / cpu),
        tokens_per_1k_chars: round((1000 * tokens) / set.chars, 1),
      });
      console.error(`${name} ${set.lang}: ${Math.round(tokens / wall)} tokens/s (${Math.round(tokens / cpu)} per CPU s), ${round(set.bytes / 1e6 / wall)} MB/s`);
    }
  } catch (err) {
    results.push({ tokenizer: name, error: String(err.message ?? err).split('\n')[0] });
    console.error(`${name}: ${results.at(-1).error}`);
    continue;
  }
  const loads = sets.flatMap((s) => s.passes.map((p) => p.load_ms));
  results.push({ tokenizer: name, name: info.name, version: info.version, load_ms: Math.round(median(loads)), sets });
}

const date = new Date().toISOString().slice(0, 10);
const out = {
  command: ['node bench/tokenizers.mjs', `--reps ${reps}`, ...(values.tokenizers ? [`--tokenizers ${values.tokenizers}`] : [])].join(' '),
  date,
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.availableParallelism(),
  load_avg_at_start: loadAtStart,
  load_avg_at_end: os.loadavg().map((x) => round(x)),
  data: texts.map((t) => ({ lang: t.lang, file: t.file, kind: t.kind, docs: t.docs, mb: round(t.bytes / 1e6), chars: t.chars })),
  results,
};
writeFileSync(join(root, 'bench', 'tokenizers-results.json'), `${JSON.stringify(out, null, 1)}\n`);

const cell = (r, lang, f) => {
  const s = r.sets?.find((x) => x.lang === lang);
  return s === undefined ? '-' : f(s);
};
const int = (n) => n.toLocaleString('en-US');
const rows = results.map((r) => {
  if (r.error) return `| ${r.tokenizer} | failed: ${r.error} |${' |'.repeat(9)}`;
  const per = (lang) => [
    cell(r, lang, (s) => int(s.tokens_per_s)),
    cell(r, lang, (s) => int(s.tokens_per_cpu_s)),
    cell(r, lang, (s) => s.mb_per_cpu_s),
    cell(r, lang, (s) => s.tokens_per_1k_chars),
  ];
  return `| ${[r.tokenizer, `\`${r.version}\``, int(r.load_ms), ...per('zh'), ...per('en')].join(' | ')} |`;
});
const dataLine = out.data.map((d) => `${d.lang}: \`${d.file}\` (${d.kind}, ${int(d.docs)} docs, ${d.mb} MB of UTF-8 text)`).join('; ');
const md = `# Token counting speed per report tokenizer

\`${out.command}\` on ${date}, Node ${process.version}, ${out.cpu}, ${out.cores} cores; load average ${loadAtStart.join(' ')} at the start,
${out.load_avg_at_end.join(' ')} at the end.${values.note ? ` ${values.note}` : ''}

Each pass runs in a fresh process (the BPE tokenizers keep merge caches, which a second pass over the same texts would
hit): \`count()\` of \`loadTokenCounter(name)\` over every document's text on one thread; medians of ${reps} passes. tokens/s is
wall clock; per CPU s divides by the pass's user + system CPU time, which is what one core does when it has the core (on
a shared machine it is the steadier number). MB is UTF-8 bytes of text. Load = the \`loadTokenCounter\` call (import and
vocabulary parse). Data: ${dataLine}.

| tokenizer | version | load, ms | zh tokens/s | zh tokens / CPU s | zh MB / CPU s | zh tokens / 1k chars | en tokens/s | en tokens / CPU s | en MB / CPU s | en tokens / 1k chars |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
writeFileSync(join(root, 'bench', 'tokenizers-results.md'), md);
process.stdout.write(md);
