import { errorRecord } from '../io/records.js';
import { cellKey } from '../rebalance/corpus-cells.js';
import type { WeightsFile } from '../rebalance/weights-types.js';
import { scanTaggedFiles, type ScanCounts, type ScanProgress } from '../report/scan-tagged.js';
import { countChars } from '../report/token-counter.js';
import type { ErrorRecord } from '../types.js';
import { copiesFor } from './copies.js';
import { uniform } from '../model/seeded-hash.js';

export interface SampleSink {
  write(chunk: string): Promise<void> | undefined;
}

export interface SampleOptions {
  weights: WeightsFile;
  seed: number;
  idField: string;
  textField: string;
  /** Write `{id, file, line, copies, ...}` per kept document instead of the documents. */
  manifest: boolean;
  maxLineBytes?: number;
  onProgress?: (p: ScanProgress) => void;
  onError?: (rec: ErrorRecord) => Promise<void> | void;
}

export interface SampleCellStats {
  topic: string;
  lang: string;
  weight: number;
  docs_in: number;
  /** Distinct documents written at least once. */
  docs_kept: number;
  copies_out: number;
  /** docs_in x weight: what copies_out should be close to. */
  expected_copies: number;
  chars_in: number;
  chars_out: number;
}

export interface SampleStats extends ScanCounts {
  seed: number;
  written_lines: number;
  without_id: number;
  cells: SampleCellStats[];
}

/**
 * The key that decides a document's draw: its id when it has one, else its text. Neither depends on
 * how the files are named or split into shards, or on which model tagged them, so the same corpus
 * gives the same mixture; identical texts without ids get the same draw.
 */
export function sampleKey(obj: Record<string, unknown>, idField: string, text: string): { key: string; id: string | null } {
  const v = obj[idField];
  if (typeof v === 'string' && v.length > 0) return { key: `id\u0000${v}`, id: v };
  if (typeof v === 'number' && Number.isFinite(v)) return { key: `id\u0000${v}`, id: String(v) };
  return { key: `text\u0000${text}`, id: null };
}

/** Copies of a line are written in pieces of about this many bytes: one string of them all could exceed the engine's limit. */
const COPY_PIECE_CHARS = 1 << 24;

function writeCopies(sink: SampleSink, line: string, n: number): Promise<void> | undefined {
  const per = Math.max(1, Math.floor(COPY_PIECE_CHARS / line.length));
  if (n <= per) return sink.write(n === 1 ? line : line.repeat(n));
  return (async () => {
    for (let left = n; left > 0; left -= per) await sink.write(line.repeat(Math.min(per, left)));
  })();
}

/** Stream tagged files once and write each document floor(w) or floor(w)+1 times per its cell's weight. */
export async function runSample(files: string[], sink: SampleSink, opts: SampleOptions): Promise<SampleStats> {
  const table = new Map<string, SampleCellStats>();
  for (const c of opts.weights.cells) {
    table.set(cellKey(c.topic, c.lang), {
      topic: c.topic,
      lang: c.lang,
      weight: c.weight,
      docs_in: 0,
      docs_kept: 0,
      copies_out: 0,
      expected_copies: 0,
      chars_in: 0,
      chars_out: 0,
    });
  }
  const labels = opts.weights.model.labels_source === 'model' ? new Set(opts.weights.model.labels) : null;
  let written = 0;
  let withoutId = 0;
  let extraErrors = 0;
  const counts = await scanTaggedFiles(
    files,
    {
      textField: opts.textField,
      labels,
      ...(opts.maxLineBytes === undefined ? {} : { maxLineBytes: opts.maxLineBytes }),
      ...(opts.onProgress && { onProgress: opts.onProgress }),
    },
    {
      onDoc(tags, doc) {
        const stats = table.get(cellKey(tags.topic, tags.lang));
        if (stats === undefined) {
          extraErrors++;
          return opts.onError?.(
            errorRecord(
              { ...doc.source, text: doc.raw },
              'unknown_label',
              `no weight for topic "${tags.topic}" in language "${tags.lang}": the weights were made from a report without this cell`,
              'topic',
            ),
          );
        }
        const { key, id } = sampleKey(doc.fields, opts.idField, doc.text);
        if (id === null) withoutId++;
        const n = copiesFor(stats.weight, uniform(key, opts.seed));
        const chars = countChars(doc.text);
        stats.docs_in++;
        stats.expected_copies += stats.weight;
        stats.chars_in += chars;
        if (n === 0) return undefined;
        stats.docs_kept++;
        stats.copies_out += n;
        stats.chars_out += n * chars;
        let out: string;
        if (opts.manifest) {
          out = `${JSON.stringify({ id, file: doc.source.file, line: doc.source.line, copies: n, topic: tags.topic, lang: tags.lang })}\n`;
          written++;
        } else {
          written += n;
          return writeCopies(sink, `${doc.raw}\n`, n);
        }
        return sink.write(out);
      },
      onError(rec) {
        return opts.onError?.(rec);
      },
    },
  );
  return {
    read: counts.read,
    counted: counts.counted - extraErrors,
    errors: counts.errors + extraErrors,
    seed: opts.seed,
    written_lines: written,
    without_id: withoutId,
    cells: [...table.values()],
  };
}
