/**
 * Shared by the end-to-end CLI tests (test/cli-*.test.ts): spawn the built CLI, make up a tiny labelled
 * data set, train a model once, and check the accounting of a classify run.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll } from 'vitest';
import { tempDir } from './helpers/temp-dir.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The built CLI; TOPICMIX_TEST_CLI points the tests at another build (e.g. to check that they catch a broken one). */
export const CLI = process.env.TOPICMIX_TEST_CLI ?? join(ROOT, 'dist', 'cli', 'main.js');
export const LABELS = ['finance', 'sports', 'tech'] as const;

/** Fails with a clear message when the CLI has not been built (the tests run the built CLI, not the sources). */
export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} does not exist: run npm run build first`);
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the child's stdin, which is then closed; without it stdin is closed at once. */
  input?: string | Buffer;
  env?: Record<string, string>;
}

/** Runs a command and collects its output; `input` (when given) goes to its stdin, which is then closed. */
export function runCommand(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string | Buffer }): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => undefined); // the command may exit before reading all of stdin
      child.stdin!.end(opts.input);
    }
  });
}

/** Runs `node dist/cli/main.js ...args` with cwd = repo root. */
export function runCli(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  delete env.TOPICMIX_DEBUG;
  return runCommand(process.execPath, [CLI, ...args], { cwd: ROOT, env, input: opts.input ?? '' });
}

const EN: Record<(typeof LABELS)[number], string[]> = {
  sports: [
    'The team won the football match',
    'A striker scored two late goals',
    'The coach praised his players',
    'Basketball finals start tonight',
    'The runner broke the marathon record',
    'Tennis star wins the open',
    'Fans cheered in the stadium',
    'The league season kicks off',
    'Olympic swimmer takes gold',
    'Goalkeeper saves a penalty',
  ],
  finance: [
    'The stock market fell sharply',
    'The bank raises interest rates',
    'Investors sold their shares',
    'Inflation hits a new high',
    'The company reported quarterly earnings',
    'Bond yields rose today',
    'The central bank cut rates',
    'Currency markets were volatile',
    'Profits beat analyst forecasts',
    'The fund bought more stocks',
  ],
  tech: [
    'The new smartphone has a faster chip',
    'Software update fixes security bugs',
    'The startup launched an AI model',
    'Cloud computing costs drop',
    'Programmers write code in TypeScript',
    'The laptop battery lasts longer',
    'A new processor was announced',
    'The app gained a million users',
    'Engineers built a faster network',
    'Open source database released',
  ],
};
const ZH: Record<(typeof LABELS)[number], string[]> = {
  sports: [
    '球队赢得了足球比赛',
    '前锋打进两个进球',
    '教练称赞了球员',
    '篮球总决赛今晚开打',
    '选手打破马拉松纪录',
    '网球明星赢得公开赛',
    '球迷在体育场欢呼',
    '联赛赛季开始',
    '奥运游泳选手夺得金牌',
    '守门员扑出点球',
  ],
  finance: ['股市大幅下跌', '银行上调利率', '投资者卖出股票', '通货膨胀创新高', '公司公布季度财报', '债券收益率今天上升', '央行下调利率', '外汇市场波动剧烈', '利润超出分析师预期', '基金增持股票'],
  tech: [
    '新手机搭载更快的芯片',
    '软件更新修复安全漏洞',
    '创业公司发布人工智能模型',
    '云计算成本下降',
    '程序员用代码编写软件',
    '笔记本电脑电池续航更长',
    '新处理器发布',
    '应用获得百万用户',
    '工程师建造更快的网络',
    '开源数据库发布',
  ],
};

/** 3 labels x (10 en + 10 zh) short made-up lines. */
export function tinyLabelled(): { text: string; label: string }[] {
  const rows: { text: string; label: string }[] = [];
  for (const label of LABELS) {
    for (let i = 0; i < 10; i++) {
      rows.push({ text: EN[label][i]!, label });
      rows.push({ text: ZH[label][i]!, label });
    }
  }
  return rows;
}

export async function writeJsonl(path: string, rows: unknown[]): Promise<string> {
  await writeFile(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

/** Trains the tiny model into `out` (small buckets keep it fast). */
export async function trainTiny(data: string, out: string, seed = 1, extra: string[] = []): Promise<RunResult> {
  const r = await runCli(['train', '--data', data, '--out', out, '--buckets', '4096', '--seed', String(seed), ...extra]);
  if (r.code !== 0) throw new Error(`training the test model failed (exit ${r.code}):\n${r.stderr}`);
  return r;
}

export interface Workspace {
  /** Temp directory of the test file (removed afterwards). */
  tmp: string;
  /** The tiny labelled training file. */
  data: string;
  /** The model trained on it (seed 1, 4096 buckets). */
  model: string;
  /** A fresh directory per test, so that "no output file" checks see only that test's files. */
  caseDir(): Promise<string>;
}

/**
 * Registers a beforeAll for a test file: check the CLI is built, make a temp dir (removed after its tests), write the tiny
 * data set and train the model once. The returned object is filled in by beforeAll.
 */
export function useTinyModel(prefix: string): Workspace {
  let caseNo = 0;
  const ws: Workspace = {
    tmp: '',
    data: '',
    model: '',
    async caseDir() {
      const d = join(ws.tmp, `case-${++caseNo}`);
      await mkdir(d);
      return d;
    },
  };
  beforeAll(async () => {
    requireBuiltCli();
    ws.tmp = tempDir(prefix);
    ws.data = await writeJsonl(join(ws.tmp, 'train.jsonl'), tinyLabelled());
    ws.model = join(ws.tmp, 'model');
    await trainTiny(ws.data, ws.model);
  });
  return ws;
}

/** An output line of classify. */
export type Out = Record<string, unknown> & {
  topic: string | null;
  topic_score: number;
  topics: { label: string; score: number }[];
  lang: string;
  scores?: Record<string, number>;
  topic_chunks?: number;
};

/** A good input line with id `L<line>`. */
export const good = (line: number, text = 'The stock market fell sharply'): string => JSON.stringify({ id: `L${line}`, text });

export interface ErrorRec {
  file: string;
  line: number;
  field?: string;
  error: string;
  message: string;
  byte_offset: number;
  byte_length: number;
  raw?: string;
}

/** Parses JSONL text strictly: every line must be JSON (no banners, no blank lines). */
export function parseJsonl<T = Record<string, unknown>>(text: string): T[] {
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Error(`JSONL does not end with a newline: ...${JSON.stringify(text.slice(-80))}`);
  return text
    .slice(0, -1)
    .split('\n')
    .map((l, i) => {
      try {
        return JSON.parse(l) as T;
      } catch {
        throw new Error(`line ${i + 1} is not JSON: ${JSON.stringify(l.slice(0, 200))}`);
      }
    });
}

/** The `read N, tagged N, errors N` summary on stderr (exactly one). */
export function summary(stderr: string): { read: number; tagged: number; errors: number } {
  const all = [...stderr.matchAll(/^read (\d+), tagged (\d+), errors (\d+)$/gm)];
  if (all.length !== 1) throw new Error(`expected one summary line on stderr, found ${all.length}:\n${stderr}`);
  const m = all[0]!;
  return { read: Number(m[1]), tagged: Number(m[2]), errors: Number(m[3]) };
}

/** Error records printed on stderr (lines that parse as JSON objects with file + line + error). */
export function stderrRecords(stderr: string): ErrorRec[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as ErrorRec);
}

/** `s` as a literal inside a RegExp. */
export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Files whose name looks like one of our temp outputs (`.<name>.tmp-<pid>-<hex>`). */
export async function tempFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => /^\..*\.tmp-\d+-[0-9a-f]+$/.test(f));
}

/**
 * Input lines as bytes, with the byte offset of each line in the file (for checking error records).
 * Lines are joined with '\n' and the file ends with '\n'.
 */
export function buildInput(lines: (string | Buffer)[]): { bytes: Buffer; offsets: number[]; lengths: number[] } {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  const lengths: number[] = [];
  let off = 0;
  for (const l of lines) {
    const b = typeof l === 'string' ? Buffer.from(l, 'utf8') : l;
    offsets.push(off);
    lengths.push(b.length);
    parts.push(b, Buffer.from('\n'));
    off += b.length + 1;
  }
  return { bytes: Buffer.concat(parts), offsets, lengths };
}
