// Draws the web-pool sample for labelling and writes reading batches for annotators.
// The sample: per language, pool docs ordered by sha256(`${seed}:${id}`), the first N. Every 10th drawn doc
// is also given to a second annotator (blind: batch-local keys hide which docs are doubled and where they
// come from). Batch files hold text excerpts only, never `source`, `url` or `kind_hint`, and are written
// outside the repository (the pool stays in ../shared/data).
// With --from SUGGESTED.jsonl (the output of `topicmix label suggest`, one language): batches of exactly those
// documents, named <lang>s-NN, each labelled once (they are training data, chosen by the model, not a random sample).
// usage: node scripts/labelling/make-batches.mjs OUT_DIR [--data ../shared/data] [--n 4000] [--slices 8] [--seed 20261202]
//        node scripts/labelling/make-batches.mjs OUT_DIR --from suggest/en.jsonl --lang en --slices 5
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

const args = process.argv.slice(2);
const out = args[0];
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i < 0 ? dflt : args[i + 1]; };
const dataRoot = opt('data', '../shared/data');
const perLang = Number(opt('n', '4000'));
const slices = Number(opt('slices', '8'));
const seed = opt('seed', '20261202');
if (!out) { console.error('usage: make-batches.mjs OUT_DIR [--data DIR] [--n N] [--slices K] [--seed S]'); process.exit(1); }
mkdirSync(out, { recursive: true });

const sha = (s) => createHash('sha256').update(s).digest('hex');
const EXCERPT = { en: { head: 1500, mid: 500, full: 2600 }, zh: { head: 700, mid: 300, full: 1200 } };

function excerpt(text, lang) {
  const e = EXCERPT[lang];
  if (text.length <= e.full) return text;
  const m = Math.floor(text.length / 2);
  return `${text.slice(0, e.head)}\n[... ${m - e.head} characters not shown ...]\n${text.slice(m, m + e.mid)}\n[... ${text.length - m - e.mid} characters to the end not shown ...]`;
}

const manifest = [];
const from = opt('from', null);
for (const lang of from ? [opt('lang', 'en')] : ['en', 'zh']) {
  const docs = gunzipSync(readFileSync(join(dataRoot, 'web_pool', `${lang}.jsonl.gz`))).toString('utf8')
    .split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const batches = Array.from({ length: slices }, () => []);
  if (from) {
    const byId = new Map(docs.map((d) => [d.id, d]));
    readFileSync(from, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).id).forEach((id, i) => batches[i % slices].push({ d: byId.get(id), role: 'primary' }));
  } else {
    const drawn = docs.map((d) => ({ d, h: sha(`${seed}:${d.id}`) })).sort((a, b) => (a.h < b.h ? -1 : 1)).slice(0, perLang);
    drawn.forEach(({ d }, i) => {
      const s = i % slices;
      batches[s].push({ d, role: 'primary' });
      if (i % 10 === 0) batches[(s + 1 + (Math.floor(i / 10) % (slices - 1))) % slices].push({ d, role: 'second' });
    });
  }
  batches.forEach((items, s) => {
    const name = `${lang}${from ? 's' : ''}-${String(s + 1).padStart(2, '0')}`;
    // interleave doubled docs so an annotator cannot tell them apart
    const ordered = items.map((it) => ({ ...it, k: sha(`${seed}:order:${name}:${it.d.id}`) })).sort((a, b) => (a.k < b.k ? -1 : 1));
    const lines = [];
    const keys = [];
    ordered.forEach((it, j) => {
      const key = `${name.toUpperCase().replace(/^(..)S/, '$1')}${from ? 'S' : ''}-${String(j + 1).padStart(3, '0')}`.replace(/^(..)-(\d\d)S-/, '$1-S$2-');
      keys.push({ key, id: it.d.id, role: it.role });
      lines.push(`=== ${key} · ${lang} · ${it.d.text.length} chars ===\n${excerpt(it.d.text, lang)}\n`);
    });
    writeFileSync(join(out, `${name}.txt`), lines.join('\n'));
    writeFileSync(join(out, `${name}.keys.jsonl`), keys.map((k) => JSON.stringify(k)).join('\n') + '\n');
    manifest.push({ batch: name, docs: ordered.length, second: ordered.filter((o) => o.role === 'second').length });
  });
}
if (!from) writeFileSync(join(out, 'manifest.json'), JSON.stringify({ seed, perLang, slices, excerpt: EXCERPT, batches: manifest }, null, 2));
console.log(JSON.stringify(manifest));
