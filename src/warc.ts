// topicmix/warc: documents from WARC / WET files (loads warcio).
export { readWarcDocs, isWarcPath, type WarcDoc, type WarcStats } from './io/warc-reader.js';
