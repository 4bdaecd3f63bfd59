import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import { httpResponse, warcFile, warcRecord } from './fixtures/warc/make-warc.js';
import { tempDir } from './helpers/tiny-data.js';

const root = join(__dirname, '..');
const cli = join(root, 'dist', 'cli', 'main.js');
let dir: string;

const article = (title: string, body: string): string =>
  `<html><head><title>${title}</title></head><body><nav>Home | News | Sport | Login</nav><article><h1>${title}</h1>${body
    .split('\n')
    .map((p) => `<p>${p}</p>`)
    .join('')}</article><footer>Cookie settings · Share this article</footer></body></html>`;

const SPORT_ZH = article(
  '主队末节逆转豪取八连胜',
  '在昨晚进行的篮球联赛中，主队在第三节结束时还落后九分。\n末节外援连续命中三记三分球，帮助球队打出一波攻击波，最终赢得比赛，取得八连胜。\n赛后主教练表示球员们在防守端的专注度是获胜关键，下一场比赛将迎来联赛榜首的挑战。\n本场比赛外援独得三十二分十一个篮板，本土后卫贡献十八分七次助攻，两人在关键时刻的配合成为逆转的转折点。\n球队目前以二十一胜五负的战绩排名联赛第二，距离榜首仅差一个胜场，球迷们期待球队在季后赛中走得更远。',
);
const FINANCE_EN = article(
  'Central bank raises interest rates again',
  'The central bank raised its benchmark interest rate by a quarter point on Wednesday, its fourth increase this year.\nStock markets fell sharply after the announcement and bond yields climbed to their highest level since 2008.\nAnalysts said inflation remains well above target and expect further rate rises before the end of the year.',
);

function run(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: root });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  dir = tempDir();
});

describe('classify raw web input (default model)', () => {
  it('--html-field: extracts the main text, classifies it, keeps or drops the HTML', () => {
    const input = join(dir, 'pages.jsonl');
    writeFileSync(
      input,
      [
        { id: 'a', url: 'https://example.com/a', html: SPORT_ZH },
        { id: 'b', html: FINANCE_EN },
        { id: 'c', html: '<html><body><script>x()</script></body></html>' },
      ]
        .map((o) => JSON.stringify(o))
        .join('\n') + '\n',
    );
    const r = run(['classify', input, '--html-field', 'html', '-o', '-']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('read 3, tagged 2, errors 1');
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((o) => [o.id, o.topic, o.lang, o.extract_method])).toEqual([
      ['a', 'sports', 'zh', 'readability'],
      ['b', 'business_finance', 'en', 'readability'],
    ]);
    expect(rows[0]!.text).toMatch(/^主队末节逆转豪取八连胜|在昨晚进行的篮球联赛中/);
    expect(rows[0]!.text).not.toMatch(/Cookie|Login/);
    expect(rows[0]!.html).toBe(SPORT_ZH);
    const err = JSON.parse(r.stderr.split('\n').find((l) => l.startsWith('{'))!) as Record<string, unknown>;
    expect(err).toMatchObject({ line: 3, field: 'html', error: 'empty_text' });
    const dropped = run(['classify', input, '--html-field', 'html', '--drop-html', '-o', '-']);
    expect(
      dropped.stdout
        .split('\n')
        .filter(Boolean)
        .every((l) => !('html' in (JSON.parse(l) as object))),
    ).toBe(true);
  });

  it('reads .warc.gz (GBK page, charset from the HTTP header) and .wet, skipping non-documents', () => {
    const gbk = iconv.encode(SPORT_ZH.replace('<head>', '<head><meta charset="gbk">'), 'gbk');
    const { bytes } = warcFile(
      [
        warcRecord({ type: 'warcinfo', body: 'software: test' }),
        warcRecord({ type: 'request', headers: { 'WARC-Target-URI': 'https://example.cn/sport' }, body: 'GET /sport HTTP/1.1\r\n\r\n' }),
        warcRecord({ type: 'response', headers: { 'WARC-Target-URI': 'https://example.cn/sport' }, body: httpResponse('200 OK', { 'Content-Type': 'text/html; charset=GBK' }, gbk) }),
        warcRecord({ type: 'response', headers: { 'WARC-Target-URI': 'https://example.com/img.png' }, body: httpResponse('200 OK', { 'Content-Type': 'image/png' }, 'PNG') }),
        warcRecord({ type: 'response', headers: { 'WARC-Target-URI': 'https://example.com/rates' }, body: httpResponse('200 OK', { 'Content-Type': 'text/html' }, FINANCE_EN) }),
      ],
      'member',
    );
    const warc = join(dir, 'crawl.warc.gz');
    writeFileSync(warc, bytes);
    const out = join(dir, 'warc.jsonl');
    const r = run(['classify', warc, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('read 2, tagged 2, errors 0');
    expect(r.stderr).toContain('skipped WARC records that are not documents: warcinfo 1, request 1, response:not-html 1');
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((o) => [o.url, o.warc_record, o.topic])).toEqual([
      ['https://example.cn/sport', 3, 'sports'],
      ['https://example.com/rates', 5, 'business_finance'],
    ]);
    expect(rows[0]!.text).toContain('篮球联赛');
    expect(rows.every((o) => !('html' in o))).toBe(true);

    // WET: conversion records carry text already
    const wet = join(dir, 'crawl.wet');
    const text = 'The central bank raised interest rates and stock markets fell sharply; bond yields climbed.';
    writeFileSync(
      wet,
      warcFile(
        [warcRecord({ type: 'warcinfo', body: 'x' }), warcRecord({ type: 'conversion', headers: { 'WARC-Target-URI': 'https://example.com/r', 'Content-Type': 'text/plain' }, body: text })],
        'none',
      ).bytes,
    );
    const w = run(['classify', wet, '-o', '-']);
    expect(w.stderr).toContain('read 1, tagged 1, errors 0');
    expect(JSON.parse(w.stdout) as Record<string, unknown>).toMatchObject({ url: 'https://example.com/r', warc_record: 2, text, topic: 'business_finance', lang: 'en' });
  });

  it('--workers 2 gives the same output as one worker on HTML input', () => {
    const input = join(dir, 'many.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) lines.push(JSON.stringify({ id: i, html: i % 2 ? SPORT_ZH : FINANCE_EN }));
    writeFileSync(input, lines.join('\n') + '\n');
    execFileSync(process.execPath, [cli, 'classify', input, '--html-field', 'html', '--drop-html', '--workers', '1', '-o', join(dir, 'w1.jsonl')], { stdio: 'ignore' });
    execFileSync(process.execPath, [cli, 'classify', input, '--html-field', 'html', '--drop-html', '--workers', '2', '-o', join(dir, 'w2.jsonl')], { stdio: 'ignore' });
    expect(readFileSync(join(dir, 'w2.jsonl')).equals(readFileSync(join(dir, 'w1.jsonl')))).toBe(true);
    expect(readFileSync(join(dir, 'w1.jsonl'), 'utf8').trim().split('\n')).toHaveLength(400);
  });
});
