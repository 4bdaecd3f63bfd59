import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { emptyWarcStats, isWarcPath, readWarcDocs, type WarcDoc, type WarcStats } from '../src/io/warc-reader.js';
import { httpResponse, warcFile, warcRecord } from './fixtures/warc/make-warc.js';
import { tempDir } from './helpers/temp-dir.js';

const dir = tempDir('topicmix-warc-');

const zhText = '国务院新闻办公室今日举行发布会，介绍上半年国民经济运行情况。';
const gbkPage = iconv.encode(`<html><head><title>新闻</title></head><body><p>${zhText}</p></body></html>`, 'gbk');
const utf8Page = '<!doctype html><html><body><p>Chunked &amp; gzipped page</p></body></html>';
const chunked = (b: Buffer): Buffer => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n0\r\n\r\n')]);

const warcRecords = [
  warcRecord({ type: 'warcinfo', headers: { 'Content-Type': 'application/warc-fields' }, body: 'software: test\r\nformat: WARC File Format 1.0\r\n' }),
  warcRecord({
    type: 'request',
    headers: { 'WARC-Target-URI': 'http://news.example.cn/a.html', 'Content-Type': 'application/http; msgtype=request' },
    body: 'GET /a.html HTTP/1.1\r\nHost: news.example.cn\r\n\r\n',
  }),
  warcRecord({
    type: 'response',
    headers: { 'WARC-Target-URI': 'http://news.example.cn/a.html', 'Content-Type': 'application/http; msgtype=response' },
    body: httpResponse('200 OK', { 'Content-Type': 'text/html; charset=GBK', 'Content-Length': String(gbkPage.length) }, gbkPage),
  }),
  warcRecord({
    type: 'response',
    headers: { 'WARC-Target-URI': 'http://news.example.cn/logo.png', 'Content-Type': 'application/http; msgtype=response' },
    body: httpResponse('200 OK', { 'Content-Type': 'image/png' }, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3])),
  }),
  warcRecord({ type: 'metadata', headers: { 'WARC-Target-URI': 'http://news.example.cn/a.html' }, body: 'fetchTimeMs: 120\r\n' }),
  warcRecord({
    type: 'response',
    headers: { 'WARC-Target-URI': 'https://example.org/b', 'Content-Type': 'application/http; msgtype=response' },
    body: httpResponse('200 OK', { 'Content-Type': 'text/html', 'Transfer-Encoding': 'chunked', 'Content-Encoding': 'gzip' }, chunked(gzipSync(utf8Page))),
  }),
  warcRecord({
    type: 'response',
    headers: { 'WARC-Target-URI': 'https://example.org/missing', 'Content-Type': 'application/http; msgtype=response' },
    body: httpResponse('404 Not Found', { 'Content-Type': 'text/html' }, '<html><body>Not found</body></html>'),
  }),
];

const wetRecords = [
  warcRecord({ type: 'warcinfo', headers: { 'Content-Type': 'application/warc-fields' }, body: 'isPartOf: test\r\n' }),
  warcRecord({
    type: 'conversion',
    headers: { 'WARC-Target-URI': 'http://news.example.cn/a.html', 'WARC-Refers-To': '<urn:uuid:x>', 'Content-Type': 'text/plain' },
    body: `新闻\n${zhText}\n`,
  }),
  warcRecord({ type: 'conversion', headers: { 'WARC-Target-URI': 'https://example.org/empty', 'Content-Type': 'text/plain' }, body: '' }),
  warcRecord({ type: 'conversion', headers: { 'WARC-Target-URI': 'https://example.org/b', 'Content-Type': 'text/plain' }, body: 'Plain English text.' }),
];

function write(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

async function readAll(file: string, opts: Parameters<typeof readWarcDocs>[1] = {}): Promise<{ batches: WarcDoc[][]; stats: WarcStats }> {
  const gen = readWarcDocs(file, opts);
  const batches: WarcDoc[][] = [];
  for (;;) {
    const r = await gen.next();
    if (r.done) return { batches, stats: r.value };
    batches.push(r.value);
  }
}

describe('readWarcDocs on a .warc.gz (one gzip member per record)', () => {
  const { bytes, offsets } = warcFile(warcRecords, 'member');
  const file = write('crawl.warc.gz', bytes);

  it('yields the HTML responses, decoded, with their record numbers and member offsets', async () => {
    const { batches, stats } = await readAll(file);
    expect(batches).toHaveLength(1);
    const docs = batches[0]!;
    expect(docs.map((d) => d.index)).toEqual([3, 6]);
    expect(docs[0]).toMatchObject({
      file,
      index: 3,
      byteOffset: offsets[2],
      url: 'http://news.example.cn/a.html',
      date: '2024-03-01T12:00:00Z',
      kind: 'html',
      charset: 'gb18030',
    });
    expect(docs[0]!.recordId).toMatch(/^<urn:uuid:/);
    expect(docs[0]!.content).toContain(zhText);
    expect(docs[0]!.content).not.toContain('HTTP/1.1');
    expect(docs[0]!.content.startsWith('<html>')).toBe(true);
    expect(docs[1]).toMatchObject({ index: 6, byteOffset: offsets[5], url: 'https://example.org/b', content: utf8Page, charset: 'utf-8' });
    expect(stats).toEqual({
      records: 7,
      docs: 2,
      skipped: { warcinfo: 1, request: 1, 'response:not-html': 1, metadata: 1, 'response:not-2xx': 1 },
      tooLarge: 0,
    });
  });

  it('fills opts.stats and splits into batches', async () => {
    const stats = emptyWarcStats();
    const { batches } = await readAll(file, { batchSize: 1, stats });
    expect(batches.map((b) => b.map((d) => d.index))).toEqual([[3], [6]]);
    expect(stats.docs).toBe(2);
    expect(stats.records).toBe(7);
  });

  it('skips documents over maxRecordBytes and counts them', async () => {
    const { batches, stats } = await readAll(file, { maxRecordBytes: 200 });
    expect(batches.flat().map((d) => d.index)).toEqual([6]);
    expect(stats.tooLarge).toBe(1);
    expect(stats.records).toBe(7);
  });

  it('throws naming the file and the record reached when the file is truncated', async () => {
    const cut = write('cut.warc.gz', bytes.subarray(0, offsets[2]! + 40));
    await expect(readAll(cut)).rejects.toThrow(`${cut}: record 3`);
    const cutBetween = write('cut-between.warc.gz', bytes.subarray(0, offsets[3]! + 5));
    await expect(readAll(cutBetween)).rejects.toThrow(/cut-between\.warc\.gz: record 4: corrupt or truncated/);
  });
});

describe('readWarcDocs on uncompressed and whole-file-gzip WARCs', () => {
  it('reads a plain .warc with byte offsets', async () => {
    const { bytes, offsets } = warcFile(warcRecords, 'none');
    const { batches } = await readAll(write('plain.warc', bytes));
    expect(batches.flat().map((d) => [d.index, d.byteOffset])).toEqual([
      [3, offsets[2]],
      [6, offsets[5]],
    ]);
  });

  it('reports unknown offsets for a file gzipped as one member', async () => {
    const { bytes } = warcFile(warcRecords, 'whole');
    const { batches, stats } = await readAll(write('whole.warc.gz', bytes));
    expect(batches.flat().map((d) => [d.index, d.byteOffset])).toEqual([
      [3, null],
      [6, null],
    ]);
    expect(stats.docs).toBe(2);
  });

  it('throws on a truncated plain .warc and on a file that is not a WARC', async () => {
    const { bytes, offsets } = warcFile(warcRecords, 'none');
    const cut = write('cut.warc', bytes.subarray(0, offsets[2]! + 200));
    await expect(readAll(cut)).rejects.toThrow(`${cut}: record 3: corrupt or truncated WARC`);
    const html = write('page.warc', Buffer.from('<html><body>not a warc</body></html>\r\n\r\n'));
    await expect(readAll(html)).rejects.toThrow(`${html}: record 1`);
  });

  it('names the file when it cannot be read', async () => {
    await expect(readAll(join(dir, 'missing.warc.gz'))).rejects.toThrow(/missing\.warc\.gz/);
  });

  it('reads an empty file as no documents', async () => {
    const { batches, stats } = await readAll(write('empty.warc', new Uint8Array()));
    expect(batches).toEqual([]);
    expect(stats).toEqual(emptyWarcStats());
  });
});

describe('readWarcDocs on a .wet.gz', () => {
  const { bytes, offsets } = warcFile(wetRecords, 'member');
  const file = write('crawl.wet.gz', bytes);

  it('yields conversion records as text', async () => {
    const { batches, stats } = await readAll(file);
    const docs = batches.flat();
    expect(docs.map((d) => [d.index, d.byteOffset, d.kind, d.url])).toEqual([
      [2, offsets[1], 'text', 'http://news.example.cn/a.html'],
      [4, offsets[3], 'text', 'https://example.org/b'],
    ]);
    expect(docs[0]!.content).toBe(`新闻\n${zhText}`);
    expect(docs[0]!.charset).toBe('utf-8');
    expect(stats).toEqual({ records: 4, docs: 2, skipped: { warcinfo: 1, 'conversion:empty': 1 }, tooLarge: 0 });
  });

  it('throws naming the file on a truncated .wet.gz', async () => {
    const cut = write('cut.wet.gz', bytes.subarray(0, bytes.length - 10));
    await expect(readAll(cut)).rejects.toThrow(`${cut}: record 4`);
  });
});

describe('readWarcDocs: what counts as HTML', () => {
  it("sniffs responses without a Content-Type, trusts Common Crawl's identified type, reads HTML resource records", async () => {
    const http = (headers: Record<string, string>, body: string): Buffer => httpResponse('200 OK', headers, body);
    const rec = (type: string, body: Buffer | string, headers: Record<string, string> = {}): Buffer =>
      warcRecord({ type, headers: { 'Content-Type': 'application/http; msgtype=response', ...headers }, body });
    const { bytes } = warcFile([
      rec('response', http({}, '<!-- x --><!DOCTYPE html><html><body>sniffed</body></html>')),
      rec('response', http({}, 'plain words, no markup')),
      rec('response', http({}, 'identified'), { 'WARC-Identified-Payload-Type': 'text/html' }),
      rec('response', http({ 'Content-Type': 'application/xhtml+xml; charset=utf-8' }, '<html>xhtml</html>')),
      rec('response', 'not an http message at all'),
      rec('resource', '<html><body>resource</body></html>', { 'Content-Type': 'text/html; charset=utf-8' }),
      rec('revisit', ''),
    ]);
    const { batches, stats } = await readAll(write('kinds.warc', bytes));
    expect(batches.flat().map((d) => [d.index, d.content])).toEqual([
      [1, '<!-- x --><!DOCTYPE html><html><body>sniffed</body></html>'],
      [3, 'identified'],
      [4, '<html>xhtml</html>'],
      [6, '<html><body>resource</body></html>'],
    ]);
    expect(stats.skipped).toEqual({ 'response:not-html': 1, 'response:bad-http': 1, revisit: 1 });
  });
});

describe('isWarcPath', () => {
  it.each([
    ['a.warc', true],
    ['a.warc.gz', true],
    ['dir/CC-MAIN-2024.warc.wet.gz', true],
    ['x.WET', true],
    ['x.wet.gz', true],
    ['x.jsonl.gz', false],
    ['warc.txt', false],
    ['x.warc.gz.tmp', false],
  ])('%s → %s', (p, expected) => {
    expect(isWarcPath(p)).toBe(expected);
  });
});
