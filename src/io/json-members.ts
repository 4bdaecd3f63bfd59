/**
 * Where the members of a JSON object's text are, at the top level only: lets an output line drop or
 * replace a few fields and keep every other byte of the input as it was (no parse + stringify, which
 * would round big numbers, turn 1e400 into null and overflow the stack on deep nesting). The scan is
 * iterative: nested values are skipped with a depth counter, never by recursion.
 */

/** One `"key": value` of the top level: its decoded key and where it is in the text. */
export interface JsonMember {
  key: string;
  /** index of the key's opening quote */
  start: number;
  /** index just past the value */
  end: number;
}

export interface JsonObjectSpans {
  /** index of the opening `{` */
  open: number;
  /** index of the closing `}` */
  close: number;
  members: JsonMember[];
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Index just past the string whose opening quote is at `i`. */
function stringEnd(s: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = s.indexOf('"', j);
    if (q < 0) throw new Error('internal: unterminated string in scanned JSON');
    let bs = 0;
    for (let k = q - 1; k > i && s.charCodeAt(k) === 0x5c; k--) bs++;
    if (bs % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** Index just past the value that starts at `i` (objects and arrays skipped by depth, not recursion). */
function valueEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 0x22) return stringEnd(s, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    let j = i;
    while (j < s.length) {
      const d = s.charCodeAt(j);
      if (d === 0x22) {
        j = stringEnd(s, j);
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    throw new Error('internal: unbalanced brackets in scanned JSON');
  }
  // number, true, false, null
  let j = i;
  while (j < s.length) {
    const d = s.charCodeAt(j);
    if (d === 0x2c || d === 0x7d || d === 0x5d || isWs(d)) break;
    j++;
  }
  return j;
}

function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

/**
 * The top-level members of `text`, which must be one valid JSON object (as JSON.parse accepted it) with
 * only JSON whitespace around it. Keys are decoded (`"top\u0069c"` is `topic`); duplicates are all listed.
 */
export function scanObjectMembers(text: string): JsonObjectSpans {
  const open = skipWs(text, 0);
  if (text.charCodeAt(open) !== 0x7b) throw new Error('internal: scanned JSON is not an object');
  const members: JsonMember[] = [];
  let i = skipWs(text, open + 1);
  if (text.charCodeAt(i) === 0x7d) return { open, close: i, members };
  for (;;) {
    const start = i;
    const keyEnd = stringEnd(text, i);
    const rawKey = text.slice(start, keyEnd);
    const key = rawKey.includes('\\') ? (JSON.parse(rawKey) as string) : rawKey.slice(1, -1);
    i = skipWs(text, keyEnd);
    i = skipWs(text, i + 1); // the colon
    const end = valueEnd(text, i);
    members.push({ key, start, end });
    i = skipWs(text, end);
    if (text.charCodeAt(i) === 0x7d) return { open, close: i, members };
    i = skipWs(text, i + 1); // the comma
  }
}

/**
 * The object's text without the members whose key is in `drop` (every other byte kept, whitespace
 * between kept members included), followed by `append` (JSON members, no surrounding commas; may be
 * empty).
 */
export function spliceMembers(text: string, spans: JsonObjectSpans, drop: ReadonlySet<string>, append: string): string {
  const { members } = spans;
  let out = text.slice(0, members.length ? members[0]!.start : spans.open + 1);
  let kept = 0;
  for (let k = 0; k < members.length; k++) {
    const m = members[k]!;
    if (drop.has(m.key)) continue;
    if (kept++ > 0) out += text.slice(members[k - 1]!.end, m.start);
    out += text.slice(m.start, m.end);
  }
  if (append.length) out += kept > 0 ? `,${append}` : append;
  return `${out}}`;
}
