import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { UsageError } from '../errors.js';
import { trackFile, untrackFile } from '../io/temp-registry.js';

/** Who holds a lock: written into the lock file. */
export interface LockOwner {
  pid: number;
  host: string;
  started_at: string;
}

/** Whether a process of this host is alive (EPERM: it is, but not ours). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    const o = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? { pid: o.pid, host: o.host, started_at: String(o.started_at ?? '?') } : null;
  } catch {
    return null; // gone meanwhile, or being written
  }
}

/** A lock held elsewhere; `owner` is null when the lock file could not be read. */
export class LockHeldError extends UsageError {
  constructor(
    message: string,
    readonly path: string,
    readonly owner: LockOwner | null,
  ) {
    super(message);
  }
}

/**
 * An exclusive lock: a file created with O_EXCL that holds pid, host and start time. A lock left by a
 * dead process of this host is taken over; one from another host cannot be checked and must be removed
 * by hand. The file is tracked, so a signal handler removes it with the temp files.
 */
export class FileLock {
  private constructor(readonly path: string) {}

  /** Take the lock or throw a LockHeldError naming `what` and who holds it. */
  static async take(path: string, what: string): Promise<FileLock> {
    await mkdir(dirname(path), { recursive: true });
    const me: LockOwner = { pid: process.pid, host: hostname(), started_at: new Date().toISOString() };
    for (let attempt = 0; ; attempt++) {
      try {
        const fh = await open(path, 'wx');
        trackFile(path);
        try {
          await fh.writeFile(`${JSON.stringify(me)}\n`);
        } finally {
          await fh.close();
        }
        return new FileLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = await readOwner(path);
      if (owner !== null && owner.host === me.host && !alive(owner.pid) && attempt < 3) {
        await rm(path, { force: true }); // stale: its process is gone
        continue;
      }
      const who = owner === null ? 'another process (its lock file is empty or unreadable)' : `pid ${owner.pid} on ${owner.host} since ${owner.started_at}`;
      throw new LockHeldError(`${what} is being run by ${who} (lock ${path}); wait for it to finish, or remove the lock file if that process is gone`, path, owner);
    }
  }

  /** Take the lock, waiting (polling) while a live process holds it, for at most `timeoutMs`. */
  static async wait(path: string, what: string, timeoutMs: number): Promise<FileLock> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await FileLock.take(path, what);
      } catch (err) {
        if (!(err instanceof LockHeldError) || Date.now() >= until) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** The owner of a lock file when it is held by a live process (or one of another host), else null. */
  static async heldBy(path: string): Promise<LockOwner | null> {
    const owner = await readOwner(path);
    if (owner === null) return null;
    return owner.host !== hostname() || alive(owner.pid) ? owner : null;
  }

  async release(): Promise<void> {
    await rm(this.path, { force: true });
    untrackFile(this.path);
  }
}
