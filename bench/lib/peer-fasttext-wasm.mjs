#!/usr/bin/env node
// The npm peer: fastText compiled to wasm (`fasttext.wasm`), end to end like `topicmix classify`:
// read JSONL, tokenize each text as for the fastText CLI (lib/ftprep.mjs), predict top-1, write JSONL
// with two fields added. Run as a child process of the bench (timed under GNU time):
//   node bench/lib/peer-fasttext-wasm.mjs PKG_DIR MODEL.bin IN.jsonl OUT.jsonl
// PKG_DIR: folder holding node_modules/fasttext.wasm. Prints one JSON line on stdout: {docs, load_s, total_s}.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ftText } from './ftprep.mjs';

const [pkgDir, modelFile, input, output] = process.argv.slice(2);
if (!pkgDir || !modelFile || !input || !output) {
  process.stderr.write('usage: peer-fasttext-wasm.mjs PKG_DIR MODEL.bin IN.jsonl OUT.jsonl\n');
  process.exit(2);
}
const t0 = performance.now();
const { FastText } = await import(pathToFileURL(path.join(pkgDir, 'node_modules/fasttext.wasm/dist/index.mjs')).href);
const ft = await FastText.create();
// loadModel(ArrayBufferView) copies the bytes into the wasm file system and calls fastText's loadModel.
ft.loadModel(new Uint8Array(fs.readFileSync(modelFile)));
const loadS = (performance.now() - t0) / 1000;

const out = fs.openSync(output, 'w');
let docs = 0;
let carry = '';
/** @type {string[]} */
let pending = [];
const flush = () => {
  if (pending.length) fs.writeSync(out, pending.join(''));
  pending = [];
};
/** @param {string} line */
const one = (line) => {
  if (!line) return;
  const o = JSON.parse(line);
  const text = ftText(String(o.text ?? ''), o.lang);
  let label = null;
  let score = 0;
  for (const [l, p] of ft.predict(text, 1, 0)) {
    label = l.startsWith('__label__') ? l.slice(9) : l;
    score = p;
  }
  o.topic = label;
  o.topic_score = score;
  pending.push(JSON.stringify(o) + '\n');
  docs++;
};
for await (const chunk of fs.createReadStream(input, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
  const parts = (carry + chunk).split('\n');
  carry = /** @type {string} */ (parts.pop());
  for (const line of parts) one(line);
  flush();
}
one(carry);
flush();
fs.closeSync(out);
process.stdout.write(JSON.stringify({ docs, load_s: loadS, total_s: (performance.now() - t0) / 1000 }) + '\n');
