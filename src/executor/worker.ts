// Worker thread: builds its classifier on the shared weights (or loads its own copy for a tfjs backend) and runs the steps over batches.
import { parentPort, workerData } from 'node:worker_threads';
import { classifierFromFiles, loadClassifier } from '../classifier.js';
import { prepareBatch, runBatch, splitChunk, unpackLines, type BatchSetup, type PackedLines, type RawChunk, type ReadOptions } from '../pipeline/run-batch.js';
import { tagFormat } from '../pipeline/output-record.js';
import type { WarcDoc } from '../io/warc-reader.js';
import { countSetup, type WorkerSetup } from './worker-pool.js';

const setup = workerData as WorkerSetup;
const port = parentPort!;
try {
  const load = { backend: setup.backend, batchSize: setup.batchSize };
  const clf = setup.shared ? await classifierFromFiles(setup.shared.files, load, setup.shared.logitTable) : await loadClassifier(setup.modelDir, load);
  const batch: BatchSetup = { clf, format: tagFormat(clf.labels, clf.predictOptions(setup.predict), clf.metadata.abstain, setup.keepExisting, clf.metadata.multiLabel?.thresholds) };
  if (setup.count) batch.count = await countSetup(setup.count);
  port.on('message', async (m: { id: number; lines?: PackedLines; chunk?: RawChunk; records?: WarcDoc[]; read: ReadOptions }) => {
    try {
      await prepareBatch(m.read, m.records !== undefined);
      const result = m.records ? runBatch(batch, { records: m.records, read: m.read }) : runBatch(batch, { lines: m.chunk ? splitChunk(m.chunk) : unpackLines(m.lines!), read: m.read });
      port.postMessage({ id: m.id, result }, [result.outAt.buffer, result.outEnd.buffer, result.errAt.buffer, result.errEnd.buffer, result.replacedAt.buffer, result.bytesTo.buffer] as ArrayBuffer[]);
    } catch (err) {
      // the message for the user; the worker's stack for TOPICMIX_DEBUG
      port.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
    }
  });
  port.postMessage({ ready: true, backend: clf.backend });
} catch (err) {
  port.postMessage({ fatal: (err as Error).message });
}
