import type { Document } from '../document.js';
import { readLineBatches } from '../io/line-reader.js';
import { errorRecord, parseDocLine } from '../io/records.js';
import type { ErrorRecord } from '../types.js';
import { parseTaggedDoc, type TaggedDoc } from './tagged-doc.js';

/** A document read back from tagged JSONL: its line as read (`raw`) and its fields. */
export type TaggedDocument = Document & { raw: string };

export interface ScanOptions {
  textField: string;
  /** Known label set (from the model); null accepts any label. */
  labels: ReadonlySet<string> | null;
  maxLineBytes?: number;
  /** Called after each batch of lines and when a file ends (e.g. to draw a progress bar). */
  onProgress?: (p: ScanProgress) => void;
}

/** Where a scan is: file `fileIndex` of `files`, `offset` bytes into it as stored (compressed bytes for .gz), `lines` read in all. */
export interface ScanProgress {
  fileIndex: number;
  offset: number;
  lines: number;
  /** True when file `fileIndex` has been read to its end. */
  fileDone: boolean;
}

export interface ScanHandlers {
  /** May return a promise (e.g. output backpressure); it is awaited before the next line. */
  onDoc(tags: TaggedDoc, doc: TaggedDocument): Promise<void> | void;
  onError(rec: ErrorRecord): Promise<void> | void;
  onFile?(file: string): void;
}

export interface ScanCounts {
  read: number;
  counted: number;
  errors: number;
}

/** Stream tagged JSONL files once, handing each good document and each bad line to the handlers. */
export async function scanTaggedFiles(files: string[], opts: ScanOptions, handlers: ScanHandlers): Promise<ScanCounts> {
  const counts: ScanCounts = { read: 0, counted: 0, errors: 0 };
  let stored = 0;
  const readOpts = { ...(opts.maxLineBytes !== undefined && { maxLineBytes: opts.maxLineBytes }), onStoredBytes: (b: number) => void (stored = b) };
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    handlers.onFile?.(file);
    stored = 0;
    for await (const batch of readLineBatches(file, readOpts)) {
      for (const raw of batch) {
        counts.read++;
        const parsed = parseDocLine(raw, opts.textField);
        let pending: Promise<void> | void;
        if (!parsed.ok) {
          counts.errors++;
          pending = handlers.onError(parsed.error);
        } else {
          const tagged = parseTaggedDoc(parsed.obj, opts.labels);
          if (tagged.ok) {
            counts.counted++;
            pending = handlers.onDoc(tagged.doc, {
              fields: parsed.obj,
              text: parsed.text,
              raw: raw.text!,
              source: { file: raw.file, line: raw.line, byteOffset: raw.byteOffset, byteLength: raw.byteLength },
            });
          } else {
            counts.errors++;
            pending = handlers.onError(errorRecord(raw, tagged.code, tagged.message, tagged.field));
          }
        }
        if (pending !== undefined) await pending;
      }
      opts.onProgress?.({ fileIndex: i, offset: stored, lines: counts.read, fileDone: false });
    }
    opts.onProgress?.({ fileIndex: i, offset: 0, lines: counts.read, fileDone: true });
  }
  return counts;
}
