import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import { loadSharedModel, type PredictOptions, type SharedModel } from '../classifier.js';
import type { RawLine } from '../io/line-reader.js';
import type { WarcDoc } from '../io/warc-reader.js';
import { servesWithJs, type BackendName, type BackendPreference } from '../model/backend.js';
import { packLines, type BatchResult, type RawChunk, type ReadOptions } from '../pipeline/run-batch.js';
import type { CountSetup } from '../pipeline/steps/count.js';
import { loadTokenCounter, parseTokenizerName } from '../report/token-counter.js';
import { PACKAGE_ROOT } from '../version.js';

/** How documents are counted for the report, as it crosses to a worker (the tokenizer by name). */
export interface CountSpec {
  tokenizer: string;
  groupBy: string | null;
  terms: boolean;
}

export async function countSetup(spec: CountSpec): Promise<CountSetup> {
  return { tokenizer: await loadTokenCounter(parseTokenizerName(spec.tokenizer)), groupBy: spec.groupBy, terms: spec.terms };
}

/** What every worker loads: the same model and options as this thread would use. */
export interface WorkerSetup {
  modelDir: string;
  backend: BackendPreference | BackendName;
  batchSize: number;
  predict: PredictOptions;
  keepExisting: boolean;
  count?: CountSpec;
  /** the weights in shared memory (the js kernel): workers use these bytes instead of reading modelDir */
  shared?: SharedModel;
}

interface Pending {
  resolve: (r: BatchResult) => void;
  reject: (e: Error) => void;
}

/** The compiled worker script (under vitest the sources are TypeScript, so the built one in dist/ is used). */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  const script = here.endsWith('.ts') ? join(PACKAGE_ROOT, 'dist', 'executor', 'worker.js') : join(dirname(here), 'worker.js');
  if (!existsSync(script)) throw new Error(`worker script not found: ${script} (run npm run build)`);
  return script;
}

/**
 * The node flags worker threads inherit: all but those about the main entry (--input-type, -e, -p). V8's
 * heap-size flags are per isolate and rejected in a worker's execArgv, so they become its resourceLimits:
 * `node --max-old-space-size=8192 topicmix classify --workers 2` gives each worker that heap.
 */
export function workerFlags(argv: readonly string[]): { execArgv: string[]; resourceLimits: ResourceLimits } {
  const execArgv: string[] = [];
  const resourceLimits: ResourceLimits = {};
  for (const a of argv) {
    const heap = /^--(max-old-space-size|max_old_space_size|max-semi-space-size|max_semi_space_size|stack-size|stack_size)=(\d+)$/.exec(a);
    if (heap) {
      const v = Number(heap[2]);
      const flag = heap[1]!.replaceAll('_', '-');
      if (flag === 'max-old-space-size') resourceLimits.maxOldGenerationSizeMb = v;
      // V8 sizes the young generation at three semi-spaces
      else if (flag === 'max-semi-space-size') resourceLimits.maxYoungGenerationSizeMb = 3 * v;
      else resourceLimits.stackSizeMb = Math.max(1, v / 1024);
      continue;
    }
    if (/^(--input-type|--eval|-e$|--print|-p$)/.test(a)) continue;
    execArgv.push(a);
  }
  return { execArgv, resourceLimits };
}

/** N worker threads sharing the model's weights (js kernel) or each with its own (tfjs); batches go to the least busy one. */
export class WorkerPool {
  private readonly workers: Worker[];
  private readonly busy: number[];
  private readonly pending = new Map<number, Pending & { worker: number }>();
  private nextId = 0;
  private failure: Error | undefined;

  private constructor(
    workers: Worker[],
    /** The tfjs backend the workers selected. */
    readonly backend: string,
  ) {
    this.workers = workers;
    this.busy = workers.map(() => 0);
    workers.forEach((w, i) => {
      w.on('message', (m: { id: number; result?: BatchResult; error?: string; stack?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.busy[i]!--;
        if (m.error !== undefined) {
          const err = new Error(`worker ${i}: ${m.error}`);
          if (m.stack !== undefined) err.stack = `${err.message}\n  in the worker: ${m.stack}`;
          p.reject(err);
        } else p.resolve(m.result!);
      });
      w.on('error', (err) => this.fail(new Error(`worker ${i} failed: ${err.message}`)));
      // a result this thread cannot deserialise (e.g. nested too deep) would otherwise never answer its batch
      w.on('messageerror', (err) => this.fail(new Error(`worker ${i}: a batch result could not be read: ${err.message}`)));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`worker ${i} exited with code ${code}`));
      });
    });
  }

  static async start(n: number, setup: WorkerSetup): Promise<WorkerPool> {
    const script = workerScript();
    const { execArgv, resourceLimits } = workerFlags(process.execArgv);
    // the js kernel reads one copy of the weights (and fills one logit table) for all workers
    const shared = servesWithJs(setup.backend) ? { shared: await loadSharedModel(setup.modelDir) } : {};
    const workers: Worker[] = [];
    try {
      for (let i = 0; i < n; i++) workers.push(new Worker(script, { workerData: { ...setup, ...shared }, execArgv, resourceLimits }));
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      if ((err as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
      throw new Error(`${(err as Error).message}: worker threads take no V8 flags; run with --workers 1, or without those node flags`);
    }
    let backend: string | undefined;
    try {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              const onMessage = (m: { ready?: boolean; backend?: string; fatal?: string }): void => {
                if (m.ready) {
                  backend ??= m.backend;
                  resolve();
                } else if (m.fatal !== undefined) reject(new Error(m.fatal));
                w.off('message', onMessage);
              };
              w.on('message', onMessage);
              w.once('error', reject);
            }),
        ),
      );
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    return new WorkerPool(workers, backend ?? 'unknown');
  }

  get size(): number {
    return this.workers.length;
  }

  /** Runs the steps over lines the main thread has split. */
  process(lines: RawLine[], read: ReadOptions): Promise<BatchResult> {
    const packed = packLines(lines);
    return this.send({ lines: packed, read }, [packed.meta.buffer, packed.offsets.buffer] as ArrayBuffer[]);
  }

  /** Runs the steps over a line-aligned chunk of raw bytes; the worker splits it (the bytes are moved, not copied). */
  processChunk(chunk: RawChunk, read: ReadOptions): Promise<BatchResult> {
    return this.send({ chunk, read }, [chunk.bytes.buffer as ArrayBuffer]);
  }

  /** Runs the steps over WARC records. */
  processRecords(records: WarcDoc[], read: ReadOptions): Promise<BatchResult> {
    return this.send({ records, read }, []);
  }

  private send(message: object, transfer: ArrayBuffer[]): Promise<BatchResult> {
    if (this.failure) return Promise.reject(this.failure);
    let w = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.busy[i]! < this.busy[w]!) w = i;
    const id = this.nextId++;
    this.busy[w]!++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: w });
      this.workers[w]!.postMessage({ id, ...message }, transfer);
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
