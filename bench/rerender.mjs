#!/usr/bin/env node
// Recomputes ratios and rewrites bench/results.md from bench/results.json (after a change to the report, without re-running).
// `node bench/rerender.mjs --speed [DIR]` instead rewrites results-speed.md from results-speed.json (nothing recomputed).
import fs from 'node:fs';
import path from 'node:path';
import { computeRatios, summarize, renderMarkdown } from './lib/report.mjs';
import { renderSpeedMarkdown } from './lib/speed-report.mjs';

const args = process.argv.slice(2);
const speed = args.includes('--speed');
const dir = args.find((a) => a !== '--speed') ?? path.join(path.dirname(new URL(import.meta.url).pathname));
if (speed) {
  const r = JSON.parse(fs.readFileSync(path.join(dir, 'results-speed.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'results-speed.md'), renderSpeedMarkdown(r));
} else {
  const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
  for (const d of results.datasets) d.ratios = computeRatios(d);
  results.summary = summarize(results.datasets, results.memory);
  fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'results.md'), renderMarkdown(results));
}
