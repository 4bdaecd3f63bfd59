#!/usr/bin/env node
// The parse-and-copy floor (issue 10): a plain Node script that reads a JSONL file, JSON.parse's every
// line and writes each line back with two fields added, as `topicmix classify` must at the least.
//   node bench/lib/floor.mjs IN.jsonl OUT.jsonl
import fs from 'node:fs';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write('usage: floor.mjs IN.jsonl OUT.jsonl\n');
  process.exit(2);
}
const out = fs.openSync(output, 'w');
let carry = '';
let docs = 0;
/** @param {string} line */
const one = (line) => {
  const o = JSON.parse(line);
  o.topic = 'x';
  o.topic_score = 0.5;
  docs++;
  return JSON.stringify(o) + '\n';
};
for await (const chunk of fs.createReadStream(input, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
  const parts = (carry + chunk).split('\n');
  carry = /** @type {string} */ (parts.pop());
  let buf = '';
  for (const line of parts) if (line) buf += one(line);
  fs.writeSync(out, buf);
}
if (carry) fs.writeSync(out, one(carry));
fs.closeSync(out);
process.stderr.write(`floor: ${docs} docs\n`);
