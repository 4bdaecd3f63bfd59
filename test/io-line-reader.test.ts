import { spawn } from 'node:child_process';
import { isUtf8 } from 'node:buffer';
import { createWriteStream, existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/io/inputs.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter, firstInvalidUtf8, readLineBatches, readLines, type RawLine } from '../src/io/line-reader.js';
import { lineFiles } from './helpers/line-files.js';

const { dir, fixture, collect } = lineFiles('topicmix-lines-');

const ok = (file: string, line: number, byteOffset: number, text: string): RawLine => ({
  file,
  line,
  byteOffset,
  byteLength: Buffer.byteLength(text),
  text,
});

describe('readLines', () => {
  it('reads lines with exact positions, including a final line without newline', async () => {
    const f = await fixture('{"a":1}\n{"b":"é"}\nlast');
    expect(await collect(f)).toEqual([ok(f, 1, 0, '{"a":1}'), ok(f, 2, 8, '{"b":"é"}'), ok(f, 3, 19, 'last')]);
  });

  it('reads nothing from an empty file and no phantom line after a final newline', async () => {
    expect(await collect(await fixture(''))).toEqual([]);
    const f = await fixture('x\n');
    expect(await collect(f)).toEqual([ok(f, 1, 0, 'x')]);
  });

  it('strips \\r of CRLF line ends', async () => {
    const f = await fixture('{"a":1}\r\n\r\n{"b":2}\r\nc\r');
    expect(await collect(f)).toEqual([
      { file: f, line: 1, byteOffset: 0, byteLength: 7, text: '{"a":1}' },
      { file: f, line: 2, byteOffset: 9, byteLength: 0, text: '' },
      { file: f, line: 3, byteOffset: 11, byteLength: 7, text: '{"b":2}' },
      { file: f, line: 4, byteOffset: 20, byteLength: 1, text: 'c' },
    ]);
  });

  it('strips a UTF-8 BOM on the first line only', async () => {
    const f = await fixture('\uFEFF{"a":1}\n\uFEFFx\n');
    expect(await collect(f)).toEqual([
      { file: f, line: 1, byteOffset: 3, byteLength: 7, text: '{"a":1}' },
      { file: f, line: 2, byteOffset: 11, byteLength: 4, text: '\uFEFFx' },
    ]);
  });

  it('yields blank lines as empty text so they can be counted', async () => {
    const f = await fixture('a\n\n \t \n\u3000\nb\n');
    const lines = await collect(f);
    expect(lines.map((l) => [l.line, l.text, l.byteOffset, l.byteLength])).toEqual([
      [1, 'a', 0, 1],
      [2, '', 2, 0],
      [3, '', 3, 3],
      [4, '', 7, 3],
      [5, 'b', 11, 1],
    ]);
  });

  it('reports an invalid UTF-8 line and keeps reading around it', async () => {
    const bad = Buffer.from([0x7b, 0x22, 0xe4, 0xb8, 0x22, 0x7d]); // {"<truncated 3-byte char>"}
    const f = await fixture(Buffer.concat([Buffer.from('{"a":"中"}\n'), bad, Buffer.from('\n{"c":3}\n')]));
    expect(await collect(f)).toEqual([
      ok(f, 1, 0, '{"a":"中"}'),
      {
        file: f,
        line: 2,
        byteOffset: 12,
        byteLength: 6,
        text: null,
        error: { code: 'invalid_utf8', message: 'invalid UTF-8 at byte 2 of the line' },
      },
      ok(f, 3, 19, '{"c":3}'),
    ]);
  });

  it('gives the same lines whatever the chunk size', async () => {
    const parts = [
      '\uFEFF{"t":"中文 text"}\r\n',
      '\n',
      '  \n',
      Buffer.from([0x61, 0xc3, 0x28, 0x62, 0x0a]), // invalid: c3 followed by '('
      'x'.repeat(40) + '\n',
      '{"t":"ü€𝄞"}\r\n',
      Buffer.from([0xed, 0xa0, 0x80, 0x0a]), // UTF-8 encoded surrogate: invalid
      'tail without newline 末尾',
    ];
    const buf = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
    const f = await fixture(buf);
    const expected = await collect(f, { highWaterMark: 1 << 20 });
    expect(expected.map((l) => l.text)).toEqual(['{"t":"中文 text"}', '', '', null, 'x'.repeat(40), '{"t":"ü€𝄞"}', null, 'tail without newline 末尾']);
    expect(expected[3]!.error).toEqual({ code: 'invalid_utf8', message: 'invalid UTF-8 at byte 1 of the line' });
    expect(expected[6]!.error).toEqual({ code: 'invalid_utf8', message: 'invalid UTF-8 at byte 0 of the line' });
    for (const l of expected) {
      const end = l.byteOffset + l.byteLength;
      expect(buf[end] === 0x0a || buf[end] === 0x0d || end === buf.length).toBe(true);
      if (l.text !== null) expect(buf.toString('utf8', l.byteOffset, end).trim()).toBe(l.text.trim());
    }
    for (let hwm = 1; hwm <= 24; hwm++) {
      expect(await collect(f, { highWaterMark: hwm })).toEqual(expected);
    }
  });

  it('closes the file when the consumer stops early', async () => {
    if (!existsSync('/proc/self/fd')) {
      console.warn('skipped: no /proc/self/fd to count open files');
      return;
    }
    const body = Array.from({ length: 200000 }, (_, i) => `{"i":${i}}\n`).join('');
    const plain = await fixture(body);
    const zipped = await fixture(gzipSync(body), 'early.jsonl.gz');
    const openFds = async (): Promise<number> => (await readdir('/proc/self/fd')).length;
    const before = await openFds();
    for (const f of [plain, zipped]) {
      for await (const l of readLines(f, { highWaterMark: 4096 })) {
        expect(l.text).toBe('{"i":0}');
        break;
      }
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(await openFds()).toBe(before);
  });

  it('batches are the same lines as readLines', async () => {
    const f = await fixture(Array.from({ length: 1000 }, (_, i) => `{"i":${i}}\n`).join(''));
    const flat: RawLine[] = [];
    let batches = 0;
    for await (const b of readLineBatches(f, { highWaterMark: 1024 })) {
      batches++;
      flat.push(...b);
    }
    expect(batches).toBeGreaterThan(5);
    expect(flat).toEqual(await collect(f));
    expect(flat.map((l) => l.line)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  it('reads .gz files', async () => {
    const f = await fixture(gzipSync(Buffer.from('{"a":1}\n\n{"b":"中"}')), 'in.jsonl.gz');
    expect(await collect(f)).toEqual([ok(f, 1, 0, '{"a":1}'), { file: f, line: 2, byteOffset: 8, byteLength: 0, text: '' }, ok(f, 3, 9, '{"b":"中"}')]);
  });

  it('names the file and the last line read on corrupt gzip', async () => {
    const text = Array.from({ length: 20000 }, (_, i) => `{"i":${i},"r":${(i * 7919) % 10007}}\n`).join('');
    const gz = gzipSync(Buffer.from(text));
    const f = await fixture(gz.subarray(0, Math.floor(gz.length * 0.6)), 'cut.jsonl.gz');
    const seen: RawLine[] = [];
    let error: unknown;
    try {
      for await (const l of readLines(f)) seen.push(l);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    expect(seen.length).toBeGreaterThan(1000);
    expect(seen.length).toBeLessThan(20000);
    expect(seen.every((l, i) => l.line === i + 1 && l.text === `{"i":${i},"r":${(i * 7919) % 10007}}`)).toBe(true);
    expect(e.file).toBe(f);
    expect(e.line).toBe(seen.length);
    expect(e.message).toBe(`${f}: corrupt gzip data after line ${seen.length}: unexpected end of file`);
  });

  it('throws InputError naming a file that cannot be opened', async () => {
    const p = join(dir(), 'nope.jsonl');
    await expect(collect(p)).rejects.toThrow(new InputError(p, `cannot open ${p}: ENOENT: no such file or directory, open '${p}'`));
    await expect(collect(dir())).rejects.toThrow(`cannot open ${dir()}: EISDIR: illegal operation on a directory, read`);
  });

  it('reads an injected stdin stream, gunzipping it when it starts with the gzip magic', async () => {
    const plain = Readable.from([Buffer.from('a\nb'), Buffer.from('c\n')]);
    expect(await collect('-', { stream: plain })).toEqual([ok('-', 1, 0, 'a'), ok('-', 2, 2, 'bc')]);
    const gz = gzipSync(Buffer.from('x\ny\n'));
    const zipped = Readable.from([gz.subarray(0, 5), gz.subarray(5)]);
    expect(await collect('-', { stream: zipped })).toEqual([ok('-', 1, 0, 'x'), ok('-', 2, 2, 'y')]);
  });

  it('reads the real process stdin (plain and gzipped)', async () => {
    const script = join(dir(), 'stdin-child.ts');
    const reader = resolve('src/io/line-reader.ts');
    await writeFile(
      script,
      `import { readLines } from ${JSON.stringify(reader)};\n` +
        `const out = [];\nfor await (const l of readLines('-')) out.push([l.line, l.text]);\n` +
        `process.stdout.write(JSON.stringify(out));\n`,
    );
    const run = (input: Buffer): Promise<string> =>
      new Promise((res, rej) => {
        // vite-node (used to run TS in the child) exits as soon as stdin ends unless CI=true.
        const child = spawn(process.execPath, [resolve('node_modules/vite-node/vite-node.mjs'), script], {
          stdio: ['pipe', 'pipe', 'pipe'],
          env: { ...process.env, CI: 'true' },
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('error', rej);
        child.on('close', (code) => (code === 0 ? res(out) : rej(new Error(`child exited ${code}: ${err}`))));
        child.stdin.end(input);
      });
    const [plain, zipped] = await Promise.all([run(Buffer.from('{"a":1}\r\n\nz')), run(gzipSync('q\nr\n'))]);
    expect(JSON.parse(plain)).toEqual([
      [1, '{"a":1}'],
      [2, ''],
      [3, 'z'],
    ]);
    expect(JSON.parse(zipped)).toEqual([
      [1, 'q'],
      [2, 'r'],
    ]);
  }, 20000);
});

describe('long lines', () => {
  it('has a 64 MiB default limit', () => {
    expect(DEFAULT_MAX_LINE_BYTES).toBe(64 * 1024 * 1024);
  });

  it('reports lines over maxLineBytes, inside one chunk and across chunks', async () => {
    const f = await fixture(`short\n${'a'.repeat(25)}\nok\n${'b'.repeat(11)}\r\n${'c'.repeat(10)}\n${'e'.repeat(10)}\r\n${'d'.repeat(30)}`);
    const expected = [
      ok(f, 1, 0, 'short'),
      { file: f, line: 2, byteOffset: 6, byteLength: 25, text: null, error: { code: 'line_too_long', message: 'line is 25 bytes, over the limit of 10 bytes' } },
      ok(f, 3, 32, 'ok'),
      { file: f, line: 4, byteOffset: 35, byteLength: 11, text: null, error: { code: 'line_too_long', message: 'line is 11 bytes, over the limit of 10 bytes' } },
      ok(f, 5, 48, 'c'.repeat(10)),
      ok(f, 6, 59, 'e'.repeat(10)),
      { file: f, line: 7, byteOffset: 71, byteLength: 30, text: null, error: { code: 'line_too_long', message: 'line is 30 bytes, over the limit of 10 bytes' } },
    ];
    for (const hwm of [1, 2, 3, 7, 12, 64, 1 << 16]) {
      expect(await collect(f, { maxLineBytes: 10, highWaterMark: hwm })).toEqual(expected);
    }
  });

  it('skips a 50 MB line with a 1 MB limit without buffering it', async () => {
    const f = join(dir(), 'huge.jsonl');
    const block = Buffer.alloc(1 << 20, 0x61);
    await new Promise<void>((res, rej) => {
      const ws = createWriteStream(f);
      ws.on('error', rej);
      for (let i = 0; i < 50; i++) ws.write(block);
      ws.end('\n{"next":true}\n', () => res());
    });
    const splitterProto = LineSplitter.prototype as unknown as { appendPartial: (...a: unknown[]) => void };
    // Watch the carried-over state while reading: it must never hold more than the limit.
    const original = splitterProto.appendPartial;
    let maxPending = 0;
    splitterProto.appendPartial = function (this: { pendingLen: number }, ...args: unknown[]) {
      original.apply(this, args);
      maxPending = Math.max(maxPending, this.pendingLen);
    };
    let lines: RawLine[];
    try {
      lines = await collect(f, { maxLineBytes: 1 << 20 });
    } finally {
      splitterProto.appendPartial = original;
    }
    expect(lines).toEqual([
      {
        file: f,
        line: 1,
        byteOffset: 0,
        byteLength: 50 << 20,
        text: null,
        error: { code: 'line_too_long', message: `line is ${50 << 20} bytes, over the limit of ${1 << 20} bytes` },
      },
      ok(f, 2, (50 << 20) + 1, '{"next":true}'),
    ]);
    expect(maxPending).toBeGreaterThan(0);
    expect(maxPending).toBeLessThanOrEqual(1 << 20);
  }, 10000);
});

describe('firstInvalidUtf8', () => {
  const cases: number[][] = [
    [0x61, 0x62],
    [0xc3, 0xa9],
    [0xc0, 0x80],
    [0xc1, 0xbf],
    [0xe0, 0x80, 0x80],
    [0xe0, 0xa0, 0x80],
    [0xed, 0x9f, 0xbf],
    [0xed, 0xa0, 0x80],
    [0xef, 0xbf, 0xbd],
    [0xf0, 0x8f, 0xbf, 0xbf],
    [0xf0, 0x90, 0x80, 0x80],
    [0xf4, 0x8f, 0xbf, 0xbf],
    [0xf4, 0x90, 0x80, 0x80],
    [0xf5, 0x80, 0x80, 0x80],
    [0x61, 0xe4, 0xb8],
    [0x80],
    [0xff],
  ];
  it('agrees with isUtf8 and points at the first bad byte', () => {
    for (const c of cases) {
      const b = Buffer.from([0x78, ...c, 0x79]);
      expect(firstInvalidUtf8(b, 0, b.length) === -1).toBe(isUtf8(b));
    }
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xe4, 0xb8, 0x41]), 0, 5)).toBe(2);
    expect(firstInvalidUtf8(Buffer.from([0x00, 0x61, 0xff]), 1, 3)).toBe(1);
  });
});

it('shared data (optional): reads ag_news train without errors', async () => {
  const p = resolve('../shared/data/ag_news/train.jsonl');
  if (!existsSync(p)) {
    console.warn(`skipped: ${p} not present`);
    return;
  }
  let count = 0;
  for await (const l of readLines(p)) {
    expect(l.error).toBeUndefined();
    count++;
  }
  expect(count).toBe(10646);
});
