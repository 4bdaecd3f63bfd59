// Writes the adjudication batch: every doubly labelled page where the two annotators' top labels differ,
// with its excerpt and both annotations (unnamed as "A" and "B"), for an adjudicator who decides by GUIDELINE.md.
// usage: node scripts/labelling/adjudication-batch.mjs WORK_DIR   (after collect.mjs)
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = process.argv[2];
const jsonl = (f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const EXCERPT = JSON.parse(readFileSync(join(work, 'batches', 'manifest.json'), 'utf8')).excerpt;
const out = [];
const keys = [];
for (const lang of ['en', 'zh']) {
  const pool = new Map(gunzipSync(readFileSync(join(root, '..', 'shared', 'data', 'web_pool', `${lang}.jsonl.gz`))).toString('utf8').split('\n').filter(Boolean).map((l) => { const d = JSON.parse(l); return [d.id, d.text]; }));
  const prim = new Map(jsonl(join(root, `labels/default/web/${lang}.jsonl`)).map((r) => [r.id, r]));
  for (const s of jsonl(join(root, `labels/default/web/second/${lang}.jsonl`))) {
    const p = prim.get(s.id);
    if (!p || p.label === s.label) continue;
    const text = pool.get(s.id);
    const e = EXCERPT[lang];
    const m = Math.floor(text.length / 2);
    const shown = text.length <= e.full ? text : `${text.slice(0, e.head)}\n[... not shown ...]\n${text.slice(m, m + e.mid)}\n[... not shown ...]`;
    const key = `ADJ-${String(keys.length + 1).padStart(3, '0')}`;
    const desc = (r) => `${r.label}${r.label2 ? ` (label2 ${r.label2})` : ''}${r.reason ? ` (reason ${r.reason})` : ''}${r.note ? ` — note: ${r.note}` : ''}`;
    keys.push({ key, id: s.id });
    out.push(`=== ${key} · ${lang} · ${text.length} chars ===\nannotator A: ${desc(p)}\nannotator B: ${desc(s)}\n${shown}\n`);
  }
}
writeFileSync(join(work, 'adjudication.txt'), out.join('\n'));
writeFileSync(join(work, 'adjudication.keys.jsonl'), keys.map((k) => JSON.stringify(k)).join('\n') + '\n');
console.log(`${keys.length} disagreements to adjudicate`);
