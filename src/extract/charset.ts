import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { isHan } from '../text/chars.js';

export type CharsetSource = 'bom' | 'http' | 'meta' | 'default';

export interface DecodedHtml {
  html: string;
  /** The charset actually used, canonical lower-case name ('utf-8', 'gb18030', 'big5', 'windows-1252', ...). */
  charset: string;
  /** Where `charset` came from; 'default' when nothing usable was declared (or a declaration was overridden). */
  source: CharsetSource;
  /** Set when a declared label was unknown, or the declaration did not fit the bytes and was overridden. */
  warning?: string;
}

export interface DecodeHtmlOptions {
  /** The HTTP Content-Type header, e.g. `text/html; charset=GBK`. */
  contentType?: string;
}

/** How far into the document `<meta>` charset declarations are looked for (the HTML spec's prescan uses 1024). */
export const META_SCAN_BYTES = 4096;

/**
 * Labels mapped to the decoder actually used, following the WHATWG Encoding Standard where it
 * widens a legacy label (GBK and GB2312 pages are decoded as GB18030, their superset; ISO-8859-1
 * and ASCII as windows-1252). Other labels go to iconv-lite as they are.
 */
const ALIASES: Record<string, string> = {
  utf8: 'utf-8',
  unicode11utf8: 'utf-8',
  unicode20utf8: 'utf-8',
  xunicode20utf8: 'utf-8',
  gbk: 'gb18030',
  gb2312: 'gb18030',
  gb231280: 'gb18030',
  xgbk: 'gb18030',
  cp936: 'gb18030',
  ms936: 'gb18030',
  windows936: 'gb18030',
  csgb2312: 'gb18030',
  chinese: 'gb18030',
  isoir58: 'gb18030',
  xgb18030: 'gb18030',
  gb18030: 'gb18030',
  hzgb2312: 'gb18030',
  big5: 'big5',
  big5hkscs: 'big5',
  cnbig5: 'big5',
  csbig5: 'big5',
  xxbig5: 'big5',
  cp950: 'big5',
  shiftjis: 'shift_jis',
  sjis: 'shift_jis',
  xsjis: 'shift_jis',
  mskanji: 'shift_jis',
  csshiftjis: 'shift_jis',
  windows31j: 'shift_jis',
  cp932: 'shift_jis',
  eucjp: 'euc-jp',
  xeucjp: 'euc-jp',
  euckr: 'euc-kr',
  cseuckr: 'euc-kr',
  ksc56011987: 'euc-kr',
  windows949: 'euc-kr',
  cp949: 'euc-kr',
  iso88591: 'windows-1252',
  latin1: 'windows-1252',
  l1: 'windows-1252',
  usascii: 'windows-1252',
  ascii: 'windows-1252',
  cp1252: 'windows-1252',
  windows1252: 'windows-1252',
  xcp1252: 'windows-1252',
  cp819: 'windows-1252',
  ibm819: 'windows-1252',
  iso885911987: 'windows-1252',
  utf16: 'utf-16le',
  utf16le: 'utf-16le',
  utf16be: 'utf-16be',
  unicode: 'utf-16le',
  ucs2: 'utf-16le',
};

/** iconv-lite codecs that are not text encodings a page can be in (or are unsafe, like UTF-7). */
const REFUSED = new Set(['base64', 'hex', 'binary', 'internal', 'utf7', 'utf7imap', 'cesu8', 'utf32', 'utf32le', 'utf32be']);

const squash = (label: string): string => label.toLowerCase().replace(/[^0-9a-z]/g, '');

/** Canonical charset name for a label, or null when no decoder is available for it. */
export function normalizeCharset(label: string): string | null {
  const cleaned = label
    .trim()
    .replace(/^["']+|["']+$/g, '')
    .toLowerCase();
  const key = squash(cleaned);
  if (!key) return null;
  const alias = ALIASES[key];
  if (alias) return alias;
  if (REFUSED.has(key) || !iconv.encodingExists(key)) return null;
  return cleaned;
}

const CHARSET_PARAM = /charset\s*=\s*["']?([^"';,\s>]+)/i;

/** The `charset=` parameter of a Content-Type value, or null. */
export function charsetFromContentType(contentType: string | undefined): string | null {
  const m = contentType ? CHARSET_PARAM.exec(contentType) : null;
  return m ? m[1]! : null;
}

const META_TAG = /<meta\s[^>]*>/gi;
const META_CHARSET_ATTR = /\bcharset\s*=\s*["']?([^"'\s/>;]+)/i;
const HTTP_EQUIV_CT = /\bhttp-equiv\s*=\s*["']?\s*content-type/i;
const CONTENT_ATTR = /\bcontent\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i;
const XML_DECL = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']/i;

/** The first charset label declared by `<meta charset>`, `<meta http-equiv="Content-Type">` or an XML declaration. */
export function sniffMetaCharset(head: string): string | null {
  const xml = XML_DECL.exec(head);
  if (xml) return xml[1]!;
  for (const m of head.replace(/<!--[\s\S]*?-->/g, '').matchAll(META_TAG)) {
    const tag = m[0];
    if (HTTP_EQUIV_CT.test(tag)) {
      const content = CONTENT_ATTR.exec(tag);
      const label = charsetFromContentType(content ? (content[1] ?? content[2] ?? content[3]) : undefined);
      if (label) return label;
      continue;
    }
    const direct = META_CHARSET_ATTR.exec(tag);
    if (direct) return direct[1]!;
  }
  return null;
}

function bomCharset(b: Uint8Array): { charset: string; length: number } | null {
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { charset: 'utf-8', length: 3 };
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return { charset: 'utf-16be', length: 2 };
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return { charset: 'utf-16le', length: 2 };
  return null;
}

const utf8Decoder = new TextDecoder('utf-8');

function decodeWith(bytes: Uint8Array, charset: string): string {
  if (charset === 'utf-8') return utf8Decoder.decode(bytes);
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), charset);
}

/** Non-ASCII bytes needed before valid UTF-8 overrides a declared charset: a few legacy CJK characters can be valid UTF-8 by chance, a dozen practically never are. */
const UTF8_EVIDENCE_BYTES = 16;

function countHighBytes(bytes: Uint8Array, stopAt = Infinity): number {
  let n = 0;
  for (let i = 0; i < bytes.length && n < stopAt; i++) if (bytes[i]! >= 0x80) n++;
  return n;
}

function countChar(s: string, code: number): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === code) n++;
  return n;
}

/**
 * Share of high bytes that sit in GB2312-range pairs (both bytes 0xA1-0xFE). Chinese text in
 * GBK/GB18030 is almost all such pairs; Latin-1 text is not (its accented letters sit next to ASCII).
 */
function gbPairShare(bytes: Uint8Array): number {
  let high = 0;
  let paired = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 0x80) continue;
    const next = bytes[i + 1] ?? 0;
    if (b >= 0xa1 && b <= 0xf7 && next >= 0xa1 && next <= 0xfe) {
      high += 2;
      paired += 2;
      i++;
    } else {
      high++;
    }
  }
  return high === 0 ? 0 : paired / high;
}

/**
 * Decoding for bytes that are not valid UTF-8 and declare nothing usable: GB18030 when the high
 * bytes are GB2312-style pairs that decode into mostly Han characters (undeclared Chinese pages are
 * the common case in web crawls), windows-1252 when most high bytes are invalid UTF-8 (a legacy
 * single-byte page), else UTF-8 with replacement characters (a UTF-8 page with a few broken bytes).
 */
function guessInvalidUtf8(bytes: Uint8Array): { html: string; charset: string } {
  const utf8 = utf8Decoder.decode(bytes);
  const bad = countChar(utf8, 0xfffd);
  if (gbPairShare(bytes) >= 0.8) {
    const gb = iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'gb18030');
    let han = 0;
    let nonAscii = 0;
    for (let i = 0; i < gb.length; i++) {
      const c = gb.charCodeAt(i);
      if (c < 0x80) continue;
      nonAscii++;
      if (isHan(c)) han++;
    }
    if (countChar(gb, 0xfffd) * 10 <= bad && han >= 0.5 * nonAscii) return { html: gb, charset: 'gb18030' };
  }
  if (bad >= 0.5 * countHighBytes(bytes)) return { html: decodeWith(bytes, 'windows-1252'), charset: 'windows-1252' };
  return { html: utf8, charset: 'utf-8' };
}

/**
 * Decodes an HTML page. The charset comes from, in order: a byte-order mark; the `charset` of
 * `opts.contentType` (the HTTP header); a `<meta charset>` / `<meta http-equiv="Content-Type">` (or
 * `<?xml encoding>`) in the first `META_SCAN_BYTES` bytes; else UTF-8. Unknown labels are skipped
 * (noted in `warning`) and the next source is tried. A declared non-UTF-8 charset is overridden when
 * the bytes are valid UTF-8 with enough non-ASCII text, a common mislabel (e.g. a page transcoded to UTF-8
 * that kept `<meta charset=gb2312>`); valid multi-byte UTF-8 practically never arises by chance.
 * Bytes that are not valid UTF-8 and declare nothing are guessed (see `guessInvalidUtf8`).
 */
export function decodeHtml(bytes: Uint8Array, opts: DecodeHtmlOptions = {}): DecodedHtml {
  const bom = bomCharset(bytes);
  if (bom) return { html: decodeWith(bytes.subarray(bom.length), bom.charset), charset: bom.charset, source: 'bom' };

  const warnings: string[] = [];
  let declared: { charset: string; source: 'http' | 'meta' } | null = null;
  const httpLabel = charsetFromContentType(opts.contentType);
  if (httpLabel) {
    const charset = normalizeCharset(httpLabel);
    if (charset) declared = { charset, source: 'http' };
    else warnings.push(`unknown charset label "${httpLabel}" in the HTTP Content-Type`);
  }
  if (!declared) {
    const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, META_SCAN_BYTES)).toString('latin1');
    const metaLabel = sniffMetaCharset(head);
    if (metaLabel) {
      let charset = normalizeCharset(metaLabel);
      // A meta tag that says UTF-16 was itself read as ASCII, so it cannot be right (HTML spec).
      if (charset === 'utf-16le' || charset === 'utf-16be') charset = 'utf-8';
      if (charset) declared = { charset, source: 'meta' };
      else warnings.push(`unknown charset label "${metaLabel}" in a <meta> tag`);
    }
  }

  const valid = isUtf8(bytes);
  if (declared && declared.charset !== 'utf-8' && valid && countHighBytes(bytes, UTF8_EVIDENCE_BYTES) >= UTF8_EVIDENCE_BYTES && !declared.charset.startsWith('utf-16')) {
    warnings.push(`declared ${declared.charset} (${declared.source}) but the bytes are valid UTF-8; decoded as utf-8`);
    declared = null;
  }
  const warning = warnings.length > 0 ? warnings.join('; ') : undefined;
  const withWarning = (d: DecodedHtml): DecodedHtml => (warning ? { ...d, warning } : d);

  if (declared) return withWarning({ html: decodeWith(bytes, declared.charset), ...declared });
  if (valid) return withWarning({ html: decodeWith(bytes, 'utf-8'), charset: 'utf-8', source: 'default' });
  const guess = guessInvalidUtf8(bytes);
  const note = guess.charset === 'utf-8' ? 'invalid UTF-8, decoded with replacement characters' : `invalid UTF-8, guessed ${guess.charset}`;
  return { ...guess, source: 'default', warning: warning ? `${warning}; ${note}` : note };
}
