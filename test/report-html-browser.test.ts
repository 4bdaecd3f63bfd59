/**
 * The HTML (and markdown) report as people see it: a bilingual tagged fixture counted with the default
 * model's label set (`report --model models/default`) is rendered, then loaded in headless Chromium
 * (`--dump-dom`, with a probe script appended to a copy of the page). Checks: the model's topic names in
 * both languages are on the page, Chinese glyphs really render (distinct glyph bitmaps, not one tofu box),
 * no colour stands for two meanings (topic / language / measure / confidence histogram), and the top terms
 * of tiny topic x script cells are hidden, saying why.
 * Needs Debian's chromium and a CJK font (fonts-noto-cjk; .ci/run installs both): skipped with the reason otherwise.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerReportCommand } from '../src/cli/commands/report.js';
import { parseReport } from '../src/report/read-report.js';
import { formatHtml } from '../src/report/format-html.js';
import { readModelIdentity } from '../src/report/model-info.js';
import type { Report } from '../src/report/report-types.js';
import { LANG_PALETTE, MEASURE_COLORS, TOPIC_PALETTE, HIST_COLOR } from '../src/report/svg-charts.js';
import { tempDir } from './helpers/temp-dir.js';
import { which } from './helpers/which.js';

const MODEL_DIR = join(__dirname, '..', 'models', 'default');

/** Run `topicmix report <args>` in-process; returns what went to stderr and the exit code. */
async function report(...args: string[]): Promise<{ stderr: string; code: number }> {
  const program = new Command('topicmix').exitOverride();
  registerReportCommand(program);
  let stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'topicmix', 'report', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { stderr, code };
}
afterEach(() => {
  process.exitCode = undefined;
});

/** Families of installed fonts with Chinese glyphs, by fontconfig (empty when none or no fc-list). */
function cjkFonts(): string[] {
  const r = spawnSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter((l) => l.trim() !== '') : [];
}

const chromium = which('chromium');
const hasCjkFont = cjkFonts().length > 0;
const skipBrowser = chromium === null ? 'chromium is not installed' : hasCjkFont ? null : 'no CJK font is installed (fc-list :lang=zh is empty)';
if (skipBrowser) console.warn(`report-html-browser.test.ts: the Chromium tests are skipped: ${skipBrowser} (apt-get install --no-install-recommends chromium fonts-noto-cjk, as .ci/run does)`);

/** Word pools per topic and language; the tiny cells use words found nowhere else. */
const POOLS: Record<string, Record<string, string[]>> = {
  business_finance: {
    en: ['market', 'stocks', 'bank', 'investors', 'profit', 'shares', 'earnings', 'dividend', 'merger', 'inflation'],
    zh: ['股市', '银行', '投资', '利润', '财报', '上涨', '股东', '融资', '汇率', '通胀'],
  },
  sports: {
    en: ['football', 'league', 'coach', 'striker', 'goal', 'season', 'champions', 'tennis', 'match', 'stadium'],
    zh: ['足球', '联赛', '教练', '球员', '进球', '赛季', '冠军', '网球', '比赛', '球场'],
  },
  technology: { en: ['zeppelin', 'quasar', 'gizmo'], zh: ['芯片', '手机', '软件', '算法', '数据', '网络', '电脑', '系统', '程序', '云端'] },
  food_dining: { zh: ['饺子', '馄饨'] },
};
const DOCS: Record<string, Record<string, number>> = { business_finance: { en: 30, zh: 30 }, sports: { en: 25, zh: 24 }, technology: { en: 3, zh: 22 }, food_dining: { zh: 2 } };
/** Terms only the tiny cells (technology en: 3 docs, food_dining zh: 2 docs) contain. */
const TINY_TERMS = ['zeppelin', 'quasar', 'gizmo', '饺子', '馄饨'];

function taggedLines(): string[] {
  const lines: string[] = [];
  for (const [topic, byLang] of Object.entries(DOCS)) {
    for (const [lang, n] of Object.entries(byLang)) {
      const pool = POOLS[topic]![lang]!;
      for (let i = 0; i < n; i++) {
        const words = [0, 1, 2, 3, 4].map((j) => pool[(i * 3 + j * 7) % pool.length]!);
        const other = topic === 'sports' ? 'business_finance' : 'sports';
        lines.push(
          JSON.stringify({
            id: `d${lines.length}`,
            text: lang === 'en' ? `${words.join(' ')} today` : `${words.join('，')}。`,
            lang,
            topic,
            topic_score: 0.8,
            topics: [
              { label: topic, score: 0.8 },
              { label: other, score: 0.2 },
            ],
            scores: { [topic]: 0.8, [other]: 0.2 },
          }),
        );
      }
    }
  }
  return lines;
}

let dir: string;
const p = (name: string): string => join(dir, name);
/** --model: the default model's model.json without its calibration counts (see beforeAll). */
const common = (): string[] => ['--model', p('model'), '--tokenizer', 'words'];

beforeAll(async () => {
  dir = tempDir('topicmix-report-html-');
  const lines = taggedLines();
  await writeFile(p('tagged.jsonl'), `${lines.join('\n')}\n`);
  await writeFile(p('part-a.jsonl'), `${lines.filter((_, i) => i % 2 === 0).join('\n')}\n`);
  await writeFile(p('part-b.jsonl'), `${lines.filter((_, i) => i % 2 === 1).join('\n')}\n`);
  await writeFile(p('target.yaml'), 'method: target\nunit: tokens\nmax_repeat: 4\ntopics: {business_finance: 0.4, sports: 0.3, technology: 0.2, food_dining: 0.1}\n');
  // The page people look at comes from the default model itself; the other outputs from its model.json
  // without the calibration counts, as the corrected shares' bootstrap takes seconds per summary.
  const meta = JSON.parse(await readFile(join(MODEL_DIR, 'model.json'), 'utf8')) as { userDefinedMetadata: { topicmix: { calibration?: unknown } } };
  delete meta.userDefinedMetadata.topicmix.calibration;
  await mkdir(p('model'));
  await writeFile(p('model/model.json'), JSON.stringify(meta));
  const ok = { stderr: 'topicmix report: read 136, counted 136, errors 0\n', code: 0 };
  expect(await report(p('tagged.jsonl'), '--model', MODEL_DIR, '--tokenizer', 'words', '--target', p('target.yaml'), '-o', p('r.html'))).toEqual(ok);
  for (const out of ['r.json', 'r.md']) expect(await report(p('tagged.jsonl'), ...common(), '--target', p('target.yaml'), '-o', p(out))).toEqual(ok);
  expect(await report(p('tagged.jsonl'), ...common(), '--min-term-docs', '0', '-o', p('all-terms.md'))).toEqual(ok);
}, 120_000);

describe('report output with the model’s topic names', () => {
  it('report.json carries the model’s label names, and merged partial reports stay identical byte for byte', async () => {
    const r = JSON.parse(await readFile(p('r.json'), 'utf8')) as Report;
    const meta = JSON.parse(await readFile(join(MODEL_DIR, 'model.json'), 'utf8')) as { userDefinedMetadata: { topicmix: { labelNames: Record<string, unknown> } } };
    expect(r.model.label_names).toEqual(meta.userDefinedMetadata.topicmix.labelNames);
    expect(r.model.label_names?.business_finance).toEqual({ en: 'Business & Finance', zh: '商业财经' });
    expect(Object.keys(r.model).slice(0, 6)).toEqual(['name', 'data_hash', 'id', 'labels', 'labels_source', 'label_names']);

    expect((await report(p('part-a.jsonl'), p('part-b.jsonl'), ...common(), '-o', p('whole.json'))).code).toBe(0);
    for (const part of ['a', 'b']) expect((await report(p(`part-${part}.jsonl`), ...common(), '-o', p(`part-${part}.report.json`))).code).toBe(0);
    expect((await report('--merge', p('part-a.report.json'), p('part-b.report.json'), '-o', p('merged.json'))).code).toBe(0);
    expect(await readFile(p('merged.json'), 'utf8')).toBe(await readFile(p('whole.json'), 'utf8'));
  }, 60_000);

  it('an older report without label names still reads, and shows topic ids', async () => {
    const json = JSON.parse(await readFile(p('r.json'), 'utf8')) as { model: Record<string, unknown> };
    delete json.model.label_names;
    const old = parseReport(JSON.stringify(json), 'old.json');
    expect(old.model.label_names).toBeUndefined();
    const html = formatHtml(old);
    expect(html).not.toContain('商业财经');
    expect(html).toContain('<td>business_finance</td>');
    json.model.label_names = { sports: { en: 'Sports', fr: 'Sport' } };
    expect(() => parseReport(JSON.stringify(json), 'bad.json')).toThrow(/^bad\.json: model\.label_names\.sports: Unrecognized key\(s\) in object: 'fr'$/);
  });

  it('a model whose labelNames are malformed is refused, naming the file and key', async () => {
    const meta = JSON.parse(await readFile(join(MODEL_DIR, 'model.json'), 'utf8')) as { userDefinedMetadata: { topicmix: { labelNames: unknown } } };
    meta.userDefinedMetadata.topicmix.labelNames = { sports: { en: 7 } };
    await writeFile(p('model.json'), JSON.stringify(meta));
    await expect(readModelIdentity(p('model.json'))).rejects.toThrow(`${p('model.json')}: userDefinedMetadata.topicmix.labelNames.sports.en must be a string, got 7`);
  });

  it('markdown names topics "en / zh (id)" and hides the top terms of tiny cells, saying which and why', async () => {
    const md = await readFile(p('r.md'), 'utf8');
    expect(md).toContain('| Business & Finance / 商业财经 (business_finance) | 60 |');
    expect(md).toContain('| Sports & Fitness / 体育运动 (sports) | 49 |');
    expect(md).toContain(
      '- Note: Top terms hidden for 2 topic x script cell(s) with fewer than 20 documents (--min-term-docs), where terms that one or two documents happen to contain lead the list: ' +
        'Food & Drink / 美食餐饮 zh (2 docs), Technology & Computing / 科技数码 en (3 docs).',
    );
    expect(md).toMatch(/\| Technology & Computing \/ 科技数码 \(technology\) \| [^|]*芯片[^|]* \| \(hidden: 3 docs, fewer than 20\) \|/);
    const terms = md.slice(md.indexOf('## Top terms'));
    for (const t of TINY_TERMS) expect(terms).not.toContain(t);
    // --min-term-docs 0 shows every cell: the words are there to be hidden
    const all = await readFile(p('all-terms.md'), 'utf8');
    for (const t of TINY_TERMS) expect(all.slice(all.indexOf('## Top terms'))).toContain(t);
    expect(all).not.toContain('hidden');
  });

  it('the palettes of topics, languages, measures and histograms share no colour', () => {
    const all = [...TOPIC_PALETTE, ...LANG_PALETTE, ...Object.values(MEASURE_COLORS), HIST_COLOR].map((c) => c.toLowerCase());
    expect(new Set(all).size).toBe(all.length);
    expect(TOPIC_PALETTE.length).toBeGreaterThanOrEqual(19); // the default model's labels
  });
});

/** Appended to a copy of the report page: what Chromium rendered, as JSON in <pre id="probe">. */
const PROBE = `<script>
(() => {
  const out = {};
  const titleOf = (el) => { const t = el.querySelector(':scope > title'); return t ? t.textContent : null; };
  out.marks = [...document.querySelectorAll('svg rect')].map((r) => ({ title: titleOf(r), fill: getComputedStyle(r).fill })).filter((m) => m.title !== null);
  out.swatches = [...document.querySelectorAll('.legend span')].map((s) => ({ key: s.getAttribute('title'), text: s.textContent, fill: getComputedStyle(s.querySelector('i')).backgroundColor }));
  out.text = document.body.innerText;
  out.svgText = [...document.querySelectorAll('svg text')].map((t) => ({ text: [...t.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join(''), width: t.getComputedTextLength() }));
  const cell = [...document.querySelectorAll('td')].find((td) => td.textContent.includes('商业财经'));
  out.family = getComputedStyle(cell).fontFamily;
  const glyph = (ch) => {
    const c = document.createElement('canvas');
    c.width = 64; c.height = 64;
    const g = c.getContext('2d');
    g.font = '48px ' + out.family;
    g.textBaseline = 'middle';
    g.fillText(ch, 4, 32);
    const d = g.getImageData(0, 0, 64, 64).data;
    let ink = 0, hash = 0;
    for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) ink++; hash = (Math.imul(hash, 31) + d[i]) >>> 0; }
    return { ink, hash };
  };
  out.glyphs = Object.fromEntries(['商', '业', '财', '经', '体', '育', 'A'].map((ch) => [ch, glyph(ch)]));
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.append(pre);
})();
</script>`;

interface Probe {
  marks: Array<{ title: string; fill: string }>;
  swatches: Array<{ key: string; text: string; fill: string }>;
  text: string;
  svgText: Array<{ text: string; width: number }>;
  family: string;
  glyphs: Record<string, { ink: number; hash: number }>;
}

/** Load `html` in headless Chromium with the probe; `env` e.g. points fontconfig elsewhere. */
async function probe(html: string, name: string, env: NodeJS.ProcessEnv = process.env): Promise<Probe> {
  const page = p(`${name}.html`);
  await writeFile(page, html.replace('</body>', `${PROBE}</body>`));
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check', '--disable-dev-shm-usage', '--hide-scrollbars'];
  args.push(`--user-data-dir=${tempDir('topicmix-chromium-')}`, '--dump-dom', pathToFileURL(page).href);
  const child = spawn(chromium!, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  // chromium's helper processes are in its process group (detached): on a timeout end that group, by its pid
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 60_000);
  const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
  clearTimeout(timer);
  const m = /<pre id="probe">([\s\S]*?)<\/pre>/.exec(stdout);
  if (code !== 0 || m === null) throw new Error(`chromium exited with ${code} and no probe result: ${stderr}`);
  const unescaped = m[1]!
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
  return JSON.parse(unescaped) as Probe;
}

/** True when the glyphs of the Chinese characters are drawn, and drawn differently (tofu boxes all look alike). */
function cjkRendered(glyphs: Probe['glyphs']): boolean {
  const cjk = ['商', '业', '财', '经', '体', '育'].map((ch) => glyphs[ch]!);
  return cjk.every((g) => g.ink > 50) && new Set(cjk.map((g) => g.hash)).size === cjk.length;
}

describe.skipIf(skipBrowser !== null)('the HTML report in headless Chromium', () => {
  let page: Probe;
  let json: Report;

  beforeAll(async () => {
    page = await probe(await readFile(p('r.html'), 'utf8'), 'report');
    json = JSON.parse(await readFile(p('r.json'), 'utf8')) as Report;
  }, 90_000);

  it('shows the topic names in both languages, in tables and chart labels', () => {
    for (const name of ['Business & Finance / 商业财经', 'Sports & Fitness / 体育运动', 'Technology & Computing / 科技数码', 'Food & Drink / 美食餐饮']) expect(page.text).toContain(name);
    const labels = page.svgText.map((t) => t.text);
    for (const name of ['Business & Finance', '商业财经', 'Sports & Fitness', '体育运动']) expect(labels).toContain(name);
    // the ids stay visible too (target.yaml uses them)
    expect(page.text).toMatch(/Business & Finance \/ 商业财经\s*business_finance/);
  });

  it('renders Chinese glyphs: distinct, inked glyphs in the page’s font, and chart labels with a width', () => {
    expect(page.family).toMatch(/Noto Sans CJK SC/);
    expect(cjkRendered(page.glyphs), JSON.stringify(page.glyphs)).toBe(true);
    const zh = page.svgText.find((t) => t.text === '商业财经')!;
    expect(zh.width).toBeGreaterThan(30); // four glyphs at 11px
  });

  it('the glyph check fails without a CJK font (fontconfig limited to DejaVu)', async () => {
    const dejavu = '/usr/share/fonts/truetype/dejavu';
    try {
      accessSync(dejavu);
    } catch {
      console.warn(`report-html-browser.test.ts: no ${dejavu}: the negative control of the glyph check is skipped`);
      return;
    }
    const conf = p('fonts.conf');
    await writeFile(conf, `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>${dejavu}</dir><cachedir>${p('fc-cache')}</cachedir></fontconfig>\n`);
    const bare = await probe(await readFile(p('r.html'), 'utf8'), 'no-cjk', { ...process.env, FONTCONFIG_FILE: conf });
    expect(bare.glyphs.A!.ink).toBeGreaterThan(50);
    expect(cjkRendered(bare.glyphs), JSON.stringify(bare.glyphs)).toBe(false);
  }, 90_000);

  it('uses no colour for two meanings, and one colour per topic, language and measure everywhere', () => {
    const names = new Map(Object.entries(json.model.label_names!).map(([id, n]) => [`${n.en} / ${n.zh}`, id]));
    const langs = new Set(json.summary.by_lang.map((r) => r.lang!));
    const measures = new Set(['current', 'target', 'achieved']);
    const meaningOf = (key: string): string => {
      if (measures.has(key)) return `measure:${key}`;
      if (langs.has(key)) return `lang:${key}`;
      if (names.has(key)) return `topic:${names.get(key)}`;
      if (json.model.labels.includes(key)) return `topic:${key}`;
      throw new Error(`unknown key ${JSON.stringify(key)}`);
    };
    const uses: Array<{ fill: string; what: string }> = [];
    for (const m of page.marks) {
      const at = m.title.lastIndexOf(' · ');
      // chart segments are titled "row · key: value"; histogram bins "0.8–0.9: 30"
      uses.push({ fill: m.fill, what: at < 0 ? 'confidence' : meaningOf(m.title.slice(at + 3, m.title.lastIndexOf(': '))) });
    }
    for (const s of page.swatches) uses.push({ fill: s.fill, what: meaningOf(s.key) });

    const byFill = new Map<string, Set<string>>();
    const byWhat = new Map<string, Set<string>>();
    for (const u of uses) {
      byFill.set(u.fill, (byFill.get(u.fill) ?? new Set()).add(u.what.split(':')[0]!));
      byWhat.set(u.what, (byWhat.get(u.what) ?? new Set()).add(u.fill));
    }
    for (const [fill, meanings] of byFill) expect([...meanings], `colour ${fill}`).toHaveLength(1);
    for (const [what, fills] of byWhat) expect([...fills], what).toHaveLength(1);
    // each thing its own colour, too (two topics never share one)
    expect(new Set([...byWhat.values()].map((f) => [...f][0])).size).toBe(byWhat.size);
    const kinds = [...byWhat.keys()].map((w) => w.split(':')[0]);
    expect(kinds.filter((k) => k === 'topic')).toHaveLength(4);
    expect(kinds.filter((k) => k === 'lang')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'measure')).toHaveLength(3);
    expect(kinds.filter((k) => k === 'confidence')).toHaveLength(1);
  });

  it('hides the top terms of cells with fewer than 20 documents and says which and why', () => {
    const terms = page.text.slice(page.text.indexOf('Top terms per topic'));
    expect(terms).toContain('Cells with fewer than 20 documents are hidden (--min-term-docs)');
    expect(terms).toMatch(/Technology & Computing \/ 科技数码\s*technology\s+[^\n]*芯片[^\n]*\thidden: 3 documents, fewer than 20/);
    expect(terms).toMatch(/Food & Drink \/ 美食餐饮\s*food_dining\s+hidden: 2 documents, fewer than 20/);
    for (const t of ['football', '足球', 'market', '股市']) expect(terms).toContain(t);
    for (const t of TINY_TERMS) expect(page.text).not.toContain(t);
    expect(page.text).toContain('Top terms hidden for 2 topic x script cell(s) with fewer than 20 documents');
  });
});
