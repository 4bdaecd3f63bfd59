import { describe, expect, it } from 'vitest';
import type { RawLine } from '../src/io/line-reader.js';
import { errorRecord, parseDocLine, parseLabelledLine } from '../src/io/records.js';

const FILE = 'data/in.jsonl';

function raw(text: string, line = 17): RawLine {
  return { file: FILE, line, byteOffset: 100, byteLength: Buffer.byteLength(text), text };
}

describe('errorRecord', () => {
  it('prefixes file:line and keeps the line for replay', () => {
    expect(errorRecord(raw('{"x":1}'), 'missing_field', 'field "text" is missing', 'text')).toEqual({
      file: FILE,
      line: 17,
      field: 'text',
      error: 'missing_field',
      message: 'data/in.jsonl:17: field "text" is missing',
      byte_offset: 100,
      byte_length: 7,
      raw: '{"x":1}',
    });
  });

  it('omits raw for undecodable or huge lines and names stdin readably', () => {
    const bad: RawLine = { file: '-', line: 3, byteOffset: 5, byteLength: 9, text: null };
    expect(errorRecord(bad, 'invalid_utf8', 'invalid UTF-8 at byte 2 of the line')).toEqual({
      file: '-',
      line: 3,
      error: 'invalid_utf8',
      message: '<stdin>:3: invalid UTF-8 at byte 2 of the line',
      byte_offset: 5,
      byte_length: 9,
    });
    const big = raw(`{"text":"${'x'.repeat(1024 * 1024)}"}`);
    expect(errorRecord(big, 'invalid_json', 'w').raw).toBeUndefined();
    const limit = raw('y'.repeat(1024 * 1024));
    expect(errorRecord(limit, 'invalid_json', 'w').raw).toBe(limit.text);
  });
});

describe('parseDocLine', () => {
  it('accepts an object with non-blank text', () => {
    expect(parseDocLine(raw('{"text":"hello","id":3}'), 'text')).toEqual({ ok: true, obj: { text: 'hello', id: 3 }, text: 'hello' });
    expect(parseDocLine(raw('{"meta.body":" b "}'), 'meta.body')).toEqual({ ok: true, obj: { 'meta.body': ' b ' }, text: ' b ' });
  });

  const cases: Array<[string, string, string, string | undefined]> = [
    ['', 'invalid_json', 'empty line', undefined],
    ['   ', 'invalid_json', 'empty line', undefined],
    ['{"text": "a"', 'invalid_json', `invalid JSON: ${jsonError('{"text": "a"')}`, undefined],
    ['[1,2]', 'not_object', 'expected a JSON object, got array', undefined],
    ['42', 'not_object', 'expected a JSON object, got number', undefined],
    ['null', 'not_object', 'expected a JSON object, got null', undefined],
    ['"s"', 'not_object', 'expected a JSON object, got string', undefined],
    ['{"body":"a"}', 'missing_field', 'field "text" is missing', 'text'],
    ['{"text":5}', 'not_string', 'field "text" must be a string, got number', 'text'],
    ['{"text":null}', 'not_string', 'field "text" must be a string, got null', 'text'],
    ['{"text":["a"]}', 'not_string', 'field "text" must be a string, got array', 'text'],
    ['{"text":""}', 'empty_text', 'field "text" is empty or whitespace-only', 'text'],
    ['{"text":" \\n\\t\u3000"}', 'empty_text', 'field "text" is empty or whitespace-only', 'text'],
  ];
  for (const [line, code, what, field] of cases) {
    it(`${code}: ${JSON.stringify(line)}`, () => {
      const r = parseDocLine(raw(line), 'text');
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.error).toBe(code);
      expect(r.error.message).toBe(`data/in.jsonl:17: ${what}`);
      expect(r.error.field).toBe(field);
      expect(r.error.raw).toBe(line);
    });
  }

  it('passes reader errors through', () => {
    const tooLong: RawLine = {
      file: FILE,
      line: 2,
      byteOffset: 10,
      byteLength: 99,
      text: null,
      error: { code: 'line_too_long', message: 'line is 99 bytes, over the limit of 10 bytes' },
    };
    expect(parseDocLine(tooLong, 'text')).toEqual({
      ok: false,
      error: {
        file: FILE,
        line: 2,
        error: 'line_too_long',
        message: 'data/in.jsonl:2: line is 99 bytes, over the limit of 10 bytes',
        byte_offset: 10,
        byte_length: 99,
      },
    });
  });
});

function jsonError(s: string): string {
  try {
    JSON.parse(s);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected invalid JSON');
}

describe('parseLabelledLine', () => {
  it('reads all fields', () => {
    const r = parseLabelledLine(raw('{"text":"t","label":"Sports","labels":["World","Sports","Tech"],"lang":"en","id":7,"title":"T","weight":2.5,"extra":1}', 4), {});
    expect(r).toEqual({
      ok: true,
      example: {
        text: 't',
        labels: ['Sports', 'World', 'Tech'],
        lang: 'en',
        id: '7',
        title: 'T',
        weight: 2.5,
        source: { file: FILE, line: 4, byteOffset: expect.any(Number), byteLength: expect.any(Number) },
        fields: expect.any(Object),
      },
    });
  });

  it('defaults weight to 1, treats null optional fields as absent and honours opts.field', () => {
    expect(parseLabelledLine(raw('{"body":"b","labels":["x"],"id":"a-1","lang":null,"weight":null,"label":null}'), { field: 'body' })).toEqual({
      ok: true,
      example: { text: 'b', labels: ['x'], id: 'a-1', weight: 1, source: { file: FILE, line: 17, byteOffset: expect.any(Number), byteLength: expect.any(Number) }, fields: expect.any(Object) },
    });
  });

  const cases: Array<[string, string, string, string | undefined]> = [
    ['{"label":"a"}', 'missing_field', 'field "text" is missing', 'text'],
    ['{"text":1,"label":"a"}', 'not_string', 'field "text" must be a string, got number', 'text'],
    ['{"text":"x"}', 'missing_field', 'field "label" (or "labels") is missing', 'label'],
    ['{"text":"x","label":3}', 'invalid_field', 'field "label" must be a non-empty string, got 3', 'label'],
    ['{"text":"x","label":" "}', 'invalid_field', 'field "label" must be a non-empty string, got a blank string', 'label'],
    ['{"text":"x","labels":[]}', 'invalid_field', 'field "labels" must be a non-empty array of non-empty strings, got array', 'labels'],
    ['{"text":"x","labels":"a"}', 'invalid_field', 'field "labels" must be a non-empty array of non-empty strings, got a string', 'labels'],
    ['{"text":"x","labels":["a",""]}', 'invalid_field', 'field "labels" must be a non-empty array of non-empty strings, element 1 is an empty string', 'labels'],
    ['{"text":"x","label":"a","labels":[null]}', 'invalid_field', 'field "labels" must be a non-empty array of non-empty strings, element 0 is null', 'labels'],
    ['{"text":"x","label":"a","lang":5}', 'invalid_field', 'field "lang" must be a non-empty string, got 5', 'lang'],
    ['{"text":"x","label":"a","id":true}', 'invalid_field', 'field "id" must be a non-empty string or a number, got boolean', 'id'],
    ['{"text":"x","label":"a","id":""}', 'invalid_field', 'field "id" must be a non-empty string or a number, got an empty string', 'id'],
    ['{"text":"x","label":"a","title":{}}', 'invalid_field', 'field "title" must be a string, got object', 'title'],
    ['{"text":"x","label":"a","weight":0}', 'invalid_field', 'field "weight" must be a finite number > 0, got 0', 'weight'],
    ['{"text":"x","label":"a","weight":-1.5}', 'invalid_field', 'field "weight" must be a finite number > 0, got -1.5', 'weight'],
    ['{"text":"x","label":"a","weight":"2"}', 'invalid_field', 'field "weight" must be a finite number > 0, got a string', 'weight'],
    ['{"text":"x","label":"a","weight":1e999}', 'invalid_field', 'field "weight" must be a finite number > 0, got Infinity', 'weight'],
    ['[]', 'not_object', 'expected a JSON object, got array', undefined],
  ];
  for (const [line, code, what, field] of cases) {
    it(`${code}: ${line}`, () => {
      const r = parseLabelledLine(raw(line), {});
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error).toEqual({
        file: FILE,
        line: 17,
        ...(field === undefined ? {} : { field }),
        error: code,
        message: `data/in.jsonl:17: ${what}`,
        byte_offset: 100,
        byte_length: Buffer.byteLength(line),
        raw: line,
      });
    });
  }
});
