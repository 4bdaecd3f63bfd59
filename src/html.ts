// topicmix/html: main-text extraction from raw HTML and charset decoding (loads linkedom + Readability).
export { extractMainText, type ExtractedText } from './extract/html-text.js';
export { decodeHtml } from './extract/charset.js';
