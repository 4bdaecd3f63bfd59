import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { extractMainText } from '../src/extract/html-text.js';
import { readWarcDocs, type WarcDoc } from '../src/io/warc-reader.js';
import { httpResponse, warcFile, warcRecord } from './fixtures/warc/make-warc.js';
import { tempDir } from './helpers/temp-dir.js';

// Real pages from ../shared/data, wrapped into a GB18030-encoded .warc.gz in a temp dir; skipped when the data is absent.
const gnePath = fileURLToPath(new URL('../../shared/data/web_html/gne_zh_news.jsonl', import.meta.url));
const hasData = existsSync(gnePath);
if (!hasData) console.warn(`warc-real-pages: skipped, ${gnePath} not found`);

describe.skipIf(!hasData)('a .warc.gz of real Chinese pages served as GBK', () => {
  const dir = tempDir('topicmix-warc-real-');

  it('decodes every page back to the original HTML and extracts the same text', async () => {
    const pages = readFileSync(gnePath, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .slice(0, 12)
      .map((l) => JSON.parse(l) as { html: string });
    const records = pages.map((p, i) =>
      warcRecord({
        type: 'response',
        headers: { 'WARC-Target-URI': `http://example.cn/${i}.html`, 'Content-Type': 'application/http; msgtype=response' },
        body: httpResponse('200 OK', { 'Content-Type': 'text/html; charset=gbk' }, iconv.encode(p.html, 'gb18030')),
      }),
    );
    const file = join(dir, 'gne.warc.gz');
    writeFileSync(file, warcFile(records, 'member').bytes);
    const docs: WarcDoc[] = [];
    for await (const batch of readWarcDocs(file, { batchSize: 5 })) docs.push(...batch);
    expect(docs).toHaveLength(pages.length);
    docs.forEach((doc, i) => {
      expect(doc.charset).toBe('gb18030');
      expect(doc.content).toBe(pages[i]!.html);
    });
    expect(extractMainText(docs[5]!.content).text).toBe(extractMainText(pages[5]!.html).text);
  });
});
