// Reading the JSONL datasets and building the repeated "big" inputs for throughput runs.
import fs from 'node:fs';
import path from 'node:path';

/**
 * @typedef {object} Row
 * @property {string} text
 * @property {string} label
 * @property {string} [lang]
 */

/**
 * Parse a JSONL file (every non-empty line one object with string text and label).
 * @param {string} file
 * @returns {Row[]}
 */
export function readJsonl(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  /** @type {Row[]} */
  const rows = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let o;
    try {
      o = JSON.parse(line);
    } catch (e) {
      throw new Error(`${file}:${i + 1}: invalid JSON (${/** @type {Error} */ (e).message})`);
    }
    if (typeof o?.text !== 'string' || typeof o?.label !== 'string') throw new Error(`${file}:${i + 1}: text/label missing`);
    rows.push({ text: o.text, label: o.label, lang: typeof o.lang === 'string' ? o.lang : undefined });
  });
  return rows;
}

/** @param {Buffer} buf */
export function countLines(buf) {
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  if (buf.length > 0 && buf[buf.length - 1] !== 10) n++;
  return n;
}

/**
 * @typedef {object} BigFile
 * @property {string} path
 * @property {number} copies
 * @property {number} lines
 * @property {number} bytes
 */

/**
 * How many whole copies of a file with `lines` lines and `bytes` bytes are needed to reach
 * minLines OR minBytes (whichever comes first), at least one.
 * @param {number} lines @param {number} bytes @param {{minLines?:number, minBytes?:number}} target
 */
export function copiesFor(lines, bytes, target) {
  const byLines = target.minLines ? Math.ceil(target.minLines / Math.max(1, lines)) : Infinity;
  const byBytes = target.minBytes ? Math.ceil(target.minBytes / Math.max(1, bytes)) : Infinity;
  const c = Math.min(byLines, byBytes);
  return Number.isFinite(c) ? Math.max(1, c) : 1;
}

/**
 * Write `copies` copies of `content` (newline-terminated) to `dest`, reusing an existing file of
 * exactly the right size.
 * @param {Buffer} content
 * @param {number} copies
 * @param {string} dest
 * @returns {BigFile}
 */
export function writeRepeated(content, copies, dest) {
  const chunk = content.length > 0 && content[content.length - 1] !== 10 ? Buffer.concat([content, Buffer.from('\n')]) : content;
  const bytes = chunk.length * copies;
  const lines = countLines(chunk) * copies;
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  let reuse = false;
  try {
    reuse = fs.statSync(dest).size === bytes && sameHead(dest, chunk);
  } catch {
    reuse = false;
  }
  if (!reuse) {
    const tmp = `${dest}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      for (let i = 0; i < copies; i++) fs.writeSync(fd, chunk);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, dest);
  }
  return { path: dest, copies, lines, bytes };
}

/** First min(64 KiB, chunk) bytes of the file equal the chunk's. @param {string} file @param {Buffer} chunk */
function sameHead(file, chunk) {
  const n = Math.min(65536, chunk.length);
  const b = Buffer.alloc(n);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, b, 0, n, 0);
  } finally {
    fs.closeSync(fd);
  }
  return b.equals(chunk.subarray(0, n));
}

/**
 * Deterministic shuffle (mulberry32) of a copy of the array.
 * @template T @param {T[]} arr @param {number} seed @returns {T[]}
 */
export function shuffled(arr, seed) {
  const a = arr.slice();
  let s = seed >>> 0;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [/** @type {T} */ (a[j]), /** @type {T} */ (a[i])];
  }
  return a;
}
