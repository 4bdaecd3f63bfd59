import { mkdir, open, readFile, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { UsageError } from '../errors.js';
import { trackFile, untrackFile } from '../io/temp-registry.js';

/** Who holds a lock: written into the lock file. */
export interface LockOwner {
  pid: number;
  host: string;
  started_at: string;
  /** Inside a Slurm job: its id, task rank and restart count (a requeued job takes over its own old lock). */
  slurm?: { job_id: string; procid: string; restart: number };
}

/** The holder refreshes its lock's mtime this often ... */
const HEARTBEAT_MS = 30_000;
/** ... so a lock not refreshed for this long is stale, whatever host it is from (generous for clock skew). */
const STALE_MS = 10 * 60_000;

function slurmIdentity(): LockOwner['slurm'] {
  const job = process.env.SLURM_JOB_ID;
  if (job === undefined || job === '') return undefined;
  return { job_id: job, procid: process.env.SLURM_PROCID ?? '0', restart: Number(process.env.SLURM_RESTART_COUNT ?? 0) || 0 };
}

/** Why a lock held by `owner` is stale (its process cannot be running any more), or null when it may be live. */
async function staleness(path: string, owner: LockOwner, me: LockOwner): Promise<string | null> {
  if (owner.host === me.host) return alive(owner.pid) ? null : 'its process is gone';
  const a = owner.slurm;
  const b = me.slurm;
  if (a && b && a.job_id === b.job_id && a.procid === b.procid && a.restart < b.restart) return 'it is of an earlier run of this requeued Slurm job';
  const st = await stat(path).catch(() => null);
  if (st !== null && Date.now() - st.mtimeMs > STALE_MS) return 'it has not been refreshed for over 10 minutes';
  return null;
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
    return typeof o.pid === 'number' && typeof o.host === 'string' ? { ...o, pid: o.pid, host: o.host, started_at: String(o.started_at ?? '?') } : null;
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
 * An exclusive lock: a file created with O_EXCL that holds pid, host and start time; the holder
 * refreshes its mtime every 30 s. A stale lock is taken over: one of a dead process of this host, one
 * of an earlier run of the same requeued Slurm job, or one not refreshed for 10 minutes. The file is
 * tracked, so a signal handler removes it with the temp files.
 */
export class FileLock {
  private readonly heartbeat: NodeJS.Timeout;

  private constructor(readonly path: string) {
    this.heartbeat = setInterval(() => {
      const now = new Date();
      utimes(path, now, now).catch(() => undefined);
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Take the lock or throw a LockHeldError naming `what` and who holds it. */
  static async take(path: string, what: string): Promise<FileLock> {
    await mkdir(dirname(path), { recursive: true });
    const slurm = slurmIdentity();
    const me: LockOwner = { pid: process.pid, host: hostname(), started_at: new Date().toISOString(), ...(slurm && { slurm }) };
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
      if (owner !== null && attempt < 3 && (await staleness(path, owner, me)) !== null) {
        await rm(path, { force: true });
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
    const slurm = slurmIdentity();
    return (await staleness(path, owner, { pid: process.pid, host: hostname(), started_at: '', ...(slurm && { slurm }) })) === null ? owner : null;
  }

  async release(): Promise<void> {
    clearInterval(this.heartbeat);
    await rm(this.path, { force: true });
    untrackFile(this.path);
  }
}
