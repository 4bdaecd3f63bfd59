import { constants } from 'node:fs';
import { open, readFile, unlink, writeFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../io/atomic-writer.js';

/** A label row as the workbench writes it: the web label format that `labels check` and `labels agree` read. */
export interface LabelRow {
  id: string;
  label: string;
  label2?: string;
  reason?: string;
  note?: string;
  annotator: string;
  /** YYYY-MM-DD */
  date: string;
  split: 'train' | 'heldout';
  /** The model that suggested the page (`name@hash`), absent for the random start. */
  model?: string;
  /** Why the page was suggested (label suggest's reason). */
  suggest?: 'uncertain' | 'random';
}

/** The label file is held by another running workbench, or cannot be written. */
export class LabelFileError extends Error {
  override name = 'LabelFileError';
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The one writer of a label file. Appends are serialised (a promise chain), and each is one write() of one
 * whole line on an O_APPEND descriptor followed by fsync, so a crash leaves every finished label on disk and
 * at worst drops the line being written. Undo rewrites the file without the line (temp file, fsync, rename:
 * the file is complete before or after, never half) and appends the removed line to `<file>.undone.log`, so
 * the label file always holds exactly the current labels in the plain format every reader knows.
 * A `<file>.lock` (holding the pid) keeps a second workbench off the same file; a stale lock is taken over.
 */
export class LabelFile {
  private chain: Promise<unknown> = Promise.resolve();
  private constructor(
    readonly path: string,
    private readonly lockPath: string,
  ) {}

  static async open(path: string): Promise<LabelFile> {
    const lockPath = `${path}.lock`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fh = await open(lockPath, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
        await fh.writeFile(`${process.pid}\n`);
        await fh.close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new LabelFileError(`${lockPath}: cannot create the lock: ${(err as Error).message}`);
        const pid = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
        if (Number.isInteger(pid) && pid > 0 && pidAlive(pid) && attempt === 0) {
          throw new LabelFileError(`${path} is in use by another workbench (pid ${pid}, lock ${lockPath}); stop it first, or give another label file`);
        }
        await unlink(lockPath).catch(() => undefined);
        if (attempt === 1) throw new LabelFileError(`${lockPath}: cannot take over the stale lock`);
      }
    }
    // create the file (empty) so the label set's pool_labels glob sees it from the start
    const fh = await open(path, constants.O_CREAT | constants.O_APPEND | constants.O_WRONLY, 0o644);
    await fh.close();
    return new LabelFile(path, lockPath);
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const next = this.chain.then(f, f);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Append one row as one line. */
  append(row: LabelRow): Promise<void> {
    const line = `${JSON.stringify(row)}\n`;
    return this.serial(async () => {
      const fh = await open(this.path, constants.O_CREAT | constants.O_APPEND | constants.O_WRONLY, 0o644);
      try {
        const buf = Buffer.from(line, 'utf8');
        const { bytesWritten } = await fh.write(buf, 0, buf.length);
        if (bytesWritten !== buf.length) throw new LabelFileError(`${this.path}: short write (${bytesWritten} of ${buf.length} bytes)`);
        await fh.sync();
      } finally {
        await fh.close();
      }
    });
  }

  /**
   * Remove the last line whose row has this id (the label being undone) and log it to `<file>.undone.log`.
   * Returns the removed row, or null when the file has no row with that id.
   */
  retract(id: string): Promise<LabelRow | null> {
    return this.serial(async () => {
      const text = await readFile(this.path, 'utf8');
      const lines = text.split('\n');
      if (lines.at(-1) === '') lines.pop();
      for (let i = lines.length - 1; i >= 0; i--) {
        let row: unknown;
        try {
          row = JSON.parse(lines[i]!);
        } catch {
          continue;
        }
        if (row !== null && typeof row === 'object' && (row as { id?: unknown }).id === id) {
          const removed = lines.splice(i, 1)[0]!;
          await writeFileAtomic(this.path, lines.length ? `${lines.join('\n')}\n` : '');
          await writeFile(`${this.path}.undone.log`, `${JSON.stringify({ undone_at: new Date().toISOString(), row: JSON.parse(removed) as unknown })}\n`, { flag: 'a' });
          return row as LabelRow;
        }
      }
      return null;
    });
  }

  /** Wait for pending writes, then release the lock. */
  async close(): Promise<void> {
    await this.chain;
    await unlink(this.lockPath).catch(() => undefined);
  }
}
