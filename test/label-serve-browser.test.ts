/**
 * The workbench in a real browser: Debian's chromium (headless, --no-sandbox) driven by puppeteer-core against
 * the built CLI (`npm run build` first). Labels 20 pages by keyboard (one with a second topic, one with a
 * note), undoes one and marks it "none fits", reloads, and checks the label file and that the suggestions
 * changed after the background retrain; and shows that a hostile pool page stays text.
 * The screenshot goes to the test's temp folder (its path is printed); TOPICMIX_KEEP_SCREENSHOT=<file> keeps a copy.
 * Skipped with the reason when chromium is not installed (.ci/run installs it with fonts-noto-cjk).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterEach, describe, expect, it } from 'vitest';
import { api, serve, type Served } from './helpers/label-serve.js';
import { tempDir } from './helpers/temp-dir.js';
import { which } from './helpers/which.js';
import { HOSTILE_ID, HOSTILE_TEXT, writeWorkbenchFixture } from './helpers/workbench-fixture.js';

const CLI = join(__dirname, '..', 'dist', 'cli', 'main.js');

// The page's globals as the callbacks of page.evaluate / waitForFunction use them (the tests compile without the DOM lib).
interface PageElement {
  textContent: string | null;
  children: { length: number };
}
declare const document: { getElementById(id: string): PageElement | null; querySelectorAll(selector: string): { length: number }; body: { dataset: Record<string, string | undefined> } };
declare const window: { __pwned?: number };
const chromium = which('chromium');
const skip = chromium === null ? 'chromium is not installed' : null;
if (skip) console.warn(`label-serve-browser.test.ts: the browser tests are skipped: ${skip} (apt-get install --no-install-recommends chromium fonts-noto-cjk, as .ci/run does)`);

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function open(s: Served): Promise<{ browser: Browser; page: Page; requests: string[]; problems: string[] }> {
  const browser = await puppeteer.launch({
    executablePath: chromium!,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', `--user-data-dir=${tempDir('topicmix-chromium-')}`],
  });
  cleanup.push(() => browser.close());
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('console', (m) => {
    // the browser's own favicon request has no token: its 403 is expected
    if (m.type() === 'error' && !/\/favicon\.ico$/.test(m.location().url ?? '')) problems.push(`console: ${m.text()} (${m.location().url ?? ''})`);
  });
  await page.goto(s.url);
  await page.waitForSelector('body[data-ready="1"]');
  return { browser, page, requests, problems };
}

const text = (page: Page, sel: string): Promise<string> => page.$eval(sel, (e) => e.textContent ?? '');

async function waitForDocChange(page: Page, prev: string): Promise<string> {
  // the page takes one action at a time (a key pressed while it saves is dropped): wait until it is free again
  await page.waitForFunction((p: string) => document.getElementById('doc-id')!.textContent !== p && document.body.dataset.busy !== '1', {}, prev);
  return text(page, '#doc-id');
}

function rows(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe.skipIf(skip !== null)('label serve in chromium', () => {
  it('labels 20 pages by keyboard, undoes one, marks it none fits, survives a reload, and re-ranks after the retrain', async () => {
    const dir = tempDir();
    const { labels, pool, topicOf } = writeWorkbenchFixture(dir);
    const file = join(labels, 'web', 'workbench.jsonl');
    const s = await serve(['--pool', pool, '--labels', labels, '--annotator', 'browser-test', '--retrain-every', '10']);
    cleanup.push(() => s.stop());
    const { page, requests, problems } = await open(s);

    const before = (await api(s, 'GET', '/api/state')).json as { model: string | null; queue_head: string[]; taxonomy: { topics: { id: string; key: string }[] } };
    expect(before.model).toBeNull();
    const keyOf = new Map(before.taxonomy.topics.map((t) => [t.id, t.key]));
    expect(await page.$$eval('#topics button', (bs) => bs.map((b) => b.textContent))).toEqual(['aSports & Fitness体育运动', 'bFood & Drink美食餐饮', 'cTechnology & Computing科技数码']);
    expect(await text(page, '#doc-top')).toBe('no model yet');

    const labelled: string[] = [];
    let id = await text(page, '#doc-id');
    for (let n = 1; n <= 20; n++) {
      const topic = topicOf.get(id)!;
      expect(await text(page, '#doc-text')).toContain(id === HOSTILE_ID ? 'football' : `(${id})`);
      if (n === 5) {
        // Shift+key: a second topic first
        const other = topic === 'sports' ? 'technology' : 'sports';
        await page.keyboard.down('Shift');
        await page.keyboard.press(keyOf.get(other) as 'a');
        await page.keyboard.up('Shift');
      }
      if (n === 7) {
        await page.keyboard.press('/');
        await page.keyboard.type('looks like a 导航 page');
        await page.keyboard.press('Enter');
      }
      await page.keyboard.press(keyOf.get(topic) as 'a');
      labelled.push(id);
      id = await waitForDocChange(page, id);
    }
    // undo brings the 20th page back; n then 1 marks it "none fits" (boilerplate)
    await page.keyboard.press('u');
    id = await waitForDocChange(page, id);
    expect(id).toBe(labelled[19]);
    await page.keyboard.press('n');
    await page.waitForSelector('#reasons.open');
    await page.keyboard.press('1');
    id = await waitForDocChange(page, id);

    // a reload shows the same page (it is this tab's until labelled) and loses nothing
    await page.reload();
    await page.waitForSelector('body[data-ready="1"]');
    expect(await text(page, '#doc-id')).toBe(id);

    const written = rows(file);
    expect(written.map((r) => r.id)).toEqual(labelled);
    expect(written.slice(0, 19).map((r) => r.label)).toEqual(labelled.slice(0, 19).map((l) => topicOf.get(l)));
    expect(written[19]).toMatchObject({ id: labelled[19], label: 'none', reason: 'boilerplate' });
    expect(written[4]!.label2).toBe(topicOf.get(labelled[4]!) === 'sports' ? 'technology' : 'sports');
    expect(written[6]!.note).toBe('looks like a 导航 page');
    for (const r of written) {
      expect(r).toMatchObject({ annotator: 'browser-test', date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) as unknown });
      expect(['train', 'heldout']).toContain(r.split);
      if (r.model !== undefined) expect(r.model).toMatch(/^workbench-\d+@[0-9a-f]{12}$/);
    }
    expect(readFileSync(`${file}.undone.log`, 'utf8')).toContain(`"id":"${labelled[19]}"`);

    // the retrain (started at the 10th label, in the background) gives a model, held-out accuracy and shares
    await page.waitForFunction(() => /^workbench-\d+@/.test(document.getElementById('model-id')!.textContent ?? ''), { timeout: 60_000 });
    const after = (await api(s, 'GET', '/api/state')).json as { model: string; queue_head: string[] };
    expect(after.model).toMatch(/^workbench-\d+@[0-9a-f]{12}$/);
    expect(after.queue_head).not.toEqual(before.queue_head.filter((q) => !labelled.includes(q)));
    // the next page (skip this one with s) comes from the model's ranking, with its top topics
    await page.keyboard.press('s');
    id = await waitForDocChange(page, id);
    await page.waitForFunction(() => document.querySelectorAll('#doc-top span[data-label]').length === 3);
    expect(await text(page, '#doc-reason')).toContain('workbench-');
    await page.waitForFunction(() => document.querySelectorAll('#shares tr').length === 5);
    expect(await text(page, '#heldout')).toMatch(/held-out/);
    expect(await text(page, '#progress')).toContain('Sports & Fitness / 体育运动');

    const shot = join(dir, 'workbench.png');
    await page.screenshot({ path: shot, fullPage: true });
    if (process.env.TOPICMIX_KEEP_SCREENSHOT) writeFileSync(process.env.TOPICMIX_KEEP_SCREENSHOT, readFileSync(shot));
    console.log(`label-serve-browser.test.ts: screenshot of the workbench: ${shot}`);
    expect(statSync(shot).size).toBeGreaterThan(10_000);

    // nothing but the workbench was asked for, and nothing went wrong on the page
    expect(requests.filter((u) => !u.startsWith(`${s.base}/`) && !/\/favicon\.ico$/.test(u))).toEqual([]);
    expect(problems).toEqual([]);

    await api(s, 'GET', '/api/state');
    expect(await s.stop()).toBe(0);
    const check = spawnSync(process.execPath, [CLI, 'labels', 'check', labels, '--pool', pool, '--json'], { encoding: 'utf8' });
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, errors: [], total: 6 + 20 });
  });

  it('shows a pool page with <script> and "><img onerror=...> as text: no element made, no script run', async () => {
    const dir = tempDir();
    const { labels } = writeWorkbenchFixture(dir, 1);
    const pool = join(dir, 'hostile.jsonl');
    writeFileSync(pool, `${JSON.stringify({ id: HOSTILE_ID, text: HOSTILE_TEXT, lang: 'en', url: 'javascript:alert(1)' })}\n`);
    const s = await serve(['--pool', pool, '--labels', labels, '--retrain-every', '0']);
    cleanup.push(() => s.stop());
    const { page, problems } = await open(s);
    expect(await text(page, '#doc-id')).toBe(HOSTILE_ID);
    expect(await text(page, '#doc-text')).toBe(HOSTILE_TEXT);
    expect(await text(page, '#doc-url')).toBe('javascript:alert(1)');
    const dom = await page.evaluate(() => ({
      pwned: window.__pwned ?? null,
      imgs: document.querySelectorAll('img').length,
      scripts: document.querySelectorAll('script').length,
      links: document.querySelectorAll('a').length,
      children: document.getElementById('doc-text')!.children.length,
    }));
    expect(dom).toEqual({ pwned: null, imgs: 0, scripts: 1, links: 0, children: 0 });
    // labelling the pool's only page leaves nothing to label
    await page.keyboard.press('a');
    await waitForDocChange(page, HOSTILE_ID);
    expect(await text(page, '#doc-text')).toBe('Nothing left to label in this pool.');
    expect((await api(s, 'GET', '/api/next')).json).toEqual({ doc: null });
    expect(problems).toEqual([]);
  });
});
