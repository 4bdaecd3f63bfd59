// Worker thread: loads its own copy of the model (its own wasm instance) and tags batches of lines.
import { parentPort, workerData } from 'node:worker_threads';
import { loadClassifier } from '../classifier.js';
import { prepareLineOptions, processLines, splitChunk, unpackLines, type LineOptions, type PackedLines, type RawChunk } from './batch-processor.js';
import { tagFormat } from './output-record.js';
import type { WorkerSetup } from './worker-pool.js';

const setup = workerData as WorkerSetup;
const port = parentPort!;
try {
  const clf = await loadClassifier(setup.modelDir, { backend: setup.backend, batchSize: setup.batchSize });
  const format = tagFormat(clf.labels, clf.predictOptions(setup.predict), clf.metadata.abstain);
  port.on('message', async (m: { id: number; lines?: PackedLines; chunk?: RawChunk; options: LineOptions }) => {
    try {
      await prepareLineOptions(m.options);
      const lines = m.chunk ? splitChunk(m.chunk) : unpackLines(m.lines!);
      const result = processLines(clf, lines, m.options, format);
      port.postMessage({ id: m.id, result }, [result.outAt.buffer, result.outEnd.buffer, result.errAt.buffer, result.errEnd.buffer, result.bytesTo.buffer] as ArrayBuffer[]);
    } catch (err) {
      port.postMessage({ id: m.id, error: (err as Error).stack ?? String(err) });
    }
  });
  port.postMessage({ ready: true, backend: clf.backend });
} catch (err) {
  port.postMessage({ fatal: (err as Error).message });
}
