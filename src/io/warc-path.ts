// Kept apart from warc-reader.ts so that checking a file name does not load the WARC parser.
const WARC_PATH = /\.(?:warc|wet)(?:\.gz)?$/i;

/** True for `.warc`, `.warc.gz`, `.wet` and `.wet.gz` paths (case-insensitive). */
export function isWarcPath(p: string): boolean {
  return WARC_PATH.test(p);
}
