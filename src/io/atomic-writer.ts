import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { mkdir, open, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { finished } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import { isGzipPath } from './inputs.js';
import { OutputError } from './output-error.js';
import { resolveOutputTarget } from './output-target.js';
import { trackFile, untrackFile } from './temp-registry.js';

export { OutputError };

function outputError(path: string, err: unknown, what = 'cannot write'): OutputError {
  if (err instanceof OutputError) return err;
  const name = path === '-' ? '<stdout>' : path;
  return new OutputError(path, `${what} ${name}: ${(err as Error).message}`, err);
}

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

async function ensureDir(path: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (err) {
    throw outputError(path, err, 'cannot create the directory for');
  }
}

/** fsync the directory so the rename itself survives a crash; not possible everywhere, so best effort. */
async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // ignore: e.g. EISDIR/EPERM on platforms that cannot open or sync directories
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

export interface AtomicWriterOptions {
  /** Gzip the output; default: when the path ends in `.gz` (never for stdout unless asked). */
  gzip?: boolean;
  /** zlib level 1-9, default 6. */
  gzipLevel?: number;
}

type State = 'open' | 'committing' | 'committed' | 'aborted';

const COALESCE_BYTES = 64 * 1024;

const fsOpen = promisify(fs.open);
const fsFsync = promisify(fs.fsync);

/** Destroy a file stream and wait until it has closed its fd (it waits for in-flight writes first). */
function closeStream(file: fs.WriteStream): Promise<void> {
  if (file.closed) return Promise.resolve();
  return new Promise((resolve) => {
    file.once('close', () => resolve());
    file.destroy();
  });
}

/**
 * Writes an output file so that it appears under its final name complete or not at all: data goes
 * to `.<name>.tmp-<pid>-<random>` in the same directory, and commit() fsyncs and renames it. A symlink
 * is followed: the temp file goes next to its target, which is replaced, and the link stays. FIFOs,
 * devices and descriptor paths such as /dev/stdout are written through in place (see OutputTarget);
 * `-` writes to stdout directly. No atomicity is possible for either.
 */
export class AtomicWriter {
  private state: State = 'open';
  private bytes = 0;
  private pending: string[] = [];
  private pendingBytes = 0;
  private failure: OutputError | null = null;
  private waiters: Array<(err: OutputError) => void> = [];
  private drainPromise: Promise<void> | null = null;
  private readonly onError = (err: unknown): void => this.fail(err);
  /** Settles on the file stream's 'finish' (everything written reached the fd). */
  private readonly finishing: Promise<void> | null;

  private constructor(
    readonly path: string,
    /** Where write() goes: the gzip stream, the file stream or stdout. */
    private readonly sink: Writable,
    private readonly gzip: Gzip | null,
    /** The temp file's stream (owns and closes the fd); null for stdout. */
    private readonly file: fs.WriteStream | null,
    /** Temp file path; null for stdout. */
    readonly tempPath: string | null,
    /** The temp file's descriptor, for fsync; -1 for stdout. */
    private readonly fd: number,
    /** Where the temp file is renamed to (the symlink target when `path` is a link); null when written through. */
    private readonly finalPath: string | null,
    /** The standard stream written when `file` is null. */
    private readonly std: NodeJS.WriteStream = process.stdout,
  ) {
    sink.on('error', this.onError);
    const downstream = this.downstream();
    if (downstream !== sink) downstream.on('error', this.onError);
    this.finishing = file
      ? new Promise((resolve) => {
          // Errors arrive through onError; commit() checks `failure` after this settles.
          file.once('finish', resolve);
          file.once('close', resolve);
        })
      : null;
  }

  static async open(path: string, opts: AtomicWriterOptions = {}): Promise<AtomicWriter> {
    const target = await resolveOutputTarget(path);
    const std = target.kind === 'stdout' ? process.stdout : target.kind === 'stderr' ? process.stderr : null;
    const gzipWanted = opts.gzip ?? (std === null && isGzipPath(path));
    const gzip = gzipWanted ? createGzip({ level: opts.gzipLevel ?? 6 }) : null;
    if (std !== null) {
      if (gzip) gzip.pipe(std, { end: false });
      return new AtomicWriter(path, gzip ?? std, gzip, null, null, -1, null, std);
    }
    if (target.kind === 'stream') {
      // a FIFO, a device or an open descriptor: written in place ('a': /dev/fd/N onto a file must not truncate it)
      let fd: number;
      try {
        fd = await fsOpen(target.file, 'a');
      } catch (err) {
        throw outputError(path, err, 'cannot open');
      }
      const file = fs.createWriteStream(target.file, { fd, autoClose: false, highWaterMark: 1024 * 1024 });
      if (gzip) gzip.pipe(file);
      return new AtomicWriter(path, gzip ?? file, gzip, file, null, fd, null);
    }
    await ensureDir(target.file);
    const tempPath = tempPathFor(target.file);
    let fd: number;
    try {
      fd = await fsOpen(tempPath, 'wx', 0o666);
    } catch (err) {
      throw outputError(path, err, 'cannot create');
    }
    trackFile(tempPath);
    // autoClose off so commit() can fsync the fd between 'finish' and closing it.
    const file = fs.createWriteStream(tempPath, { fd, autoClose: false, highWaterMark: 1024 * 1024 });
    if (gzip) gzip.pipe(file);
    return new AtomicWriter(path, gzip ?? file, gzip, file, tempPath, fd, target.file);
  }

  private downstream(): Writable {
    return this.file ?? this.std;
  }

  /** Uncompressed bytes accepted so far. */
  get bytesWritten(): number {
    return this.bytes;
  }

  /**
   * Write a chunk. Returns undefined when the caller may go on writing, or a promise to await when
   * the stream's buffer is full (backpressure), so the fast path allocates nothing. Small strings
   * are gathered into ~64 KiB writes: one zlib call per line would cap gzip output at ~3 MB/s.
   */
  write(chunk: string | Uint8Array): Promise<void> | undefined {
    if (this.state !== 'open') throw new OutputError(this.path, `write after ${this.state === 'aborted' ? 'abort' : 'commit'}: ${this.path}`);
    if (this.failure) throw this.failure;
    if (typeof chunk === 'string') {
      const n = Buffer.byteLength(chunk, 'utf8');
      this.bytes += n;
      this.pending.push(chunk);
      this.pendingBytes += n;
      return this.pendingBytes >= COALESCE_BYTES ? this.flush() : undefined;
    }
    this.bytes += chunk.byteLength;
    this.flushPending();
    if (this.sink.write(chunk)) return undefined;
    return this.waitDrain();
  }

  /** Hand gathered writes to the stream now (e.g. to make stdout output visible); same return as write(). */
  flush(): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    if (this.flushPending()) return undefined;
    return this.waitDrain();
  }

  /** Returns false when the stream asks us to wait for 'drain'. */
  private flushPending(): boolean {
    if (this.pending.length === 0) return true;
    const data = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    return this.sink.write(data);
  }

  private waitDrain(): Promise<void> {
    if (this.drainPromise) return this.drainPromise;
    const p = new Promise<void>((resolve, reject) => {
      const onFail = (err: OutputError): void => {
        this.sink.off('drain', onDrain);
        reject(err);
      };
      const onDrain = (): void => {
        this.waiters = this.waiters.filter((w) => w !== onFail);
        resolve();
      };
      this.sink.once('drain', onDrain);
      this.waiters.push(onFail);
    });
    this.drainPromise = p;
    const clear = (): void => {
      if (this.drainPromise === p) this.drainPromise = null;
    };
    p.then(clear, clear);
    return p;
  }

  private fail(err: unknown): void {
    if (this.failure || this.state === 'aborted') return;
    this.failure = outputError(this.path, err);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(this.failure);
  }

  /** Flush everything, fsync, and move the file under its final name. */
  async commit(): Promise<void> {
    if (this.state === 'committed') return;
    if (this.state !== 'open') throw new OutputError(this.path, `commit after ${this.state === 'aborted' ? 'abort' : 'commit'}: ${this.path}`);
    this.state = 'committing';
    try {
      if (this.failure) throw this.failure;
      if (this.file === null) {
        await this.flushStdout();
      } else if (this.tempPath === null || this.finalPath === null) {
        // written through: nothing to rename, and fsync is not defined on pipes and devices
        this.flushPending();
        this.sink.end();
        await this.finishing;
        if (this.failure) throw this.failure;
        await closeStream(this.file);
        if (this.failure) throw this.failure;
      } else {
        this.flushPending();
        this.sink.end();
        await this.finishing;
        if (this.failure) throw this.failure;
        await fsFsync(this.fd);
        await closeStream(this.file);
        if (this.failure) throw this.failure;
        await rename(this.tempPath, this.finalPath);
        untrackFile(this.tempPath);
        await syncDir(dirname(this.finalPath));
      }
      this.state = 'committed';
      this.detach();
    } catch (err) {
      const e = this.failure ?? outputError(this.path, err);
      this.state = 'open';
      await this.abort();
      throw e;
    }
  }

  private async flushStdout(): Promise<void> {
    this.flushPending();
    if (this.gzip) {
      const done = finished(this.gzip, { writable: false });
      this.gzip.end();
      await done;
    }
    await new Promise<void>((resolve, reject) => {
      this.std.write('', (err) => (err ? reject(err) : resolve()));
    });
    if (this.failure) throw this.failure;
  }

  /** Drop the output: close and delete the temp file. Safe to call more than once, and after commit (no-op). */
  async abort(): Promise<void> {
    if (this.state === 'committed' || this.state === 'aborted') return;
    this.state = 'aborted';
    this.pending = [];
    this.detach();
    // Keep a late stream error from being unhandled once our listeners are gone.
    const ignore = (): void => undefined;
    if (this.gzip) {
      this.gzip.on('error', ignore);
      if (this.file === null) this.gzip.unpipe(this.std);
      this.gzip.destroy();
    }
    if (this.file) {
      this.file.on('error', ignore);
      await closeStream(this.file);
    }
    if (this.file && this.tempPath !== null) {
      const temp = this.tempPath;
      await unlink(temp).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw outputError(this.path, err, 'cannot remove the temp file of');
      });
      untrackFile(temp);
    }
  }

  private detach(): void {
    this.sink.off('error', this.onError);
    this.downstream().off('error', this.onError);
  }
}

/**
 * Write a whole file atomically (temp file, fsync, rename; a symlink's target is replaced, the link
 * stays). `-` writes to stdout; FIFOs, devices and /dev/stdout-like paths are written through in place.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const target = await resolveOutputTarget(path);
  if (target.kind === 'stdout' || target.kind === 'stderr') {
    const std = target.kind === 'stdout' ? process.stdout : process.stderr;
    await new Promise<void>((resolve, reject) => {
      std.write(data, (err) => (err ? reject(outputError(path, err)) : resolve()));
    });
    return;
  }
  if (target.kind === 'stream') {
    try {
      await writeFile(target.file, data, { flag: 'a' });
    } catch (err) {
      throw outputError(path, err);
    }
    return;
  }
  await ensureDir(target.file);
  const tempPath = tempPathFor(target.file);
  let fh: FileHandle | undefined;
  try {
    fh = await open(tempPath, 'wx');
    trackFile(tempPath);
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tempPath, target.file);
    untrackFile(tempPath);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await unlink(tempPath).catch(() => undefined);
    untrackFile(tempPath);
    throw outputError(path, err);
  }
  await syncDir(dirname(target.file));
}
