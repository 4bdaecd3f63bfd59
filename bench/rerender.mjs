#!/usr/bin/env node
// Recomputes ratios and rewrites bench/results.md from bench/results.json (after a change to the report, without re-running).
import fs from 'node:fs';
import path from 'node:path';
import { computeRatios, summarize, renderMarkdown } from './lib/report.mjs';

const dir = process.argv[2] ?? path.join(path.dirname(new URL(import.meta.url).pathname));
const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
for (const d of results.datasets) d.ratios = computeRatios(d);
results.summary = summarize(results.datasets, results.memory);
fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
fs.writeFileSync(path.join(dir, 'results.md'), renderMarkdown(results));
