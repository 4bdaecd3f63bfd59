/**
 * The workbench on the real web pool (../shared/data/web_pool, read in place, never copied) with the shipped
 * model ranking it, and a scratch label set (the default taxonomy and hand-written examples copied into a temp
 * folder, so labels/default is not written). Skipped with the reason when the pool is absent.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { api, serve, type Served } from './helpers/label-serve.js';
import { tempDir } from './helpers/temp-dir.js';

const ROOT = join(__dirname, '..');
const POOL = join(ROOT, '..', 'shared', 'data', 'web_pool');
const POOL_FILES = ['en.jsonl.gz', 'zh.jsonl.gz'].map((f) => join(POOL, f));
const skip = POOL_FILES.every((f) => existsSync(f)) ? null : `${POOL} is absent`;
if (skip) console.warn(`label-serve-web-pool.test.ts: skipped: ${skip} (see ../shared/data/DATA.md)`);

let running: Served | null = null;
afterEach(async () => {
  if (running && running.proc.exitCode === null) await running.stop();
  running = null;
});

describe.skipIf(skip !== null)('label serve on the web pool', () => {
  it('ranks the pool with the shipped model and writes a label row keyed by pool id', async () => {
    const labels = join(tempDir(), 'labels');
    mkdirSync(join(labels, 'web'), { recursive: true });
    for (const f of ['taxonomy.yaml', 'examples.jsonl']) copyFileSync(join(ROOT, 'labels', 'default', f), join(labels, f));
    const s = await serve(['--pool', ...POOL_FILES, '--labels', labels, '--model', join(ROOT, 'models', 'default'), '--annotator', 'web-pool-test', '--retrain-every', '0']);
    running = s;
    let state = (await api(s, 'GET', '/api/state')).json;
    for (let i = 0; i < 600 && state.model === null && state.error === null; i++) {
      await new Promise((r) => setTimeout(r, 200));
      state = (await api(s, 'GET', '/api/state')).json;
    }
    expect(state.error).toBeNull();
    expect(state.model).toMatch(/^topicmix-default@[0-9a-f]{12}$/);
    expect((state.progress as { langs: string[] }).langs).toEqual(['zh', 'en']);
    // without held-out labels the shares are the model's tags taken at face value
    const shares = state.shares as { labels: string[]; shares: number[]; raw: number[]; docs: number };
    expect(shares.docs).toBe(7040 + 10653);
    expect(shares.shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);

    const doc = (await api(s, 'GET', '/api/next')).json.doc as { id: string; text: string; top: { label: string }[]; model: string };
    expect(doc.model).toBe(state.model);
    expect(doc.top).toHaveLength(3);
    const r = await api(s, 'POST', '/api/label', { id: doc.id, label: doc.top[0]!.label === 'none' ? 'technology' : doc.top[0]!.label });
    expect(r.status).toBe(200);
    const row = JSON.parse(readFileSync(join(labels, 'web', 'workbench.jsonl'), 'utf8')) as Record<string, unknown>;
    expect(row).toMatchObject({ id: doc.id, annotator: 'web-pool-test', model: state.model });
    expect(row.text).toBeUndefined();
    expect(await s.stop()).toBe(0);
  });
});
