/**
 * The package as a dependency sees it: `require('topicmix')` from CommonJS (require(esm), Node >= 20.19),
 * what `import('topicmix')` loads, and the optional `natural` stemmer. Runs the built dist/ through a
 * node_modules/topicmix symlink to the repo, in fresh node processes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPorterStemmer, makePlugins } from '../src/features/plugins.js';
import { tempDir } from './helpers/temp-dir.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = join(ROOT, 'dist', 'index.js');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
/** Needed only by the CLI and the extraction/WARC entries, never by `import('topicmix')`. */
const NOT_AT_IMPORT = ['linkedom', '@mozilla/readability', 'warcio', 'commander', 'cli-progress'];

// resolve hook (node:module register, Node >= 20.6): one JSON line [parentURL, specifier, url] per resolution
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, nextResolve) {
  const r = await nextResolve(specifier, context);
  appendFileSync(process.env.TOPICMIX_RESOLVE_LOG, JSON.stringify([context.parentURL ?? null, specifier, r.url]) + '\\n');
  return r;
}
`;

let app: string;

function node(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd: app, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** require(esm) without a flag: Node 20.19+, 22.12+, 23+ (process.features.require_module where it exists). */
function requireEsmSupported(): boolean {
  const flag = (process.features as { require_module?: boolean }).require_module;
  if (flag !== undefined) return flag;
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major >= 23 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19);
}

beforeAll(() => {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} does not exist: run npm run build first`);
  app = tempDir('topicmix-entry-');
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(ROOT, join(app, 'node_modules', 'topicmix'), 'dir');
  writeFileSync(join(app, 'hooks.mjs'), HOOKS);
  writeFileSync(join(app, 'register.mjs'), `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
});

describe('package entry', () => {
  it('the bin (dist/cli/main.js) is executable with a node shebang, so npx topicmix runs it', () => {
    const bin = join(ROOT, 'dist', 'cli', 'main.js');
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(bin).mode & 0o111).toBe(0o111);
  });

  it(`require('topicmix') from CommonJS gets the API (node ${process.version})`, () => {
    const r = node(['-e', `const t = require('topicmix'); console.log(JSON.stringify({ loadClassifier: typeof t.loadClassifier, VERSION: t.VERSION }))`]);
    if (requireEsmSupported()) {
      expect(r.stderr).not.toMatch(/Error/);
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ loadClassifier: 'function', VERSION: PKG.version });
    } else {
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('ERR_REQUIRE_ESM');
    }
  });

  it(`import('topicmix') loads none of ${NOT_AT_IMPORT.join(', ')}`, () => {
    const log = join(app, 'resolve.jsonl');
    writeFileSync(log, '');
    const r = node(['--import', './register.mjs', '--input-type=module', '-e', `const t = await import('topicmix'); console.log(typeof t.loadClassifier)`], { TOPICMIX_RESOLVE_LOG: log });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function');
    const edges = readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as [string | null, string, string]);
    const parentOf = new Map<string, string | null>();
    for (const [parent, , url] of edges) if (!parentOf.has(url)) parentOf.set(url, parent);
    // the hook saw the package entry, so an empty list below means something
    expect(parentOf.has(pathToFileURL(ENTRY).href)).toBe(true);

    const short = (url: string) => {
      if (!url.startsWith('file:')) return url;
      const rel = relative(ROOT, fileURLToPath(url));
      return rel.startsWith('..') ? basename(rel) : rel;
    };
    const chain = (url: string) => {
      const steps: string[] = [];
      for (let u: string | null | undefined = url; u && steps.length < 50; u = parentOf.get(u)) steps.unshift(short(u));
      return steps.join(' -> ');
    };
    const loaded = NOT_AT_IMPORT.flatMap((pkg) => {
      const first = [...parentOf.keys()].find((url) => url.includes(`/node_modules/${pkg}/`));
      return first ? [`${pkg}: ${chain(first)}`] : [];
    });
    expect(loaded).toEqual([]);
  });
});

describe('optional warcio (WARC/WET input)', () => {
  it('without warcio, a WARC input stops with an error naming the file and the install command; JSONL still works', () => {
    // a resolve hook that makes warcio missing, as `npm ci --omit=optional` does
    writeFileSync(
      join(app, 'no-warcio.mjs'),
      `export async function resolve(s, c, next) { if (s === 'warcio') { const e = new Error("Cannot find package 'warcio'"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; } return next(s, c); }\n`,
    );
    writeFileSync(join(app, 'register-no-warcio.mjs'), `import { register } from 'node:module';\nregister('./no-warcio.mjs', import.meta.url);\n`);
    writeFileSync(join(app, 'in.warc'), 'WARC/1.0\r\n\r\n');
    writeFileSync(join(app, 'in.jsonl'), '{"text":"The stock market fell sharply"}\n');
    const cli = join(ROOT, 'dist', 'cli', 'main.js');
    const warc = node(['--import', './register-no-warcio.mjs', cli, 'classify', 'in.warc', '-o', 'out.jsonl']);
    expect(warc.status).toBe(1);
    expect(warc.stderr.trim()).toBe('topicmix: in.warc: reading WARC/WET files needs the optional dependency warcio, which is not installed; install it with: npm install warcio');
    expect(existsSync(join(app, 'out.jsonl'))).toBe(false);
    const jsonl = node(['--import', './register-no-warcio.mjs', cli, 'classify', 'in.jsonl', '-o', 'out.jsonl']);
    expect(jsonl.stderr).toContain('read 1, tagged 1, errors 0');
    expect(jsonl.status).toBe(0);
  });

  it('topicmix doctor says which backend runs and which optional parts are missing, with how to get them', () => {
    const cli = join(ROOT, 'dist', 'cli', 'main.js');
    const r = node(['--import', './register-no-warcio.mjs', cli, 'doctor']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`topicmix ${PKG.version}, node ${process.version} (${process.platform} ${process.arch})`);
    expect(lines).toContain('backend cpu: usable');
    expect(lines).toContain('warcio: missing (WARC / WET input); to get it: npm install warcio');
    expect(lines).toContain('backend js: usable (topicmix linear kernel, plain JavaScript; what auto serves with)');
    expect(lines).toContain('backend auto: js (a TensorFlow.js backend serves only when --backend names it)');
    expect(lines.at(-1)).toMatch(/^default model: .*models\/default \(\d+ labels, weights match their sha256\)$/);
  });
});

describe('optional natural (Porter stemming)', () => {
  it('a model without stem: true loads and classifies without natural', () => {
    const script = `import { createRequire } from 'node:module';
const t = await import('topicmix');
const c = await t.loadClassifier(undefined, { backend: 'cpu' });
const p = c.classify('The central bank raised interest rates again.');
const cache = Object.keys(createRequire(import.meta.url).cache);
console.log(JSON.stringify({ stem: c.metadata.featurizer.stem, label: p.label, natural: cache.some((k) => k.includes('/node_modules/natural/')) }));`;
    const r = node(['--input-type=module', '-e', script]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({ stem: false, label: 'business_finance', natural: false });
  });

  it('stem: true without natural installed: the error names the model and the install command', async () => {
    const missing = () => {
      throw Object.assign(new Error("Cannot find module 'natural/lib/natural/stemmers/porter_stemmer.js'\nRequire stack:\n- x"), { code: 'MODULE_NOT_FOUND' });
    };
    expect(() => loadPorterStemmer('model models/news', missing)).toThrow(
      "model models/news uses Porter stemming (stem: true), which needs the optional dependency natural, and it could not be loaded (Cannot find module 'natural/lib/natural/stemmers/porter_stemmer.js'); install it with: npm install natural",
    );
  });

  it('stem: true with natural installed stems as natural does', async () => {
    const { stemmer } = await makePlugins({ buckets: 1024, ngrams: 1, zhTokens: 'chars', stem: true, chunkChars: 1 << 20 });
    expect(['running', 'runs', 'flyovers', 'ies', 'generalization'].map((w) => stemmer!(w))).toEqual(['run', 'run', 'flyov', 'i', 'gener']);
  });
});
