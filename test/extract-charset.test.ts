import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { charsetFromContentType, decodeHtml, normalizeCharset, sniffMetaCharset } from '../src/extract/charset.js';

const zh = '中华人民共和国国务院新闻办公室今日举行发布会，介绍经济运行情况。記者：張三';
const zhSimplified = '中华人民共和国国务院新闻办公室今日举行发布会，介绍经济运行情况。';
const zhTraditional = '臺灣的資訊產業發展迅速，這篇報導介紹了相關的經濟數據與統計。';
const page = (head: string, body: string): string => `<html><head>${head}<title>t</title></head><body><p>${body}</p></body></html>`;
const enc = (text: string, charset: string): Uint8Array => new Uint8Array(iconv.encode(text, charset));

describe('decodeHtml', () => {
  it('uses a UTF-8 BOM over every declaration and strips it', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from(page('<meta charset="gbk">', zh))]);
    const out = decodeHtml(bytes, { contentType: 'text/html; charset=big5' });
    expect(out).toMatchObject({ charset: 'utf-8', source: 'bom' });
    expect(out.html.startsWith('<html>')).toBe(true);
    expect(out.html).toContain(zh);
  });

  it('decodes UTF-16 with a BOM', () => {
    const bytes = new Uint8Array([0xff, 0xfe, ...iconv.encode(page('', zh), 'utf-16le')]);
    expect(decodeHtml(bytes)).toMatchObject({ charset: 'utf-16le', source: 'bom', html: page('', zh) });
  });

  it('lets the HTTP header win over a meta tag', () => {
    const bytes = enc(page('<meta charset="big5">', zhSimplified), 'gbk');
    const out = decodeHtml(bytes, { contentType: 'text/html; charset=GBK' });
    expect(out).toMatchObject({ charset: 'gb18030', source: 'http' });
    expect(out.html).toContain(zhSimplified);
    expect(out.warning).toBeUndefined();
  });

  it('reads <meta charset>', () => {
    const out = decodeHtml(enc(page('<meta charset="gb2312" />', zhSimplified), 'gb2312'));
    expect(out).toMatchObject({ charset: 'gb18030', source: 'meta' });
    expect(out.html).toContain(zhSimplified);
  });

  it('reads <meta http-equiv="Content-Type" content="...charset=...">', () => {
    const head = `<meta name="viewport" content="width=device-width"><meta http-equiv='content-type' content='text/html; charset=Big5'>`;
    const out = decodeHtml(enc(page(head, zhTraditional), 'big5'), { contentType: 'text/html' });
    expect(out).toMatchObject({ charset: 'big5', source: 'meta' });
    expect(out.html).toContain(zhTraditional);
  });

  it.each([
    ['gbk', 'gb18030', zhSimplified],
    ['gb2312', 'gb18030', zhSimplified],
    ['gb18030', 'gb18030', zh + '𠀀㐀'],
    ['big5', 'big5', zhTraditional],
    ['shift_jis', 'shift_jis', '日本語のテキストです。東京都の天気は晴れ。'],
    ['euc-kr', 'euc-kr', '한국어 텍스트입니다. 서울의 날씨는 맑음.'],
    ['windows-1252', 'windows-1252', 'Café crème brûlée – “déjà vu” €5'],
  ])('round-trips %s text declared in the HTTP header', (label, charset, text) => {
    const html = page('', text);
    const out = decodeHtml(enc(html, label), { contentType: `text/html;charset="${label.toUpperCase()}"` });
    expect(out).toMatchObject({ html, charset, source: 'http' });
  });

  it('defaults to UTF-8', () => {
    expect(decodeHtml(Buffer.from(page('', zh)))).toEqual({ html: page('', zh), charset: 'utf-8', source: 'default' });
    expect(decodeHtml(new Uint8Array())).toEqual({ html: '', charset: 'utf-8', source: 'default' });
  });

  it('falls back past an unknown label and says so', () => {
    const http = decodeHtml(Buffer.from(page('', zh)), { contentType: 'text/html; charset=x-klingon' });
    expect(http).toMatchObject({ html: page('', zh), charset: 'utf-8', source: 'default' });
    expect(http.warning).toMatch(/x-klingon/);
    const meta = decodeHtml(Buffer.from(page('<meta charset="base64">', zh)));
    expect(meta).toMatchObject({ charset: 'utf-8', source: 'default' });
    expect(meta.warning).toMatch(/base64/);
    // an unknown HTTP label does not hide a usable meta declaration
    const both = decodeHtml(enc(page('<meta charset="gbk">', zhSimplified), 'gbk'), { contentType: 'text/html; charset=bogus' });
    expect(both).toMatchObject({ charset: 'gb18030', source: 'meta' });
    expect(both.html).toContain(zhSimplified);
  });

  it('decodes valid UTF-8 as UTF-8 even when a legacy charset is declared', () => {
    const out = decodeHtml(Buffer.from(page('<meta charset="gb2312">', zh)));
    expect(out).toMatchObject({ html: page('<meta charset="gb2312">', zh), charset: 'utf-8', source: 'default' });
    expect(out.warning).toMatch(/valid UTF-8/);
  });

  it('guesses GB18030 for undeclared Chinese bytes that are not UTF-8', () => {
    const out = decodeHtml(enc(page('', zhSimplified), 'gbk'));
    expect(out).toMatchObject({ html: page('', zhSimplified), charset: 'gb18030', source: 'default' });
    expect(out.warning).toMatch(/gb18030/);
  });

  it('guesses windows-1252 for undeclared Latin-1 bytes', () => {
    const html = page('', 'Grüße aus Köln, schöne Äpfel');
    expect(decodeHtml(enc(html, 'latin1'))).toMatchObject({ html, charset: 'windows-1252', source: 'default' });
  });

  it('keeps UTF-8 (with replacement characters) for a UTF-8 page with a few broken bytes', () => {
    const good = Buffer.from(page('', `${zh} Grüße ${zh}`));
    const bytes = Buffer.concat([good.subarray(0, 40), Buffer.from([0xff]), good.subarray(40)]);
    const out = decodeHtml(bytes);
    expect(out).toMatchObject({ charset: 'utf-8', source: 'default' });
    expect(out.html).toContain(zh);
    expect(out.html).toContain('\uFFFD');
    expect(out.warning).toMatch(/replacement/);
  });

  it('ignores a meta tag beyond the first 4 KB and one inside a comment', () => {
    const late = `<html><head>${' '.repeat(5000)}<meta charset="gbk"></head><body>${zh}</body></html>`;
    expect(decodeHtml(Buffer.from(late))).toMatchObject({ charset: 'utf-8', source: 'default' });
    expect(sniffMetaCharset('<!-- <meta charset="big5"> --><meta charset="utf-8">')).toBe('utf-8');
  });
});

describe('charset helpers', () => {
  it('normalizes labels', () => {
    expect(normalizeCharset('GB2312')).toBe('gb18030');
    expect(normalizeCharset('"utf8"')).toBe('utf-8');
    expect(normalizeCharset('ISO-8859-1')).toBe('windows-1252');
    expect(normalizeCharset('Shift-JIS')).toBe('shift_jis');
    expect(normalizeCharset('windows-1251')).toBe('windows-1251');
    expect(normalizeCharset('utf-7')).toBeNull();
    expect(normalizeCharset('nonsense')).toBeNull();
    expect(normalizeCharset('')).toBeNull();
  });

  it('reads the charset parameter of a Content-Type', () => {
    expect(charsetFromContentType('text/html; charset="UTF-8"')).toBe('UTF-8');
    expect(charsetFromContentType('text/html;charset=gbk;foo=bar')).toBe('gbk');
    expect(charsetFromContentType('text/html')).toBeNull();
    expect(charsetFromContentType(undefined)).toBeNull();
  });

  it('finds an XML declaration', () => {
    expect(sniffMetaCharset('<?xml version="1.0" encoding="GB2312"?><html>')).toBe('GB2312');
  });
});
