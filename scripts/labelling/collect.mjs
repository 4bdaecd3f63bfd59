// Collects the annotators' batch outputs into the label set: labels/default/web/{en,zh}.jsonl (one row per
// pool id: the primary annotation, or the adjudicated label where the two annotators disagreed, plus the
// held-out split), labels/default/web/{en,zh}-suggested.jsonl (pages picked by `label suggest`, training only) and
// labels/default/web/doubled/: for the 10% labelled twice, {lang}.a.jsonl (the first annotation as made),
// {lang}.b.jsonl (the independent second one) and adjudication.jsonl (the decision where they differ), so that
// `topicmix labels agree web/doubled/en.a.jsonl web/doubled/en.b.jsonl` reproduces the agreement figures.
// The held-out split is stratified: within each (language, label) group, rows ordered by sha256("heldout:" + id),
// the first 15% (at least one in groups of 4 or more) are held out. Texts are never written: rows hold pool ids.
// usage: node scripts/labelling/collect.mjs WORK_DIR [--date 2026-12-02] [--adjudication FILE]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const work = args[0];
const opt = (n, d) => { const i = args.indexOf(`--${n}`); return i < 0 ? d : args[i + 1]; };
const date = opt('date', '2026-12-02');
const adjFile = opt('adjudication', join(work, 'adjudication.jsonl'));
const sha = (s) => createHash('sha256').update(s).digest('hex');
const jsonl = (f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

const primary = new Map(); // id -> row
const second = new Map();
const suggested = new Map(); // batches of `label suggest` picks: training data, labelled once
for (const f of readdirSync(join(work, 'out')).filter((f) => f.endsWith('.jsonl')).sort()) {
  const batch = f.replace('.jsonl', '');
  const keys = new Map(jsonl(join(work, 'batches', `${batch}.keys.jsonl`)).map((k) => [k.key, k]));
  for (const r of jsonl(join(work, 'out', f))) {
    const k = keys.get(r.key);
    const row = { id: k.id, label: r.label, ...(r.label2 && { label2: r.label2 }), ...(r.reason && { reason: r.reason }), ...(r.note && { note: r.note }), annotator: `helper-${batch} (Claude subagent session, GUIDELINE.md)`, date };
    (/^(en|zh)s-/.test(batch) ? suggested : k.role === 'primary' ? primary : second).set(k.id, row);
  }
}
const firstOfDoubled = new Map([...second.keys()].filter((id) => primary.has(id)).map((id) => [id, { ...primary.get(id) }]));
const adjudicated = existsSync(adjFile) ? new Map(jsonl(adjFile).map((a) => [a.id, a])) : new Map();
let changed = 0;
for (const [id, a] of adjudicated) {
  const p = primary.get(id);
  if (!p || !second.has(id)) continue;
  if (a.label !== p.label) changed++;
  const { note, ...rest } = p;
  void note;
  primary.set(id, { ...rest, label: a.label, ...(a.label2 ? { label2: a.label2 } : {}), ...(a.reason ? { reason: a.reason } : {}), note: `adjudicated (${a.annotator}): ${a.rule}`, annotator: `${p.annotator}; adjudicated by ${a.annotator}` });
  const row = primary.get(id);
  if (!a.label2) delete row.label2;
  if (row.label !== 'none') delete row.reason;
  if (row.label2 === row.label) delete row.label2;
}
// stratified held-out split on the final labels, made once: a row keeps the split it already has in the
// label set, so later adjudication or new batches never move pages in or out of the held-out split
const frozen = new Map();
for (const lang of ['en', 'zh']) {
  const f = join(root, `labels/default/web/${lang}.jsonl`);
  if (existsSync(f)) for (const r of jsonl(f)) if (r.split) frozen.set(r.id, r.split);
}
const groups = new Map();
for (const r of primary.values()) {
  if (frozen.has(r.id)) {
    r.split = frozen.get(r.id);
    continue;
  }
  const g = `${r.id.slice(0, 2)}/${r.label}`;
  if (!groups.has(g)) groups.set(g, []);
  groups.get(g).push(r);
}
for (const rows of groups.values()) {
  rows.sort((a, b) => (sha(`heldout:${a.id}`) < sha(`heldout:${b.id}`) ? -1 : 1));
  const k = rows.length >= 4 ? Math.max(1, Math.round(0.15 * rows.length)) : 0;
  rows.forEach((r, i) => { r.split = i < k ? 'heldout' : 'train'; });
}
mkdirSync(join(root, 'labels/default/web/doubled'), { recursive: true });
const adjRows = [...adjudicated.values()].filter((a) => firstOfDoubled.has(a.id)).sort((x, y) => (x.id < y.id ? -1 : 1)).map((a) => ({ id: a.id, a: firstOfDoubled.get(a.id).label, b: second.get(a.id).label, label: a.label, ...(a.label2 && { label2: a.label2 }), ...(a.reason && { reason: a.reason }), rule: a.rule, annotator: a.annotator, date }));
writeFileSync(join(root, 'labels/default/web/doubled/adjudication.jsonl'), adjRows.map((r) => JSON.stringify(r)).join('\n') + '\n');
for (const lang of ['en', 'zh']) {
  const rows = [...primary.values()].filter((r) => r.id.startsWith(`${lang}-`)).sort((a, b) => (a.id < b.id ? -1 : 1));
  writeFileSync(join(root, `labels/default/web/${lang}.jsonl`), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const sec = [...second.values()].filter((r) => r.id.startsWith(`${lang}-`)).sort((a, b) => (a.id < b.id ? -1 : 1));
  const strip = ({ split, ...r }) => (void split, r);
  writeFileSync(join(root, `labels/default/web/doubled/${lang}.b.jsonl`), sec.map((r) => JSON.stringify(strip(r))).join('\n') + '\n');
  writeFileSync(join(root, `labels/default/web/doubled/${lang}.a.jsonl`), sec.map((r) => JSON.stringify(strip(firstOfDoubled.get(r.id)))).join('\n') + '\n');
  const held = rows.filter((r) => r.split === 'heldout').length;
  const sug = [...suggested.values()].filter((r) => r.id.startsWith(`${lang}-`)).sort((a, b) => (a.id < b.id ? -1 : 1)).map((r) => ({ ...r, split: 'train' }));
  if (sug.length) writeFileSync(join(root, `labels/default/web/${lang}-suggested.jsonl`), sug.map((r) => JSON.stringify(r)).join('\n') + '\n');
  console.log(`${lang}: ${rows.length} labels of the random sample (${held} held out), ${sec.length} second annotations, ${sug.length} suggested by the model`);
}
console.log(`adjudicated: ${adjudicated.size} rows, ${changed} changed the primary label`);
