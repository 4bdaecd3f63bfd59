import { readLineBatches, type RawLine } from '../io/line-reader.js';
import { errorRecord, parseDocLine } from '../io/records.js';
import type { ErrorRecord } from '../types.js';
import { InputProgress } from './progress.js';
import { parseTaggedDoc, type TaggedDoc } from './tagged-doc.js';

export interface TaggedLine {
  raw: RawLine;
  obj: Record<string, unknown>;
  text: string;
}

export interface ScanOptions {
  textField: string;
  /** Known label set (from the model); null accepts any label. */
  labels: ReadonlySet<string> | null;
  maxLineBytes?: number;
  /** Label of the progress bar (shown only when stderr is a TTY). */
  progressLabel: string;
  progress?: boolean;
}

export interface ScanHandlers {
  /** May return a promise (e.g. output backpressure); it is awaited before the next line. */
  onDoc(doc: TaggedDoc, line: TaggedLine): Promise<void> | void;
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
  const progress = await InputProgress.start(files, opts.progressLabel, opts.progress);
  const readOpts = opts.maxLineBytes === undefined ? {} : { maxLineBytes: opts.maxLineBytes };
  try {
    for (let i = 0; i < files.length; i++) {
      const file = files[i]!;
      handlers.onFile?.(file);
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
              pending = handlers.onDoc(tagged.doc, { raw, obj: parsed.obj, text: parsed.text });
            } else {
              counts.errors++;
              pending = handlers.onError(errorRecord(raw, tagged.code, tagged.message, tagged.field));
            }
          }
          if (pending !== undefined) await pending;
        }
        const last = batch[batch.length - 1]!;
        progress.update(i, last.byteOffset + last.byteLength, batch.length);
      }
      progress.fileDone(i);
    }
  } finally {
    progress.stop();
  }
  return counts;
}
