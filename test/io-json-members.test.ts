import { describe, expect, it } from 'vitest';
import { scanObjectMembers, spliceMembers } from '../src/io/json-members.js';

function members(text: string): [string, string][] {
  return scanObjectMembers(text).members.map((m) => [m.key, text.slice(m.start, m.end)]);
}

describe('scanObjectMembers', () => {
  it('finds each top-level member as written, skipping nested values and strings with brackets, quotes and escapes', () => {
    const line = ' { "a" : [1,{"b":"]}"}] ,"s":"x\\"}\\\\","n":12345678901234567890,"e":1e400, "o":{"p":[{}]},"t":true,"z":null } ';
    expect(members(line)).toEqual([
      ['a', '"a" : [1,{"b":"]}"}]'],
      ['s', '"s":"x\\"}\\\\"'],
      ['n', '"n":12345678901234567890'],
      ['e', '"e":1e400'],
      ['o', '"o":{"p":[{}]}'],
      ['t', '"t":true'],
      ['z', '"z":null'],
    ]);
    const s = scanObjectMembers(line);
    expect([s.open, s.close]).toEqual([1, line.length - 2]);
  });

  it('decodes escaped keys and lists duplicate keys', () => {
    expect(members('{"top\\u0069c":1,"topic":2,"\\"":3,"":4}').map(([k]) => k)).toEqual(['topic', 'topic', '"', '']);
  });

  it('an empty object has no members', () => {
    expect(scanObjectMembers('{ }')).toEqual({ open: 0, close: 2, members: [] });
  });

  it('skips 200,000 levels of nesting without recursion', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const line = `{"a":${deep},"b":{"c":${deep}},"text":"x"}`;
    expect(members(line).map(([k, v]) => [k, v.length])).toEqual([
      ['a', 4 + deep.length],
      ['b', 10 + deep.length],
      ['text', 10],
    ]);
  });
});

describe('spliceMembers', () => {
  const line = '{ "a": 1,  "topic" :"old", "b":[2] ,"scores":{} }';
  const spans = scanObjectMembers(line);

  it('drops the named members and keeps every other byte, separators between kept members included', () => {
    expect(spliceMembers(line, spans, new Set(['topic', 'scores']), '"topic":"new"')).toBe('{ "a": 1, "b":[2],"topic":"new"}');
    expect(spliceMembers(line, spans, new Set(['a']), '')).toBe('{ "topic" :"old", "b":[2] ,"scores":{}}');
    expect(spliceMembers(line, spans, new Set(['a', 'topic', 'b', 'scores']), '"x":1')).toBe('{ "x":1}');
    expect(spliceMembers('{}', scanObjectMembers('{}'), new Set(), '"x":1')).toBe('{"x":1}');
  });
});
