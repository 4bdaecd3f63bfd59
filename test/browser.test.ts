/**
 * topicmix/browser (src/browser.ts) in a real browser: esbuild bundles it for platform 'browser' (which
 * fails on any Node builtin in its import graph), a local http server serves the bundle, a page and the
 * shipped model, and headless Chromium classifies zh and en texts with the cpu and the wasm backend.
 * The page POSTs its predictions back; they must equal Node's `loadClassifier` on the same model.
 * Needs Debian's chromium (.ci/run installs it); the Chromium part is skipped with the reason otherwise.
 * The same module also runs in Node with a fetch that reads the model folder (always).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build, type OutputFile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBrowserClassifier, type Prediction } from '../src/browser.js';
import { loadClassifier } from '../src/classifier.js';
import { tempDir } from './helpers/temp-dir.js';
import { which } from './helpers/which.js';

const ROOT = join(__dirname, '..');
const MODEL_DIR = join(ROOT, 'models', 'default');
const WASM_DIR = join(ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');

const chromium = which('chromium');
if (!chromium) console.warn('browser.test.ts: the Chromium tests are skipped: chromium is not installed (apt-get install --no-install-recommends chromium, as .ci/run does)');

// One past the featurizer's chunk size (2^20 characters): scored from the mean over its chunks.
const LONG = 'Rain is expected over the weekend as a cold front moves across the region. '.repeat(14_000);
const TEXTS = [
  'CBA常规赛：主队末节逆转，豪取八连胜，外援连续命中三记三分球',
  'The central bank raised interest rates and stock markets fell sharply on Wall Street',
  '宫保鸡丁的做法：鸡肉切丁，花生米炸香，干辣椒和花椒爆锅',
  'New vaccine trial shows strong immune response in older adults, researchers say',
  '２０２４年ＡＩ芯片市场：英伟达 GPU 出货量大增，台积电扩产 3nm 工艺',
  'Our hotel near the beach had a great breakfast buffet and friendly staff',
  'Привет, как дела? Это текст на русском языке.',
  '...', // no features: the prior
  LONG,
];
const EPS = 1e-5;
// A chunked text sums ~200k embedding rows: tfjs accumulates them in float32 (error ~2e-5 here), the js
// kernel in float64. Documents that fit in one chunk must agree within EPS.
const EPS_CHUNKED_TFJS = 5e-5;

let node: Prediction[] = [];

beforeAll(async () => {
  const clf = await loadClassifier(MODEL_DIR, { allScores: true, topK: 3 });
  node = await clf.classifyBatch(TEXTS);
  clf.dispose();
}, 120_000);

function expectSame(got: Prediction[], label: string, tfjs = true): void {
  expect(got).toHaveLength(node.length);
  got.forEach((g, i) => {
    const n = node[i]!;
    const where = `${label}: text ${i}`;
    expect({ label: g.label, abstain: g.abstain, lang: g.lang, chunks: g.chunks, topics: g.topics.map((t) => t.label) }, where).toEqual({
      label: n.label,
      abstain: n.abstain,
      lang: n.lang,
      chunks: n.chunks,
      topics: n.topics.map((t) => t.label),
    });
    expect(Object.keys(g.scores!), where).toEqual(Object.keys(n.scores!));
    const eps = tfjs && (n.chunks ?? 0) > 1 ? EPS_CHUNKED_TFJS : EPS;
    for (const [k, v] of Object.entries(n.scores!)) expect(Math.abs(g.scores![k]! - v), `${where}: ${k}`).toBeLessThanOrEqual(eps);
  });
}

describe('topicmix/browser in Node (fetch from the model folder)', () => {
  const fileFetch = async (url: string): Promise<Response> => {
    const u = new URL(url);
    try {
      return new Response(await readFile(join(MODEL_DIR, u.pathname.replace(/^\/model\//, ''))));
    } catch {
      return new Response('not found', { status: 404, statusText: 'Not Found' });
    }
  };

  it('gives the Node classifier’s predictions', async () => {
    const js = await loadBrowserClassifier('http://models.test/model/', { fetch: fileFetch, allScores: true });
    expect(js.backend).toBe('js');
    const jsBatch = await js.classifyBatch(TEXTS);
    expectSame(jsBatch, 'node fetch js', false);
    // the same kernel on the same bytes: the same bits
    expect(jsBatch.map((p) => p.scores)).toEqual(node.map((p) => p.scores));
    const clf = await loadBrowserClassifier('http://models.test/model/', { backend: 'wasm', fetch: fileFetch, allScores: true });
    expect(clf.url).toBe('http://models.test/model/');
    expect([...clf.labels]).toHaveLength(19);
    expectSame(await clf.classifyBatch(TEXTS), 'node fetch');
    expect(js.classify({ text: TEXTS[0]! }, { topK: 1, allScores: false }).topics).toEqual([node[0]!.topics[0]]);
    const top = clf.classify({ text: TEXTS[0]! }, { topK: 1, allScores: false }).topics;
    expect(top.map((t) => t.label)).toEqual([node[0]!.topics[0]!.label]);
    expect(Math.abs(top[0]!.score - node[0]!.topics[0]!.score)).toBeLessThanOrEqual(EPS);
    clf.dispose();
  });

  it('says which URL failed and why', async () => {
    await expect(loadBrowserClassifier('http://models.test/nope/model.json', { fetch: fileFetch })).rejects.toThrow('model: cannot fetch http://models.test/nope/model.json: HTTP 404 Not Found');
    const truncated = async (url: string): Promise<Response> => {
      const r = await fileFetch(url);
      return url.endsWith('.bin') ? new Response((await r.arrayBuffer()).slice(0, 1000)) : r;
    };
    await expect(loadBrowserClassifier('http://models.test/model', { fetch: truncated })).rejects.toThrow(
      /^model: http:\/\/models\.test\/model\/weights\.bin has 1000 bytes but http:\/\/models\.test\/model\/model\.json declares weights of 8389292 bytes/,
    );
    await expect(loadBrowserClassifier('model/', { fetch: fileFetch })).rejects.toThrow('model: model/ is not a URL (a relative URL needs a page to resolve against)');
  });
});

describe('esbuild for platform browser', () => {
  it('fails on a Node builtin (so a clean bundle of src/browser.ts proves it has none)', async () => {
    await expect(
      build({
        stdin: { contents: "import { readFileSync } from 'node:fs'; console.log(readFileSync);", resolveDir: ROOT },
        bundle: true,
        platform: 'browser',
        format: 'esm',
        write: false,
        logLevel: 'silent',
      }),
    ).rejects.toThrow(/node:fs/);
  });
});

const PAGE_JS = `
import { loadBrowserClassifier } from './browser.js';
const out = {};
try {
  const texts = await (await fetch('/texts.json')).json();
  for (const backend of ['js', 'cpu', 'wasm']) {
    const clf = await loadBrowserClassifier('/model/', { backend, wasmPaths: '/wasm/', allScores: true });
    out[backend] = { backend: clf.backend, batch: await clf.classifyBatch(texts), one: clf.classify(texts[1], { allScores: false, topK: 1 }) };
    clf.dispose();
  }
  out.missing = await loadBrowserClassifier('/missing/').then(() => 'loaded', (e) => e.message);
} catch (e) {
  out.error = String((e && e.stack) || e);
}
await fetch('/result', { method: 'POST', body: JSON.stringify(out) });
`;

interface PageResult {
  error?: string;
  missing?: string;
  js?: { backend: string; batch: Prediction[]; one: Prediction };
  cpu?: { backend: string; batch: Prediction[]; one: Prediction };
  wasm?: { backend: string; batch: Prediction[]; one: Prediction };
}

const TYPES: Record<string, string> = { js: 'text/javascript', json: 'application/json', wasm: 'application/wasm', bin: 'application/octet-stream', html: 'text/html' };

describe.skipIf(!chromium)('topicmix/browser in headless Chromium', () => {
  let server: Server;
  let browser: ChildProcess | undefined;
  let bundle: OutputFile[] = [];
  let stderr = '';
  let result: Promise<PageResult>;

  beforeAll(async () => {
    const r = await build({
      entryPoints: { browser: join(ROOT, 'src', 'browser.ts') },
      bundle: true,
      splitting: true,
      platform: 'browser',
      format: 'esm',
      minify: true,
      outdir: '/bundle',
      write: false,
      logLevel: 'silent',
    });
    bundle = r.outputFiles;
    const files = new Map<string, Uint8Array | string>([
      ['/', '<!doctype html><meta charset="utf-8"><title>topicmix</title><script type="module" src="/page.js"></script>'],
      ['/page.js', PAGE_JS],
      ['/texts.json', JSON.stringify(TEXTS)],
      ['/model/model.json', await readFile(join(MODEL_DIR, 'model.json'))],
      ['/model/weights.bin', await readFile(join(MODEL_DIR, 'weights.bin'))],
    ]);
    for (const f of bundle) files.set(f.path.slice('/bundle'.length), f.contents);
    for (const w of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) files.set(`/wasm/${w}`, await readFile(join(WASM_DIR, w)));
    let resolveResult: (r: PageResult) => void = () => {};
    result = new Promise((res) => (resolveResult = res));
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (req.method === 'POST' && path === '/result') {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => (body += c));
        req.on('end', () => {
          res.end('ok');
          resolveResult(JSON.parse(body) as PageResult);
        });
        return;
      }
      const body = files.get(path);
      if (body === undefined) {
        res.writeHead(404, 'Not Found').end();
        return;
      }
      res.writeHead(200, { 'content-type': path === '/' ? TYPES.html! : (TYPES[path.split('.').pop()!] ?? 'application/octet-stream') }).end(body);
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const { port } = server.address() as AddressInfo;
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-dev-shm-usage',
      `--user-data-dir=${tempDir('topicmix-chromium-')}`,
      `http://127.0.0.1:${port}/`,
    ];
    browser = spawn(chromium!, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    browser.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    const exited = new Promise<PageResult>((_, rej) => browser!.on('exit', (code) => rej(new Error(`chromium exited (${code}) before the page reported: ${stderr}`))));
    const timeout = new Promise<PageResult>((_, rej) => setTimeout(() => rej(new Error(`no result from the page within 90 s: ${stderr}`)), 90_000).unref());
    result = Promise.race([result, exited, timeout]);
    await result;
  }, 120_000);

  afterAll(async () => {
    // chromium's own processes are in its process group (detached): end that group, by its pid
    const b = browser;
    if (b?.pid !== undefined && b.exitCode === null && b.signalCode === null) {
      const gone = new Promise<void>((res) => b.once('exit', () => res()));
      const end = (signal: NodeJS.Signals): void => {
        try {
          process.kill(-b.pid!, signal);
        } catch {
          // already gone
        }
      };
      end('SIGTERM');
      // its profile folder is removed after this file's tests: wait until nothing writes there
      const killer = setTimeout(() => end('SIGKILL'), 5000);
      await gone;
      clearTimeout(killer);
    }
    await new Promise<void>((res) => (server ? server.close(() => res()) : res()));
  });

  it('bundles with no Node module and gives the Node classifier’s predictions on js, cpu and wasm', async () => {
    const r = await result;
    expect(r.error).toBeUndefined();
    // browser.js loads with the page; tfjs (core, cpu, wasm) is in chunks fetched only for backend cpu or wasm
    console.log(`browser bundle (minified, split): ${bundle.map((f) => `${f.path.slice('/bundle/'.length)} ${(f.contents.byteLength / 1024).toFixed(0)} KiB`).join(', ')}`);
    // with tfjs statically imported the entry was over 300 KiB
    expect(bundle.find((f) => f.path === '/bundle/browser.js')!.contents.byteLength).toBeLessThan(64 * 1024);
    for (const backend of ['js', 'cpu', 'wasm'] as const) {
      const got = r[backend]!;
      expect(got.backend).toBe(backend);
      expectSame(got.batch, `chromium ${backend}`, backend !== 'js');
      expect(got.one.label).toBe(node[1]!.label);
      expect(got.one.scores).toBeUndefined();
      expect(got.one.topics.map((t) => t.label)).toEqual([node[1]!.label]);
      expect(Math.abs(got.one.score - node[1]!.score)).toBeLessThanOrEqual(EPS);
    }
    // the texts are what the labels say they are (so a page that featurized nothing could not pass)
    expect(node.map((p) => p.lang)).toEqual(['zh', 'en', 'zh', 'en', 'zh', 'en', 'other', 'other', 'en']);
    expect(node.slice(0, 3).map((p) => p.label)).toEqual(['sports', 'business_finance', 'food_dining']);
    expect(node[8]!.chunks).toBe(2);
  });

  it('names the URL that failed', async () => {
    const { port } = server.address() as AddressInfo;
    expect((await result).missing).toBe(`model: cannot fetch http://127.0.0.1:${port}/missing/model.json: HTTP 404 Not Found`);
  });
});
