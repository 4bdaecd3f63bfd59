#!/usr/bin/env node
// Import time of the package entry, as a dependency sees it (run `npx tsc -p tsconfig.json` first):
// median over fresh node processes of `await import('topicmix')` and `require('topicmix')` (require(esm)),
// measured inside the process, plus the whole process wall time next to a bare `node -e 0`.
//   node bench/import-time.mjs [--runs N]     writes bench/import-time-results.{json,md} and prints the table
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } }, strict: true });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`bench/import-time.mjs: --runs must be a positive integer, got ${values.runs}`);
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'index.js'))) {
  console.error('bench/import-time.mjs: build first (npx tsc -p tsconfig.json)');
  process.exit(1);
}

// an app folder where 'topicmix' resolves to this repo, as after `npm install topicmix`
const app = mkdtempSync(join(os.tmpdir(), 'topicmix-import-time-'));
mkdirSync(join(app, 'node_modules'));
symlinkSync(root, join(app, 'node_modules', 'topicmix'), 'dir');

const CASES = [
  { name: "await import('topicmix')", args: ['--input-type=module', '-e', "const t0 = performance.now(); await import('topicmix'); console.log(performance.now() - t0)"] },
  { name: "require('topicmix')", args: ['-e', "const t0 = performance.now(); require('topicmix'); console.log(performance.now() - t0)"] },
  { name: 'node -e 0 (process start, for reference)', args: ['-e', 'console.log(0)'] },
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x) => Math.round(x * 10) / 10;

const results = [];
try {
  for (const c of CASES) {
    const inProcess = [];
    const wall = [];
    let error = null;
    for (let i = 0; i < runs && !error; i++) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, c.args, { cwd: app, encoding: 'utf8', timeout: 60_000 });
      wall.push(performance.now() - t0);
      if (r.status !== 0) error = `exit ${r.status}: ${r.stderr.split('\n').slice(0, 3).join(' ')}`;
      else inProcess.push(Number(r.stdout.trim()));
    }
    results.push({ case: c.name, runs, import_ms_median: error ? null : round(median(inProcess)), import_ms: inProcess.map(round), wall_ms_median: round(median(wall)), wall_ms: wall.map(round), error });
  }
} finally {
  rmSync(app, { recursive: true, force: true });
}

const date = new Date().toISOString().slice(0, 10);
const load = os.loadavg()[0].toFixed(2);
const out = { command: `node bench/import-time.mjs --runs ${runs}`, date, node: process.version, cores: os.availableParallelism(), load_avg: Number(load), results };
writeFileSync(join(root, 'bench', 'import-time-results.json'), `${JSON.stringify(out, null, 1)}\n`);

const rows = results.map((r) => `| ${r.case} | ${r.error ? `failed: ${r.error}` : r.case.startsWith('node -e 0') ? '-' : r.import_ms_median} | ${r.wall_ms_median} |`);
const md = `# Import time of the package entry

\`${out.command}\` on ${date}, Node ${process.version}, ${out.cores} cores (load average ${load} at the end). Each case runs in
${runs} fresh node processes from a folder where \`topicmix\` resolves to this repo (node_modules symlink); medians.
"in process" is \`performance.now()\` around the import; "process wall" is spawn to exit, node start included.

| case | in process, ms | process wall, ms |
| --- | --- | --- |
${rows.join('\n')}
`;
writeFileSync(join(root, 'bench', 'import-time-results.md'), md);
process.stdout.write(md);
