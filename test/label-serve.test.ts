/**
 * `topicmix label serve` over HTTP (the built CLI, `npm run build` first; no browser here, see
 * label-serve-browser.test.ts): the token, the loopback-only bind, path traversal, body limits, and the label
 * file it writes (the web-label format `labels check` and `labels agree` read), with two clients at once.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { api, http, serve, type Served } from './helpers/label-serve.js';
import { tempDir } from './helpers/temp-dir.js';
import { HOSTILE_ID, writeWorkbenchFixture } from './helpers/workbench-fixture.js';

const CLI = join(__dirname, '..', 'dist', 'cli', 'main.js');
const running: Served[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) if (s.proc.exitCode === null) await s.stop();
});

async function start(extra: string[] = []): Promise<{ s: Served; labels: string; pool: string; file: string }> {
  const dir = tempDir();
  const { labels, pool } = writeWorkbenchFixture(dir);
  const s = await serve(['--pool', pool, '--labels', labels, '--annotator', 'tester', '--retrain-every', '0', ...extra]);
  running.push(s);
  return { s, labels, pool, file: join(labels, 'web', 'workbench.jsonl') };
}

function rows(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function nonLoopbackIPv4(): string | null {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return null;
}

describe('label serve: access', () => {
  it('prints the URL with its token first, refuses requests without it (403), and answers on 127.0.0.1 only', async () => {
    const { s } = await start();
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
    expect((await http({ port: s.port, path: '/' })).status).toBe(403);
    expect((await http({ port: s.port, path: '/?token=0000' })).status).toBe(403);
    expect((await http({ port: s.port, path: `/?token=${s.token.slice(0, -1)}x` })).status).toBe(403);
    expect((await http({ port: s.port, path: '/api/state' })).status).toBe(403);
    expect((await http({ port: s.port, path: '/api/state', headers: { 'x-topicmix-token': 'nope' } })).status).toBe(403);
    expect((await http({ port: s.port, path: '/api/next', method: 'GET' })).status).toBe(403);
    // a page on another origin that learnt the port cannot reach it through DNS rebinding: the Host is checked
    expect((await http({ port: s.port, path: `/?token=${s.token}`, headers: { host: `evil.example:${s.port}` } })).status).toBe(403);
    // POSTs need the header: a cross-site form cannot set it
    expect((await http({ port: s.port, path: `/api/retrain?token=${s.token}`, method: 'POST', body: '{}' })).status).toBe(403);
    expect((await http({ port: s.port, path: `/?token=${s.token}` })).status).toBe(200);

    const other = nonLoopbackIPv4();
    if (other === null) {
      console.warn('label-serve.test.ts: this machine has no non-loopback IPv4 address; checked the printed bind address only');
    } else {
      const err = await http({ host: other, port: s.port, path: `/?token=${s.token}` }).then(
        () => null,
        (e: NodeJS.ErrnoException) => e.code,
      );
      expect(err).toBe('ECONNREFUSED');
    }
  });

  it('serves one self-contained page under a strict Content-Security-Policy', async () => {
    const { s } = await start();
    const r = await http({ port: s.port, path: `/?token=${s.token}` });
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(csp).toMatch(/connect-src 'self'/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['cache-control']).toBe('no-store');
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    expect(r.body).toContain(`<script nonce="${nonce}">`);
    // nothing is loaded from elsewhere, and page content never goes through innerHTML
    expect(r.body).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//);
    expect(r.body).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    // a second load gets a fresh nonce
    const again = await http({ port: s.port, path: `/?token=${s.token}` });
    expect(String(again.headers['content-security-policy'])).not.toContain(nonce);
  });

  it('refuses path traversal in the path and in every parameter', async () => {
    const { s, labels, pool } = await start();
    const h = { 'x-topicmix-token': s.token, 'content-type': 'application/json' };
    for (const path of [
      `/../../../../etc/passwd?token=${s.token}`,
      `/%2e%2e/%2e%2e/etc/passwd?token=${s.token}`,
      `/api/..%2f..%2fetc/passwd?token=${s.token}`,
      `/..\\..\\etc\\passwd?token=${s.token}`,
    ]) {
      const r = await http({ port: s.port, path });
      expect([path, r.status]).toEqual([path, 400]);
      expect(r.body).not.toContain('root:');
    }
    expect((await http({ port: s.port, path: '/api/next?client=..%2F..%2Fetc%2Fpasswd', headers: h })).status).toBe(400);
    const bad = await http({ port: s.port, path: '/api/label?client=t1', method: 'POST', headers: h, body: JSON.stringify({ id: '../../etc/passwd', label: 'sports' }) });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({ error: 'field "id": path-like values are refused' });
    expect((await http({ port: s.port, path: '/api/skip?client=t1', method: 'POST', headers: h, body: JSON.stringify({ id: '/etc/passwd' }) })).status).toBe(400);
    // and the label file cannot be put outside the label set
    const r = spawnSync(process.execPath, [CLI, 'label', 'serve', '--pool', pool, '--labels', labels, '--label-file', '../outside.jsonl'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('topicmix label serve: --label-file: "../outside.jsonl" must be a path inside the label set');
    expect(r.stdout).toBe('');
  });

  it('refuses bodies over the limit with 413, declared or streamed', async () => {
    const { s, file } = await start();
    const h = { 'x-topicmix-token': s.token, 'content-type': 'application/json' };
    const big = JSON.stringify({ id: 'en-sports-1', label: 'sports', note: 'x'.repeat(20_000) });
    const r = await http({ port: s.port, path: '/api/label?client=t1', method: 'POST', headers: h, body: big });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toEqual({ error: 'request body larger than 16384 bytes' });
    const chunked = await http({ port: s.port, path: '/api/label?client=t1', method: 'POST', headers: { ...h, 'transfer-encoding': 'chunked' }, body: big });
    expect(chunked.status).toBe(413);
    expect(rows(file)).toEqual([]);
    // the server still answers afterwards
    expect((await api(s, 'GET', '/api/state')).status).toBe(200);
  });
});

describe('label serve: the label file', () => {
  it('appends web-label rows from two clients at once, refuses a page labelled twice, undoes safely, and labels check / agree read it', async () => {
    const { s, labels, pool, file } = await start(['--model', '/nonexistent-model-dir-for-test']);
    // two tabs get different pages
    const a = (await api(s, 'GET', '/api/next', undefined, 'tabA')).json.doc as { id: string };
    const b = (await api(s, 'GET', '/api/next', undefined, 'tabB')).json.doc as { id: string };
    expect(a.id).not.toBe(b.id);
    // the same page from both at once: one label, one 409
    const both = await Promise.all([api(s, 'POST', '/api/label', { id: a.id, label: 'sports' }, 'tabA'), api(s, 'POST', '/api/label', { id: a.id, label: 'technology' }, 'tabB')]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);

    // 24 labels from two clients in parallel: every one a whole line
    const ids = ['food_dining', 'technology', 'sports'].flatMap((t) => ['en', 'zh'].flatMap((l) => [0, 1, 2, 3].map((n) => `${l}-${t}-${n}`))).filter((id) => id !== a.id);
    const answers = await Promise.all(
      ids.map((id, i) => api(s, 'POST', '/api/label', { id, label: id.split('-')[1], ...(i === 0 && { label2: 'sports', note: 'a note with "quotes" and </script>' }) }, i % 2 ? 'tabA' : 'tabB')),
    );
    expect(answers.map((r) => r.status)).toEqual(ids.map(() => 200));
    // bad labels are refused, not written
    expect((await api(s, 'POST', '/api/label', { id: 'en-sports-9', label: 'cooking' })).json).toEqual({ error: 'field "label": "cooking" is not in the taxonomy' });
    expect((await api(s, 'POST', '/api/label', { id: 'en-sports-9', label: 'none' })).json).toEqual({ error: 'field "reason" must be one of boilerplate, spam, other' });
    expect((await api(s, 'POST', '/api/label', { id: 'en-sports-9', label: 'sports', label2: 'sports' })).status).toBe(400);
    expect((await api(s, 'POST', '/api/label', { id: 'nope', label: 'sports' })).status).toBe(404);
    expect((await api(s, 'POST', '/api/label', { id: HOSTILE_ID, label: 'none', reason: 'spam' }, 'tabA')).status).toBe(200);

    const written = rows(file);
    expect(written).toHaveLength(ids.length + 2);
    expect(new Set(written.map((r) => r.id)).size).toBe(written.length);
    for (const r of written) {
      expect(Object.keys(r).filter((k) => !['id', 'label', 'label2', 'reason', 'note', 'annotator', 'date', 'split', 'model', 'suggest'].includes(k))).toEqual([]);
      expect(r.annotator).toBe('tester');
      expect(r.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(['train', 'heldout']).toContain(r.split);
    }
    expect(written.find((r) => r.id === ids[0])).toMatchObject({ label: ids[0]!.split('-')[1], label2: 'sports', note: 'a note with "quotes" and </script>' });
    expect(written.at(-1)).toMatchObject({ id: HOSTILE_ID, label: 'none', reason: 'spam' });

    // undo: tabA's last label (the hostile page) leaves the file, is logged, and comes back as tabA's page
    const u = await api(s, 'POST', '/api/undo', {}, 'tabA');
    expect(u.json.undone).toMatchObject({ id: HOSTILE_ID, label: 'none' });
    expect(rows(file).map((r) => r.id)).toEqual(written.slice(0, -1).map((r) => r.id));
    expect(readFileSync(`${file}.undone.log`, 'utf8')).toContain(`"id":"${HOSTILE_ID}"`);
    expect(((await api(s, 'GET', '/api/next', undefined, 'tabA')).json.doc as { id: string }).id).toBe(HOSTILE_ID);
    // tabB has undo of its own; a tab with no labels has nothing to undo
    expect((await api(s, 'POST', '/api/undo', {}, 'tabC')).status).toBe(409);

    const state = (await api(s, 'GET', '/api/state')).json as { session_labels: number; progress: { langs: string[]; rows: { label: string; counts: number[] }[] } };
    expect(state.session_labels).toBe(ids.length + 1);
    expect(state.progress.langs).toEqual(['zh', 'en']);
    expect(state.progress.rows.find((r) => r.label === 'food_dining')!.counts).toEqual([4, 4]);

    // the ranking with a model that does not exist failed in its child process; the server kept serving and says why
    let st = (await api(s, 'GET', '/api/state')).json;
    for (let i = 0; i < 100 && st.status !== 'idle'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      st = (await api(s, 'GET', '/api/state')).json;
    }
    expect(st).toMatchObject({ status: 'idle', model: null });
    expect(String(st.error)).toContain('/nonexistent-model-dir-for-test');
    expect(s.stderr()).toContain('label serve: ranking failed:');

    // a second workbench on the same file is refused while this one runs
    const second = spawnSync(process.execPath, [CLI, 'label', 'serve', '--pool', pool, '--labels', labels], { encoding: 'utf8' });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain('is in use by another workbench');

    // a clean stop: exit 0, lock released, file intact
    expect(await s.stop()).toBe(0);
    expect(existsSync(`${file}.lock`)).toBe(false);
    const check = spawnSync(process.execPath, [CLI, 'labels', 'check', labels, '--pool', pool, '--json'], { encoding: 'utf8' });
    expect(check.status).toBe(0);
    const report = JSON.parse(check.stdout) as { ok: boolean; total: number; errors: string[] };
    expect(report.errors).toEqual([]);
    expect(report.total).toBe(6 + ids.length + 1);
    const agree = spawnSync(process.execPath, [CLI, 'labels', 'agree', file, file, '--json'], { encoding: 'utf8' });
    expect(agree.status).toBe(0);
    expect(JSON.parse(agree.stdout)).toMatchObject({ n: ids.length + 1, agreement: 1 });
  });

  it('retrains on demand in the background (with --map data): a model, held-out accuracy on the heldout rows, corrected shares, a new ranking', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'extra'));
    const mapped = [
      { text: 'the striker scored in the derby', label: 'ball' },
      { text: 'slow cooked beef stew recipe', label: 'cook' },
      { text: 'new laptop chip benchmark', label: 'pc' },
    ];
    writeFileSync(join(root, 'extra', 'train.jsonl'), mapped.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(root, 'extra.yaml'), 'dataset: extra\ntrain: [extra/train.jsonl]\nmap: { ball: sports, cook: food_dining, pc: technology }\n');
    const { s, file, labels } = await start(['--map', join(root, 'extra.yaml'), '--data-root', root]);
    const before = (await api(s, 'GET', '/api/state')).json as { queue_head: string[] };
    const ids = ['sports', 'food_dining', 'technology'].flatMap((t) => ['en', 'zh'].flatMap((l) => [0, 1, 2, 3, 4].map((n) => `${l}-${t}-${n}`)));
    for (const id of ids) expect((await api(s, 'POST', '/api/label', { id, label: id.split('-')[1] })).status).toBe(200);
    expect((await api(s, 'POST', '/api/retrain', {})).json).toEqual({ ok: true, status: 'training' });
    // the server answers while the child trains
    expect((await api(s, 'GET', '/api/next')).status).toBe(200);
    let st = (await api(s, 'GET', '/api/state')).json;
    for (let i = 0; i < 300 && st.status !== 'idle'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      st = (await api(s, 'GET', '/api/state')).json;
    }
    expect(st.error).toBeNull();
    expect(st.model).toMatch(/^workbench-1@[0-9a-f]{12}$/);
    // trained on the label set plus the mapped data
    expect(readFileSync(join(labels, '.workbench', 'models', 'round-1', 'model.json'), 'utf8')).toContain('extra/train.jsonl');
    const heldout = rows(file).filter((r) => r.split === 'heldout');
    expect(heldout.length).toBeGreaterThan(0);
    const h = st.heldout as { n: number; correct: number; byLang: { lang: string; n: number }[] };
    expect(h.n).toBe(heldout.length);
    expect(h.byLang.reduce((a, g) => a + g.n, 0)).toBe(heldout.length);
    const sh = st.shares as { labels: string[]; shares: number[]; lo: number[]; hi: number[]; docs: number };
    expect(sh.labels).toEqual(['sports', 'food_dining', 'technology', 'none']);
    expect(sh.docs).toBe(73);
    expect(sh.shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    sh.shares.forEach((x, i) => {
      expect(sh.lo[i]!).toBeLessThanOrEqual(x + 1e-12);
      expect(sh.hi[i]!).toBeGreaterThanOrEqual(x - 1e-12);
    });
    expect(st.queue_head).not.toEqual(before.queue_head.filter((id) => !ids.includes(id)));
    // the next page comes with the model's top topics, and its row names the model
    const doc = (await api(s, 'GET', '/api/next', undefined, 'fresh')).json.doc as { id: string; top: { label: string }[]; model: string };
    expect(doc.top).toHaveLength(3);
    expect(doc.model).toBe(st.model);
    expect((await api(s, 'POST', '/api/label', { id: doc.id, label: 'sports' }, 'fresh')).status).toBe(200);
    expect(rows(file).at(-1)).toMatchObject({ id: doc.id, model: st.model });
  });
});
